"""Reads about what was studied: today's summary, undo, custom study, optimizer history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from accounts.models import User
from reviews.models import CardState, ReviewLog
from reviews.scheduling import KIND_REVIEW
from reviews.selectors.counts import StudyDay

# --- Optimizer -------------------------------------------------------------------------


def review_history_size(*, learner: User, deck_ids: Sequence[int]) -> int:
    """How many reviews of review-state cards the learner has in these decks."""
    return ReviewLog.objects.filter(
        learner=learner, card__deck_id__in=list(deck_ids), kind=KIND_REVIEW
    ).count()


# --- After the session ------------------------------------------------------------------


@dataclass(frozen=True)
class DaySummary:
    reviewed: int
    seconds: int
    retention: float | None  # share of review-state cards remembered today; None if none


def today_summary(
    *, learner: User, deck_ids: Sequence[int], now: datetime | None = None
) -> DaySummary:
    """Cards reviewed today in these decks, time spent, and today's true retention."""
    day = StudyDay.of(learner, now)
    totals = ReviewLog.objects.filter(
        learner=learner, deck_id__in=list(deck_ids), reviewed_at__gte=day.starts
    ).aggregate(
        reviewed=Count("id"),
        milliseconds=Sum("duration_ms"),
        reviews=Count("id", filter=Q(kind=KIND_REVIEW)),
        passed=Count("id", filter=Q(kind=KIND_REVIEW, rating__gt=ReviewLog.AGAIN)),
    )
    retention = totals["passed"] / totals["reviews"] if totals["reviews"] else None
    return DaySummary(
        reviewed=totals["reviewed"],
        seconds=round((totals["milliseconds"] or 0) / 1000),
        retention=retention,
    )


def last_review_today(
    *, learner: User, deck_ids: Sequence[int], now: datetime | None = None
) -> ReviewLog | None:
    """The learner's latest review of the day in these decks, which Undo takes back."""
    day = StudyDay.of(learner, now)
    return (
        ReviewLog.objects.filter(
            learner=learner, deck_id__in=list(deck_ids), reviewed_at__gte=day.starts
        )
        .order_by("-reviewed_at", "-pk")
        .only("review_id", "card_id", "reviewed_at")
        .first()
    )


# --- Custom study (preview: nothing is rescheduled) --------------------------------------


PREVIEW_AHEAD = "ahead"
PREVIEW_FORGOTTEN = "forgotten"


def preview_states(
    *, learner: User, deck_ids: Sequence[int], mode: str, days: int = 1, now: datetime | None = None
) -> QuerySet[CardState]:
    """Cards for a custom-study preview, in the order they are shown (by card id).

    "ahead": review cards due in the next `days` days (after today).
    "forgotten": cards answered Again today.
    """
    day = StudyDay.of(learner, now)
    states = CardState.objects.filter(learner=learner, deck_id__in=list(deck_ids), suspended=False)
    if mode == PREVIEW_AHEAD:
        states = states.filter(
            state=CardState.REVIEW,
            due__gte=day.ends,
            due__lt=day.ends + timedelta(days=days),
        )
    elif mode == PREVIEW_FORGOTTEN:
        forgotten = ReviewLog.objects.filter(
            learner=learner, card=OuterRef("card_id"), reviewed_at__gte=day.starts, rating=1
        )
        states = states.filter(Exists(forgotten))
    else:
        return states.none()
    return states.select_related("card__note__note_type", "card__deck").order_by("card_id")
