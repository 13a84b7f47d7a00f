"""Background tasks of the stats app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from stats.services import run_spreadsheet_job


@task()
def build_spreadsheet(job_id: int) -> None:
    run_spreadsheet_job(job_id=job_id)
