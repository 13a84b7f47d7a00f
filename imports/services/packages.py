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
"""

from __future__ import annotations

import gc
import hashlib
import html
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from flashcards.models import (
    DECK_SEPARATOR,
    Card,
    Deck,
    Media,
    Note,
    NoteType,
    new_guid,
)
from flashcards.services.decks import split_deck_name
from flashcards.services.media import media_path, store_media, validate_media_filename
from flashcards.services.notes import MAX_FIELD_LENGTH
from flashcards.text import strip_html
from imports.apkg_reader import (
    AnkiPackage,
    ImportError_,
    PackageCard,
    PackageMedia,
    PackageNoteType,
    ReaderLimits,
    UnsafePackage,
    open_package,
)
from imports.bulk import BulkInserter, first_free_id, new_ids
from imports.services.common import BATCH, ImportReport, Progress, chunks
from imports.services.sqlite_copy import SqliteCopy, can_copy
from reviews.models import DEFAULT_FSRS_PARAMETERS, CardState, Preset, ReviewLog
from reviews.optimizer import memory_states, memory_states_from_sm2

logger = logging.getLogger(__name__)

# Notes looked up and written together: one query for the GUIDs already here per batch.
NOTE_BATCH = 1000
# Anki's queues and card types.
QUEUE_SUSPENDED = -1
NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
# A learning card's due is epoch seconds; anything smaller is a day number.
_EPOCH_DUE = 1_000_000_000
# Steps Anki counts in `left` when the package does not say (Deckhand's defaults).
_LEARNING_STEPS, _RELEARNING_STEPS = 2, 1


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


class _PackageImport:
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

    def _point_at_renamed_media(self, value: str) -> str:
        for old, new in self.renames.items():
            if old in value:
                value = _replace_media_name(value, old, new)
        return value

    # --- notes and cards ------------------------------------------------------------

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

    # --- review history and scheduling --------------------------------------------

    def _import_scheduling(self) -> None:
        """The package's review log and card states, as this learner's.

        Progress already here wins: a card the learner has a state for keeps it,
        and reviews already imported (same revlog id) are not added again.
        """
        user = self.user
        before = [card_id for card_id, _, existed in self.card_map.values() if existed]
        have_state: set[int] = set()
        have_review: set[tuple[int, int]] = set()
        for chunk in chunks(before, BATCH):
            have_state.update(
                CardState.objects.filter(learner=user, card_id__in=chunk).values_list(
                    "card_id", flat=True
                )
            )
            have_review.update(
                ReviewLog.objects.filter(
                    learner=user, card_id__in=chunk, anki_id__isnull=False
                ).values_list("card_id", "anki_id")
            )
        columns = [
            "learner_id",
            "card_id",
            "review_id",
            "rating",
            "kind",
            "reviewed_at",
            "duration_ms",
            "interval_days",
            "last_interval_days",
            "anki_id",
            "deck_id",
            "was_new",
        ]
        inserter = BulkInserter(ReviewLog, columns)
        sql = self.sql
        if sql is not None and sql.reviews_are_plain():
            self.report.reviews += sql.copy_reviews(
                learner_pk=user.pk,
                reviews=inserter,
                kind_cap=ReviewLog.KIND_MANUAL,
                last_millisecond=_LAST_MILLISECOND,
            )
            self.count("bad_review_time", sql.bad_review_times(_LAST_MILLISECOND))
            # Only the studied cards' histories are wanted now, for their states.
            studied = list(sql.studied_cards())
            histories = self._read_reviews(
                sql.studied_reviews(_LAST_MILLISECOND),
                {card.anki_id: mapped for card, mapped in studied},
                None,
                have_review,
            )
        else:
            if sql is not None:
                self.card_map.update(sql.copied_card_map())
            card_map = self.card_map
            histories = self._read_reviews(self.package.reviews(), card_map, inserter, have_review)
            studied = [
                (card, card_map[card.anki_id])
                for card in self.package.studied_cards()
                if card.anki_id in card_map
            ]
        self._create_states(have_state, histories, studied)

    def _read_reviews(
        self,
        reviews: Iterable[tuple[int, int, int, int, int, int, int]],
        card_map: dict[int, tuple[int, int, bool]],
        inserter: BulkInserter | None,
        have_review: set[tuple[int, int]],
    ) -> dict[int, list[tuple[int, int]]]:
        """Each imported card's reviews since it was last forgotten, as (revlog id, rating),
        by package card id; with `inserter`, the reviews are written too. `reviews` are
        as AnkiPackage.reviews() gives them."""
        histories: dict[int, list[tuple[int, int]]] = {}
        user_pk = self.user.pk
        kind_cap = ReviewLog.KIND_MANUAL
        pending: list[tuple] = []
        for (
            revlog_id,
            anki_card_id,
            ease,
            interval,
            last_interval,
            duration,
            kind,
        ) in reviews:
            mapped = card_map.get(anki_card_id)
            if mapped is None:
                continue
            if ease == 0 and kind == 4 and interval == 0:
                # "Forget": the history before it no longer counts for the memory state.
                histories.pop(anki_card_id, None)
                continue
            if not 1 <= ease <= 4:
                continue
            if not 0 <= revlog_id <= _LAST_MILLISECOND:
                self.count("bad_review_time")
                continue
            history = histories.get(anki_card_id)
            if history is None:
                history = histories[anki_card_id] = []
            history.append((revlog_id, ease))
            if inserter is None:
                continue
            card_id, deck_id, existed = mapped
            if existed and (card_id, revlog_id) in have_review:
                continue
            pending.append(
                (
                    user_pk,
                    card_id,
                    _review_uuid(card_id, revlog_id),
                    ease,
                    kind if 0 <= kind <= kind_cap else (0 if kind < 0 else kind_cap),
                    datetime.fromtimestamp(revlog_id / 1000, UTC),
                    min(duration, 2**31 - 1),
                    max(interval, 0),
                    max(last_interval, 0),
                    revlog_id,
                    deck_id,
                    len(history) == 1 and kind == 0,
                )
            )
            if len(pending) >= 10_000:
                inserter.insert(pending)
                self.report.reviews += len(pending)
                pending = []
        if inserter is not None:
            inserter.insert(pending)
            self.report.reviews += len(pending)
        return histories

    def _parameters(self) -> list[float]:
        preset = Preset.objects.filter(owner=self.user, is_default=True).first()
        parameters = list(preset.fsrs_parameters) if preset else []
        return parameters or list(DEFAULT_FSRS_PARAMETERS)

    def _day_start(self, due_day: int) -> datetime:
        """A review card's due day (days since col.crt) as the start of that day for the learner."""
        start = self.day_starts.get(due_day)
        if start is None:
            # Noon of that day in the package's calendar, so a time zone apart still lands on it.
            moment = _moment(self.package.creation_time + due_day * 86400 + 43200) or self.now
            day = self.user.study_day(moment)
            hour = self.user.day_starts_at_hour
            start = datetime(day.year, day.month, day.day, hour, tzinfo=self.zone)
            # Kept in UTC: the same instant, and quicker to hash and to store.
            start = self.day_starts[due_day] = start.astimezone(UTC)
        return start

    def _create_states(
        self,
        have_state: set[int],
        histories: dict[int, list[tuple[int, int]]],
        studied: Iterable[tuple[PackageCard, tuple[int, int, bool]]],
    ) -> None:
        """Card states of the imported studied cards, each with its (Card pk, deck pk,
        whether it was here before)."""
        # Rows as lists in _STATE_COLUMNS order (no objects: a package has many cards).
        rows: list[list[Any]] = []
        needs_history: list[tuple[list[Any], list[tuple[int, int]]]] = []
        needs_sm2: list[tuple[list[Any], PackageCard]] = []
        user_pk = self.user.pk
        for card, (card_id, deck_id, _) in studied:
            if card_id in have_state:
                continue
            state = card.type if card.type in (NEW, LEARNING, REVIEW, RELEARNING) else NEW
            row = [
                user_pk, card_id, deck_id, state, None, None, None, None, None,
                max(card.reps, 0), max(card.lapses, 0), card.queue == QUEUE_SUSPENDED,
                card.flags & 7, card_id,
            ]  # fmt: skip
            rows.append(row)
            if state == NEW:
                continue
            history = histories.get(card.anki_id, ())
            data = card.data
            self._schedule_fields(row, card, data, history)
            s, d = data.get("s"), data.get("d")
            if isinstance(s, int | float) and isinstance(d, int | float) and s > 0:
                row[_STABILITY], row[_DIFFICULTY] = float(s), float(d)
            elif history:
                needs_history.append((row, self._history_deltas(history)))
            elif state == REVIEW:
                needs_sm2.append((row, card))
        if needs_history or needs_sm2:
            parameters = self._parameters()
            results = memory_states([reviews for _, reviews in needs_history], parameters)
            for (row, _), result in zip(needs_history, results, strict=True):
                if result is not None:
                    row[_STABILITY], row[_DIFFICULTY] = result
            sm2 = memory_states_from_sm2(
                [(card.ease_factor / 1000, card.interval) for _, card in needs_sm2], parameters
            )
            for (row, _), result in zip(needs_sm2, sm2, strict=True):
                row[_STABILITY], row[_DIFFICULTY] = result
        BulkInserter(CardState, _STATE_COLUMNS).insert(rows)

    def _schedule_fields(
        self,
        row: list[Any],
        card: PackageCard,
        data: dict[str, Any],
        history: Sequence[tuple[int, int]],
    ) -> None:
        """A studied card's step, due and last review, in its state row."""
        state = row[_STATE]
        learning = state in (LEARNING, RELEARNING)
        if learning and card.due >= _EPOCH_DUE:
            due = _moment(card.due) or self.now
        else:
            due = self._day_start(card.due)
        row[_DUE] = due
        if learning:
            steps = _LEARNING_STEPS if state == LEARNING else _RELEARNING_STEPS
            row[_STEP] = max(0, min(steps - 1, steps - card.left % 1000))
        last_review = data.get("lrt")
        if isinstance(last_review, int | float) and last_review > 0 and _moment(last_review):
            row[_LAST_REVIEW] = _moment(last_review)
        elif history:
            row[_LAST_REVIEW] = datetime.fromtimestamp(history[-1][0] / 1000, UTC)
        elif state == REVIEW:
            days = min(max(card.interval, 0), _LONGEST_INTERVAL)
            row[_LAST_REVIEW] = due - timedelta(days=days)

    def _history_deltas(self, history: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """(rating, days since the previous review) in the learner's study days."""
        reviews: list[tuple[int, int]] = []
        previous = None
        # User.study_day, with the zone looked up once.
        zone, shift = self.zone, timedelta(hours=self.user.day_starts_at_hour)
        fromtimestamp = datetime.fromtimestamp
        for revlog_id, ease in history:
            day = (fromtimestamp(revlog_id / 1000, zone) - shift).date()
            reviews.append((ease, (day - previous).days if previous else 0))
            previous = day
        return reviews


_STATE_COLUMNS = [
    "learner_id",
    "card_id",
    "deck_id",
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "flag",
    "position",
]
_STATE, _STEP, _STABILITY, _DIFFICULTY, _DUE, _LAST_REVIEW = 3, 4, 5, 6, 7, 8


# Revlog ids are milliseconds since the epoch; later than 9999 is no date at all.
_LAST_MILLISECOND = 253_402_300_799_999
_LONGEST_INTERVAL = 36_500  # days


def _moment(seconds: float) -> datetime | None:
    """Seconds since the epoch as a datetime, None for a time no calendar holds."""
    if not 0 <= seconds <= _LAST_MILLISECOND // 1000:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def _review_uuid(card_id: int, revlog_id: int) -> uuid.UUID:
    """ReviewLog.review_id of an imported review: the same review always gets the same id."""
    return uuid.UUID(int=((card_id & _MASK64) << 64) | (revlog_id & _MASK64))


_MASK64 = (1 << 64) - 1


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
