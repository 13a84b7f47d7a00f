"""A user exports a deck from its page, then watches a background export finish."""

from __future__ import annotations

import zipfile

import pytest
from playwright.sync_api import expect

from exports.models import ExportJob
from tests.exports.content import build_content
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "correct-horse-9")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()


def test_a_user_downloads_a_deck_and_a_background_export(page, shot, tmp_path, settings):
    user = make_user("ada")
    content = build_content(user)
    _log_in(page)

    page.goto(f"/decks/{content.root.pk}/")
    page.click("a:text('Export')")
    expect(page.get_by_role("heading", name="Export “Langues::Français”")).to_be_visible()
    expect(page.locator(".badge", has_text="8 notes")).to_be_visible()
    shot("options")

    page.check("input[value=apkg]")
    page.check("input[name=with_progress]")
    with page.expect_download() as download_info:
        page.click("button:text('Export')")
    download = download_info.value
    assert download.suggested_filename == "Langues - Français.apkg"
    saved = tmp_path / "export.apkg"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert {"collection.anki2", "media"} <= set(archive.namelist())

    # A large export: the page shows progress and polls until the file is ready.
    job = ExportJob.objects.create(
        owner=user,
        deck=content.root,
        title=content.root.full_name,
        notes_total=12_000,
        notes_done=4_000,
        status=ExportJob.RUNNING,
        filename="Langues - Français.apkg",
    )
    page.goto(f"/export/jobs/{job.pk}/")
    expect(page.locator("progress.export-progress")).to_have_attribute("value", "33")
    shot("running")

    settings.EXPORT_BACKGROUND_NOTES = 1
    page.goto(f"/export/deck/{content.root.pk}/")
    page.check("input[value=csv]")
    page.click("button:text('Export')")
    expect(page.locator("#export-status")).to_contain_text("Ready.")
    shot("ready")
    with page.expect_download() as download_info:
        page.click("a:text('Download')")
    assert download_info.value.suggested_filename == "Langues - Français.csv"

    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.FAILED, error="Disk full.")
    page.goto(f"/export/jobs/{job.pk}/")
    expect(page.locator("#export-status")).to_contain_text("Disk full.")


def test_the_progress_bar_updates_without_reloading(page, shot):
    user = make_user("ada")
    content = build_content(user)
    job = ExportJob.objects.create(
        owner=user,
        deck=content.root,
        title=content.root.full_name,
        notes_total=10_000,
        notes_done=1_000,
        status=ExportJob.RUNNING,
    )
    _log_in(page)
    page.goto(f"/export/jobs/{job.pk}/")
    expect(page.locator("progress.export-progress")).to_have_attribute("value", "10")

    ExportJob.objects.filter(pk=job.pk).update(notes_done=6_000)
    expect(page.locator("progress.export-progress")).to_have_attribute("value", "60")
    shot("half-way")
