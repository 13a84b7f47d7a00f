"""Write Anki packages (.apkg) with genanki: the only module that imports genanki.

Django-free: it takes plain data (the dataclasses below) and writes a package.

What it adds to plain genanki:
- ids are ours, so every export of the same content is the same to Anki: note
  type ids are NoteType.anki_id, deck ids Deck.anki_id, note GUIDs Note.guid,
  note and card ids Note.anki_id and Card.anki_id;
- the cards are the ones Deckhand has (genanki would guess them from the
  templates again), each in its own deck, with the note's modification time so
  Anki's "update if newer" sees edits;
- notes are streamed into the collection one at a time, never held in a list;
- a hook to change the collection before it is zipped (learning progress);
- the package is compressed (genanki stores it uncompressed);
- only media the notes and their note types refer to goes in; referenced
  files that cannot be found are left out and listed in the result.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import genanki
from genanki.apkg_schema import APKG_SCHEMA

from exports.records import CLOZE, ExportDeck, ExportNote, ExportNoteType
from flashcards.text import media_references

# Formats that are compressed already: deflating them again only costs time.
_STORED_EXTENSIONS = {
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".mp3", ".ogg", ".oga", ".opus",
    ".m4a", ".aac", ".flac", ".mp4", ".webm", ".ogv", ".mov", ".zip", ".gz", ".woff", ".woff2",
}  # fmt: skip

# Anki ships files whose names start with "_" with a note type when its
# templates or CSS refer to them (fonts, scripts, images used on every card).
_UNDERSCORED_REFERENCE = re.compile(
    r"""(?:\b(?:src|href|data)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])(_[^"'()\s<>]+)""",
    re.I,
)

# A cheap first look for media references (no re.I: it makes every search slower).
_MEDIA_HINT = re.compile(r"<[iI][mM][gG]|\[sound:")

# genanki's schema makes these indexes; _write_collection makes them after the rows.
_INDEX_STATEMENTS = re.findall(r"CREATE INDEX [^;]+;", APKG_SCHEMA)
_INDEX_NAMES = [statement.split()[2] for statement in _INDEX_STATEMENTS]

# A collection to fill in before zipping, given the open connection and the cards
# whose ids had to change (ExportCard.key -> id in the package).
CollectionHook = Callable[[sqlite3.Connection, Mapping[Any, int]], None]
# Given the names referenced, where their bytes are: a path or the bytes.
MediaResolver = Callable[[set[str]], Mapping[str, "Path | bytes"]]


@dataclass
class ApkgResult:
    notes: int = 0
    cards: int = 0
    media: list[str] = field(default_factory=list)
    missing_media: list[str] = field(default_factory=list)
    # Cards written under another id than their anki_id, because it was taken.
    changed_card_ids: dict[Any, int] = field(default_factory=dict)


def template_media_names(note_types: Iterable[ExportNoteType]) -> set[str]:
    """The "_"-prefixed files the templates and CSS of these note types refer to."""
    names: set[str] = set()
    for note_type in note_types:
        texts = [note_type.css]
        for template in note_type.templates:
            texts.extend(str(template.get(side, "")) for side in ("qfmt", "afmt"))
        for text in texts:
            names.update(_UNDERSCORED_REFERENCE.findall(text))
    return names


class _Model(genanki.Model):
    @property
    def _req(self) -> list:
        # genanki works out Anki's legacy "required fields" list by rendering the
        # templates with chevron, and gives up on some valid templates. Current
        # Anki computes this itself and ignores the list, so a failure is harmless.
        try:
            return genanki.Model._req.func(self)  # type: ignore[attr-defined]
        except Exception:
            return []


class _Card(genanki.Card):
    """A card that goes to its own deck, not to its note's."""

    def __init__(self, ord: int, deck_id: int) -> None:
        super().__init__(ord)
        self.deck_id = deck_id

    def write_to_db(self, cursor, timestamp, deck_id, note_id, id_gen, due=0):  # noqa: ANN001
        super().write_to_db(cursor, timestamp, self.deck_id, note_id, id_gen, due)


class _Note(genanki.Note):
    """A note whose cards are given, instead of guessed again from the templates."""

    def __init__(self, *, export_cards: list[_Card], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._export_cards = export_cards

    @property
    def cards(self) -> list[_Card]:  # type: ignore[override]
        return self._export_cards

    def _check_invalid_html_tags_in_fields(self) -> None:
        # genanki warns about HTML it finds odd; fields are the user's own HTML,
        # already sanitized on display, and Anki takes them as they are.
        return None


def _model(note_type: ExportNoteType) -> _Model:
    return _Model(
        model_id=note_type.anki_id,
        name=note_type.name,
        fields=[dict(copy.deepcopy(f)) for f in note_type.fields],
        templates=[dict(copy.deepcopy(t)) for t in note_type.templates],
        css=note_type.css,
        model_type=genanki.Model.CLOZE if note_type.kind == CLOZE else genanki.Model.FRONT_BACK,
        latex_pre=note_type.latex_pre or genanki.Model.DEFAULT_LATEX_PRE,
        latex_post=note_type.latex_post or genanki.Model.DEFAULT_LATEX_POST,
        sort_field_index=note_type.sort_field,
    )


def _with_parents(decks: Sequence[ExportDeck]) -> list[ExportDeck]:
    """Anki needs every level of "A::B::C"; invent ids only for levels not given."""
    by_name = {deck.full_name: deck for deck in decks}
    used_ids = {deck.anki_id for deck in decks}
    for deck in list(decks):
        parts = deck.full_name.split("::")
        for depth in range(1, len(parts)):
            name = "::".join(parts[:depth])
            if name not in by_name:
                new_id = deck.anki_id - depth
                while new_id in used_ids:
                    new_id -= 1
                used_ids.add(new_id)
                by_name[name] = ExportDeck(anki_id=new_id, full_name=name)
    return sorted(by_name.values(), key=lambda deck: deck.full_name)


def _free_ids(
    cursor: sqlite3.Cursor, guid: str, note_id: int, card_ids: list[int]
) -> tuple[int, list[int]]:
    """After an id clash, undo the note's partial write and pick unused ids.

    Ids are unique in the database, so a clash is what finds the rare repeated
    id, with no bookkeeping for the other 99,999 notes. (No rollback: the
    scratch database runs without a journal.)
    """
    row = cursor.execute("SELECT guid FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is not None and row[0] == guid:  # ours: the clash was one of its cards
        cursor.execute("DELETE FROM cards WHERE nid = ?", (note_id,))
        cursor.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    elif row is not None:
        (note_id,) = cursor.execute("SELECT max(id) + 1 FROM notes").fetchone()
    (next_card_id,) = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM cards").fetchone()
    free: list[int] = []
    for card_id in card_ids:
        taken = (
            card_id in free
            or cursor.execute("SELECT 1 FROM cards WHERE id = ?", (card_id,)).fetchone()
        )
        if taken:
            card_id, next_card_id = next_card_id, next_card_id + 1
        free.append(card_id)
    return note_id, free


def _write_collection(
    db_path: Path,
    *,
    decks: Sequence[ExportDeck],
    note_types: Sequence[ExportNoteType],
    notes: Iterable[ExportNote],
    timestamp: float,
    result: ApkgResult,
    referenced: set[str],
    progress: Callable[[int], None] | None,
) -> None:
    conn = sqlite3.connect(db_path)
    try:
        # A scratch file: nothing to recover after a crash, so skip the journal.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        cursor = conn.cursor()
        models = {note_type.anki_id: _model(note_type) for note_type in note_types}
        genanki_decks = [
            genanki.Deck(deck_id=deck.anki_id, name=deck.full_name, description=deck.description)
            for deck in _with_parents(decks)
        ]
        for model in models.values():
            genanki_decks[0].add_model(model)
        genanki.Package(genanki_decks).write_to_db(cursor, timestamp, iter(()))
        # Indexes built once after the rows are in are faster to make than indexes
        # kept up to date row by row, and come out smaller.
        for name in _INDEX_NAMES:
            cursor.execute(f"DROP INDEX {name}")

        field_counts = {anki_id: len(model.fields) for anki_id, model in models.items()}
        for note in notes:
            model = models[note.note_type_id]
            count = field_counts[note.note_type_id]
            values = list(note.fields)
            if len(values) != count:
                values = values[:count] + [""] * (count - len(values))
            cards = [_Card(card.ord, card.deck_anki_id) for card in note.cards]
            genanki_note = _Note(
                model=model,
                fields=values,
                tags=list(note.tags),
                guid=note.guid,
                due=note.position,
                export_cards=cards,
            )
            note_id, card_ids = note.anki_id, [card.anki_id for card in note.cards]
            while True:
                try:
                    genanki_note.write_to_db(
                        cursor, note.modified, cards[0].deck_id, iter([note_id, *card_ids])
                    )
                    break
                except sqlite3.IntegrityError:
                    note_id, card_ids = _free_ids(cursor, note.guid, note_id, card_ids)
            for card, card_id in zip(note.cards, card_ids, strict=True):
                if card_id != card.anki_id:
                    result.changed_card_ids[card.key] = card_id
            if _MEDIA_HINT.search("\x1f".join(values)):
                for value in values:
                    referenced.update(media_references(value))
            result.notes += 1
            result.cards += len(cards)
            if progress is not None and result.notes % 1000 == 0:
                progress(result.notes)
        cursor.executescript("\n".join(_INDEX_STATEMENTS))
        conn.commit()
    finally:
        conn.close()


def _available(source: Path | bytes) -> bool:
    return isinstance(source, bytes | bytearray) or Path(source).is_file()


def _zip_package(
    out: str | os.PathLike[str] | IO[bytes],
    db_path: Path,
    media: Mapping[str, Path | bytes],
    compresslevel: int,
) -> None:
    with zipfile.ZipFile(
        out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as archive:
        archive.write(db_path, "collection.anki2")
        names = sorted(media)
        archive.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}))
        for index, name in enumerate(names):
            source = media[name]
            compress = (
                zipfile.ZIP_STORED
                if os.path.splitext(name)[1].lower() in _STORED_EXTENSIONS
                else zipfile.ZIP_DEFLATED
            )
            if isinstance(source, bytes | bytearray):
                archive.writestr(str(index), bytes(source), compress_type=compress)
            else:
                info = zipfile.ZipInfo(str(index), date_time=time.localtime()[:6])
                info.compress_type = compress
                with open(source, "rb") as src, archive.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)


