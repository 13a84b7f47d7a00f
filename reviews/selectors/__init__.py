"""Reads for studying: who may study what, deck counts, the daily queue, what was studied.

Split by subject; everything public is importable from `reviews.selectors`.
"""

from __future__ import annotations

from reviews.selectors.access import (
    get_card_for_learner,
    get_deck_for_learner,
    get_preset_for_learner,
    get_study_card,
    learner_can_study_deck,
)
from reviews.selectors.counts import (
    LEARNING_STATES,
    Counts,
    StudyDay,
    deck_counts,
    not_buried,
    preset_for_deck,
    presets_of,
)
from reviews.selectors.history import (
    PREVIEW_AHEAD,
    PREVIEW_FORGOTTEN,
    DaySummary,
    last_review_today,
    preview_states,
    review_history_size,
    today_summary,
)
from reviews.selectors.queue import (
    LEARN_AHEAD,
    LEARNING_COUNT_CAP,
    PLAN_PRESET_FIELDS,
    AnswerButton,
    PlanDeck,
    Queue,
    StudyPlan,
    answer_buttons,
    next_in_queue,
    study_plan,
)

__all__ = [
    "LEARNING_COUNT_CAP",
    "LEARNING_STATES",
    "LEARN_AHEAD",
    "PLAN_PRESET_FIELDS",
    "PREVIEW_AHEAD",
    "PREVIEW_FORGOTTEN",
    "AnswerButton",
    "Counts",
    "DaySummary",
    "PlanDeck",
    "Queue",
    "StudyDay",
    "StudyPlan",
    "answer_buttons",
    "deck_counts",
    "get_card_for_learner",
    "get_deck_for_learner",
    "get_preset_for_learner",
    "get_study_card",
    "last_review_today",
    "learner_can_study_deck",
    "next_in_queue",
    "not_buried",
    "preset_for_deck",
    "presets_of",
    "preview_states",
    "review_history_size",
    "study_plan",
    "today_summary",
]
