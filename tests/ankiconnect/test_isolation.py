"""Key A cannot see or change user B's decks, notes, cards or media."""

from __future__ import annotations

import base64

import pytest

from flashcards.models import Card, Deck, Media, Note
from flashcards.services.media import store_media
from reviews.models import CardState
from tests import factories


@pytest.fixture
def owners_things(owner):
    deck = factories.make_deck(owner, "Private::Diary")
    note_type = factories.make_note_type_basic(owner)
    note = factories.make_note(owner, note_type, deck, ["secret word", "answer"], tags=["mine"])
    store_media(owner=owner, filename="secret.png", data=b"secret picture")
    return {"deck": deck, "note": note, "card": note.cards.get()}


def test_another_key_sees_none_of_it(other_anki, owners_things):
    note, card = owners_things["note"], owners_things["card"]
    assert "Private::Diary" not in other_anki("deckNames")
    assert "Private::Diary" not in other_anki("deckNamesAndIds")
    assert other_anki("findNotes", query="secret") == []
    assert other_anki("findNotes", query="") == []
    assert other_anki("findCards", query="deck:Private*") == []
    assert other_anki("notesInfo", notes=[note.pk]) == [{}]
    assert other_anki("cardsInfo", cards=[card.pk]) == [{}]
    assert other_anki("cardsToNotes", cards=[card.pk]) == []
    assert other_anki("getDecks", cards=[card.pk]) == {}
    assert other_anki("areSuspended", cards=[card.pk]) == [None]
    assert other_anki("areDue", cards=[card.pk]) == [None]
    assert "mine" not in other_anki("getTags")
    assert other_anki("retrieveMediaFile", filename="secret.png") is False
    assert other_anki("getMediaFilesNames") == []
    assert other_anki.error("getNoteTags", note=note.pk) == f"Note was not found: {note.pk}"
    assert other_anki.error("guiEditNote", note=note.pk) == f"Note was not found: {note.pk}"
    assert other_anki.error("deckNameFromId", deckId=owners_things["deck"].pk).startswith(
        "deck was not found"
    )


def test_another_key_changes_none_of_it(other_anki, other_user, owner, owners_things):
    note, card, deck = owners_things["note"], owners_things["card"], owners_things["deck"]
    other_anki("deleteNotes", notes=[note.pk])
    other_anki("addTags", notes=[note.pk], tags="hacked")
    other_anki("removeTags", notes=[note.pk], tags="mine")
    assert other_anki.error(
        "updateNoteFields", note={"id": note.pk, "fields": {"Front": "changed"}}
    ) == (f"Note was not found: {note.pk}")
    assert other_anki.error("updateNote", note={"id": note.pk, "tags": []}).startswith(
        "Note was not found"
    )
    assert other_anki.error("suspend", cards=[card.pk]) == f"Card was not found: {card.pk}"
    other_anki("changeDeck", cards=[card.pk], deck="Stolen")
    other_anki("deleteDecks", decks=["Private::Diary"], cardsToo=True)
    other_anki("deleteMediaFile", filename="secret.png")
    # Storing under the same name makes the other user's own file, never replaces this one.
    other_anki("storeMediaFile", filename="secret.png", data=base64.b64encode(b"x").decode())
    # Adding "into" a deck of the same name lands in the other user's own deck.
    other_anki("createDeck", deck="Private::Diary")
    other_id = other_anki(
        "addNote",
        note={
            "deckName": "Private::Diary",
            "modelName": "Basic",
            "fields": {"Front": "secret word"},
        },
    )

    note.refresh_from_db()
    card.refresh_from_db()
    assert note.fields == ["secret word", "answer"] and note.tag_list == ["mine"]
    assert card.deck_id == deck.pk
    assert Deck.objects.filter(pk=deck.pk, owner=owner).exists()
    assert not CardState.objects.filter(card=card).exists()
    mine = Media.objects.get(owner=owner, filename="secret.png")
    assert mine.size == len(b"secret picture")
    assert Media.objects.filter(owner=other_user, filename="secret.png").exists()
    theirs = Note.objects.get(pk=other_id)
    assert theirs.owner == other_user
    assert Card.objects.get(note=theirs).deck.owner == other_user
    # A duplicate check looks only at the user's own notes.
    assert Note.objects.filter(first_field="secret word").count() == 2