def write_apkg(
    out: str | os.PathLike[str] | IO[bytes],
    *,
    decks: Sequence[ExportDeck],
    note_types: Sequence[ExportNoteType],
    notes: Iterable[ExportNote],
    resolve_media: MediaResolver | None = None,
    finish_collection: CollectionHook | None = None,
    timestamp: float | None = None,
    progress: Callable[[int], None] | None = None,
    compresslevel: int = 1,
) -> ApkgResult:
    """Write an .apkg of these notes to `out` (a path or a binary file object).

    `notes` may be a generator: each note is written as it comes. Every note's
    note type must be in `note_types`, and every card's deck in `decks`.
    `resolve_media` gets the file names the notes and note types refer to and
    returns where each one's bytes are; names it leaves out, and paths that
    do not exist, are reported in `ApkgResult.missing_media`.

    Deflate level 1: a third of level 6's time for a file about 15% larger, still
    the size of Anki's own zstd-compressed export.
    """
    if not decks:
        raise ValueError("A package needs at least one deck.")
    result = ApkgResult()
    referenced: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="deckhand-apkg-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        _write_collection(
            db_path,
            decks=decks,
            note_types=note_types,
            notes=notes,
            timestamp=time.time() if timestamp is None else timestamp,
            result=result,
            referenced=referenced,
            progress=progress,
        )
        if finish_collection is not None:
            conn = sqlite3.connect(db_path)
            try:
                finish_collection(conn, result.changed_card_ids)
                conn.commit()
            finally:
                conn.close()
        referenced |= template_media_names(note_types)
        found = dict(resolve_media(referenced)) if resolve_media and referenced else {}
        media = {
            name: source
            for name, source in found.items()
            if name in referenced and _available(source)
        }
        result.media = sorted(media)
        result.missing_media = sorted(referenced - set(media))
        _zip_package(out, db_path, media, compresslevel)
    return result
