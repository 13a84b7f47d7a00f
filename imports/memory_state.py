"""FSRS memory states for imported cards, from their review history (fsrs-rs-python).

Anki stores a card's FSRS memory state (stability, difficulty) only when FSRS
is on in the collection. Otherwise the state is worked out here from the
card's review history, as Anki does when FSRS is first turned on: each review
is a rating and the number of days since the previous one. A review card with
no usable history gets the state Anki derives from its SM-2 ease and interval.

Django-free; the only module of this app that imports fsrs_rs_python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import fsrs_rs_python

# Below this, fsrs-rs rejects the ease ("ease factor" is 1.3 at the least in Anki).
_MIN_EASE = 1.3


@dataclass(frozen=True)
class History:
    """One card's usable reviews: (rating 1-4, days since the previous review), oldest first."""

    reviews: Sequence[tuple[int, int]]


@dataclass(frozen=True)
class SM2Card:
    ease: float  # 2.5 for Anki's 250%
    interval_days: int


def memory_states(
    histories: Sequence[History], parameters: Sequence[float]
) -> list[tuple[float, float] | None]:
    """(stability, difficulty) for each history, None where there is nothing to go on."""
    model = fsrs_rs_python.FSRS(list(parameters))
    items = []
    positions = []
    for index, history in enumerate(histories):
        reviews = [
            fsrs_rs_python.FSRSReview(int(rating), max(0, int(delta)))
            for rating, delta in history.reviews
            if 1 <= rating <= 4
        ]
        if reviews:
            items.append(fsrs_rs_python.FSRSItem(reviews))
            positions.append(index)
    results: list[tuple[float, float] | None] = [None] * len(histories)
    if items:
        for index, state in zip(positions, model.memory_state_batch(items), strict=True):
            results[index] = (float(state.stability), float(state.difficulty))
    return results


def memory_states_from_sm2(
    cards: Sequence[SM2Card], parameters: Sequence[float], retention: float = 0.9
) -> list[tuple[float, float]]:
    model = fsrs_rs_python.FSRS(list(parameters))
    results = []
    for card in cards:
        state = model.memory_state_from_sm2(
            max(_MIN_EASE, card.ease), float(max(1, card.interval_days)), retention
        )
        results.append((float(state.stability), float(state.difficulty)))
    return results
