"""Importing rows of text (CSV/TSV files, pasted text) as notes.

A row becomes a note of the chosen note type in the chosen deck. A row whose
GUID column names a note of this user updates it; without a GUID column, a
note of the same type with the same first field is updated instead (Anki's
"update existing notes" default), so importing the same list twice adds
nothing twice.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from flashcards.models import Card, Deck, Note, NoteType, format_tags
from flashcards.services.decks import create_deck, split_deck_name
from flashcards.services.notes import MAX_FIELD_LENGTH, card_ords_for
from flashcards.services.notetypes import ensure_stock_note_types
from flashcards.text import strip_html
from imports.errors import ImportError_, TextFormatError
from imports.services.common import BATCH, ImportReport, Progress, chunks
from imports.text_import import (
    IGNORE,
    TAGS,
    TextImportSpec,
    field_html,
    read_rows,
    split_header,
    split_pasted,
)

_MESSAGES = {
    "unknown_type": "{n} row(s) name a note type you don't have; they were skipped.",
    "bad_deck": "{n} row(s) name a deck that can't be used; they were skipped.",
    "empty": "{n} row(s) had no field values; they were skipped.",
    "no_cards": "{n} row(s) would make no cards with their note type; they were skipped.",
    "too_long": "{n} row(s) have a field over a million characters; they were skipped.",
    "repeated": "{n} row(s) repeat an earlier row's first field; they were skipped.",
    "type_conflict": (
        "{n} row(s) have the GUID of a note of another note type; they were left unchanged."
    ),
}


def text_rows(text: str, spec: TextImportSpec) -> list[list[str]]:
    """The rows to import: pasted text split by its separators, or a file's CSV rows."""
    if spec.pasted:
        rows = split_pasted(text, spec.separator, spec.row_separator)
    else:
        _, body = split_header(text)
        rows = read_rows(body, spec.separator)
    if spec.first_row_is_header and rows:
        rows = rows[1:]
    return rows


