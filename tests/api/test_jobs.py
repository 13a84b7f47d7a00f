from __future__ import annotations

import io
import zipfile

from exports.models import ExportJob
from flashcards.models import Note
from imports.models import ImportJob
from tests import factories


def test_it_exports_a_deck_and_downloads_the_file(api, owner):
    deck = factories.make_deck(owner, "Export me")
    note_type = factories.make_note_type_basic(owner)
    factories.make_note(owner, note_type, deck, ["front", "back"])
    started = api.post("/exports", {"deck_id": deck.pk, "format": "apkg"})
    assert started.status_code == 202, started.content
    job = api.get(f"/exports/{started.json()['id']}").json()
    assert job["status"] == "done"
    download = api.get(job["download"].removeprefix("/api/v1"))
    assert download.status_code == 200
    package = b"".join(download.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(package)).namelist()
    assert api.get("/exports").json()["count"] == 1


def test_it_imports_a_csv_file(api, owner):
    upload = io.BytesIO(b"#separator:Comma\n#deck:Imported\nhola,hello\nadios,goodbye\n")
    upload.name = "words.csv"
    started = api.upload("/imports", {"file": upload})
    assert started.status_code == 202, started.content
    job = api.get(f"/imports/{started.json()['id']}").json()
    assert job["status"] == "done", job
    assert job["report"]["notes_added"] == 2
    assert set(Note.objects.filter(owner=owner).values_list("first_field", flat=True)) == {
        "hola",
        "adios",
    }


def test_a_broken_package_fails_with_a_message(api):
    upload = io.BytesIO(b"PK\x03\x04 not really a zip")
    upload.name = "deck.apkg"
    started = api.upload("/imports", {"file": upload})
    job = api.get(f"/imports/{started.json()['id']}").json()
    assert job["status"] == "failed" and job["error"]


def test_jobs_are_private(api, other_api, owner):
    deck = factories.make_deck(owner, "Mine")
    export_id = api.post("/exports", {"deck_id": deck.pk}).json()["id"]
    assert other_api.get(f"/exports/{export_id}").status_code == 404
    assert other_api.get(f"/exports/{export_id}/file").status_code == 404
    assert other_api.post("/exports", {"deck_id": deck.pk}).status_code == 404
    upload = io.BytesIO(b"a,b\n")
    upload.name = "x.csv"
    import_id = api.upload("/imports", {"file": upload}).json()["id"]
    assert other_api.get(f"/imports/{import_id}").status_code == 404
    assert other_api.get("/imports").json()["count"] == 0
    assert ExportJob.objects.filter(owner=owner).count() == 1
    assert ImportJob.objects.filter(owner=owner).count() == 1
