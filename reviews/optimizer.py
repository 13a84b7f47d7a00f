"""FSRS parameter optimization and workload simulation: the only module that imports
`fsrs_rs_python`.

"Optimize" fits a preset's 21 FSRS parameters to the learner's own review history
(compute_parameters) and measures log loss and RMSE before and after (evaluate).
"Help me decide" simulates a year of study at several desired retentions and
reports the daily workload of each (simulate).

The functions here take plain data and a progress callback; reviews.tasks runs
them in the background and stores progress on an OptimizerRun row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import fsrs_rs_python as fsrs_rs

from reviews.scheduling import KIND_LEARN, KIND_RELEARN, KIND_REVIEW

# Our rule, not the library's: below this many reviews (a review-state card answered on
# a later day than it was last seen) the fitted parameters are mostly noise.
MIN_REVIEWS = 400
RETENTIONS = (0.70, 0.75, 0.80, 0.85, 0.90, 0.93, 0.95, 0.97)
SIMULATED_DAYS = 365

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class LoggedReview:
    """One review, reduced to what FSRS trains on."""

    card_id: int
    rating: int
    day: date  # the learner's study day it happened on
    kind: int


@dataclass(frozen=True)
class Evaluation:
    log_loss: float
    rmse: float


@dataclass(frozen=True)
class OptimizeResult:
    enough: bool
    reviews: int
    parameters: list[float]
    before: Evaluation | None = None
    after: Evaluation | None = None

    @property
    def missing(self) -> int:
        return max(0, MIN_REVIEWS - self.reviews)


def training_items(reviews: Iterable[LoggedReview]) -> list[fsrs_rs.FSRSItem]:
    """FSRS items as Anki makes them: for every review after a card's first, its history
    up to and including it, with days since the previous review; only histories that
    start with the card's first learning review and end on a later day than the one before.
    """
    items: list[fsrs_rs.FSRSItem] = []
    card_id: int | None = None
    history: list[fsrs_rs.FSRSReview] = []
    previous_day: date | None = None
    usable = False
    for review in reviews:
        if review.kind not in (KIND_LEARN, KIND_REVIEW, KIND_RELEARN):
            continue
        if review.card_id != card_id:
            card_id, history, previous_day = review.card_id, [], None
            usable = review.kind == KIND_LEARN
        if not usable:
            continue
        delta = (review.day - previous_day).days if previous_day else 0
        history.append(fsrs_rs.FSRSReview(review.rating, delta))
        previous_day = review.day
        if len(history) > 1 and delta > 0:
            items.append(fsrs_rs.FSRSItem(list(history)))
    return items


def _evaluate(parameters: Sequence[float], items: list[fsrs_rs.FSRSItem]) -> Evaluation:
    result = fsrs_rs.FSRS(list(parameters)).evaluate(items)
    return Evaluation(log_loss=float(result.log_loss), rmse=float(result.rmse_bins))


def optimize(
    reviews: Iterable[LoggedReview], current: Sequence[float], progress: Progress
) -> OptimizeResult:
    """Fit parameters to the history, or say how much more history is needed."""
    progress(20, "Reading your review history")
    items = training_items(reviews)
    if len(items) < MIN_REVIEWS:
        return OptimizeResult(enough=False, reviews=len(items), parameters=list(current))
    progress(35, "Measuring the current parameters")
    before = _evaluate(current, items)
    progress(50, f"Optimizing on {len(items)} reviews")
    fitted = fsrs_rs.FSRS(list(current)).compute_parameters(items)
    fitted = [round(float(value), 4) for value in fitted]
    progress(85, "Measuring the new parameters")
    after = _evaluate(fitted, items)
    return OptimizeResult(
        enough=True, reviews=len(items), parameters=fitted, before=before, after=after
    )


@dataclass(frozen=True)
class WorkloadPoint:
    retention: float
    minutes_per_day: float
    reviews_per_day: float
    memorized: float  # cards remembered at the end of the simulated year


def simulate_workload(
    *,
    parameters: Sequence[float],
    deck_size: int,
    new_per_day: int,
    reviews_per_day: int,
    maximum_interval: int,
    progress: Progress,
    retentions: Sequence[float] = RETENTIONS,
    days: int = SIMULATED_DAYS,
) -> list[WorkloadPoint]:
    """A year of study at each desired retention: time per day and what is remembered."""
    points = []
    for index, retention in enumerate(retentions):
        progress(10 + 85 * index // len(retentions), f"Simulating retention {retention:.0%}")
        config = fsrs_rs.default_simulator_config()
        config.deck_size = max(1, deck_size)
        config.learn_span = days
        config.learn_limit = max(0, new_per_day)
        config.review_limit = max(1, reviews_per_day)
        config.max_ivl = float(maximum_interval)
        result = fsrs_rs.simulate(list(parameters), retention, config, 42)
        spent = sum(result.cost_per_day)
        points.append(
            WorkloadPoint(
                retention=retention,
                minutes_per_day=spent / 60 / days,
                reviews_per_day=sum(result.review_cnt_per_day) / days,
                memorized=float(result.memorized_cnt_per_day[-1]),
            )
        )
    return points


def default_parameters() -> list[float]:
    return [round(float(value), 4) for value in fsrs_rs.DEFAULT_PARAMETERS]


# --- Memory states for imported cards (imports.services.package_scheduling calls these)

# Below this, fsrs-rs rejects the ease ("ease factor" is 1.3 at the least in Anki).
_MIN_EASE = 1.3


def memory_states(
    histories: Sequence[Sequence[tuple[int, int]]], parameters: Sequence[float]
) -> list[tuple[float, float] | None]:
    """(stability, difficulty) from each card's history, None where there is nothing to go on.

    A history is the card's reviews, oldest first, as (rating 1-4, days since the
    previous review): what Anki replays when FSRS is first turned on.
    """
    model = fsrs_rs.FSRS(list(parameters))
    items = []
    positions = []
    for index, history in enumerate(histories):
        reviews = [
            fsrs_rs.FSRSReview(int(rating), max(0, int(delta)))
            for rating, delta in history
            if 1 <= rating <= 4
        ]
        if reviews:
            items.append(fsrs_rs.FSRSItem(reviews))
            positions.append(index)
    results: list[tuple[float, float] | None] = [None] * len(histories)
    if items:
        for index, state in zip(positions, model.memory_state_batch(items), strict=True):
            results[index] = (float(state.stability), float(state.difficulty))
    return results


def memory_states_from_sm2(
    cards: Sequence[tuple[float, int]], parameters: Sequence[float], retention: float = 0.9
) -> list[tuple[float, float]]:
    """(stability, difficulty) of review cards with no usable history, from their SM-2
    (ease, interval in days), as Anki derives them (ease 2.5 for Anki's 250%)."""
    model = fsrs_rs.FSRS(list(parameters))
    results = []
    for ease, interval_days in cards:
        state = model.memory_state_from_sm2(
            max(_MIN_EASE, ease), float(max(1, interval_days)), retention
        )
        results.append((float(state.stability), float(state.difficulty)))
    return results
