"""The envelope, versions, malformed requests, CORS, keys and limits."""

from __future__ import annotations

import json

import pytest

from flashcards.models import Deck


def test_version_5_and_up_get_the_envelope_and_4_and_below_the_bare_result(anki):
    assert anki.reply("deckNames", version=6) == {"result": ["Default"], "error": None}
    assert anki.reply("deckNames", version=5) == {"result": ["Default"], "error": None}
    assert anki.reply("deckNames", version=4) == ["Default"]
    body = {"action": "deckNames", "key": anki.key}  # no version: 4, as AnkiConnect reads it
    assert anki.raw(body).json() == ["Default"]


def test_errors_come_in_the_envelope_whatever_the_version(anki):
    for version in (2, 4, 6):
        assert anki.reply("nonsense", version=version) == {
            "result": None,
            "error": "unsupported action",
        }


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            b"{not json",
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        (b"[1, 2]", "[1, 2] is not of type 'object'"),
        (b'{"version": 6}', "'action' is a required property"),
        (b'{"action": 5}', "5 is not of type 'string'"),
        (b'{"action": "deckNames", "version": "6"}', "'6' is not of type 'integer'"),
        (b'{"action": "deckNames", "params": []}', "[] is not of type 'object'"),
        (b"\xff\xfe", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    ],
)
def test_a_malformed_request_is_an_error_in_the_envelope_with_status_200(anki, body, error):
    response = anki.raw(body)
    assert response.status_code == 200
    assert response.json() == {"result": None, "error": error}


def test_bad_params_are_errors_not_crashes(anki):
    assert anki.error("addNote", note="not an object") == '"note" must be an object'
    assert anki.error("notesInfo", notes="1,2") == '"notes" must be a list of ids'
    assert anki.error("findNotes", query=5) == '"query" must be a string'
    assert anki.error("addTags", notes=[1], tags=[3]) == "Must provide tags as a list of strings"
    assert anki.error("updateNoteFields", note={"id": 424242, "fields": {}}) == (
        "Note was not found: 424242"
    )
    assert anki.error("createDeck", deck="A::::B").startswith("A deck name can't be empty")


def test_nul_characters_are_refused_on_every_database(anki):
    note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "a\x00b"}}
    assert anki.error("addNote", note=note) == "requests can't contain NUL (\\u0000) characters"
    assert anki.error("findNotes", query="\x00").startswith("requests can't contain NUL")


def test_an_empty_body_answers_the_api_version_as_ankiconnect_does(anki):
    assert anki.client.get("/ankiconnect").json() == {"apiVersion": "AnkiConnect v.6"}
    assert anki.raw(b"").json() == {"apiVersion": "AnkiConnect v.6"}


def test_a_request_without_a_key_is_refused(keyless):
    assert keyless.error("deckNames") == "valid api key must be provided"
    assert keyless.error("nonsense") == "valid api key must be provided"


def test_a_wrong_key_is_refused_even_from_loopback_with_a_keyless_user(keyless, owner, settings):
    settings.ANKICONNECT_LOOPBACK_USER = owner.username
    keyless.key = "wrong"
    assert keyless.error("deckNames") == "valid api key must be provided"


def test_the_key_can_come_in_the_url(anki, owner):
    body = json.dumps({"action": "deckNames", "version": 6})
    response = anki.client.post(
        f"/ankiconnect/{owner.api_key}", data=body, content_type="application/json"
    )
    assert response.json() == {"result": ["Default"], "error": None}
    wrong = anki.client.post("/ankiconnect/nope", data=body, content_type="application/json")
    assert wrong.json()["error"] == "valid api key must be provided"


