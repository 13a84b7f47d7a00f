from __future__ import annotations

from tests import factories


def test_it_refuses_requests_without_a_key(anon_api):
    response = anon_api.get("/decks")
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_refuses_a_wrong_key(db):
    from tests.api.conftest import Api

    response = Api("not-a-key").get("/decks")
    assert response.status_code == 401


def test_a_rotated_key_stops_working(api, owner):
    assert api.get("/decks").status_code == 200
    owner.rotate_api_key()
    assert api.get("/decks").status_code == 401


def test_a_session_login_is_not_an_api_key(owner_client):
    assert owner_client.get("/api/v1/decks").status_code == 401


def test_it_answers_429_past_the_rate_limit(api, settings):
    settings.API_RATE_LIMIT = 3
    statuses = [api.get("/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/me")
    assert int(response["Retry-After"]) >= 1
    assert "Too many requests" in response.json()["detail"]


def test_one_user_cannot_see_or_change_another_users_content(api, other_api, owner, other_user):
    deck = factories.make_deck(owner, "Private")
    note_type = factories.make_note_type_basic(owner)
    note = factories.make_note(owner, note_type, deck, ["secret", "answer"])
    card_id = note.cards.get().pk
    from flashcards.services.media import store_media

    store_media(owner=owner, filename="secret.png", data=b"png")

    assert other_api.get(f"/decks/{deck.pk}").status_code == 404
    assert other_api.patch(f"/decks/{deck.pk}", {"name": "Mine"}).status_code == 404
    assert other_api.delete(f"/decks/{deck.pk}").status_code == 404
    assert other_api.get(f"/notes/{note.pk}").status_code == 404
    assert other_api.patch(f"/notes/{note.pk}", {"tags": ["x"]}).status_code == 404
    assert other_api.delete(f"/notes/{note.pk}").status_code == 404
    assert other_api.get(f"/cards/{card_id}").status_code == 404
    assert other_api.patch(f"/cards/{card_id}", {"suspended": True}).status_code == 404
    assert other_api.get(f"/note-types/{note_type.pk}").status_code == 404
    assert other_api.get("/media/secret.png").status_code == 404
    assert other_api.delete("/media/secret.png").status_code == 404
    assert "secret" not in other_api.get("/notes", q="secret").content.decode()
    assert other_api.get("/cards").json()["count"] == 0
    assert "Private" not in [d["name"] for d in other_api.get("/decks").json()["items"]]
    other_deck = other_api.get("/decks").json()["items"][0]["id"]
    other_type = other_api.get("/note-types").json()["items"][0]["id"]
    smuggled = other_api.post(
        "/notes",
        {"note_type_id": note_type.pk, "deck_id": other_deck, "fields": {"Front": "x"}},
    )
    assert smuggled.status_code == 404
    into_theirs = other_api.post(
        "/notes", {"note_type_id": other_type, "deck_id": deck.pk, "fields": {"Front": "x"}}
    )
    assert into_theirs.status_code == 404
    assert other_api.patch(f"/cards/{card_id}", {"deck_id": other_deck}).status_code == 404
    note.refresh_from_db()
    assert note.tag_list == [] and note.cards.get().deck_id == deck.pk
