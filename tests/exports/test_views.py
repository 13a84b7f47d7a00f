"""Export pages: the owner, another user and anonymous; direct and background exports."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from exports.models import ExportJob
from flashcards.services.media import media_path
from tests.exports.conftest import import_apkg
from tests.exports.content import SOUND_NAME, build_content
from tests.factories import make_deck, make_note, make_note_type_basic


@pytest.fixture
def content(owner):
    return build_content(owner)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_owner_sees_the_export_options(owner_client, content):
    response = owner_client.get(reverse("exports:deck", args=[content.root.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Export “Langues::Français”" in page
    assert 'value="apkg"' in page and 'value="csv"' in page and 'value="tsv"' in page
    assert "Include my progress" in page
    assert "8 notes" in page and "12 cards" in page and "1 subdeck" in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_users_deck_is_not_found(other_client, content, method):
    url = reverse("exports:deck", args=[content.root.pk])
    response = getattr(other_client, method)(url, {"format": "apkg"})
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(anon_client, content):
    response = anon_client.get(reverse("exports:deck", args=[content.root.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_small_deck_downloads_at_once(owner_client, content, tmp_path, anki_col):
    response = owner_client.post(
        reverse("exports:deck", args=[content.root.pk]), {"format": "apkg"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Langues%20-%20Fran%C3%A7ais.apkg" in response["Content-Disposition"]
    path = tmp_path / "download.apkg"
    path.write_bytes(_body(response))
    import_apkg(anki_col, path)
    assert anki_col.note_count() == 8
    assert not ExportJob.objects.exists()


def test_csv_downloads_as_text(owner_client, content):
    response = owner_client.post(reverse("exports:deck", args=[content.root.pk]), {"format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert _body(response).decode().startswith("#separator:comma\n#html:true\n")


def test_a_bad_format_re_renders_the_form_with_422(owner_client, content):
    response = owner_client.post(reverse("exports:deck", args=[content.root.pk]), {"format": "pdf"})
    assert response.status_code == 422
    assert "errorlist" in response.content.decode()


def test_an_empty_deck_says_there_is_nothing_to_export(owner, owner_client):
    deck = make_deck(owner, "Empty")
    response = owner_client.post(reverse("exports:deck", args=[deck.pk]), {"format": "apkg"})
    assert response.status_code == 422
    assert "nothing to export" in response.content.decode()


def test_missing_media_is_named_on_a_page_with_the_download(owner, owner_client, content):
    media_path(owner.media.get(filename=SOUND_NAME).sha256).unlink()

    response = owner_client.post(
        reverse("exports:deck", args=[content.root.pk]), {"format": "apkg"}, follow=True
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Missing media" in page and SOUND_NAME in page
    job = ExportJob.objects.get()
    assert job.missing_media == [SOUND_NAME]
    assert reverse("exports:download", args=[job.pk]) in page
    download = owner_client.get(reverse("exports:download", args=[job.pk]))
    assert zipfile.ZipFile(io.BytesIO(_body(download))).testzip() is None


def test_a_large_deck_builds_in_the_background_with_progress(
    owner, owner_client, content, settings
):
    settings.EXPORT_BACKGROUND_NOTES = 5  # the deck has 8 notes

    response = owner_client.post(
        reverse("exports:deck", args=[content.root.pk]),
        {"format": "apkg", "with_progress": "on"},
    )

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:job", args=[job.pk])
    # The test task backend runs the job at once.
    assert job.status == ExportJob.DONE
    assert job.notes_total == job.notes_done == 8 and job.with_progress
    page = owner_client.get(response["Location"]).content.decode()
    assert "Ready." in page and "Download Langues - Français.apkg" in page
    download = owner_client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200
    assert len(_body(download)) == job.file_size


def test_a_running_job_polls_with_htmx_until_it_is_ready(owner, owner_client, content):
    job = ExportJob.objects.create(
        owner=owner, deck=content.root, title="Langues::Français", notes_total=10_000,
        notes_done=2500, status=ExportJob.RUNNING,
    )  # fmt: skip
    url = reverse("exports:job", args=[job.pk])

    page = owner_client.get(url).content.decode()
    fragment = owner_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert 'hx-trigger="load delay:1s"' in page
    assert '<progress class="export-progress" max="100" value="25"' in page
    assert "<html" not in fragment and 'id="export-status"' in fragment
    assert "2500 of 10000 notes" in fragment


def test_jobs_and_downloads_are_the_owners_only(owner, other_client, anon_client, content):
    job = ExportJob.objects.create(owner=owner, deck=content.root, title="x")
    for url in (
        reverse("exports:job", args=[job.pk]),
        reverse("exports:download", args=[job.pk]),
    ):
        assert other_client.get(url).status_code == 404
        assert anon_client.get(url).status_code == 302


def test_an_unfinished_job_has_no_download(owner, owner_client, content):
    job = ExportJob.objects.create(owner=owner, deck=content.root, title="x")
    assert owner_client.get(reverse("exports:download", args=[job.pk])).status_code == 404


def test_a_browser_selection_shows_options_then_downloads(owner, owner_client, content):
    card_ids = [card.pk for card in content.notes["reversed"].cards.all()]

    options = owner_client.post(reverse("exports:selection"), {"card_ids": card_ids})
    page = options.content.decode()
    assert options.status_code == 200
    assert "Export 2 selected cards" in page
    assert f'name="card_ids" value="{min(card_ids)},{max(card_ids)}"' in page

    response = owner_client.post(
        reverse("exports:selection"), {"card_ids": f"{card_ids[0]},{card_ids[1]}", "format": "tsv"}
    )
    lines = _body(response).decode().splitlines()
    assert response["Content-Disposition"].startswith("attachment;")
    assert len([line for line in lines if not line.startswith("#")]) == 1


def test_a_selection_of_someone_elses_cards_is_not_found(other_user, owner_client):
    deck = make_deck(other_user, "Theirs")
    note = make_note(other_user, make_note_type_basic(other_user), deck)
    response = owner_client.post(
        reverse("exports:selection"), {"card_ids": [note.cards.get().pk], "format": "apkg"}
    )
    assert response.status_code == 404


def test_an_empty_or_garbled_selection_goes_back_to_the_browser(owner_client):
    for data in ({}, {"card_ids": "1,two"}):
        response = owner_client.post(reverse("exports:selection"), data)
        assert response.status_code == 302
        assert response["Location"] == reverse("flashcards:browse")


def test_the_selection_page_refuses_get(owner_client):
    assert owner_client.get(reverse("exports:selection")).status_code == 405
