"""The FSRS adapter: the only module that imports `fsrs`.

Django-free. It speaks `Schedule` (the scheduling fields of a CardState) and
`SchedulerConfig` (the scheduling fields of a Preset) and turns them into
`fsrs.Card` and `fsrs.Scheduler`.

Two things differ from calling fsrs directly:

- fsrs 6 has no "New" state: a new card is Learning step 0 with no last review.
  Our NEW is mapped to exactly that on the way in, and never comes back out.
- fsrs fuzzes review intervals with the global `random()`. Stored state must equal a
  replay of the review log, so the fuzz here is drawn from an RNG seeded by the
  caller (the learner, the card and its review count): the same review of the same
  card always lands on the same day, and the interval shown on a button is the one
  the grade will really give.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import fsrs
from fsrs.scheduler import FUZZ_RANGES

NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATINGS = (AGAIN, HARD, GOOD, EASY)

# ReviewLog.kind values (Anki's revlog types).
KIND_LEARN, KIND_REVIEW, KIND_RELEARN = 0, 1, 2

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.scheduler.DEFAULT_PARAMETERS)
PARAMETER_COUNT = len(DEFAULT_PARAMETERS)


@dataclass(frozen=True)
class SchedulerConfig:
    parameters: tuple[float, ...] = DEFAULT_PARAMETERS
    desired_retention: float = 0.9
    learning_steps: tuple[int, ...] = (60, 600)  # seconds
    relearning_steps: tuple[int, ...] = (600,)
    maximum_interval: int = 36500  # days
    fuzz: bool = True


@dataclass(frozen=True)
class Schedule:
    """A card's scheduling state for one learner; NEW cards have no memory yet."""

    state: int = NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0


@dataclass(frozen=True)
class Outcome:
    """What one grade does: the schedule after it and the review log's numbers."""

    schedule: Schedule
    kind: int
    interval_days: int  # Anki's revlog ivl: days, or negative seconds for learning steps
    last_interval_days: int
    label: str  # "10m", "3d", "2.5mo"


def parameter_errors(parameters: list[float] | tuple[float, ...]) -> list[str]:
    """Why these FSRS parameters can't be used (empty when they can)."""
    if len(parameters) != PARAMETER_COUNT:
        return [f"FSRS needs {PARAMETER_COUNT} parameters; got {len(parameters)}."]
    errors = []
    lower, upper = fsrs.scheduler.LOWER_BOUNDS_PARAMETERS, fsrs.scheduler.UPPER_BOUNDS_PARAMETERS
    for index, (value, low, high) in enumerate(zip(parameters, lower, upper, strict=True)):
        if not low <= value <= high:
            errors.append(f"Parameter {index + 1} is {value}; it must be from {low} to {high}.")
    return errors


class _SeededScheduler(fsrs.Scheduler):
    """fsrs.Scheduler whose fuzz comes from a given RNG instead of the global one."""

    def __init__(self, config: SchedulerConfig, rng: random.Random) -> None:
        super().__init__(
            parameters=config.parameters,
            desired_retention=config.desired_retention,
            learning_steps=[timedelta(seconds=s) for s in config.learning_steps],
            relearning_steps=[timedelta(seconds=s) for s in config.relearning_steps],
            maximum_interval=config.maximum_interval,
            enable_fuzzing=config.fuzz,
        )
        self._rng = rng

    def _get_fuzzed_interval(self, *, interval: timedelta) -> timedelta:
        # The same range as fsrs.Scheduler._get_fuzzed_interval; only the draw differs.
        interval_days = interval.days
        if interval_days < 2.5:
            return interval
        delta = 1.0
        for fuzz_range in FUZZ_RANGES:
            delta += fuzz_range["factor"] * max(
                min(float(interval_days), fuzz_range["end"]) - fuzz_range["start"], 0.0
            )
        min_ivl = max(2, round(interval_days - delta))
        max_ivl = min(round(interval_days + delta), self.maximum_interval)
        min_ivl = min(min_ivl, max_ivl)
        fuzzed = self._rng.random() * (max_ivl - min_ivl + 1) + min_ivl
        return timedelta(days=min(round(fuzzed), self.maximum_interval))


def fuzz_seed(learner_id: int, card_id: int, reps: int) -> str:
    return f"{learner_id}:{card_id}:{reps}"


def _utc(moment: datetime) -> datetime:
    # fsrs insists on tzinfo == timezone.utc, not merely an aware datetime.
    if moment.tzinfo is None:
        raise ValueError("FSRS needs aware datetimes")
    return moment.astimezone(UTC)


