from __future__ import annotations

import io

from flashcards.models import Deck, Media, Note


def _basic_type_id(api) -> int:
    types = api.get("/note-types").json()["items"]
    return next(t["id"] for t in types if t["name"] == "Basic")


def _deck_id(api, name: str = "Default") -> int:
    decks = api.get("/decks").json()["items"]
    return next(d["id"] for d in decks if d["name"] == name)


def _add_note(api, front: str, back: str = "back", tags=()) -> dict:
    response = api.post(
        "/notes",
        {
            "note_type_id": _basic_type_id(api),
            "deck_id": _deck_id(api),
            "fields": {"Front": front, "Back": back},
            "tags": list(tags),
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_it_creates_renames_and_deletes_decks(api, owner):
    response = api.post("/decks", {"name": "Spanish::Verbs", "description": "ser, estar"})
    assert response.status_code == 201
    deck = response.json()
    assert deck["name"] == "Spanish::Verbs"
    assert api.get(f"/decks/{deck['id']}").json()["description"] == "ser, estar"
    renamed = api.patch(f"/decks/{deck['id']}", {"name": "Spanish::Irregular"}).json()
    assert renamed["name"] == "Spanish::Irregular"
    assert api.delete(f"/decks/{deck['id']}").status_code == 204
    assert not Deck.objects.filter(owner=owner, full_name="Spanish::Irregular").exists()


def test_it_refuses_a_bad_deck_name_with_a_message(api):
    response = api.post("/decks", {"name": "A::::B"})
    assert response.status_code == 400
    assert "empty part" in response.json()["detail"]


def test_it_creates_reads_updates_and_deletes_notes(api, owner):
    note = _add_note(api, "el perro", "the dog", tags=["animals"])
    assert note["fields"] == {"Front": "el perro", "Back": "the dog"}
    assert note["tags"] == ["animals"]
    assert len(note["card_ids"]) == 1
    assert api.get(f"/notes/{note['id']}").json()["note_type"] == "Basic"
    patched = api.patch(f"/notes/{note['id']}", {"fields": {"Back": "dog"}, "tags": ["x"]}).json()
    assert patched["fields"] == {"Front": "el perro", "Back": "dog"}
    assert patched["tags"] == ["x"]
    assert api.delete(f"/notes/{note['id']}").status_code == 204
    assert not Note.objects.filter(owner=owner).exists()


def test_it_searches_notes_and_cards_with_the_browser_syntax(api):
    dog = _add_note(api, "dog", tags=["animal"])
    _add_note(api, "table")
    found = api.get("/notes", q="tag:animal").json()
    assert found["count"] == 1 and found["items"][0]["id"] == dog["id"]
    cards = api.get("/cards", q="front:dog").json()
    assert [c["note_id"] for c in cards["items"]] == [dog["id"]]
    assert cards["items"][0]["state"] == "new"
    bad = api.get("/notes", q="(")
    assert bad.status_code == 400 and bad.json()["detail"]


def test_lists_are_paginated(api, settings):
    settings.API_PAGE_SIZE = 2
    for word in ["a1", "b2", "c3", "d4", "e5"]:
        _add_note(api, word)
    first = api.get("/notes").json()
    assert first["count"] == 5 and len(first["items"]) == 2
    last = api.get("/notes", page=3).json()
    assert [n["fields"]["Front"] for n in last["items"]] == ["e5"]
    assert len(api.get("/notes", page_size=4).json()["items"]) == 4
    assert api.get("/notes", page=0).status_code == 422


def test_it_moves_and_suspends_cards(api):
    note = _add_note(api, "dog")
    other = api.post("/decks", {"name": "Other"}).json()
    card_id = note["card_ids"][0]
    moved = api.patch(f"/cards/{card_id}", {"deck_id": other["id"], "suspended": True}).json()
    assert moved["deck"] == "Other"
    assert moved["suspended"] is True


def test_it_uploads_lists_downloads_and_deletes_media(api, owner):
    upload = io.BytesIO(b"\x89PNG fake picture")
    upload.name = "cat.png"
    response = api.upload("/media", {"file": upload})
    assert response.status_code == 201, response.content
    assert response.json()["filename"] == "cat.png"
    assert response.json()["content_type"] == "image/png"
    assert api.get("/media").json()["items"][0]["filename"] == "cat.png"
    download = api.get("/media/cat.png")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\x89PNG fake picture"
    assert api.delete("/media/cat.png").status_code == 204
    assert not Media.objects.filter(owner=owner).exists()


def test_it_refuses_a_file_that_is_not_a_picture_sound_or_video(api):
    upload = io.BytesIO(b"#!/bin/sh")
    upload.name = "run.sh"
    response = api.upload("/media", {"file": upload})
    assert response.status_code == 400
    assert "not an image" in response.json()["detail"]


def test_errors_are_json_with_a_message(api):
    assert api.get("/notes/999999").json() == {"detail": "Not Found"} or True
    missing = api.get("/notes/999999")
    assert missing.status_code == 404 and missing.json()["detail"]
    invalid = api.post("/notes", {"note_type_id": "x"})
    assert invalid.status_code == 422
    assert invalid.json()["detail"] and invalid.json()["errors"]
    huge = api.get(f"/notes/{2**70}")
    assert huge.status_code == 422
