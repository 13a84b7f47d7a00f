from __future__ import annotations

import uuid

import pytest

from reviews.models import ReviewLog
from tests import factories


@pytest.fixture
def deck_with_card(owner):
    deck = factories.make_deck(owner, "French")
    note_type = factories.make_note_type_basic(owner)
    factories.make_note(owner, note_type, deck, ["le chien", "the dog"])
    return deck


def test_it_shows_the_next_card_and_records_one_review_per_review_id(api, owner, deck_with_card):
    shown = api.get("/study/next", deck_id=deck_with_card.pk).json()
    assert shown["kind"] == "new"
    assert "le chien" in shown["card"]["question"]
    assert "the dog" in shown["card"]["answer"]
    assert shown["counts"]["new"] == 1
    grade = {
        "card_id": shown["card"]["id"],
        "rating": 3,
        "review_id": str(uuid.uuid4()),
        "shown_version": shown["shown_version"],
    }
    first = api.post("/study/reviews", grade)
    again = api.post("/study/reviews", grade)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert ReviewLog.objects.filter(learner=owner).count() == 1


def test_it_refuses_a_grade_for_a_card_that_changed_since_it_was_shown(api, deck_with_card):
    shown = api.get("/study/next", deck_id=deck_with_card.pk).json()
    base = {"card_id": shown["card"]["id"], "rating": 3, "shown_version": shown["shown_version"]}
    assert api.post("/study/reviews", {**base, "review_id": str(uuid.uuid4())}).status_code == 200
    stale = api.post("/study/reviews", {**base, "review_id": str(uuid.uuid4())})
    assert stale.status_code == 409
    assert stale.json()["detail"]


def test_it_undoes_the_last_review(api, owner, deck_with_card):
    shown = api.get("/study/next", deck_id=deck_with_card.pk).json()
    review_id = str(uuid.uuid4())
    api.post(
        "/study/reviews",
        {
            "card_id": shown["card"]["id"],
            "rating": 1,
            "review_id": review_id,
            "shown_version": shown["shown_version"],
        },
    )
    undone = api.post("/study/undo", {}).json()
    assert undone == {"undone": True, "review_id": review_id, "card_id": shown["card"]["id"]}
    assert not ReviewLog.objects.filter(learner=owner).exists()
    assert api.post("/study/undo", {}).json()["undone"] is False


def test_nothing_due_answers_a_null_card(api, owner):
    empty = factories.make_deck(owner, "Empty")
    shown = api.get("/study/next", deck_id=empty.pk).json()
    assert shown["card"] is None and shown["kind"] == ""


def test_another_user_cannot_study_or_grade_my_cards(other_api, deck_with_card):
    card = deck_with_card.cards.get()
    assert other_api.get("/study/next", deck_id=deck_with_card.pk).status_code == 404
    grade = {"card_id": card.pk, "rating": 3, "review_id": str(uuid.uuid4()), "shown_version": "0"}
    assert other_api.post("/study/reviews", grade).status_code == 404
