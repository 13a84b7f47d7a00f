"""A user imports an Anki package, pastes a Quizlet list, and maps the columns of a CSV."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from flashcards.models import Note
from imports.models import ImportJob
from imports.services.jobs import write_progress
from tests.factories import make_user
from tests.imports.anki_builder import build_collection

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "correct-horse-9")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()


def test_a_user_imports_a_package_pastes_text_and_maps_a_csv(page, shot, tmp_path):
    user = make_user("ada")
    built = build_collection(tmp_path / "anki", scheduling=True)
    _log_in(page)

    page.click("nav.mainnav a:text('Import')")
    expect(page.get_by_role("heading", name="Import", exact=True)).to_be_visible()
    shot("upload")

    page.set_input_files("input[name=file]", str(built.packages["current"]))
    page.click("button:text('Import file')")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.get_by_role("row", name=f"Notes added {len(built.notes)}")).to_be_visible()
    expect(page.locator(".import-decks")).to_contain_text("Languages::Spanish::Verbs")
    shot("report")

    page.goto("/import/")
    page.fill("textarea[name=text]", "perro\tdog\ngato\tcat\n")
    page.fill("input[name=deck]", "Quizlet")
    page.click("button:text('Import text')")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    assert Note.objects.filter(owner=user, first_field="perro").exists()

    csv = tmp_path / "words.csv"
    csv.write_text("Spanish;English\nsol;sun\nluna;moon\n")
    page.goto("/import/")
    page.set_input_files("input[name=file]", str(csv))
    page.click("button:text('Import file')")
    expect(page.get_by_role("heading", name="How to read this file")).to_be_visible()
    page.select_option("select[name=separator]", "semicolon")  # htmx refreshes the preview
    expect(page.locator(".import-preview td", has_text="luna")).to_be_visible()
    page.check("input[name=first_row_is_header]")
    page.select_option("select[name=column_0]", "Back")
    page.select_option("select[name=column_1]", "Front")
    shot("mapping")
    page.click("button:text('Import'):not(:text('preview'))")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    assert Note.objects.get(owner=user, first_field="sun").fields == ["sun", "sol"]

    running = ImportJob.objects.create(owner=user, source_name="big.apkg", status="running")
    write_progress(running.pk, 40, 100)
    page.goto(f"/import/jobs/{running.pk}/")
    expect(page.locator("progress.import-progress")).to_have_attribute("value", "40")
    shot("running")
    running.status = ImportJob.FAILED
    running.error = "The package is damaged or incomplete."
    running.save()
    expect(page.get_by_text("Nothing was imported")).to_be_visible()  # the poll picks it up
    shot("failed")
