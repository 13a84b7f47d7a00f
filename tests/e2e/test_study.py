"""A learner studies a 5-card deck by keyboard alone: Space or Enter shows the answer,
1-4 grade, `u` takes a grade back; the deck is finished and the summary adds up."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reviews.models import CardState, ReviewLog
from tests.factories import make_card_state, make_cards, make_deck, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "correct-horse-9")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()


def _expect_counts(page, new: int, learning: int, review: int) -> None:
    expect(page.locator("#study .count-new")).to_have_text(str(new))
    expect(page.locator("#study .count-learn")).to_have_text(str(learning))
    expect(page.locator("#study .count-due")).to_have_text(str(review))


def _expect_front(page, text: str) -> None:
    study = page.locator("#study")
    expect(study).to_have_attribute("data-side", "question")
    expect(study.locator(".study-face")).to_contain_text(text)


def _show_answer(page, key: str, back: str) -> None:
    page.keyboard.press(key)
    study = page.locator("#study")
    expect(study).to_have_attribute("data-side", "answer")
    expect(study.locator(".study-face")).to_contain_text(back)
    expect(study.locator(".grade")).to_have_count(4)


def test_a_learner_studies_a_deck_by_keyboard_and_undoes_a_grade(page, shot):
    learner = make_user("ada")
    deck = make_deck(learner, "Spanish")
    cards = make_cards(learner, deck, 5)
    # The first card was learned a week ago and is due today: a review, shown first.
    now = timezone.now()
    make_card_state(
        learner, cards[0], state=CardState.REVIEW, stability=6.0, difficulty=5.0, reps=2,
        last_review=now - timedelta(days=7), due=now - timedelta(hours=2), position=cards[0].pk,
    )  # fmt: skip
    _log_in(page)

    page.goto(f"/study/{deck.pk}/")
    _expect_front(page, "front 0")
    _expect_counts(page, new=4, learning=0, review=1)
    expect(page.locator("#study .count-due")).to_have_class("count count-due current")
    shot("front")

    _show_answer(page, "Space", "back 0")
    # A review remembered after a week comes back in weeks (days, fuzzed).
    expect(page.locator("#study .grade-good .grade-interval")).to_have_text(re.compile(r"^\d+d$"))
    shot("back")
    page.keyboard.press("3")  # Good: remembered
    _expect_front(page, "front 1")
    _expect_counts(page, new=4, learning=0, review=0)

    # New cards graded Easy leave the learning steps at once, so the deck ends today.
    _show_answer(page, "Enter", "back 1")
    page.keyboard.press("4")
    _expect_front(page, "front 2")
    _expect_counts(page, new=3, learning=0, review=0)

    _show_answer(page, "Space", "back 2")
    page.keyboard.press("4")
    _expect_front(page, "front 3")
    _expect_counts(page, new=2, learning=0, review=0)
    assert ReviewLog.objects.filter(learner=learner).count() == 3

    # Undo: card 2 comes back on its front, and the new count goes up again.
    page.keyboard.press("u")
    _expect_front(page, "front 2")
    expect(page.locator("#study .study-notice")).to_have_text("Undone.")
    _expect_counts(page, new=3, learning=0, review=0)
    assert ReviewLog.objects.filter(learner=learner).count() == 2
    assert CardState.objects.get(learner=learner, card=cards[2]).state == CardState.NEW
    shot("undone")

    for index in (2, 3, 4):
        _expect_front(page, f"front {index}")
        _show_answer(page, "Space", f"back {index}")
        page.keyboard.press("4")

    summary = page.locator("#study-summary")
    expect(summary).to_contain_text("finished this deck")
    expect(page.locator("#study")).to_have_attribute("data-side", "done")
    _expect_counts(page, new=0, learning=0, review=0)
    figures = dict(
        zip(
            summary.locator("dt").all_inner_texts(),
            summary.locator("dd").all_inner_texts(),
            strict=True,
        )
    )
    assert figures["Cards studied today"] == "5"
    assert figures["Retention today"] == "100%"  # one review, remembered
    assert figures["Time"].endswith(" s") or figures["Time"].endswith(" min")
    shot("summary")

    logs = list(
        ReviewLog.objects.filter(learner=learner)
        .order_by("reviewed_at", "pk")
        .values_list("card_id", "rating", "kind", "was_new")
    )
    assert logs == [
        (cards[0].pk, 3, ReviewLog.KIND_REVIEW, False),
        (cards[1].pk, 4, ReviewLog.KIND_LEARN, True),
        (cards[2].pk, 4, ReviewLog.KIND_LEARN, True),
        (cards[3].pk, 4, ReviewLog.KIND_LEARN, True),
        (cards[4].pk, 4, ReviewLog.KIND_LEARN, True),
    ]
    assert len(set(ReviewLog.objects.values_list("review_id", flat=True))) == 5
    states = CardState.objects.filter(learner=learner).order_by("card_id")
    assert [state.state for state in states] == [CardState.REVIEW] * 5
    assert all(state.due > now for state in states)
