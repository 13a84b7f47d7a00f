from __future__ import annotations

import pytest

from reviews.models import CardState


@pytest.fixture
def card_id(anki) -> int:
    anki(
        "addNote",
        note={
            "deckName": "Default",
            "modelName": "Basic",
            "fields": {"Front": "sun", "Back": "sol"},
        },
    )
    return anki("findCards", query="sun")[0]


def test_it_suspends_and_unsuspends_cards_for_the_user(anki, owner, card_id):
    assert anki("suspended", card=card_id) is False
    assert anki("suspend", cards=[card_id]) is True
    assert anki("suspend", cards=[card_id]) is False  # nothing left to suspend
    assert anki("areSuspended", cards=[card_id, 987654]) == [True, None]
    assert CardState.objects.get(learner=owner, card_id=card_id).suspended
    assert anki("findCards", query="is:suspended") == [card_id]
    assert anki("unsuspend", cards=[card_id]) is True
    assert anki("suspended", card=card_id) is False


def test_it_moves_cards_to_a_deck_it_creates(anki, card_id):
    anki("changeDeck", cards=[card_id], deck="Astronomy::Stars")
    assert anki("getDecks", cards=[card_id]) == {"Astronomy::Stars": [card_id]}
    assert "Astronomy::Stars" in anki("deckNames")


def test_models_are_described_as_anki_describes_them(anki):
    names_and_ids = anki("modelNamesAndIds")
    assert "Basic" in names_and_ids and "Cloze" in names_and_ids
    [model] = anki("findModelsByName", modelNames=["Basic"])
    assert model["id"] == names_and_ids["Basic"]
    assert [f["name"] for f in model["flds"]] == ["Front", "Back"]
    assert model["tmpls"][0]["qfmt"] == "{{Front}}"
    assert anki("modelTemplates", modelName="Basic")["Card 1"]["Front"] == "{{Front}}"
    assert anki("modelFieldsOnTemplates", modelName="Basic") == {"Card 1": [["Front"], ["Back"]]}
    assert anki.error("modelFieldNames", modelName="Nope") == "model was not found: Nope"


def test_gui_actions_answer_with_what_a_web_app_can(anki, card_id):
    note_id = anki("cardsToNotes", cards=[card_id])[0]
    assert anki("guiBrowse", query="sun") == [card_id]
    assert anki("guiEditNote", note=note_id).endswith(f"/notes/{note_id}/")
    added = anki("guiAddCards", note={"deckName": "Default", "modelName": "Basic"})
    assert "/notes/add/?note_type=" in added
    assert anki("guiSelectedNotes") == []
    assert anki("guiReviewActive") is False
    assert anki.error("guiCurrentCard") == "Gui review is not currently active."


def test_reviews_today_are_counted(anki, owner, card_id):
    import uuid

    from django.utils import timezone

    from reviews.models import ReviewLog

    assert anki("getNumCardsReviewedToday") == 0
    ReviewLog.objects.create(
        learner=owner, card_id=card_id, rating=3, reviewed_at=timezone.now(),
        review_id=uuid.uuid4(),
    )  # fmt: skip
    assert anki("getNumCardsReviewedToday") == 1
