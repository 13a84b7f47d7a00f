"""Real AnkiConnect client libraries from PyPI, pointed at a live Deckhand.

- anki-connect-api: one function per action, posting to a module-level URL; it takes
  a full URL, so the key travels in it (`/ankiconnect/KEY`).
- py-ankiconnect: takes only a host and a port and posts to "/", with no way to send
  a key: it reaches Deckhand through the site-root route, as the keyless loopback
  user a one-person install names (ANKICONNECT_LOOPBACK_USER).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import anki_connect_api
import pytest
from py_ankiconnect import PyAnkiconnect

from flashcards.models import Note

pytestmark = pytest.mark.django_db(transaction=True)


def _note(front: str, back: str) -> dict:
    return {
        "deckName": "Deckhand::Library",
        "modelName": "Basic",
        "fields": {"Front": front, "Back": back},
        "tags": ["from-library"],
    }


@pytest.fixture
def connect_api(live_server, owner, monkeypatch):
    monkeypatch.setattr(anki_connect_api, "URL", f"{live_server.url}/ankiconnect/{owner.api_key}")
    return anki_connect_api


def test_anki_connect_api_adds_finds_and_updates_notes(connect_api, owner):
    assert connect_api.version() == 6
    connect_api.createDeck(deck="Deckhand::Library")
    assert "Deckhand::Library" in connect_api.deckNames()
    assert connect_api.modelFieldNames(modelName="Basic") == ["Front", "Back"]
    note_id = connect_api.addNote(note=_note("la casa", "the house"))
    assert connect_api.canAddNotes(notes=[_note("la casa", "x")]) == [False]
    assert connect_api.findNotes(query='"deck:Deckhand::Library" casa') == [note_id]
    connect_api.updateNoteFields(note={"id": note_id, "fields": {"Back": "the home"}})
    connect_api.addTags(notes=[note_id], tags="checked")
    [info] = connect_api.notesInfo(notes=[note_id])
    assert info["fields"]["Back"]["value"] == "the home"
    assert sorted(info["tags"]) == ["checked", "from-library"]
    note = Note.objects.get(pk=note_id)
    assert note.owner == owner and note.fields == ["la casa", "the home"]
    with pytest.raises(Exception, match="cannot create note because it is a duplicate"):
        connect_api.addNote(note=_note("la casa", "again"))


def test_anki_connect_api_is_refused_with_a_wrong_key(connect_api, live_server):
    connect_api.URL = f"{live_server.url}/ankiconnect/not-the-key"
    with pytest.raises(Exception, match="valid api key must be provided"):
        connect_api.deckNames()


@pytest.fixture
def host_and_port_client(live_server, owner, settings):
    settings.ANKICONNECT_LOOPBACK_USER = owner.username
    address = urlsplit(live_server.url)
    return PyAnkiconnect(default_host=f"http://{address.hostname}", default_port=address.port)


def test_py_ankiconnect_adds_finds_and_updates_notes_through_the_site_root(
    host_and_port_client, owner
):
    akc = host_and_port_client
    assert akc("version") == 6
    akc("createDeck", deck="Deckhand::Library")
    note_id = akc("addNote", note=_note("el gato", "the cat"))
    assert akc("findNotes", query="tag:from-library gato") == [note_id]
    akc("updateNote", note={"id": note_id, "fields": {"Back": "the kitten"}, "tags": ["pet"]})
    [info] = akc("notesInfo", notes=[note_id])
    assert info["fields"]["Back"]["value"] == "the kitten"
    assert info["tags"] == ["pet"]
    [card_id] = akc("findCards", query=f"nid:{note_id}")
    assert akc("cardsInfo", cards=[card_id])[0]["deckName"] == "Deckhand::Library"
    assert Note.objects.get(pk=note_id).owner == owner


def test_py_ankiconnect_is_refused_when_no_keyless_user_is_named(host_and_port_client, settings):
    settings.ANKICONNECT_LOOPBACK_USER = ""
    with pytest.raises(Exception, match="valid api key must be provided"):
        host_and_port_client("deckNames")
