"""Importing Anki packages (.apkg, .colpkg) into a user's collection.

`import_package` is the one entry point for .apkg/.colpkg files (the upload
page's task and the `import_deck` command both call it). Everything is written
in one transaction: a failure leaves nothing behind, and media files written
before it are removed again.

How a package meets what is already there:
- note types by Anki id (a changed field list makes a new note type instead);
- decks by name (case-insensitive, as in Anki); new ones keep their Anki ids;
- notes by GUID: a known note gets the package's fields and tags, its cards
  and everyone's progress on them stay; cards it lacks are added;
- media by name and content (same name, other bytes: the file is stored under
  a new name and the notes are pointed at it);
- review history by revlog id, so importing twice adds no review twice.

This module holds the entry point and the import's order of work, with the
note types, decks and media; the notes and cards are written by
imports.services.package_notes, the review history and card states by
imports.services.package_scheduling (both mixed into `_PackageImport`).
"""

from __future__ import annotations

import gc
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from flashcards.models import DECK_SEPARATOR, Card, Deck, Media, Note, NoteType
from flashcards.services.decks import split_deck_name
from flashcards.services.media import media_path, store_media, validate_media_filename
from imports.apkg import (
    AnkiPackage,
    ImportError_,
    PackageMedia,
    PackageNoteType,
    ReaderLimits,
    UnsafePackage,
    open_package,
)
from imports.bulk import BulkInserter
from imports.services.common import ImportReport, Progress
from imports.services.package_notes import NotesMixin
from imports.services.package_scheduling import SchedulingMixin
from imports.services.sqlite_copy import SqliteCopy, can_copy


def reader_limits() -> ReaderLimits:
    return ReaderLimits(
        max_file_bytes=settings.MAX_IMPORT_UPLOAD_MB * 1024 * 1024,
        max_entries=settings.MAX_IMPORT_ENTRIES,
        max_uncompressed_bytes=settings.MAX_IMPORT_UNCOMPRESSED_MB * 1024 * 1024,
        sqlite_seconds=float(settings.IMPORT_SQLITE_SECONDS),
    )


# --- media files written during an import, removed again if it fails -----------------


class _BlobJournal:
    """Content files an import created, so a rolled-back import leaves no file behind."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def remove_orphans(self) -> None:
        if not self.created:
            return
        still_used = set(
            Media.objects.filter(sha256__in=self.created).values_list("sha256", flat=True)
        )
        for sha in self.created:
            if sha not in still_used:
                media_path(sha).unlink(missing_ok=True)


def import_package(
    *,
    user: User,
    path: str | os.PathLike[str],
    deck_name: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import an .apkg or .colpkg file into `user`'s collection, all or nothing.

    `deck_name` puts the package's decks under that deck (its "Default" deck
    becomes that deck itself). Raises ImportError_ with a message for the user.
    """
    if deck_name:
        try:
            split_deck_name(deck_name)
        except ValidationError as exc:
            raise ImportError_(exc.messages[0]) from None
    journal = _BlobJournal()
    with (
        _no_cycle_collection(),
        open_package(path, reader_limits()) as package,
        _fast_path(package) as sql,
    ):
        try:
            with transaction.atomic():
                report = _PackageImport(
                    user=user,
                    package=package,
                    deck_name=deck_name or "",
                    progress=progress,
                    journal=journal,
                    sql=sql,
                ).run()
        except BaseException:
            journal.remove_orphans()
            raise
    return report


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused: an import makes hundreds of thousands of tuples,
    none in a cycle, and the collector would otherwise keep walking them all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _fast_path(package: AnkiPackage) -> Iterator[SqliteCopy | None]:
    """The package attached to the app's SQLite database, when the import may copy rows
    straight from it (see imports.services.sqlite_copy); None: the Python path only."""
    if not can_copy():
        yield None
        return
    with SqliteCopy.attach(package) as sql:
        yield sql


# --- package import ---------------------------------------------------------------


_SKIP_MESSAGES = {
    "unknown_type": "{n} note(s) use a note type the package does not include; they were skipped.",
    "bad_type": "{n} note(s) use a note type that could not be imported; they were skipped.",
    "no_cards": "{n} note(s) have no cards in the package; they were skipped.",
    "duplicate_guid": "{n} note(s) repeat another note's GUID; they were skipped.",
    "bad_guid": "{n} note(s) have an over-long GUID; they were skipped.",
    "type_conflict": (
        "{n} note(s) already exist here with a different note type; they were left unchanged."
    ),
    "too_long": "{n} note(s) have a field over a million characters; they were skipped.",
}
_NOTE_MESSAGES = {
    "extra_fields": (
        "{n} note(s) had more fields than their note type; the extra fields were dropped."
    ),
    "missing_media": "{n} media file(s) listed in the package are missing from it.",
    "bad_cards": "{n} card(s) point at a card template that does not exist; they were skipped.",
    "bad_review_time": "{n} review(s) have an impossible date; they were skipped.",
}
_BAD_DECK_CHARS = str.maketrans(dict.fromkeys('"\t\n\r\x1f', " "))