class _TextImport:
    def __init__(self, *, user: User, spec: TextImportSpec, progress: Progress | None) -> None:
        self.user = user
        self.spec = spec
        self.progress = progress
        self.report = ImportReport()
        self.counts: dict[str, int] = {}
        self.now = timezone.now()
        self.note_types = {nt.name.casefold(): nt for nt in ensure_stock_note_types(owner=user)}
        self.decks: dict[str, Deck | None] = {}
        self.deck_names_before = set(
            Deck.objects.filter(owner=user).values_list("full_name", flat=True)
        )
        self.seen: set[tuple[int, str]] = set()
        self.used_decks: set[str] = set()
        self.special = {
            column
            for column in (
                spec.notetype_column,
                spec.deck_column,
                spec.tags_column,
                spec.guid_column,
            )
            if column is not None
        }

    def count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    def deck(self, name: str) -> Deck | None:
        key = name.strip()
        if key not in self.decks:
            try:
                self.decks[key] = create_deck(owner=self.user, full_name=key or "Default")
            except ValidationError:
                self.decks[key] = None
        return self.decks[key]

    def note_type_for(self, row: list[str]) -> NoteType | None:
        name = self.spec.note_type
        if self.spec.notetype_column is not None:
            name = _cell(row, self.spec.notetype_column) or name
        return self.note_types.get(name.strip().casefold())

    def columns_for(self, note_type: NoteType, width: int) -> list[str]:
        if self.spec.columns:
            return self.spec.columns
        names = list(note_type.field_names)
        columns = []
        for index in range(width):
            if index in self.special:
                columns.append(IGNORE)
            else:
                columns.append(names.pop(0) if names else IGNORE)
        return columns

    def run(self, rows: list[list[str]]) -> ImportReport:
        if not rows:
            raise TextFormatError("There was nothing to import: the text has no rows.")
        if self.spec.notetype_column is None and self.note_type_for([]) is None:
            raise ImportError_(f"You have no note type called “{self.spec.note_type}”.")
        try:
            split_deck_name(self.spec.deck or "Default")
        except ValidationError:
            raise ImportError_(f"“{self.spec.deck}” can't be used as a deck name.") from None
        done = 0
        for batch in chunks(rows, BATCH):
            self.import_batch(batch)
            done += len(batch)
            if self.progress is not None:
                self.progress(done, len(rows))
        for key, template in _MESSAGES.items():
            if self.counts.get(key):
                self.report.warnings.append(template.format(n=self.counts[key]))
        self.report.notes_skipped = sum(self.counts.values())
        self.report.decks = sorted(self.used_decks)
        self.report.decks_created = len(
            set(Deck.objects.filter(owner=self.user).values_list("full_name", flat=True))
            - self.deck_names_before
        )
        return self.report

    def prepare(self, row: list[str]) -> tuple[NoteType, Deck, list[str], str | None, str] | None:
        spec = self.spec
        note_type = self.note_type_for(row)
        if note_type is None:
            self.count("unknown_type")
            return None
        deck_name = spec.deck
        if spec.deck_column is not None:
            deck_name = _cell(row, spec.deck_column) or deck_name
        deck = self.deck(deck_name)
        if deck is None:
            self.count("bad_deck")
            return None
        values = dict.fromkeys(note_type.field_names, "")
        tags = list(spec.tags)
        if spec.tags_column is not None:
            tags += _cell(row, spec.tags_column).split()
        for index, target in enumerate(self.columns_for(note_type, len(row))):
            if index >= len(row) or target == IGNORE:
                continue
            if target == TAGS:
                tags += row[index].split()
            elif target in values:
                values[target] = field_html(row[index], is_html=spec.html).replace("\x1f", " ")
        fields = list(values.values())
        if not any(value.strip() for value in fields):
            self.count("empty")
            return None
        if any(len(value) > MAX_FIELD_LENGTH for value in fields):
            self.count("too_long")
            return None
        guid = _cell(row, spec.guid_column).strip()[:64] if spec.guid_column is not None else None
        has_tags = bool(tags) or spec.tags_column is not None or TAGS in spec.columns
        return note_type, deck, fields, guid or None, format_tags(tags) if has_tags else ""

    def import_batch(self, rows: list[list[str]]) -> None:
        prepared = [item for item in (self.prepare(row) for row in rows) if item is not None]
        by_guid = {
            note.guid: note
            for note in Note.objects.filter(
                owner=self.user, guid__in=[item[3] for item in prepared if item[3]]
            )
        }
        firsts = [strip_html(item[2][0])[:255] for item in prepared if not item[3]]
        by_first: dict[tuple[int, str], Note] = {}
        for note in Note.objects.filter(owner=self.user, first_field__in=firsts).order_by("id"):
            by_first.setdefault((note.note_type_id, note.flds.split("\x1f")[0]), note)
        new_notes: list[tuple[Note, Deck, list[int]]] = []
        updated: list[tuple[Note, Deck, list[int]]] = []
        changed: list[Note] = []
        for note_type, deck, fields, guid, tags in prepared:
            key = (note_type.pk, fields[0])
            if key in self.seen:
                self.count("repeated")
                continue
            self.seen.add(key)
            note = by_guid.get(guid) if guid else by_first.get(key)
            ords = card_ords_for(note_type, fields)
            if not ords:
                self.count("no_cards")
                continue
            self.used_decks.add(deck.full_name)
            flds = "\x1f".join(fields)
            if note is None:
                note = Note(owner=self.user, note_type=note_type, flds=flds, tags=tags)
                if guid:
                    note.guid = guid
                _derive(note, note_type)
                new_notes.append((note, deck, ords))
                continue
            if note.note_type_id != note_type.pk:
                self.count("type_conflict")
                continue
            new_tags = tags if tags or self.spec.tags_column is not None else note.tags
            if note.flds != flds or note.tags != new_tags:
                note.flds, note.tags, note.modified = flds, new_tags, self.now
                _derive(note, note_type)
                changed.append(note)
                self.report.notes_updated += 1
            else:
                self.report.notes_unchanged += 1
            updated.append((note, deck, ords))
        Note.objects.bulk_create([note for note, _, _ in new_notes])
        self.report.notes_added += len(new_notes)
        Note.objects.bulk_update(changed, ["flds", "tags", "sort_value", "first_field", "modified"])
        cards = [
            Card(note_id=note.pk, deck_id=deck.pk, ord=ord_)
            for note, deck, ords in new_notes
            for ord_ in ords
        ]
        have: dict[int, set[int]] = {}
        for note_id, ord_ in Card.objects.filter(
            note_id__in=[note.pk for note, _, _ in updated]
        ).values_list("note_id", "ord"):
            have.setdefault(note_id, set()).add(ord_)
        for note, deck, ords in updated:
            cards += [
                Card(note_id=note.pk, deck_id=deck.pk, ord=ord_)
                for ord_ in ords
                if ord_ not in have.get(note.pk, set())
            ]
        Card.objects.bulk_create(cards)
        self.report.cards += len(cards)


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index]


def _derive(note: Note, note_type: NoteType) -> None:
    values = note.flds.split("\x1f")
    note.sort_value = strip_html(values[min(note_type.sort_field, len(values) - 1)])[:255]
    note.first_field = strip_html(values[0])[:255]


@transaction.atomic
def import_text(
    *, user: User, text: str, spec: TextImportSpec, progress: Progress | None = None
) -> ImportReport:
    """Import CSV/TSV or pasted text as notes, all or nothing; raises ImportError_."""
    return _TextImport(user=user, spec=spec, progress=progress).run(text_rows(text, spec))
