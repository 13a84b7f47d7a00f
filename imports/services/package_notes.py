"""The notes and cards of a package import.

`NotesMixin` is the part of `packages._PackageImport` that writes a package's
notes and their cards: a note is matched by GUID (a known note gets the
package's fields and tags, and keeps its cards and everyone's progress on them;
cards it lacks are added), and a note that breaks a rule is skipped and counted
for the report. On SQLite the "plain" notes are copied by the database itself
(imports.services.sqlite_copy) and only the rest come through Python.

The module's functions work out a note's derived columns (sort_value,
first_field, tags as stored) and point fields at renamed media files; the
SQLite fast path uses `_derived_columns` too, so both paths store the same text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from contextlib import closing
from datetime import datetime

from django.db import connection

from accounts.models import User
from flashcards.models import Card, Note, NoteType, new_guid
from flashcards.services.notes import MAX_FIELD_LENGTH
from flashcards.text import strip_html
from imports.apkg import AnkiPackage
from imports.bulk import BulkInserter, first_free_id, new_ids
from imports.services.common import ImportReport
from imports.services.sqlite_copy import SqliteCopy

# Notes looked up and written together: one query for the GUIDs already here per batch.
NOTE_BATCH = 1000


class NotesMixin:
    """Writes a package's notes and cards; mixed into packages._PackageImport.

    The import sets the state below (note types and decks are imported before
    the notes, media before them too so `renames` is complete) and provides
    `count(key, n=1)` for the report's tallies and `tick(n)` for progress.
    `_import_notes` sets `sql` to None when it leaves the SQLite fast path, so
    the steps after it take the Python path too.
    """

    user: User
    package: AnkiPackage
    sql: SqliteCopy | None
    report: ImportReport
    now: datetime
    note_types: dict[int, NoteType]  # by Anki id
    skipped_types: set[int]  # Anki ids of note types that could not be imported
    deck_pks: dict[int, int]  # Anki deck id -> Deck pk
    renames: dict[str, str]  # media file name in the package -> name stored here
    card_map: dict[int, tuple[int, int, bool]]
    seen_guids: set[str]
    note_rows: BulkInserter
    card_rows: BulkInserter
    count: Callable[..., None]
    tick: Callable[..., None]

    def _import_notes(self) -> None:
        # A collection with no notes yet (a first import) has no GUIDs to look up.
        self.may_have_guids = Note.objects.filter(owner=self.user).exists()
        sql = self.sql
        if sql is not None and (self.renames or not sql.notes_are_plain()):
            sql = self.sql = None
        rows = self.package.notes()
        if sql is not None:
            copied = sql.copy_plain_notes(
                owner_pk=self.user.pk,
                note_types=self.note_types,
                deck_pks=self.deck_pks,
                may_have_guids=self.may_have_guids,
                notes=self.note_rows,
                cards=self.card_rows,
                first_note_id=first_free_id(Note),
                first_card_id=first_free_id(Card),
                derive=_derived_columns,
            )
            # The copied cards stay in SQL (the review log is copied by card there, too):
            # self.card_map holds the Python path's.
            self.report.notes_added += copied
            self.report.cards += sql.copied_cards()
            self.tick(copied)
            rows = sql.odd_notes()
        batch: list[tuple] = []
        with closing(rows):  # a failure leaves no statement running on the package
            for row in rows:
                batch.append(row)
                if len(batch) >= NOTE_BATCH:
                    self._import_batch(batch)
                    self.tick(len(batch))
                    batch = []
        if batch:
            self._import_batch(batch)
            self.tick(len(batch))
        if sql is not None:
            sql.add_cards(list(self.card_map.items()))

    def _prepare(
        self, mid: int, guid: str, flds: str, cards: list[tuple[int, int, int]]
    ) -> tuple[NoteType, str, str, list[tuple[int, int, int]]] | None:
        """(note type, GUID, fields, cards) of a note that fits, or None (counted)."""
        note_type = self.note_types.get(mid)
        if note_type is None:
            self.count("bad_type" if mid in self.skipped_types else "unknown_type")
            return None
        if not cards:
            self.count("no_cards")
            return None
        guid = guid.strip()
        if len(guid) > 64:
            self.count("bad_guid")
            return None
        if not guid:
            guid = new_guid()
        if guid in self.seen_guids:
            self.count("duplicate_guid")
            return None
        field_count = len(note_type.fields)
        if flds.count("\x1f") != field_count - 1:
            values = flds.split("\x1f")
            if any(values[field_count:]):
                self.count("extra_fields")
            values = values[:field_count] + [""] * (field_count - len(values))
            flds = "\x1f".join(values)
        if len(flds) > MAX_FIELD_LENGTH and max(map(len, flds.split("\x1f"))) > MAX_FIELD_LENGTH:
            self.count("too_long")
            return None
        if self.renames:
            flds = "\x1f".join(self._point_at_renamed_media(value) for value in flds.split("\x1f"))
        limit = 500 if note_type.is_cloze else len(note_type.templates)
        if len(cards) > 1 or not 0 <= cards[0][2] < limit:
            ords: set[int] = set()
            kept = []
            for card in cards:
                if 0 <= card[2] < limit and card[2] not in ords:
                    ords.add(card[2])
                    kept.append(card)
                else:
                    self.count("bad_cards")
            if not kept:
                return None
            cards = kept
        self.seen_guids.add(guid)
        return note_type, guid, flds, cards

    def _point_at_renamed_media(self, value: str) -> str:
        for old, new in self.renames.items():
            if old in value:
                value = _replace_media_name(value, old, new)
        return value

    @staticmethod
    def _derived(flds: str, note_type: NoteType) -> tuple[str, str]:
        """(sort_value, first_field): plain text of the sort field and of the first field."""
        first = _plain_field(flds, 0)
        return (_plain_field(flds, note_type.sort_field) if note_type.sort_field else first), first

    def _existing_notes(self, guids: list[str]) -> dict[str, tuple[int, int, str, str]]:
        """The user's notes with these GUIDs: guid -> (id, note type id, fields, tags)."""
        if not self.may_have_guids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT guid, id, note_type_id, flds, tags FROM flashcards_note "
                f"WHERE owner_id = %s AND guid IN ({', '.join(['%s'] * len(guids))})",
                [self.user.pk, *guids],
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}

    def _import_batch(self, rows: list[tuple]) -> None:
        prepared = []
        for anki_id, guid, mid, tags, flds, cards in rows:
            ready = self._prepare(mid, guid, flds, cards)
            if ready is not None:
                prepared.append((anki_id, tags, *ready))
        if not prepared:
            return
        existing = self._existing_notes([item[3] for item in prepared])
        user_pk = self.user.pk
        deck_pks = self.deck_pks
        fallback = next(iter(deck_pks.values()))
        card_map = self.card_map
        now = Note._meta.get_field("modified").get_db_prep_save(self.now, connection)
        new_notes: list[tuple] = []
        kept: list[tuple[int, list[tuple[int, int, int]]]] = []
        changed: list[tuple] = []
        for anki_id, tags, note_type, guid, flds, cards in prepared:
            tags = _format_tags(tags)
            note = existing.get(guid)
            if note is None:
                new_notes.append((anki_id, note_type, guid, flds, tags, cards))
                continue
            note_id, note_type_id, old_flds, old_tags = note
            if note_type_id != note_type.pk:
                self.count("type_conflict")
                continue
            if old_flds != flds or old_tags != tags:
                changed.append((flds, tags, *self._derived(flds, note_type), now, note_id))
                self.report.notes_updated += 1
            else:
                self.report.notes_unchanged += 1
            kept.append((note_id, cards))
        note_rows = []
        card_rows = []
        new_cards = []  # (note id, package card) of cards to add
        for note_id, (anki_id, note_type, guid, flds, tags, cards) in zip(
            new_ids(Note, len(new_notes)), new_notes, strict=True
        ):
            note_rows.append(
                (note_id, user_pk, note_type.pk, guid, flds, tags)
                + self._derived(flds, note_type)
                + (anki_id,)
            )
            new_cards.extend((note_id, card) for card in cards)
        if kept:
            have: dict[int, dict[int, tuple[int, int]]] = {}
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT note_id, ord, id, deck_id FROM flashcards_card "
                    f"WHERE note_id IN ({', '.join(['%s'] * len(kept))})",
                    [note_id for note_id, _ in kept],
                )
                for note_id, ord_, card_id, deck_id in cursor.fetchall():
                    have.setdefault(note_id, {})[ord_] = (card_id, deck_id)
            for note_id, cards in kept:
                own = have.get(note_id, {})
                for card in cards:
                    if card[2] in own:
                        card_map[card[0]] = (*own[card[2]], True)
                    else:
                        new_cards.append((note_id, card))
        for card_id, (note_id, (anki_card_id, anki_deck_id, ord_)) in zip(
            new_ids(Card, len(new_cards)), new_cards, strict=True
        ):
            deck_pk = deck_pks.get(anki_deck_id, fallback)
            card_rows.append((card_id, note_id, deck_pk, ord_, anki_card_id))
            card_map[anki_card_id] = (card_id, deck_pk, False)
        self.note_rows.insert(note_rows)
        self.report.notes_added += len(note_rows)
        if changed:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE flashcards_note SET flds = %s, tags = %s, sort_value = %s, "
                    "first_field = %s, modified = %s WHERE id = %s",
                    changed,
                )
        self.card_rows.insert(card_rows)
        self.report.cards += len(card_rows)


