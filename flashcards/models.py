"""Anki's content model: decks, note types, notes, cards and media.

The shapes follow Anki's collection so import and export lose nothing: note
types keep their Anki ids, notes keep their GUIDs, fields are stored joined by
the unit separator as Anki stores them. Scheduling is not here: every learner
has their own state per card (reviews.CardState).
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from typing import Any

from django.conf import settings
from django.db import models

FIELD_SEPARATOR = "\x1f"
DECK_SEPARATOR = "::"

# Anki's guid64(): a random 64-bit number written in base 91 with this alphabet.
_GUID_ALPHABET = string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_`{|}~"


def new_guid() -> str:
    number = secrets.randbits(64)
    digits = []
    while True:
        number, rem = divmod(number, len(_GUID_ALPHABET))
        digits.append(_GUID_ALPHABET[rem])
        if number == 0:
            break
    return "".join(reversed(digits))


_last_anki_id = 0
_anki_id_lock = threading.Lock()


def new_anki_id() -> int:
    """Anki ids are millisecond timestamps (Anki shows them as creation times).

    Ids handed out in the same millisecond step forward one by one, as Anki
    does when it adds many notes at once, so they stay unique in a process.
    """
    global _last_anki_id
    with _anki_id_lock:
        _last_anki_id = max(int(time.time() * 1000), _last_anki_id + 1)
        return _last_anki_id


def new_model_id() -> int:
    """An id for a deck or note type that Anki itself would never hand out.

    Anki numbers its own decks and note types by the millisecond they were
    made, so a timestamp here could meet a note type of the importing
    collection and Anki would renumber ours. Random ids below any timestamp
    since 1988 (as genanki advises) keep re-exports landing on the same ids.
    """
    return secrets.randbelow((1 << 39) - (1 << 31)) + (1 << 31)


class Deck(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="decks"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=200)  # the leaf name, without "Parent::"
    # The whole path, "Parent::Child", kept in step by services.rename/move.
    full_name = models.CharField(max_length=1000)
    description = models.TextField(blank=True)
    anki_id = models.BigIntegerField(default=new_model_id)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "full_name"], name="deck_unique_path"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def depth(self) -> int:
        return self.full_name.count(DECK_SEPARATOR)

    @property
    def leaf_name(self) -> str:
        return self.name


class NoteType(models.Model):
    STANDARD = "standard"
    CLOZE = "cloze"
    KIND_CHOICES = [(STANDARD, "Standard"), (CLOZE, "Cloze")]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_types"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=KIND_CHOICES, default=STANDARD)
    # [{"name": "Front", "font": "Arial", "size": 20, "rtl": false, "sticky": false}, ...]
    fields = models.JSONField(default=list)
    # [{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}]
    templates = models.JSONField(default=list)
    css = models.TextField(blank=True)
    sort_field = models.PositiveSmallIntegerField(default=0)
    latex_pre = models.TextField(blank=True)
    latex_post = models.TextField(blank=True)
    # Which stock type this is ("basic", "cloze", ...), empty for custom types.
    stock_kind = models.CharField(max_length=32, blank=True)
    anki_id = models.BigIntegerField(default=new_model_id)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "anki_id"], name="notetype_unique_anki_id"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_cloze(self) -> bool:
        return self.kind == self.CLOZE

    @property
    def field_names(self) -> list[str]:
        return [field["name"] for field in self.fields]


class Note(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes"
    )
    note_type = models.ForeignKey(NoteType, on_delete=models.PROTECT, related_name="notes")
    guid = models.CharField(max_length=64, default=new_guid)
    # Field values joined by U+001F, in the note type's field order (Anki's `flds`).
    flds = models.TextField(default="")
    # Space-separated tags with a leading and trailing space (" a b "), so a
    # tag search is a plain LIKE on " tag ".
    tags = models.TextField(default="", blank=True)
    # Plain text of the sort field, for the browser's sort column.
    sort_value = models.CharField(max_length=255, default="", blank=True, db_index=True)
    # Plain text of the first field, for duplicate checks (Anki's `csum`).
    first_field = models.CharField(max_length=255, default="", blank=True)
    anki_id = models.BigIntegerField(default=new_anki_id)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "guid"], name="note_unique_guid"),
        ]
        indexes = [models.Index(fields=["owner", "first_field"])]

    def __str__(self) -> str:
        return self.sort_value or self.guid

    @property
    def fields(self) -> list[str]:
        return self.flds.split(FIELD_SEPARATOR)

    @fields.setter
    def fields(self, values: list[str]) -> None:
        self.flds = FIELD_SEPARATOR.join(values)

    def field_map(self) -> dict[str, str]:
        values = self.fields
        names = self.note_type.field_names
        return {name: values[i] if i < len(values) else "" for i, name in enumerate(names)}

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()

    @tag_list.setter
    def tag_list(self, values: list[str]) -> None:
        self.tags = format_tags(values)


def format_tags(values: Any) -> str:
    seen: dict[str, None] = {}
    for value in values:
        for tag in str(value).split():
            if tag.lower() not in {t.lower() for t in seen}:
                seen[tag] = None
    return f" {' '.join(seen)} " if seen else ""


class Card(models.Model):
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="cards")
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="cards")
    # Template ordinal for standard note types, cloze number - 1 for cloze.
    ord = models.PositiveSmallIntegerField()
    anki_id = models.BigIntegerField(default=new_anki_id)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "ord"], name="card_unique_ord"),
        ]
        indexes = [models.Index(fields=["deck", "note"])]

    def __str__(self) -> str:
        return f"{self.note} #{self.ord + 1}"


class Media(models.Model):
    """A file referenced from fields by name, stored once per content hash."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="media"
    )
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "filename"], name="media_unique_name"),
        ]
        indexes = [models.Index(fields=["sha256"])]

    def __str__(self) -> str:
        return self.filename

    @property
    def storage_path(self) -> str:
        return f"{self.sha256[:2]}/{self.sha256}"
