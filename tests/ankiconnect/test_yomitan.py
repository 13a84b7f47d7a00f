"""A recorded Yomitan session: the requests Yomitan sends (API version 2, its note
options, a picture stored first and referenced from a field), from a Chrome
extension origin, ending with the note and its picture in Deckhand."""

from __future__ import annotations

import base64
import hashlib
import json

from flashcards.models import Media, Note
from flashcards.services.media import media_path

YOMITAN_ORIGIN = "chrome-extension://likgccmbimhjbgkjambclfkhldnlhbnn"
# A 1x1 PNG, as Yomitan stores a dictionary picture.
PICTURE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PICTURE_NAME = "yomitan_dictionary_media_1_2024-05-01-12-00-00.png"


def yomitan_note(deck: str, picture: str = "") -> dict:
    return {
        "deckName": deck,
        "modelName": "Basic",
        "fields": {
            "Front": "読む",
            "Back": "to read" + (f'<br><img src="{picture}">' if picture else ""),
        },
        "tags": ["yomitan"],
        "options": {
            "allowDuplicate": False,
            "duplicateScope": "collection",
            "duplicateScopeOptions": {
                "deckName": None,
                "checkChildren": False,
                "checkAllModels": False,
            },
        },
    }


def test_a_yomitan_session_ends_with_the_note_and_its_picture_in_deckhand(anki, owner):
    def send(action: str, **params):
        body = {"action": action, "params": params, "version": 2, "key": owner.api_key}
        response = anki.client.post(
            "/ankiconnect",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_ORIGIN=YOMITAN_ORIGIN,
        )
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == YOMITAN_ORIGIN
        return response.json()

    # Version 2 replies carry the bare result, as Yomitan expects.
    assert send("version") == 6
    decks = send("deckNames")
    assert "Default" in decks
    assert "Basic" in send("modelNames")
    assert send("modelFieldNames", modelName="Basic") == ["Front", "Back"]
    assert send("canAddNotes", notes=[yomitan_note("Default")]) == [True]
    stored = send("storeMediaFile", filename=PICTURE_NAME, data=base64.b64encode(PICTURE).decode())
    assert stored == PICTURE_NAME
    note_id = send("addNote", note=yomitan_note("Default", picture=stored))
    assert isinstance(note_id, int)
    [info] = send("notesInfo", notes=[note_id])
    assert info["noteId"] == note_id
    assert info["fields"]["Front"]["value"] == "読む"
    assert f'<img src="{PICTURE_NAME}">' in info["fields"]["Back"]["value"]
    assert info["tags"] == ["yomitan"]
    assert len(info["cards"]) == 1
    # Seen again, the word is a duplicate; errors come in the envelope even for version 2.
    assert send("canAddNotes", notes=[yomitan_note("Default")]) == [False]
    assert send("addNote", note=yomitan_note("Default")) == {
        "result": None,
        "error": "cannot create note because it is a duplicate",
    }

    note = Note.objects.get(pk=note_id)
    assert note.owner == owner
    assert note.fields[0] == "読む"
    media = Media.objects.get(owner=owner, filename=PICTURE_NAME)
    assert media.sha256 == hashlib.sha256(PICTURE).hexdigest()
    assert media.content_type == "image/png"
    assert media_path(media.sha256).read_bytes() == PICTURE
    assert note.cards.get().deck.full_name == "Default"


def test_yomitan_asks_for_permission_first_and_is_granted_from_its_extension_origin(keyless):
    response = keyless.client.post(
        "/ankiconnect",
        data=json.dumps({"action": "requestPermission", "version": 6}),
        content_type="application/json",
        HTTP_ORIGIN=YOMITAN_ORIGIN,
    )
    assert response.json() == {
        "result": {"permission": "granted", "requireApikey": True, "version": 6},
        "error": None,
    }