def test_a_named_user_answers_keyless_requests_from_loopback_only(keyless, owner, settings):
    settings.ANKICONNECT_LOOPBACK_USER = owner.username
    assert keyless("deckNames") == ["Default"]
    assert keyless("requestPermission")["requireApikey"] is False
    from_afar = keyless.raw({"action": "deckNames", "version": 6}, REMOTE_ADDR="203.0.113.9")
    assert from_afar.json()["error"] == "valid api key must be provided"
    # Through a proxy nobody declared, every client looks local: not trusted.
    proxied = keyless.raw({"action": "deckNames", "version": 6}, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.json()["error"] == "valid api key must be provided"


def test_request_permission_works_without_a_key(keyless):
    assert keyless("requestPermission") == {
        "permission": "granted",
        "requireApikey": True,
        "version": 6,
    }


def test_a_page_on_another_origin_is_denied_permission_and_refused(keyless, anki):
    asked = keyless.raw(
        {"action": "requestPermission", "version": 6}, HTTP_ORIGIN="https://evil.example"
    )
    assert asked.status_code == 200
    assert asked.json()["result"] == {"permission": "denied"}
    assert asked["Access-Control-Allow-Origin"] == "https://evil.example"
    refused = anki.raw(
        {"action": "deckNames", "version": 6, "key": anki.key}, HTTP_ORIGIN="https://evil.example"
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "origin not allowed"


def test_cors_preflight_allows_extension_and_localhost_origins(anki):
    for origin in (
        "chrome-extension://abcdef",
        "moz-extension://1234-5678",
        "safari-web-extension://xyz",
        "http://localhost",
        "http://127.0.0.1:3000",
    ):
        response = anki.client.options(
            "/ankiconnect",
            HTTP_ORIGIN=origin,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
            HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK="true",
        )
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == origin
        assert response["Access-Control-Allow-Private-Network"] == "true"
        assert response["Access-Control-Allow-Headers"] == "content-type"
        assert "POST" in response["Access-Control-Allow-Methods"]


def test_cors_preflight_does_not_allow_other_origins(anki):
    for origin in ("https://evil.example", "http://localhost.evil.example", "http://127.0.0.10"):
        response = anki.client.options(
            "/ankiconnect", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
        )
        assert response["Access-Control-Allow-Origin"] != origin
        assert "Access-Control-Allow-Private-Network" not in response


def test_the_cors_allowlist_is_configurable(anki, settings):
    settings.ANKICONNECT_CORS_ORIGINS = ["https://my.site"]
    allowed = anki.raw(
        {"action": "version", "version": 6, "key": anki.key}, HTTP_ORIGIN="https://my.site"
    )
    assert allowed["Access-Control-Allow-Origin"] == "https://my.site"
    refused = anki.raw(
        {"action": "version", "version": 6, "key": anki.key}, HTTP_ORIGIN="chrome-extension://x"
    )
    assert refused.status_code == 403


def test_the_body_size_is_limited(anki, settings):
    settings.ANKICONNECT_MAX_BODY_MB = 1
    big = {"action": "addNote", "version": 6, "key": anki.key, "params": {"x": "a" * 1_100_000}}
    response = anki.raw(big)
    assert response.status_code == 200
    assert response.json() == {"result": None, "error": "request body is larger than 1 MB"}


def test_multi_runs_each_action_with_its_own_version_and_is_limited(anki, settings):
    result = anki(
        "multi",
        actions=[
            {"action": "deckNames", "version": 6},
            {"action": "deckNames"},
            {"action": "nonsense", "version": 6},
        ],
    )
    assert result == [
        {"result": ["Default"], "error": None},
        ["Default"],
        {"result": None, "error": "unsupported action"},
    ]
    settings.ANKICONNECT_MAX_MULTI_ACTIONS = 2
    too_many = [{"action": "version"}] * 3
    assert anki.error("multi", actions=too_many) == "multi accepts at most 2 actions per request"
    nested = [{"action": "multi", "params": {"actions": []}}]
    assert anki.error("multi", actions=nested) == "multi cannot contain another multi"


def test_a_failed_action_in_multi_leaves_the_others_done(anki, owner):
    anki(
        "multi",
        actions=[
            {"action": "createDeck", "version": 6, "params": {"deck": "Kept"}},
            {"action": "createDeck", "version": 6, "params": {"deck": "A::::B"}},
        ],
    )
    assert Deck.objects.filter(owner=owner, full_name="Kept").exists()


def test_requests_past_the_rate_limit_are_refused_in_the_envelope(anki, settings):
    settings.API_RATE_LIMIT = 3
    assert [anki.reply("version")["error"] for _ in range(3)] == [None, None, None]
    reply = anki.reply("version")
    assert reply["result"] is None
    assert reply["error"].startswith("too many requests for this key: try again in")
    # multi counts each of its actions
    settings.API_RATE_LIMIT = 100
    from django.core.cache import cache

    cache.clear()
    assert anki.reply("multi", actions=[{"action": "version"}] * 99)["error"] is None
    assert anki.reply("multi", actions=[{"action": "version"}] * 2)["error"].startswith(
        "too many requests"
    )


def test_the_endpoint_needs_no_csrf_token(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    body = json.dumps({"action": "version", "version": 6, "key": owner.api_key})
    response = client.post("/ankiconnect", data=body, content_type="application/json")
    assert response.json() == {"result": 6, "error": None}


def test_a_logged_in_session_is_not_a_key(owner_client):
    body = json.dumps({"action": "deckNames", "version": 6})
    response = owner_client.post("/ankiconnect", data=body, content_type="application/json")
    assert response.json()["error"] == "valid api key must be provided"


def test_api_reflect_lists_the_actions(anki):
    reflected = anki("apiReflect", scopes=["actions"], actions=["addNote", "nonsense", "multi"])
    assert reflected == {"scopes": ["actions"], "actions": ["addNote", "multi"]}
    everything = anki("apiReflect", scopes=["actions"])["actions"]
    for name in ("storeMediaFile", "findCards", "guiBrowse", "canAddNotesWithErrorDetail"):
        assert name in everything
    assert anki.error("apiReflect", scopes="actions") == "scopes has invalid value"
