"""Every object URL against the owner, another user and an anonymous visitor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flashcards.services.media import store_media

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def objects(owner, deck, note):
    media = store_media(owner=owner, filename="dog & cat (1).png", data=PNG)
    card = note.cards.first()
    return {
        "deck": deck.pk,
        "note": note.pk,
        "note_type": note.note_type_id,
        "card": card.pk,
        "owner_id": owner.pk,
        "media": media.filename,
    }


GET_URLS = [
    ("flashcards:deck_detail", lambda o: [o["deck"]]),
    ("flashcards:deck_delete", lambda o: [o["deck"]]),
    ("flashcards:note_edit", lambda o: [o["note"]]),
    ("flashcards:notetype_detail", lambda o: [o["note_type"]]),
    ("flashcards:notetype_delete", lambda o: [o["note_type"]]),
    ("flashcards:card_preview", lambda o: [o["card"]]),
    ("flashcards:media", lambda o: [o["owner_id"], o["media"]]),
]
POST_URLS = [
    ("flashcards:deck_delete", lambda o: [o["deck"]]),
    ("flashcards:note_delete", lambda o: [o["note"]]),
    ("flashcards:notetype_edit", lambda o: [o["note_type"]]),
    ("flashcards:notetype_delete", lambda o: [o["note_type"]]),
]


@pytest.mark.parametrize(("name", "args"), GET_URLS)
def test_the_owner_sees_each_object(owner_client, objects, name, args):
    response = owner_client.get(reverse(name, args=args(objects)))
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "args"), GET_URLS + POST_URLS)
def test_another_user_gets_404_for_each_object(other_client, objects, name, args):
    url = reverse(name, args=args(objects))
    assert other_client.get(url).status_code in (404, 405)
    assert other_client.post(url, {"op": "rename", "name": "x"}).status_code in (404, 405)


@pytest.mark.parametrize(("name", "args"), GET_URLS + POST_URLS)
def test_anonymous_visitors_are_sent_to_log_in(anon_client, objects, name, args):
    url = reverse(name, args=args(objects))
    for response in (anon_client.get(url), anon_client.post(url)):
        if response.status_code == 405:
            continue
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_another_users_objects_survive_their_posts(other_client, objects, owner):
    from flashcards.models import Deck, Note

    other_client.post(reverse("flashcards:deck_delete", args=[objects["deck"]]))
    other_client.post(reverse("flashcards:note_delete", args=[objects["note"]]))
    assert Deck.objects.filter(pk=objects["deck"]).exists()
    assert Note.objects.filter(pk=objects["note"]).exists()


@pytest.mark.parametrize(
    "name",
    [
        "flashcards:deck_list",
        "flashcards:note_add",
        "flashcards:browse",
        "flashcards:notetype_list",
    ],
)
def test_list_pages_need_a_login(anon_client, name):
    response = anon_client.get(reverse(name))
    assert response.status_code == 302


def test_media_is_served_with_its_type_and_nosniff(owner_client, objects):
    response = owner_client.get(
        reverse("flashcards:media", args=[objects["owner_id"], objects["media"]])
    )
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_html_and_svg_media_can_not_run_script(owner_client, owner):
    store_media(owner=owner, filename="evil.html", data=b"<script>alert(1)</script>")
    store_media(owner=owner, filename="evil.svg", data=b'<svg onload="alert(1)"/>')
    html = owner_client.get(reverse("flashcards:media", args=[owner.pk, "evil.html"]))
    assert html["Content-Type"] == "application/octet-stream"
    assert html["Content-Disposition"].startswith("attachment")
    svg = owner_client.get(reverse("flashcards:media", args=[owner.pk, "evil.svg"]))
    assert "sandbox" in svg["Content-Security-Policy"]
    assert "default-src 'none'" in svg["Content-Security-Policy"]
