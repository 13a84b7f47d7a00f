"""Writes of the stats app: Excel files built in the background."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from flashcards.models import Deck
from stats import exports
from stats.models import SpreadsheetJob
from stats.selectors import StatsScope, collection_scope, deck_scope

logger = logging.getLogger(__name__)
KEEP_SPREADSHEETS_FOR = timedelta(days=1)


def spreadsheets_dir() -> Path:
    path = Path(settings.DATA_DIR) / "stats"
    path.mkdir(parents=True, exist_ok=True)
    return path


def download_name(scope: StatsScope, dataset: str, fmt: str) -> str:
    from django.utils.text import slugify

    stem = slugify(scope.deck.full_name.replace("::", "-")) if scope.deck else "collection"
    return f"{stem or 'deck'}-{dataset}-{timezone.localdate():%Y-%m-%d}.{fmt}"


@transaction.atomic
def start_spreadsheet_job(
    *, learner: User, deck: Deck | None, dataset: str, rows_total: int = 0
) -> SpreadsheetJob:
    """Queue an Excel file of `dataset` (cards or reviews) of a deck or the collection."""
    if dataset not in exports.DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}")
    delete_expired_spreadsheets()
    job = SpreadsheetJob.objects.create(
        owner=learner,
        deck=deck,
        whole_collection=deck is None,
        title=deck.full_name if deck else "Whole collection",
        dataset=dataset,
        rows_total=rows_total,
    )
    from stats.tasks import build_spreadsheet

    transaction.on_commit(lambda: build_spreadsheet.enqueue(job.pk))
    return job


def _job_scope(job: SpreadsheetJob) -> StatsScope | None:
    if job.whole_collection:
        return collection_scope(job.owner)
    if job.deck_id is None:
        return None
    try:
        return deck_scope(job.owner, job.deck_id)  # the learner may have lost the deck
    except Http404:
        return None


def run_spreadsheet_job(*, job_id: int) -> None:
    """Build a queued Excel file (the background task's body). Never raises for bad data."""
    job = SpreadsheetJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status != SpreadsheetJob.PENDING:
        return
    SpreadsheetJob.objects.filter(pk=job.pk).update(
        status=SpreadsheetJob.RUNNING, heartbeat=timezone.now()
    )
    scope = _job_scope(job)
    if scope is None:
        SpreadsheetJob.objects.filter(pk=job.pk).update(
            status=SpreadsheetJob.FAILED,
            error="The deck was deleted, or is no longer shared with you.",
            finished=timezone.now(),
        )
        return

    def report(done: int) -> None:
        SpreadsheetJob.objects.filter(pk=job.pk).update(rows_done=done, heartbeat=timezone.now())

    path = spreadsheets_dir() / f"{job.pk}-{secrets.token_hex(8)}.xlsx"
    try:
        total = exports.count_rows(job.dataset, scope)
        SpreadsheetJob.objects.filter(pk=job.pk).update(rows_total=total)
        with path.open("wb") as out:
            rows = exports.write_xlsx(exports.build_table(job.dataset, scope), out, report)
    except Exception:
        logger.exception("Spreadsheet job %s failed", job.pk)
        path.unlink(missing_ok=True)
        SpreadsheetJob.objects.filter(pk=job.pk).update(
            status=SpreadsheetJob.FAILED,
            error="Something went wrong while building the file. Please try again.",
            finished=timezone.now(),
        )
        return
    SpreadsheetJob.objects.filter(pk=job.pk).update(
        status=SpreadsheetJob.DONE,
        rows_total=rows,
        rows_done=rows,
        filename=download_name(scope, job.dataset, "xlsx"),
        file_path=path.name,
        file_size=path.stat().st_size,
        finished=timezone.now(),
    )


def spreadsheet_file(job: SpreadsheetJob) -> Path | None:
    if job.status != SpreadsheetJob.DONE or not job.file_path:
        return None
    path = spreadsheets_dir() / Path(job.file_path).name
    return path if path.is_file() else None


def delete_expired_spreadsheets() -> int:
    """Forget Excel builds older than KEEP_SPREADSHEETS_FOR, and their files."""
    old = list(SpreadsheetJob.objects.filter(created__lt=timezone.now() - KEEP_SPREADSHEETS_FOR))
    for job in old:
        if job.file_path:
            (spreadsheets_dir() / Path(job.file_path).name).unlink(missing_ok=True)
    SpreadsheetJob.objects.filter(pk__in=[job.pk for job in old]).delete()
    return len(old)
