"""Writes for studying: grades, undo, suspend/bury/flag, presets and deck options.

Grading is safe to repeat and refuses stale pages: the page carries a review id
(unique per learner) and the version of the card it showed. A repeated POST finds
its review already recorded; a POST for a card that changed since it was shown
raises StaleReview and changes nothing.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from flashcards.models import Card, Deck, Note, format_tags
from reviews import scheduling
from reviews.models import CardState, DeckOptions, Preset, ReviewLog
from reviews.selectors import (
    StudyDay,
    StudyPlan,
    learner_can_study_deck,
    preset_for_deck,
    study_plan,
)

LEECH_TAG = "leech"
MAX_DURATION_MS = 60_000  # as Anki: a card left open longer counts as a minute


class StaleReview(Exception):
    """The card was graded or changed after the page showed it; nothing was recorded."""

    def __init__(self, card: Card) -> None:
        super().__init__(f"card {card.pk} changed since it was shown")
        self.card = card


# --- Versions shown on the page -------------------------------------------------------


def shown_version(state: CardState | None, card: Card) -> str:
    """What the study page sends back with a grade: the state's version and the note's edit time.

    A grade is refused when either moved on: the card was graded elsewhere, or its
    note was edited, since the page was drawn.
    """
    version = state.version if state else 0
    return f"{version}.{_note_stamp(card.note)}"


def _note_stamp(note: Note) -> int:
    return int(note.modified.timestamp() * 1_000_000)


def _matches(shown: str | int, version: int, note: Note) -> bool:
    text = str(shown).strip()
    number, _, stamp = text.partition(".")
    if not number.isdigit() or int(number) != version:
        return False
    return not stamp or (stamp.isdigit() and int(stamp) == _note_stamp(note))


# --- New-card positions and state rows -----------------------------------------------------

# Random new-card order: a fixed shuffle of card ids per learner (Knuth's multiplicative
# hash), so the order is stable across sessions without storing a separate shuffle.
_SHUFFLE_MULTIPLIER = 2654435761
_SHUFFLE_MODULUS = 2**32


def new_position(*, learner_id: int, card_id: int, order: str) -> int:
    if order == Preset.ORDER_RANDOM:
        return (card_id * _SHUFFLE_MULTIPLIER + learner_id) % _SHUFFLE_MODULUS
    return card_id


def ensure_card_states(
    *, learner: User, deck_ids: Sequence[int], random_deck_ids: Iterable[int] = ()
) -> int:
    """Give every card in these decks a state row for `learner`; return how many were added.

    A card without a row is new, but the daily queue reads only CardState (so that
    every queue lookup is one index range scan): a study session starts by adding
    the missing rows in one INSERT ... SELECT. It also moves rows of cards that were
    moved to another deck since, because CardState.deck is a copy of Card.deck.
    Opening a deck where nothing changed costs two index-only counts and takes no
    write lock (on SQLite a write blocks every other writer).
    """
    if not deck_ids:
        return 0
    deck_ids = list(deck_ids)
    # Per-deck counts of cards and of rows (index-only scans) agree unless a card was
    # added or moved since: then, and only then, do the joins that find which.
    cards = dict(
        Card.objects.filter(deck_id__in=deck_ids)
        .values_list("deck_id")
        .annotate(count=Count("id"))
        .values_list("deck_id", "count")
    )
    rows = dict(
        CardState.objects.filter(learner=learner, deck_id__in=deck_ids)
        .values_list("deck_id")
        .annotate(count=Count("id"))
        .values_list("deck_id", "count")
    )
    if cards == rows:
        return 0
    moved = (
        CardState.objects.filter(learner=learner)
        .filter(Q(deck_id__in=deck_ids) | Q(card__deck_id__in=deck_ids))
        .exclude(deck_id=F("card__deck_id"))
    )
    moved_ids = list(moved.values_list("pk", flat=True))
    if moved_ids:
        CardState.objects.filter(pk__in=moved_ids).update(
            deck_id=Subquery(Card.objects.filter(pk=OuterRef("card_id")).values("deck_id"))
        )
    own_states = CardState.objects.filter(learner=learner, card=OuterRef("pk"))
    missing = Card.objects.filter(deck_id__in=deck_ids).exclude(Exists(own_states))
    return _add_state_rows(learner, deck_ids, random_deck_ids) if missing.exists() else 0


def _add_state_rows(learner: User, deck_ids: list[int], random_deck_ids: Iterable[int]) -> int:
    quote = connection.ops.quote_name
    states, cards = quote(CardState._meta.db_table), quote(Card._meta.db_table)
    random_ids = [deck_id for deck_id in random_deck_ids if deck_id in set(deck_ids)]
    in_decks = ", ".join(["%s"] * len(deck_ids))
    if random_ids:
        in_random = ", ".join(["%s"] * len(random_ids))
        position = (
            f"CASE WHEN c.deck_id IN ({in_random}) "
            f"THEN (c.id * {_SHUFFLE_MULTIPLIER} + %s) %% {_SHUFFLE_MODULUS} ELSE c.id END"
        )
        position_params: list[Any] = [*random_ids, learner.pk]
    else:
        position, position_params = "c.id", []
    sql = (
        f"INSERT INTO {states} (learner_id, card_id, deck_id, state, reps, lapses, suspended, "
        f"flag, version, {quote('position')}) "
        f"SELECT %s, c.id, c.deck_id, {CardState.NEW}, 0, 0, %s, 0, 0, {position} "
        f"FROM {cards} c WHERE c.deck_id IN ({in_decks}) AND NOT EXISTS "
        f"(SELECT 1 FROM {states} s WHERE s.learner_id = %s AND s.card_id = c.id) "
        f"ON CONFLICT DO NOTHING"
    )
    params = [learner.pk, False, *position_params, *deck_ids, learner.pk]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def start_session(*, learner: User, deck: Deck, now: datetime | None = None) -> StudyPlan:
    """Open `deck` to study: its plan (decks and presets), with every card given a state row."""
    plan = study_plan(learner, deck, now)
    random_ids = [
        plan_deck.id
        for plan_deck in plan.decks
        if plan.preset(plan_deck.preset_id).new_card_order == Preset.ORDER_RANDOM
    ]
    ensure_card_states(learner=learner, deck_ids=plan.deck_ids, random_deck_ids=random_ids)
    return plan


def _state_row(learner: User, card: Card) -> CardState:
    """The learner's row for a card, created (new) if they have none yet."""
    state = CardState.objects.filter(learner=learner, card=card).first()
    if state is None:
        order = preset_for_deck(learner, card.deck).new_card_order
        state, _ = CardState.objects.get_or_create(
            learner=learner,
            card=card,
            defaults={
                "deck_id": card.deck_id,
                "position": new_position(learner_id=learner.pk, card_id=card.pk, order=order),
            },
        )
    return state


