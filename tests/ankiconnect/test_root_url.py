"""AnkiConnect requests POSTed to "/" (tools that take only a host and port),
next to the deck list's own form, which POSTs there too."""

from __future__ import annotations

import json

from flashcards.models import Deck


def test_a_json_post_to_the_site_root_is_an_ankiconnect_request(anki):
    body = json.dumps({"action": "deckNames", "version": 6, "key": anki.key})
    response = anki.client.post("/", data=body, content_type="application/json")
    assert response.json() == {"result": ["Default"], "error": None}


def test_a_json_body_sent_as_a_form_type_is_recognised(anki):
    # urllib's default Content-Type, as anki-connect-api and AnkiConnect's own example send
    body = json.dumps({"action": "version", "version": 6, "key": anki.key})
    response = anki.client.post("/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.json() == {"result": 6, "error": None}


def test_a_preflight_to_the_site_root_is_answered(anki):
    response = anki.client.options(
        "/", HTTP_ORIGIN="chrome-extension://abc", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "chrome-extension://abc"


def test_the_deck_list_form_still_creates_decks(owner, owner_client):
    response = owner_client.post("/", {"full_name": "Made::Here", "description": ""})
    assert response.status_code == 302
    assert Deck.objects.filter(owner=owner, full_name="Made::Here").exists()
    assert owner_client.get("/").status_code == 200


def test_the_deck_form_still_needs_its_csrf_token(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post("/", {"full_name": "Forged"})
    assert response.status_code == 403
    assert not Deck.objects.filter(owner=owner, full_name="Forged").exists()


def test_a_get_of_the_site_root_is_still_the_deck_list(anki, owner_client):
    response = owner_client.get("/")
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
