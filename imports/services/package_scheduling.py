"""Review history and card states of a package import, FSRS memory states included.

`SchedulingMixin` is the part of `packages._PackageImport` that runs when the
package carries scheduling: the review log becomes the learner's ReviewLog
(by revlog id, so importing twice adds no review twice) and each studied card
gets a CardState. Progress already here wins: a card the learner has a state
for keeps it. A card's FSRS memory state is the one Anki stored when there is
one; otherwise it is worked out from the card's review history, or from its
SM-2 ease and interval when it has no history (reviews.optimizer does both).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import User
from imports.apkg import AnkiPackage, PackageCard
from imports.bulk import BulkInserter
from imports.services.common import BATCH, ImportReport, chunks
from imports.services.sqlite_copy import SqliteCopy
from reviews.models import DEFAULT_FSRS_PARAMETERS, CardState, Preset, ReviewLog
from reviews.optimizer import memory_states, memory_states_from_sm2

# Anki's queues and card types.
QUEUE_SUSPENDED = -1
NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
# A learning card's due is epoch seconds; anything smaller is a day number.
_EPOCH_DUE = 1_000_000_000
# Steps Anki counts in `left` when the package does not say (Deckhand's defaults).
_LEARNING_STEPS, _RELEARNING_STEPS = 2, 1


class SchedulingMixin:
    """Writes a package's review log and card states; mixed into packages._PackageImport.

    The import sets the state below once the notes are in (`card_map` then
    holds the cards the Python path wrote) and provides `count(key, n=1)` for
    the report's tallies.
    """

    user: User
    zone: ZoneInfo  # the learner's
    package: AnkiPackage
    sql: SqliteCopy | None
    report: ImportReport
    now: datetime
    # Package card id -> (Card pk, deck pk, whether the card was here before).
    card_map: dict[int, tuple[int, int, bool]]
    day_starts: dict[int, datetime]  # due day -> its start for the learner, see _day_start
    count: Callable[..., None]

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