# --- Grading ---------------------------------------------------------------------------


@transaction.atomic
def record_review(
    *,
    learner: User,
    card: Card,
    rating: int,
    review_id: uuid.UUID | str,
    shown_version: str | int,
    duration_ms: int = 0,
    now: datetime | None = None,
    preset: Preset | None = None,
    state: CardState | None = None,
) -> ReviewLog:
    """Grade a card (1 Again, 2 Hard, 3 Good, 4 Easy) and return its review log.

    Idempotent by `review_id`: the same grade sent twice records one review and
    returns the first one's log. Raises StaleReview when `shown_version` is not the
    card's current version (graded or edited since it was shown).

    `preset` and `state` may be passed when the caller already has them (the study
    view keeps presets in its plan and loads the state with the card), to save queries.
    """
    now = now or timezone.now()
    review_id = uuid.UUID(str(review_id))
    if state is None:
        state = _state_row(learner, card)
    version = state.version
    if not _matches(shown_version, version, card.note):
        return _already_recorded(learner, card, review_id)
    if preset is None:
        preset = preset_for_deck(learner, card.deck)

    before = state.schedule()
    snapshot = state.snapshot()
    seed = scheduling.fuzz_seed(learner.pk, card.pk, before.reps)
    outcome = scheduling.review(before, rating, now, preset.scheduler_config(), seed)
    state.apply_schedule(outcome.schedule)
    lapsed = before.state == CardState.REVIEW and rating == ReviewLog.AGAIN
    leech = lapsed and preset.is_leech(outcome.schedule.lapses)
    if leech and preset.leech_action == Preset.LEECH_SUSPEND:
        state.suspended = True
    state.version = version + 1
    state.deck_id = card.deck_id
    # The version check makes a concurrent second grade of the same showing a no-op.
    if not _save_graded_state(state, version):
        return _already_recorded(learner, card, review_id)

    buried = _bury_siblings(learner, card, preset, before.state, now)
    if buried:
        snapshot["buried_siblings"] = buried
    # Only the note's owner's leeches tag it: a class's students study the teacher's notes.
    if leech and card.note.owner_id == learner.pk and _add_tag(card.note, LEECH_TAG):
        snapshot["tagged_leech"] = True
    log = ReviewLog(
        learner=learner,
        card=card,
        deck_id=card.deck_id,
        review_id=review_id,
        rating=rating,
        kind=outcome.kind,
        was_new=before.state == CardState.NEW,
        reviewed_at=now,
        duration_ms=max(0, min(int(duration_ms), MAX_DURATION_MS)),
        state_before=snapshot,
        interval_days=outcome.interval_days,
        last_interval_days=outcome.last_interval_days,
        stability_after=state.stability,
        difficulty_after=state.difficulty,
    )
    _insert_log(log)
    return log


