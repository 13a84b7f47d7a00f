"""Background jobs: "Optimize" and "Help me decide" for a preset.

They run through Django's tasks API (django-tasks; the worker is
`manage.py db_worker`) and report progress on an OptimizerRun row that the deck
options page polls.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db.models import Count
from django.utils import timezone
from django_tasks import task

from accounts.models import User
from flashcards.models import Card
from reviews import optimizer
from reviews.models import OptimizerRun, Preset, ReviewLog

logger = logging.getLogger(__name__)


def start_run(*, learner: User, preset: Preset, kind: str) -> OptimizerRun:
    """Queue a run for the preset, or return the one already under way."""
    if kind not in {OptimizerRun.OPTIMIZE, OptimizerRun.SIMULATE}:
        raise ValueError(f"unknown run kind {kind!r}")
    under_way = [OptimizerRun.QUEUED, OptimizerRun.RUNNING]
    active = OptimizerRun.objects.filter(
        owner=learner, preset=preset, kind=kind, status__in=under_way
    ).first()
    if active is not None:
        active.fail_if_abandoned()
    if active is not None and active.is_active:
        return active
    run = OptimizerRun.objects.create(owner=learner, preset=preset, kind=kind)
    run_optimizer.enqueue(run.pk)
    run.refresh_from_db()  # an immediate backend has already finished it
    return run


def _progress(run_id: int):
    def report(percent: int, message: str) -> None:
        OptimizerRun.objects.filter(pk=run_id).update(
            status=OptimizerRun.RUNNING,
            progress=min(99, percent),
            message=message,
            heartbeat=timezone.now(),
        )

    return report


def _history(learner: User, deck_ids: list[int]) -> Iterator[optimizer.LoggedReview]:
    logs = (
        ReviewLog.objects.filter(learner=learner, card__deck_id__in=deck_ids)
        .order_by("card_id", "reviewed_at", "pk")
        .values_list("card_id", "rating", "reviewed_at", "kind")
    )
    for card_id, rating, reviewed_at, kind in logs.iterator(chunk_size=5000):
        yield optimizer.LoggedReview(card_id, rating, learner.study_day(reviewed_at), kind)


@task()
def run_optimizer(run_id: int) -> None:
    run = OptimizerRun.objects.select_related("preset", "owner").get(pk=run_id)
    report = _progress(run.pk)
    report(5, "Starting")
    try:
        if run.kind == OptimizerRun.OPTIMIZE:
            result, message = _optimize(run, report)
        else:
            result, message = _simulate(run, report)
    except Exception:
        logger.exception("optimizer run %s failed", run.pk)
        OptimizerRun.objects.filter(pk=run.pk).update(
            status=OptimizerRun.FAILED,
            message="Something went wrong; the parameters were not changed.",
            finished=timezone.now(),
        )
        return
    OptimizerRun.objects.filter(pk=run.pk).update(
        status=OptimizerRun.DONE,
        progress=100,
        message=message,
        result=result,
        finished=timezone.now(),
    )


def _deck_ids(run: OptimizerRun) -> list[int]:
    from reviews.services import decks_using

    return decks_using(learner=run.owner, preset=run.preset)


def _optimize(run: OptimizerRun, report) -> tuple[dict, str]:
    preset = run.preset
    outcome = optimizer.optimize(
        _history(run.owner, _deck_ids(run)), preset.fsrs_parameters, report
    )
    if not outcome.enough:
        message = (
            f"Optimize needs at least {optimizer.MIN_REVIEWS} reviews of this preset's cards; "
            f"there are {outcome.reviews} so far, so {outcome.missing} more are needed."
        )
        return {"enough": False, "reviews": outcome.reviews, "missing": outcome.missing}, message
    assert outcome.before and outcome.after
    result = {
        "enough": True,
        "reviews": outcome.reviews,
        "parameters": outcome.parameters,
        "before": {"log_loss": outcome.before.log_loss, "rmse": outcome.before.rmse},
        "after": {"log_loss": outcome.after.log_loss, "rmse": outcome.after.rmse},
    }
    return result, f"Optimized on {outcome.reviews} reviews."


def _simulate(run: OptimizerRun, report) -> tuple[dict, str]:
    preset = run.preset
    deck_ids = _deck_ids(run)
    cards = Card.objects.filter(deck_id__in=deck_ids).aggregate(count=Count("id"))["count"]
    deck_size = max(cards, preset.new_per_day * 30, 100)
    points = optimizer.simulate_workload(
        parameters=preset.fsrs_parameters,
        deck_size=deck_size,
        new_per_day=preset.new_per_day,
        reviews_per_day=preset.reviews_per_day,
        maximum_interval=preset.maximum_interval,
        progress=report,
    )
    rows = [
        {
            "retention": point.retention,
            "minutes": round(point.minutes_per_day, 1),
            "reviews": round(point.reviews_per_day, 1),
            "memorized": round(point.memorized),
        }
        for point in points
    ]
    message = f"Simulated a year of {deck_size} cards at {preset.new_per_day} new cards a day."
    return {"deck_size": deck_size, "points": rows}, message
