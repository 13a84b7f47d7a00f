"""Background tasks of the imports app (django-tasks; `manage.py db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task

from imports.services.jobs import run_import_job


@task()
def run_import(job_id: int) -> None:
    run_import_job(job_id=job_id)
