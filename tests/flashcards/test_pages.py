from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flashcards.models import Card, Deck, Media, Note
from flashcards.services.decks import create_deck
from flashcards.services.media import validate_media_filename
from flashcards.services.notes import add_note

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _fill(owner, note_type, deck, count):
    for i in range(count):
        add_note(owner=owner, note_type=note_type, deck=deck, fields=[f"front {i}", f"back {i}"])


def test_the_deck_list_shows_the_tree_and_creates_decks(owner_client, owner, deck, note):
    page = owner_client.get(reverse("flashcards:deck_list"))
    assert page.status_code == 200
    assert "Spanish" in page.content.decode()
    response = owner_client.post(
        reverse("flashcards:deck_list"), {"full_name": "Maths::Algebra", "description": ""}
    )
    assert response.status_code == 302
    assert Deck.objects.filter(owner=owner, full_name="Maths::Algebra").exists()


def test_a_bad_deck_name_is_a_form_error(owner_client, owner):
    response = owner_client.post(reverse("flashcards:deck_list"), {"full_name": "A::::B"})
    assert response.status_code == 422
    assert "empty part" in response.content.decode()


def test_adding_a_note_with_a_picture_stores_the_media(owner_client, owner, deck, note_types):
    picture = SimpleUploadedFile("my dog.png", PNG, content_type="image/png")
    response = owner_client.post(
        reverse("flashcards:note_add"),
        {
            "note_type": note_types["basic"].pk,
            "deck": deck.pk,
            "field_0": "Who is this?",
            "field_1": "Rex",
            "media_0": picture,
            "tags": "pets dogs",
        },
    )
    assert response.status_code == 302
    note = Note.objects.get(owner=owner)
    assert note.fields[0] == 'Who is this? <img src="my dog.png">'
    assert note.tag_list == ["pets", "dogs"]
    assert Media.objects.filter(owner=owner, filename="my dog.png").exists()


def test_an_empty_note_is_refused_with_422_and_nothing_saved(owner_client, deck, note_types):
    response = owner_client.post(
        reverse("flashcards:note_add"),
        {"note_type": note_types["cloze"].pk, "deck": deck.pk, "field_0": "no cloze here"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "cloze deletion" in response.content.decode()
    assert not Note.objects.exists()


def test_an_oversize_upload_is_refused_with_a_message(owner_client, deck, note_types, settings):
    settings.MAX_MEDIA_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10))
    response = owner_client.post(
        reverse("flashcards:note_add"),
        {"note_type": note_types["basic"].pk, "deck": deck.pk, "field_0": "x", "media_0": big},
    )
    assert response.status_code == 422
    assert "1 MB limit" in response.content.decode()
    assert not Note.objects.exists()
    assert not Media.objects.exists()


def test_an_upload_that_is_not_media_is_refused(owner_client):
    response = owner_client.post(
        reverse("flashcards:media_upload"),
        {"file": SimpleUploadedFile("page.html", b"<script>")},
    )
    assert response.status_code == 400
    assert "not an image" in response.json()["error"]


@pytest.mark.parametrize("bad", ["../x.png", "a/b.png", "..", "a\x00.png", "c:\\x.png", ""])
def test_a_file_name_with_a_path_is_refused(bad):
    with pytest.raises(ValidationError):
        validate_media_filename(bad)


def test_the_preview_renders_every_card_the_note_would_make(owner_client, deck, note_types):
    response = owner_client.post(
        reverse("flashcards:note_preview"),
        {"note_type": note_types["basic_reversed"].pk, "field_0": "hola", "field_1": "hello"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("preview-card") == 2
    assert "hola" in body and "hello" in body


def test_editing_a_note_keeps_its_guid(owner_client, note):
    guid = note.guid
    response = owner_client.post(
        reverse("flashcards:note_edit", args=[note.pk]),
        {
            "note_type": note.note_type_id,
            "deck": note.cards.first().deck_id,
            "field_0": "el perro grande",
            "field_1": "the big dog",
            "tags": "animals",
        },
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.guid == guid
    assert note.fields == ["el perro grande", "the big dog"]


def test_the_browser_finds_cards_by_search(owner_client, note):
    body = owner_client.get(reverse("flashcards:browse"), {"q": "perro"}).content.decode()
    assert "el perro" in body
    body = owner_client.get(reverse("flashcards:browse"), {"q": "gato"}).content.decode()
    assert "No cards match" in body


def test_a_bad_search_is_an_error_message_not_a_500(owner_client, note):
    response = owner_client.get(reverse("flashcards:browse"), {"q": "(unclosed"})
    assert response.status_code == 422


def test_bulk_move_tag_and_delete(owner_client, owner, note, deck):
    other = create_deck(owner=owner, full_name="Other")
    ids = [str(pk) for pk in note.cards.values_list("pk", flat=True)]
    url = reverse("flashcards:browse_bulk")
    owner_client.post(url, {"action": "move", "card_ids": ids, "deck": other.pk})
    assert set(note.cards.values_list("deck_id", flat=True)) == {other.pk}
    owner_client.post(url, {"action": "add_tags", "card_ids": ids, "tags": "vocab"})
    note.refresh_from_db()
    assert "vocab" in note.tag_list
    owner_client.post(url, {"action": "delete", "card_ids": ids})
    assert not Note.objects.filter(pk=note.pk).exists()


def test_bulk_actions_never_touch_another_users_cards(other_client, note):
    ids = [str(pk) for pk in note.cards.values_list("pk", flat=True)]
    other_client.post(reverse("flashcards:browse_bulk"), {"action": "delete", "card_ids": ids})
    assert Note.objects.filter(pk=note.pk).exists()


@pytest.mark.parametrize("url_name", ["flashcards:deck_list", "flashcards:browse"])
def test_list_pages_make_the_same_queries_for_10_and_1000_cards(
    owner_client, owner, deck, note_types, url_name
):
    def queries() -> int:
        owner_client.get(reverse(url_name))  # warm the session and stock types
        with CaptureQueriesContext(connection) as context:
            assert owner_client.get(reverse(url_name)).status_code == 200
        return len(context.captured_queries)

    _fill(owner, note_types["basic"], deck, 10)
    small = queries()
    notes = [
        Note(owner=owner, note_type=note_types["basic"], flds=f"f{i}\x1fb{i}", sort_value=f"f{i}")
        for i in range(990)
    ]
    Note.objects.bulk_create(notes)
    fresh = Note.objects.filter(owner=owner, cards__isnull=True)
    Card.objects.bulk_create(Card(note=n, deck=deck, ord=0) for n in fresh)
    assert Card.objects.filter(deck=deck).count() >= 1000
    assert queries() == small


def test_the_browser_sends_a_selection_to_the_exporter(owner_client, note):
    page = owner_client.get(reverse("flashcards:browse")).content.decode()
    assert reverse("exports:selection") in page
    ids = [str(pk) for pk in note.cards.values_list("pk", flat=True)]
    response = owner_client.post(reverse("exports:selection"), {"card_ids": ids})
    assert response.status_code == 200
    assert "apkg" in response.content.decode().lower()