def _to_fsrs(schedule: Schedule, now: datetime) -> fsrs.Card:
    if schedule.state == NEW:
        return fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=now)
    return fsrs.Card(
        card_id=1,
        state=fsrs.State(schedule.state),
        step=schedule.step,
        stability=schedule.stability,
        difficulty=schedule.difficulty,
        due=_utc(schedule.due) if schedule.due else now,
        last_review=_utc(schedule.last_review) if schedule.last_review else None,
    )


def _interval_days(schedule: Schedule) -> int:
    if schedule.due is None or schedule.last_review is None:
        return 0
    seconds = (schedule.due - schedule.last_review).total_seconds()
    if schedule.state == REVIEW:
        return max(1, round(seconds / 86400))
    return -round(seconds)


def review(
    schedule: Schedule, rating: int, now: datetime, config: SchedulerConfig, seed: str
) -> Outcome:
    """Grade a card: the schedule after the review and the numbers its log keeps."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be 1-4, not {rating!r}")
    now = _utc(now)
    scheduler = _SeededScheduler(config, random.Random(seed))
    card, _ = scheduler.review_card(_to_fsrs(schedule, now), fsrs.Rating(rating), now)
    lapsed = schedule.state == REVIEW and rating == AGAIN
    after = Schedule(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=schedule.reps + 1,
        lapses=schedule.lapses + (1 if lapsed else 0),
    )
    if schedule.state in (NEW, LEARNING):
        kind = KIND_LEARN
    elif schedule.state == REVIEW:
        kind = KIND_REVIEW
    else:
        kind = KIND_RELEARN
    return Outcome(
        schedule=after,
        kind=kind,
        interval_days=_interval_days(after),
        last_interval_days=_interval_days(schedule),
        label=interval_label(card.due - now),
    )


def next_states(
    schedule: Schedule, now: datetime, config: SchedulerConfig, seed: str
) -> dict[int, Outcome]:
    """What each of the four buttons would do, for their labels ("Good 3d")."""
    return {rating: review(schedule, rating, now, config, seed) for rating in RATINGS}


def retrievability(schedule: Schedule, now: datetime, config: SchedulerConfig) -> float | None:
    """The predicted chance of recall at `now`; None for a card never reviewed."""
    if schedule.state == NEW or schedule.stability is None or schedule.last_review is None:
        return None
    scheduler = fsrs.Scheduler(parameters=config.parameters, enable_fuzzing=False)
    return scheduler.get_card_retrievability(_to_fsrs(schedule, _utc(now)), _utc(now))


def forgetting_curve(parameters: tuple[float, ...] | list[float]) -> tuple[float, float]:
    """FSRS's forgetting curve as (decay, factor): R = (1 + factor * days / stability) ** decay.

    For code that must evaluate recall over many cards at once (in SQL), where calling
    retrievability() per card is too slow; it gives the same numbers, with `days` the
    whole days since the last review.
    """
    decay = -float(parameters[20]) if len(parameters) > 20 else -fsrs.scheduler.FSRS_DEFAULT_DECAY
    return decay, 0.9 ** (1 / decay) - 1


def recall_probability(
    elapsed_days: int, stability: float, parameters: tuple[float, ...] | list[float]
) -> float:
    """R after `elapsed_days` whole days at `stability`: the same number fsrs gives."""
    decay, factor = forgetting_curve(parameters)
    return (1 + factor * max(0, elapsed_days) / stability) ** decay


def replay(
    ratings: list[tuple[int, datetime]], config: SchedulerConfig, seed_prefix: tuple[int, int]
) -> Schedule:
    """The schedule a new card reaches after these reviews, in order (for checks and tests)."""
    schedule = Schedule()
    for rating, moment in ratings:
        seed = fuzz_seed(seed_prefix[0], seed_prefix[1], schedule.reps)
        schedule = review(schedule, rating, moment, config, seed).schedule
    return schedule


def interval_label(span: timedelta) -> str:
    """Anki-style short interval: "<1m", "10m", "1.5h", "3d", "3.2mo", "1.1y"."""
    seconds = span.total_seconds()
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{_one_decimal(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{_one_decimal(days / 30)}mo"
    return f"{_one_decimal(days / 365)}y"


def _one_decimal(value: float) -> str:
    text = f"{math.floor(value * 10 + 0.5) / 10:.1f}"
    return text[:-2] if text.endswith(".0") else text


def with_state(schedule: Schedule, **changes: object) -> Schedule:
    return replace(schedule, **changes)
