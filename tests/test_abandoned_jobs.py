"""A background job whose worker died half-way (config.jobs) is shown as failed once its
heartbeat is older than ABANDONED_AFTER, instead of "running" for ever; a job with a
recent heartbeat is left alone."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config.jobs import ABANDONED_AFTER, ABANDONED_MESSAGE
from exports.models import ExportJob
from imports.models import ImportJob
from imports.services.jobs import progress_path, write_progress
from reviews.models import OptimizerRun
from reviews.tasks import start_run
from stats.models import SpreadsheetJob
from tests import factories

pytestmark = pytest.mark.django_db

LONG_AGO = ABANDONED_AFTER + timedelta(minutes=1)
RECENTLY = timedelta(minutes=2)


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _ago(delta: timedelta):
    return timezone.now() - delta


def test_an_export_whose_worker_died_shows_as_failed(owner, owner_client):
    deck = factories.make_deck(owner, "French")
    job = ExportJob.objects.create(
        owner=owner, deck=deck, title="French", status=ExportJob.RUNNING, heartbeat=_ago(LONG_AGO)
    )
    page = owner_client.get(reverse("exports:job", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == ExportJob.FAILED and job.error == ABANDONED_MESSAGE
    assert job.finished is not None
    assert "The background worker stopped" in page


def test_an_export_with_a_recent_heartbeat_keeps_running(owner, owner_client):
    deck = factories.make_deck(owner, "French")
    job = ExportJob.objects.create(
        owner=owner, deck=deck, title="French", status=ExportJob.RUNNING, heartbeat=_ago(RECENTLY)
    )
    owner_client.get(reverse("exports:job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ExportJob.RUNNING


def test_a_waiting_export_is_never_called_abandoned(owner, owner_client):
    """A job still in the queue has no worker yet: it waits however long that takes."""
    deck = factories.make_deck(owner, "French")
    job = ExportJob.objects.create(owner=owner, deck=deck, title="French")
    ExportJob.objects.filter(pk=job.pk).update(created=_ago(LONG_AGO * 3))
    owner_client.get(reverse("exports:job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ExportJob.PENDING


def test_a_spreadsheet_whose_worker_died_shows_as_failed(owner, owner_client):
    job = SpreadsheetJob.objects.create(
        owner=owner,
        whole_collection=True,
        title="Everything",
        dataset=SpreadsheetJob.CARDS,
        status=SpreadsheetJob.RUNNING,
        heartbeat=_ago(LONG_AGO),
    )
    page = owner_client.get(reverse("stats:spreadsheet", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == SpreadsheetJob.FAILED
    assert "The background worker stopped" in page


def test_an_import_whose_worker_died_shows_as_failed_and_drops_its_upload(owner, owner_client):
    upload = progress_path(0).parent / "upload.apkg"
    upload.write_bytes(b"PK")
    job = ImportJob.objects.create(
        owner=owner,
        source_name="x.apkg",
        status=ImportJob.RUNNING,
        file_path=str(upload),
        heartbeat=_ago(LONG_AGO),
    )
    page = owner_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.FAILED and job.error == ABANDONED_MESSAGE
    assert "The background worker stopped" in page
    assert not upload.exists() and job.file_path == ""


def test_an_import_that_still_writes_progress_keeps_running(owner, owner_client):
    """The import's heartbeat is its progress file: it runs in one transaction, so it
    can't write its row as it goes."""
    job = ImportJob.objects.create(
        owner=owner, source_name="x.apkg", status=ImportJob.RUNNING, heartbeat=_ago(LONG_AGO)
    )
    write_progress(job.pk, 10, 100)
    owner_client.get(reverse("imports:job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.RUNNING

    stale = _ago(LONG_AGO).timestamp()
    os.utime(progress_path(job.pk), (stale, stale))
    owner_client.get(reverse("imports:job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.FAILED


def test_an_abandoned_optimizer_run_no_longer_blocks_a_new_one(owner, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    preset = factories.make_preset(owner, "Mine", is_default=True)
    dead = OptimizerRun.objects.create(
        owner=owner,
        preset=preset,
        kind=OptimizerRun.OPTIMIZE,
        status=OptimizerRun.RUNNING,
        heartbeat=_ago(LONG_AGO),
    )
    run = start_run(learner=owner, preset=preset, kind=OptimizerRun.OPTIMIZE)
    dead.refresh_from_db()
    assert dead.status == OptimizerRun.FAILED and dead.message == ABANDONED_MESSAGE
    assert run.pk != dead.pk and run.status == OptimizerRun.QUEUED


def test_a_live_optimizer_run_is_returned_instead_of_a_second_one(owner, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    preset = factories.make_preset(owner, "Mine", is_default=True)
    live = OptimizerRun.objects.create(
        owner=owner,
        preset=preset,
        kind=OptimizerRun.OPTIMIZE,
        status=OptimizerRun.RUNNING,
        heartbeat=_ago(RECENTLY),
    )
    assert start_run(learner=owner, preset=preset, kind=OptimizerRun.OPTIMIZE).pk == live.pk


def test_workers_write_the_heartbeat_as_they_go(owner):
    from exports.services import run_export_job
    from reviews.tasks import _progress
    from stats.services import run_spreadsheet_job

    deck = factories.make_deck(owner, "French")
    factories.make_cards(owner, deck, 3)
    export = ExportJob.objects.create(owner=owner, deck=deck, title="French")
    run_export_job(job_id=export.pk)
    export.refresh_from_db()
    assert export.status == ExportJob.DONE and export.heartbeat is not None

    sheet = SpreadsheetJob.objects.create(
        owner=owner, whole_collection=True, title="All", dataset=SpreadsheetJob.CARDS
    )
    run_spreadsheet_job(job_id=sheet.pk)
    sheet.refresh_from_db()
    assert sheet.status == SpreadsheetJob.DONE and sheet.heartbeat is not None

    preset = factories.make_preset(owner, "Mine", is_default=True)
    run = OptimizerRun.objects.create(owner=owner, preset=preset, kind=OptimizerRun.OPTIMIZE)
    _progress(run.pk)(10, "Reading the history")
    run.refresh_from_db()
    assert run.status == OptimizerRun.RUNNING and run.heartbeat is not None
