"""Reads for exports: what a deck or a selection holds, as the plain records the
writers take, streamed in chunks so a 100,000-note deck never sits in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from django.db import connection
from django.db.models import BigIntegerField, Func, QuerySet

from accounts.models import User
from exports.progress import RELEARNING, CardProgress, ReviewEntry
from exports.records import ExportCard, ExportDeck, ExportNote, ExportNoteType
from flashcards.models import (
    DECK_SEPARATOR,
    FIELD_SEPARATOR,
    Card,
    Deck,
    Media,
    Note,
    NoteType,
)
from flashcards.services.decks import descendant_ids
from flashcards.services.media import media_path
from reviews.models import DEFAULT_FSRS_PARAMETERS, CardState, DeckOptions, Preset, ReviewLog

ROWS_PER_FETCH = 2000
# SQLite allows 32,766 parameters per statement; stay well below it.
MAX_SELECTION = 20_000
_IN_CHUNK = 900


@dataclass(frozen=True)
class ExportScope:
    """A whole deck with its subdecks, or a selection of cards, of one owner."""

    owner: User
    deck: Deck | None = None
    card_ids: tuple[int, ...] = ()
    deck_ids: tuple[int, ...] = field(default=(), compare=False)
    # Whose progress goes in: the owner's unless someone else (a student of a class
    # the deck is assigned to) exports it.
    learner: User | None = field(default=None, compare=False)

    @classmethod
    def for_deck(cls, deck: Deck, *, learner: User | None = None) -> ExportScope:
        return cls(
            owner=deck.owner, deck=deck, deck_ids=tuple(descendant_ids(deck)), learner=learner
        )

    @property
    def progress_learner(self) -> User:
        return self.learner or self.owner

    @classmethod
    def for_cards(cls, owner: User, card_ids: Iterable[int]) -> ExportScope:
        ids = tuple(sorted({int(pk) for pk in card_ids}))
        if len(ids) > MAX_SELECTION:
            raise ValueError(f"Select at most {MAX_SELECTION:,} cards, or export the deck.")
        return cls(owner=owner, card_ids=ids)

    def cards(self) -> QuerySet[Card]:
        if self.deck is not None:
            return Card.objects.filter(deck_id__in=self.deck_ids)
        return Card.objects.filter(note__owner_id=self.owner.pk, pk__in=self.card_ids)

    @property
    def name(self) -> str:
        return self.deck.full_name if self.deck is not None else "Selected cards"


def count_notes(scope: ExportScope) -> int:
    return scope.cards().values("note_id").distinct().count()


def count_cards(scope: ExportScope) -> int:
    return scope.cards().count()


def export_note_types(scope: ExportScope) -> list[ExportNoteType]:
    type_ids = scope.cards().values("note__note_type_id").distinct()
    return [
        ExportNoteType(
            anki_id=note_type.anki_id,
            name=note_type.name,
            kind=note_type.kind,
            fields=note_type.fields,
            templates=note_type.templates,
            css=note_type.css,
            sort_field=note_type.sort_field,
            latex_pre=note_type.latex_pre,
            latex_post=note_type.latex_post,
        )
        for note_type in NoteType.objects.filter(pk__in=type_ids).order_by("pk")
    ]


def export_decks(scope: ExportScope) -> list[ExportDeck]:
    """The decks the cards are in and every deck above them (Anki needs each level)."""
    if scope.deck is not None:
        ids: set[int] = set(scope.deck_ids)
    else:
        ids = set(scope.cards().values_list("deck_id", flat=True).distinct())
    decks = list(Deck.objects.filter(owner_id=scope.owner.pk, pk__in=ids))
    parents = {
        DECK_SEPARATOR.join(deck.full_name.split(DECK_SEPARATOR)[:depth])
        for deck in decks
        for depth in range(1, deck.depth + 1)
    } - {deck.full_name for deck in decks}
    if parents:
        decks += Deck.objects.filter(owner_id=scope.owner.pk, full_name__in=parents)
    return [
        ExportDeck(anki_id=deck.anki_id, full_name=deck.full_name, description=deck.description)
        for deck in sorted(decks, key=lambda d: d.full_name)
    ]


class EpochSeconds(Func):
    """A datetime column as whole seconds since the epoch, computed by the database
    (Django's per-row datetime conversion costs more than the rest of the read)."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003
        # %%%%s: once for the template, once for the driver's placeholder rewriting.
        template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003
        template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _stream_rows(queryset: QuerySet) -> Iterator[tuple]:
    """The rows of a values_list() queryset straight from the database cursor.

    Django's per-row conversion doubles the cost of reading 100,000 notes; these
    columns (integers and text) need none. A server-side cursor on Postgres.
    """
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(ROWS_PER_FETCH):
            yield from rows


def scope_notes(scope: ExportScope) -> QuerySet[Note]:
    return Note.objects.filter(owner_id=scope.owner.pk, pk__in=scope.cards().values("note_id"))


def iter_export_notes(scope: ExportScope) -> Iterator[ExportNote]:
    """Every note of the scope with the scope's cards of it, in the order notes were added.

    Two streamed queries, both in note order, merged here: no query per note or chunk.
    """
    deck_anki_ids = dict(Deck.objects.filter(owner_id=scope.owner.pk).values_list("pk", "anki_id"))
    type_anki_ids = dict(
        NoteType.objects.filter(owner_id=scope.owner.pk).values_list("pk", "anki_id")
    )
    card_rows = _stream_rows(
        scope.cards()
        .order_by("note_id", "ord")
        .values_list("note_id", "pk", "ord", "deck_id", "anki_id")
    )
    # The annotation comes last, where the SQL puts it.
    note_rows = _stream_rows(
        scope_notes(scope)
        .order_by("pk")
        .annotate(modified_epoch=EpochSeconds("modified"))
        .values_list("pk", "anki_id", "guid", "note_type_id", "flds", "tags", "modified_epoch")
    )
    cards_by_note = groupby(card_rows, key=itemgetter(0))
    pending = next(cards_by_note, None)
    position = 0
    for pk, anki_id, guid, type_id, flds, tags, modified in note_rows:
        # Both streams are in note order; a note whose cards went away meanwhile is skipped.
        while pending is not None and pending[0] < pk:
            pending = next(cards_by_note, None)
        if pending is None or pending[0] != pk:
            continue
        cards = [
            ExportCard(ord_, deck_anki_ids[deck_id], card_anki_id, card_pk)
            for _, card_pk, ord_, deck_id, card_anki_id in pending[1]
        ]
        pending = next(cards_by_note, None)
        position += 1
        yield ExportNote(
            anki_id=anki_id,
            guid=guid,
            note_type_id=type_anki_ids[type_id],
            fields=flds.split(FIELD_SEPARATOR),
            tags=tags.split(),
            modified=modified,
            cards=cards,
            position=position,
        )


def media_files(owner: User, names: set[str]) -> dict[str, Path]:
    """Where the stored bytes of these media names are (names not stored are left out)."""
    found: dict[str, Path] = {}
    ordered = sorted(names)
    for start in range(0, len(ordered), _IN_CHUNK):
        for filename, sha256 in Media.objects.filter(
            owner_id=owner.pk, filename__in=ordered[start : start + _IN_CHUNK]
        ).values_list("filename", "sha256"):
            found[filename] = media_path(sha256)
    return found


# --- Progress -------------------------------------------------------------------


@dataclass(frozen=True)
class _PresetFacts:
    learning_steps: int
    relearning_steps: int
    desired_retention: float
    decay: float | None


def _preset_facts(preset: Preset | None) -> _PresetFacts:
    if preset is None:
        return _PresetFacts(2, 1, 0.9, DEFAULT_FSRS_PARAMETERS[20])
    params = preset.fsrs_parameters or []
    return _PresetFacts(
        learning_steps=len(preset.learning_steps or []),
        relearning_steps=len(preset.relearning_steps or []),
        desired_retention=preset.desired_retention,
        decay=params[20] if len(params) >= 21 else None,
    )


def _presets_by_deck(
    learner: User, deck_ids: set[int]
) -> tuple[dict[int, _PresetFacts], _PresetFacts]:
    default = _preset_facts(
        Preset.objects.filter(owner=learner).order_by("-is_default", "pk").first()
    )
    chosen = {
        options.deck_id: _preset_facts(options.preset)
        for options in DeckOptions.objects.filter(
            learner=learner, deck_id__in=deck_ids
        ).select_related("preset")
    }
    return chosen, default


def _state_queryset(scope: ExportScope, learner: User) -> QuerySet[CardState]:
    states = CardState.objects.filter(learner=learner)
    if scope.deck is not None:
        return states.filter(card__deck_id__in=scope.deck_ids)
    return states.filter(card__note__owner_id=scope.owner.pk, card_id__in=scope.card_ids)


def card_progress(
    scope: ExportScope, *, learner: User, changed_ids: Mapping[int, int]
) -> list[CardProgress]:
    """The learner's scheduling of every card of the scope they have seen."""
    rows = list(
        _state_queryset(scope, learner).values_list(
            "card_id",
            "card__anki_id",
            "card__deck_id",
            "state",
            "step",
            "stability",
            "difficulty",
            "due",
            "last_review",
            "reps",
            "lapses",
            "suspended",
            "buried_until",
            "flag",
        )
    )
    chosen, default = _presets_by_deck(learner, {row[2] for row in rows})
    relearning = [row[0] for row in rows if row[3] == RELEARNING]
    last_intervals: dict[int, int] = {}
    for start in range(0, len(relearning), _IN_CHUNK):
        chunk = relearning[start : start + _IN_CHUNK]
        for card_id, interval in (
            ReviewLog.objects.filter(learner=learner, card_id__in=chunk)
            .order_by("card_id", "-reviewed_at")
            .values_list("card_id", "interval_days")
        ):
            last_intervals.setdefault(card_id, interval)
    today = learner.study_day()
    result = []
    for (
        card_pk, anki_id, deck_id, state, step, stability, difficulty, due, last_review,
        reps, lapses, suspended, buried_until, flag,
    ) in rows:  # fmt: skip
        facts = chosen.get(deck_id, default)
        result.append(
            CardProgress(
                card_id=changed_ids.get(card_pk, anki_id),
                state=state,
                step=step,
                stability=stability,
                difficulty=difficulty,
                due=due,
                last_review=last_review,
                reps=reps,
                lapses=lapses,
                suspended=suspended,
                buried=buried_until is not None and buried_until > today,
                flag=flag,
                last_interval_days=last_intervals.get(card_pk),
                steps_count=facts.relearning_steps if state == RELEARNING else facts.learning_steps,
                desired_retention=facts.desired_retention,
                decay=facts.decay,
            )
        )
    return result


def review_entries(
    scope: ExportScope, *, learner: User, changed_ids: Mapping[int, int]
) -> Iterator[ReviewEntry]:
    logs = ReviewLog.objects.filter(learner=learner)
    if scope.deck is not None:
        logs = logs.filter(card__deck_id__in=scope.deck_ids)
    else:
        logs = logs.filter(card__note__owner_id=scope.owner.pk, card_id__in=scope.card_ids)
    for row in (
        logs.order_by("reviewed_at", "pk")
        .values_list(
            "card_id",
            "card__anki_id",
            "reviewed_at",
            "rating",
            "kind",
            "interval_days",
            "last_interval_days",
            "difficulty_after",
            "duration_ms",
        )
        .iterator(chunk_size=ROWS_PER_FETCH)
    ):
        card_pk, anki_id, reviewed_at, rating, kind, interval, last_interval, difficulty, ms = row
        yield ReviewEntry(
            card_id=changed_ids.get(card_pk, anki_id),
            reviewed_at=reviewed_at,
            rating=rating,
            kind=kind,
            interval_days=interval,
            last_interval_days=last_interval,
            difficulty_after=difficulty,
            duration_ms=ms,
        )
