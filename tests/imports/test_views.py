"""The upload page, the background job with its progress and report, and column mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from flashcards.models import Note
from imports.models import ImportJob
from reviews.models import ReviewLog
from tests.imports.anki_builder import PNG_BYTES


def _imports_folder_files() -> set[str]:
    folder = Path(settings.DATA_DIR) / "imports"
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def _upload(client, name: str, data: bytes, **extra):
    return client.post(
        reverse("imports:upload_file"), {"file": SimpleUploadedFile(name, data), **extra}
    )


def test_anonymous_visitors_are_sent_to_log_in(anon_client):
    for url in (reverse("imports:upload"), reverse("imports:job", args=[1])):
        response = anon_client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_the_upload_page_offers_a_file_and_pasted_text(owner_client):
    response = owner_client.get(reverse("imports:upload"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert 'name="term_separator"' in body and 'name="row_separator"' in body
    assert f'href="{reverse("imports:upload")}"' in body  # the nav link


def test_uploading_a_package_imports_it_and_shows_the_report(owner, owner_client, scheduled):
    before = _imports_folder_files()
    data = scheduled.packages["current"].read_bytes()

    response = _upload(owner_client, "deck.apkg", data)

    job = ImportJob.objects.get(owner=owner)
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:job", args=[job.pk])
    assert job.status == ImportJob.DONE
    assert job.report["notes_added"] == len(scheduled.notes)
    assert Note.objects.filter(owner=owner).count() == len(scheduled.notes)
    assert ReviewLog.objects.filter(learner=owner).count() == scheduled.reviews
    assert _imports_folder_files() == before  # the upload and progress file are gone
    page = owner_client.get(response["Location"]).content.decode()
    assert "Notes added" in page and "Languages::Spanish::Verbs" in page
    assert "hx-get" not in page  # finished: no more polling


def test_a_broken_upload_fails_with_its_reason_and_leaves_nothing(owner, owner_client):
    before = _imports_folder_files()

    response = _upload(owner_client, "holiday.apkg", PNG_BYTES)

    job = ImportJob.objects.get(owner=owner)
    assert job.status == ImportJob.FAILED
    assert "not an Anki package" in job.error
    assert Note.objects.count() == 0
    assert _imports_folder_files() == before
    page = owner_client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page and "not an Anki package" in page


def test_an_upload_over_the_limit_is_refused_before_it_is_stored(owner_client, settings):
    settings.MAX_IMPORT_UPLOAD_MB = 1
    before = _imports_folder_files()

    response = _upload(owner_client, "big.apkg", bytes(2 * 1024 * 1024))

    assert response.status_code == 422
    assert "1 MB import limit" in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert _imports_folder_files() == before


def test_the_job_page_polls_while_running_and_htmx_gets_the_fragment(owner, owner_client):
    job = ImportJob.objects.create(owner=owner, source_name="x.apkg", status=ImportJob.RUNNING)
    from imports.services.jobs import write_progress

    write_progress(job.pk, 25, 100)
    url = reverse("imports:job", args=[job.pk])

    page = owner_client.get(url).content.decode()
    fragment = owner_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert 'hx-get="' + url in page and 'value="25"' in page and "<noscript>" in page
    assert fragment.strip().startswith('<div id="import-status"')
    assert "<html" not in fragment and "25 of 100" in fragment


def test_other_users_cannot_see_or_discard_a_job(owner, other_client):
    job = ImportJob.objects.create(owner=owner, source_name="x.apkg", status=ImportJob.DONE)

    assert other_client.get(reverse("imports:job", args=[job.pk])).status_code == 404
    assert other_client.post(reverse("imports:discard", args=[job.pk])).status_code == 404
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_pasted_quizlet_text_is_imported(owner, owner_client):
    owner_client.get(reverse("imports:upload"))  # gives the owner the stock note types
    basic = owner.note_types.get(stock_kind="basic")

    response = owner_client.post(
        reverse("imports:paste"),
        {
            "text": "perro\tdog\ngato\tcat\n",
            "term_separator": "tab",
            "row_separator": "newline",
            "note_type": basic.pk,
            "deck": "Quizlet::Spanish",
        },
    )

    job = ImportJob.objects.get(owner=owner)
    assert response.status_code == 302 and job.status == ImportJob.DONE
    assert sorted(n.fields[0] for n in Note.objects.filter(owner=owner)) == ["gato", "perro"]
    assert job.report["decks"] == ["Quizlet::Spanish"]


def test_custom_separators_are_used_and_a_missing_one_is_an_error(owner, owner_client):
    owner_client.get(reverse("imports:upload"))
    basic = owner.note_types.get(stock_kind="basic")
    data = {
        "text": "one = uno | two = dos",
        "term_separator": "custom",
        "term_custom": " = ",
        "row_separator": "custom",
        "row_custom": " | ",
        "note_type": basic.pk,
        "deck": "Default",
    }

    missing = owner_client.post(reverse("imports:paste"), {**data, "row_custom": ""})
    assert missing.status_code == 422
    owner_client.post(reverse("imports:paste"), data)

    assert sorted(n.fields for n in Note.objects.filter(owner=owner)) == [
        ["one", "uno"],
        ["two", "dos"],
    ]


def test_a_csv_with_anki_headers_is_imported_without_questions(owner, owner_client):
    text = "#separator:comma\n#notetype:Basic\n#deck:Headers\nfront one,back one\n"
    owner_client.get(reverse("imports:upload"))

    response = _upload(owner_client, "cards.csv", text.encode())

    job = ImportJob.objects.get(owner=owner)
    assert response["Location"] == reverse("imports:job", args=[job.pk])
    assert job.status == ImportJob.DONE
    assert Note.objects.get(owner=owner).fields == ["front one", "back one"]


def test_a_csv_without_headers_asks_for_columns_with_a_preview(owner, owner_client):
    owner_client.get(reverse("imports:upload"))
    basic = owner.note_types.get(stock_kind="basic")
    response = _upload(owner_client, "words.csv", b"Spanish;English\nsol;sun\nluna;moon\n")
    job = ImportJob.objects.get(owner=owner)
    mapping_url = reverse("imports:mapping", args=[job.pk])
    assert response["Location"] == mapping_url
    assert job.status == ImportJob.MAPPING

    page = owner_client.get(mapping_url).content.decode()
    assert "luna" in page and "moon" in page and 'name="column_1"' in page
    assert owner_client.get(reverse("imports:job", args=[job.pk]))["Location"] == mapping_url
    refreshed = owner_client.post(
        mapping_url,
        {"separator": "semicolon", "note_type": basic.pk, "deck": "Sky", "refresh": "1"},
        headers={"HX-Request": "true"},
    )
    assert refreshed.status_code == 200
    assert refreshed.content.decode().strip().startswith('<form id="mapping"')
    bad = owner_client.post(
        mapping_url,
        {"separator": "semicolon", "note_type": basic.pk, "deck": "Sky", "column_0": "Front",
         "column_1": "Front"},
    )  # fmt: skip
    assert bad.status_code == 422
    done = owner_client.post(
        mapping_url,
        {
            "separator": "semicolon",
            "note_type": basic.pk,
            "deck": "Sky",
            "first_row_is_header": "on",
            "column_0": "Back",
            "column_1": "Front",
        },
    )

    job.refresh_from_db()
    assert done["Location"] == reverse("imports:job", args=[job.pk])
    assert job.status == ImportJob.DONE
    assert sorted(n.fields for n in Note.objects.filter(owner=owner)) == [
        ["moon", "luna"],
        ["sun", "sol"],
    ]


def test_cancelling_the_column_step_removes_the_upload(owner, owner_client):
    before = _imports_folder_files()
    _upload(owner_client, "words.csv", b"a,b\n")
    job = ImportJob.objects.get(owner=owner)

    response = owner_client.post(reverse("imports:discard", args=[job.pk]))

    assert response.status_code == 302
    assert not ImportJob.objects.exists()
    assert _imports_folder_files() == before


@pytest.mark.parametrize("name", ["notes.txt", "notes.tsv"])
def test_a_binary_file_posing_as_text_is_refused(owner_client, name):
    response = _upload(owner_client, name, PNG_BYTES)

    assert response.status_code == 422
    assert "not a text file" in response.content.decode()
    assert not ImportJob.objects.exists()
