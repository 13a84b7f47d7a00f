"""Background jobs whose worker died half-way.

Every kind of job (exports, imports, spreadsheets, optimizer runs) is marked running
by the worker, which keeps a heartbeat while it works. A worker that is killed
outright (a crash, SIGKILL, a lost machine) never marks its job finished: a job
silent for longer than ABANDONED_AFTER is then shown as failed, instead of "running"
for ever, and can be started again. A normal stop lets the job finish first
(db_worker ends its task on SIGTERM; docker-compose gives it the time).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

# Far longer than any step between two heartbeats of a real job.
ABANDONED_AFTER = timedelta(minutes=30)
ABANDONED_MESSAGE = (
    "The background worker stopped while this was running (it may have been restarted). "
    "Nothing was saved: please start it again."
)


def abandoned_before(now: datetime | None = None) -> datetime:
    """Running jobs whose last heartbeat is older than this have been abandoned."""
    return (now or timezone.now()) - ABANDONED_AFTER


def fail_if_abandoned(job: Any, *, note_field: str = "error") -> None:
    """Mark `job` (a row of a job model with RUNNING/FAILED statuses, `heartbeat` and
    `finished`) failed if it is running and its worker has been silent too long, with
    ABANDONED_MESSAGE in `note_field`. One conditional UPDATE, so a worker's heartbeat
    landing at the same moment wins."""
    model = type(job)
    failed = model.objects.filter(
        pk=job.pk, status=model.RUNNING, heartbeat__lt=abandoned_before()
    ).update(status=model.FAILED, finished=timezone.now(), **{note_field: ABANDONED_MESSAGE})
    if failed:
        job.refresh_from_db()