def _clean_deck_name(name: str) -> str:
    parts = [part.translate(_BAD_DECK_CHARS).strip()[:200] for part in name.split(DECK_SEPARATOR)]
    cleaned = DECK_SEPARATOR.join(part or "Unnamed" for part in parts)
    return cleaned[:1000] or "Default"


def _note_type_problem(note_type: PackageNoteType) -> str:
    names = [str(f.get("name", "")).strip() for f in note_type.fields]
    if not names or any(not name for name in names):
        return "it has no fields or a field without a name"
    if len({name.casefold() for name in names}) != len(names):
        return "two of its fields have the same name"
    if not note_type.templates:
        return "it has no card templates"
    return ""


class _PackageImport(NotesMixin, SchedulingMixin):
    """One package import: the state its steps share, and the order they run in."""

    def __init__(
        self,
        *,
        user: User,
        package: AnkiPackage,
        deck_name: str,
        progress: Progress | None,
        journal: _BlobJournal,
        sql: SqliteCopy | None = None,
    ) -> None:
        self.user = user
        self.zone = user.zone
        self.sql = sql
        self.package = package
        self.deck_name = deck_name
        self.progress = progress
        self.journal = journal
        self.report = ImportReport()
        self.now = timezone.now()
        self.note_types: dict[int, NoteType] = {}
        self.skipped_types: set[int] = set()
        self.decks: dict[int, Deck] = {}
        self.renames: dict[str, str] = {}
        # Package card id -> (Card pk, deck pk, whether the card was here before).
        self.card_map: dict[int, tuple[int, int, bool]] = {}
        self.seen_guids: set[str] = set()
        self.counts: dict[str, int] = {}
        self.done = 0
        self.total = 0
        self.day_starts: dict[int, datetime] = {}
        self.note_rows = BulkInserter(
            Note,
            [
                "id",
                "owner_id",
                "note_type_id",
                "guid",
                "flds",
                "tags",
                "sort_value",
                "first_field",
                "anki_id",
            ],
            constants={"created": self.now, "modified": self.now},
        )
        self.card_rows = BulkInserter(
            Card,
            ["id", "note_id", "deck_id", "ord", "anki_id"],
            constants={"created": self.now, "modified": self.now},
        )

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def tick(self, n: int = 0) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)

    def run(self) -> ImportReport:
        package = self.package
        self.has_scheduling = package.has_scheduling
        self.total = package.note_count + len(package.media)
        self.tick()
        self._check_media_names()
        self._import_note_types()
        self._import_decks()
        self._import_media()
        self._import_notes()
        if self.has_scheduling:
            self._import_scheduling()
        if self.sql is not None:
            self.sql.drop_tables()
        for key, template in (_SKIP_MESSAGES | _NOTE_MESSAGES).items():
            if self.counts.get(key):
                self.report.warnings.append(template.format(n=self.counts[key]))
        self.report.notes_skipped = sum(self.counts.get(key, 0) for key in _SKIP_MESSAGES)
        return self.report

    # --- note types and decks ---------------------------------------------------

    def _check_media_names(self) -> None:
        for item in self.package.media:
            try:
                validate_media_filename(item.name)
            except ValidationError:
                raise UnsafePackage(
                    f"The package names a media file “{item.name[:80]}” that is not a plain "
                    "file name."
                ) from None

    def _import_note_types(self) -> None:
        used = self.package.used_note_type_ids()
        incoming = [nt for nt in self.package.note_types() if nt.anki_id in used]
        existing = {
            nt.anki_id: nt
            for nt in NoteType.objects.filter(
                owner=self.user, anki_id__in=[nt.anki_id for nt in incoming]
            )
        }
        for package_type in incoming:
            problem = _note_type_problem(package_type)
            if problem:
                self.skipped_types.add(package_type.anki_id)
                self.report.warnings.append(
                    f"The note type “{package_type.name}” was not imported: {problem}."
                )
                continue
            values = {
                "name": (package_type.name.strip() or "Imported")[:200],
                "kind": NoteType.CLOZE if package_type.kind == "cloze" else NoteType.STANDARD,
                "fields": [dict(f, name=str(f["name"]).strip()) for f in package_type.fields],
                "templates": package_type.templates,
                "css": package_type.css,
                "sort_field": min(max(package_type.sort_field, 0), len(package_type.fields) - 1),
                "latex_pre": package_type.latex_pre,
                "latex_post": package_type.latex_post,
            }
            current = existing.get(package_type.anki_id)
            if current is not None and current.field_names == [f["name"] for f in values["fields"]]:
                changed = [
                    key
                    for key in ("name", "templates", "css", "sort_field", "latex_pre", "latex_post")
                    if getattr(current, key) != values[key]
                ]
                for key in changed:
                    setattr(current, key, values[key])
                if changed:
                    current.save()
                self.note_types[package_type.anki_id] = current
                continue
            if current is not None:
                # Same id, other fields: the notes here would not fit. Keep both.
                values["name"] = f"{values['name']} (imported)"[:200]
                note_type = NoteType.objects.create(owner=self.user, **values)
                self.report.warnings.append(
                    f"The note type “{current.name}” has other fields in the package; it was "
                    f"imported as “{note_type.name}”."
                )
            else:
                note_type = NoteType.objects.create(
                    owner=self.user, anki_id=package_type.anki_id, **values
                )
            self.report.note_types_created += 1
            self.note_types[package_type.anki_id] = note_type

    def _target_name(self, name: str) -> str:
        name = _clean_deck_name(name)
        if not self.deck_name:
            return name
        if name.casefold() == "default":
            return self.deck_name
        return f"{self.deck_name}{DECK_SEPARATOR}{name}"

    def _import_decks(self) -> None:
        package_decks = {deck.anki_id: deck for deck in self.package.decks()}
        by_target = {
            self._target_name(deck.full_name).casefold(): deck
            for deck in package_decks.values()
            if not deck.filtered
        }
        existing = {
            deck.full_name.casefold(): deck for deck in Deck.objects.filter(owner=self.user)
        }
        renamed = 0
        for deck_id in sorted(self.package.used_deck_ids()):
            source = package_decks.get(deck_id)
            if source is None or source.filtered:
                name = "Default"
            else:
                name = source.full_name
                renamed += _clean_deck_name(name) != name
            deck = self._ensure_deck(self._target_name(name), existing, by_target)
            self.decks[deck_id] = deck
        if renamed:
            self.report.warnings.append(
                f"{renamed} deck name(s) had characters Deckhand does not allow; "
                "they were replaced."
            )
        self.report.decks = sorted({deck.full_name for deck in self.decks.values()})
        self.deck_pks = {deck_id: deck.pk for deck_id, deck in self.decks.items()}

    def _ensure_deck(
        self, full_name: str, existing: dict[str, Deck], by_target: dict[str, Any]
    ) -> Deck:
        parts = full_name.split(DECK_SEPARATOR)
        parent: Deck | None = None
        for depth, part in enumerate(parts):
            path = f"{parent.full_name}{DECK_SEPARATOR}{part}" if parent else part
            deck = existing.get(path.casefold())
            if deck is None:
                source = by_target.get(DECK_SEPARATOR.join(parts[: depth + 1]).casefold())
                deck = Deck(owner=self.user, parent=parent, name=part, full_name=path)
                if source is not None:
                    deck.anki_id = source.anki_id
                    deck.description = source.description
                deck.save()
                existing[path.casefold()] = deck
                self.report.decks_created += 1
            parent = deck
        assert parent is not None
        return parent

    # --- media --------------------------------------------------------------------

    def _import_media(self) -> None:
        for item in self.package.media:
            if not self.package.has_media_file(item):
                self.count("missing_media")
                self.tick(1)
                continue
            self._store_one(item)
            self.tick(1)

    def _store_one(self, item: PackageMedia) -> None:
        digest = hashlib.sha256()
        with tempfile.TemporaryFile(prefix="deckhand-media-") as spool:
            for chunk in self.package.media_chunks(item):
                digest.update(chunk)
                spool.write(chunk)
            sha = digest.hexdigest()
            was_there = media_path(sha).exists()
            spool.seek(0)
            media = store_media(owner=self.user, filename=item.name, data=spool)
        if not was_there and media_path(sha).exists():
            self.journal.created.append(sha)
        if media.filename != item.name:
            self.renames[item.name] = media.filename
        self.report.media += 1