def _derived_columns(flds: str, tags: str, sort_field: int) -> tuple[str, str, str]:
    """A new note's sort_value, first_field and tags, from the package's fields and tags."""
    first = _plain_field(flds, 0)
    formatted = _TAGS_SEEN.get(tags)
    if formatted is None:
        if len(_TAGS_SEEN) > 10_000:
            _TAGS_SEEN.clear()
        formatted = _TAGS_SEEN[tags] = _format_tags(tags)
    return (_plain_field(flds, sort_field) if sort_field else first), first, formatted


# A package's notes mostly share a few sets of tags: each is formatted once.
_TAGS_SEEN: dict[str, str] = {}


def _plain_field(flds: str, index: int) -> str:
    """Note.sort_value / first_field: the plain text of field `index` (the last field if
    there are fewer), cut to 255 characters."""
    if not index:
        return _plain(flds.partition("\x1f")[0])[:255]
    values = flds.split("\x1f")
    return _plain(values[min(index, len(values) - 1)])[:255]


_TAG = re.compile(r"<[^>]*>", re.S)
_LINE_BREAK = re.compile(r"<br\s*/?>|<div>", re.I)


def _plain(text: str) -> str:
    """flashcards.text.strip_html, done quicker for the usual field: markup with no
    comments, style, script, sound tags or entities needs only its tags removed (line
    breaks becoming spaces) and its spaces folded."""
    if "<" not in text and "&" not in text and "[" not in text:
        return " ".join(text.split())
    if "&" in text or "[sound:" in text or "<!--" in text:
        return strip_html(text)
    lower = text.lower()
    if "<s" in lower:  # style or script, perhaps
        return strip_html(text)
    if "<br" in lower or "<div>" in lower:
        text = _LINE_BREAK.sub(" ", text)
    return " ".join(_TAG.sub("", text).split())


def _format_tags(text: str) -> str:
    """flashcards.models.format_tags for a package's tags: first spelling of each wins."""
    tags = text.split()
    if not tags:
        return ""
    if len(tags) == 1 or len({tag.lower() for tag in tags}) == len(tags):
        return f" {' '.join(tags)} "
    seen: set[str] = set()
    kept = []
    for tag in tags:
        folded = tag.lower()
        if folded not in seen:
            seen.add(folded)
            kept.append(tag)
    return f" {' '.join(kept)} " if kept else ""


def _replace_media_name(value: str, old: str, new: str) -> str:
    """Point <img src> and [sound:] references at a file's new name."""
    for old_form, new_form in ((old, new), (html.escape(old), html.escape(new))):
        value = value.replace(f"[sound:{old_form}]", f"[sound:{new_form}]")
        value = re.sub(
            r"""(<img\b[^>]*?\bsrc\s*=\s*)(["']?)""" + re.escape(old_form) + r"""(?=["'\s>/])""",
            lambda m, n=new_form: m.group(1) + m.group(2) + n,
            value,
            flags=re.I,
        )
    return value