# What a grade changes in a CardState row.
_GRADED_FIELDS = (
    "deck", "state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses",
    "suspended", "version",
)  # fmt: skip


@functools.cache
def _graded_update_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{quote(CardState._meta.get_field(name).column)} = %s" for name in _GRADED_FIELDS
    )
    return (
        f"UPDATE {quote(CardState._meta.db_table)} SET {columns} "
        f"WHERE {quote('id')} = %s AND {quote('version')} = %s"
    )


def _save_graded_state(state: CardState, version: int) -> bool:
    """Write the graded fields if the row is still at `version`; whether it was.

    The UPDATE is written out once per process: building and compiling the ORM's
    filter().update() on every grade cost more than SQLite spends running it. Values
    go through each field's get_db_prep_save, as the ORM's would.
    """
    fields = [CardState._meta.get_field(name) for name in _GRADED_FIELDS]
    values = [field.get_db_prep_save(getattr(state, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_graded_update_sql(connection.vendor), [*values, state.pk, version])
        return cursor.rowcount == 1


@functools.cache
def _log_insert_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _log_fields())
    marks = ", ".join(["%s"] * len(_log_fields()))
    return (
        f"INSERT INTO {quote(ReviewLog._meta.db_table)} ({columns}) VALUES ({marks}) "
        f"RETURNING {quote(ReviewLog._meta.pk.column)}"
    )


@functools.cache
def _log_fields() -> tuple[Any, ...]:
    return tuple(field for field in ReviewLog._meta.concrete_fields if not field.primary_key)


def _insert_log(log: ReviewLog) -> None:
    """INSERT the review log written out once per process, for the reason given in
    _save_graded_state; values through each field's get_db_prep_save, as the ORM's.
    Both SQLite (3.35+) and Postgres hand the new id back with RETURNING."""
    values = [
        field.get_db_prep_save(field.pre_save(log, add=True), connection) for field in _log_fields()
    ]
    with connection.cursor() as cursor:
        cursor.execute(_log_insert_sql(connection.vendor), values)
        log.pk = cursor.fetchone()[0]
    log._state.adding = False
    log._state.db = connection.alias


def _already_recorded(learner: User, card: Card, review_id: uuid.UUID) -> ReviewLog:
    log = ReviewLog.objects.filter(learner=learner, review_id=review_id).first()
    if log is not None and log.card_id == card.pk:
        return log
    raise StaleReview(card)


def _bury_siblings(
    learner: User, card: Card, preset: Preset, state_before: int, now: datetime
) -> list[int]:
    """Hide the note's other cards until tomorrow, as the preset asks; their state ids."""
    wanted = []
    if preset.bury_new_siblings:
        wanted.append(CardState.NEW)
    if preset.bury_review_siblings:
        wanted.append(CardState.REVIEW)
    if not wanted:
        return []
    day = StudyDay.of(learner, now)
    siblings = (
        CardState.objects.filter(learner=learner, card__note_id=card.note_id, state__in=wanted)
        .exclude(card_id=card.pk)
        .filter(Q(buried_until__isnull=True) | Q(buried_until__lte=day.today))
    )
    if CardState.REVIEW in wanted:
        siblings = siblings.exclude(state=CardState.REVIEW, due__gte=day.ends)
    ids = list(siblings.values_list("id", flat=True))
    if ids:
        CardState.objects.filter(pk__in=ids).update(
            buried_until=day.today + timedelta(days=1), version=F("version") + 1
        )
    return ids


def _add_tag(note: Note, tag: str) -> bool:
    if tag.lower() in {existing.lower() for existing in note.tag_list}:
        return False
    note.tags = format_tags([*note.tag_list, tag])
    # Leave `modified` alone: tagging a leech is not an edit that should stale open pages.
    Note.objects.filter(pk=note.pk).update(tags=note.tags)
    return True


def _remove_tag(note: Note, tag: str) -> None:
    kept = [existing for existing in note.tag_list if existing.lower() != tag.lower()]
    Note.objects.filter(pk=note.pk).update(tags=format_tags(kept))


@transaction.atomic
def undo_last_review(
    *, learner: User, review_id: uuid.UUID | str | None = None
) -> ReviewLog | None:
    """Take back a review: restore the card's state exactly and delete the log.

    With `review_id`, undo that review (doing nothing if it is already undone, or if
    the card has been reviewed again since); without, the learner's latest review.
    Returns the removed log, or None when there was nothing to undo.
    """
    logs = ReviewLog.objects.filter(learner=learner)
    if review_id:
        try:
            log = logs.filter(review_id=uuid.UUID(str(review_id))).first()
        except ValueError:
            return None
    else:
        log = logs.order_by("-reviewed_at", "-pk").first()
    if log is None or log.state_before is None:
        return None
    later = logs.filter(card_id=log.card_id).filter(
        Q(reviewed_at__gt=log.reviewed_at) | Q(reviewed_at=log.reviewed_at, pk__gt=log.pk)
    )
    if later.exists():
        return None
    state = CardState.objects.select_for_update().filter(learner=learner, card_id=log.card_id)
    state = state.first()
    if state is None:
        return None
    state.restore(log.state_before)
    state.version += 1
    state.save()
    buried = log.state_before.get("buried_siblings") or []
    if buried:
        CardState.objects.filter(pk__in=buried, learner=learner).update(
            buried_until=None, version=F("version") + 1
        )
    if log.state_before.get("tagged_leech"):
        _remove_tag(log.card.note, LEECH_TAG)
    log.delete()
    return log


# --- Suspend, bury, flag ------------------------------------------------------------------


@transaction.atomic
def set_suspended(*, learner: User, card_ids: Iterable[int], suspended: bool) -> int:
    """Suspend or unsuspend the learner's cards among `card_ids`; return how many changed."""
    cards = [
        card
        for card in Card.objects.select_related("deck").filter(pk__in=list(card_ids))
        if learner_can_study_deck(learner, card.deck)
    ]
    changed = 0
    for card in cards:
        state = _state_row(learner, card)
        if state.suspended != suspended:
            CardState.objects.filter(pk=state.pk).update(
                suspended=suspended, version=F("version") + 1
            )
            changed += 1
    return changed


@transaction.atomic
def suspend_card(*, learner: User, card: Card) -> CardState:
    state = _state_row(learner, card)
    state.suspended = True
    state.version += 1
    state.save(update_fields=["suspended", "version"])
    return state


@transaction.atomic
def bury_card(*, learner: User, card: Card, now: datetime | None = None) -> CardState:
    """Hide a card until the learner's next study day."""
    state = _state_row(learner, card)
    state.buried_until = StudyDay.of(learner, now).today + timedelta(days=1)
    state.version += 1
    state.save(update_fields=["buried_until", "version"])
    return state


@transaction.atomic
def set_flag(*, learner: User, card: Card, flag: int) -> CardState:
    """Flag a card (1-7, Anki's colours) for this learner; 0 clears the flag."""
    if not 0 <= flag <= 7:
        raise ValidationError("Flags are numbered 0 to 7.")
    state = _state_row(learner, card)
    state.flag = flag
    # A flag does not change what the answer buttons do, so it leaves the version alone
    # and an open page can still grade the card.
    state.save(update_fields=["flag"])
    return state


# --- Presets and deck options ---------------------------------------------------------------


def ensure_default_preset(*, learner: User) -> Preset:
    preset = Preset.objects.filter(owner=learner, is_default=True).first()
    if preset is None:
        try:
            with transaction.atomic():
                preset = Preset.objects.create(owner=learner, name="Default", is_default=True)
        except IntegrityError:  # created by a concurrent request
            preset = Preset.objects.get(owner=learner, is_default=True)
    return preset


@transaction.atomic
def create_preset(*, learner: User, name: str, based_on: Preset | None = None) -> Preset:
    """A new preset, copying `based_on`'s options (Anki's "Clone preset") or the defaults."""
    name = name.strip()
    if not name:
        raise ValidationError("A preset needs a name.")
    preset = Preset(owner=learner, name=name[:100])
    if based_on is not None:
        for field in Preset._meta.concrete_fields:
            if field.name not in {"id", "owner", "name", "is_default", "modified"}:
                setattr(preset, field.attname, getattr(based_on, field.attname))
    preset.full_clean()
    preset.save()
    return preset


@transaction.atomic
def update_preset(*, preset: Preset, **values: Any) -> Preset:
    """Change a preset's options; every deck using it follows (as in Anki)."""
    order_changed = "new_card_order" in values and values["new_card_order"] != preset.new_card_order
    for name, value in values.items():
        setattr(preset, name, value)
    preset.full_clean()
    errors = scheduling.parameter_errors(list(preset.fsrs_parameters))
    if errors:
        raise ValidationError({"fsrs_parameters": errors})
    preset.save()
    if order_changed:
        reposition_new_cards(learner=preset.owner, preset=preset)
    return preset


@transaction.atomic
def delete_preset(*, preset: Preset) -> None:
    """Delete a preset; its decks go back to the default one. The default can't be deleted."""
    if preset.is_default:
        raise ValidationError("The default preset can't be deleted.")
    preset.delete()


@transaction.atomic
def assign_preset(*, learner: User, deck: Deck, preset: Preset) -> None:
    """Use `preset` for `deck` when `learner` studies it."""
    if preset.owner_id != learner.pk:
        raise ValidationError("That preset is not yours.")
    old = preset_for_deck(learner, deck)
    if preset.is_default:
        DeckOptions.objects.filter(learner=learner, deck=deck).delete()
    else:
        DeckOptions.objects.update_or_create(
            learner=learner, deck=deck, defaults={"preset": preset}
        )
    if old.new_card_order != preset.new_card_order:
        _reposition(learner, [deck.pk], preset.new_card_order)


def decks_using(*, learner: User, preset: Preset) -> list[int]:
    """Ids of the learner's decks that use `preset` (for the default: those with no choice)."""
    if not preset.is_default:
        return list(
            DeckOptions.objects.filter(learner=learner, preset=preset).values_list(
                "deck_id", flat=True
            )
        )
    chosen = DeckOptions.objects.filter(learner=learner).exclude(preset=preset)
    return list(
        Deck.objects.filter(owner=learner)
        .exclude(pk__in=chosen.values("deck_id"))
        .values_list("pk", flat=True)
    )


def reposition_new_cards(*, learner: User, preset: Preset) -> None:
    _reposition(learner, decks_using(learner=learner, preset=preset), preset.new_card_order)


def _reposition(learner: User, deck_ids: list[int], order: str) -> None:
    new_cards = CardState.objects.filter(learner=learner, deck_id__in=deck_ids, state=CardState.NEW)
    if order == Preset.ORDER_RANDOM:
        new_cards.update(
            position=(F("card_id") * _SHUFFLE_MULTIPLIER + learner.pk) % _SHUFFLE_MODULUS
        )
    else:
        new_cards.update(position=F("card_id"))
