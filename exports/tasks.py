"""Background tasks of the exports app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from exports.services import run_export_job


@task()
def build_export_job(job_id: int) -> None:
    run_export_job(job_id=job_id)
