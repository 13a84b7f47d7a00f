"""Grading, undo, stale pages, leeches and buried siblings, through the services."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from reviews import scheduling
from reviews.models import CardState, ReviewLog
from reviews.services import (
    StaleReview,
    bury_card,
    ensure_card_states,
    record_review,
    set_flag,
    set_suspended,
    shown_version,
    suspend_card,
    undo_last_review,
)
from tests import factories

pytestmark = pytest.mark.django_db


def grade(learner, card, rating=3, *, review_id=None, version=None, now=None):
    state = CardState.objects.filter(learner=learner, card=card).first()
    return record_review(
        learner=learner,
        card=card,
        rating=rating,
        review_id=review_id or uuid.uuid4(),
        shown_version=version if version is not None else shown_version(state, card),
        duration_ms=4000,
        now=now,
    )


def test_a_first_grade_creates_the_state_and_logs_it_as_new(learner, cards):
    log = grade(learner, cards[0], 3)
    state = CardState.objects.get(learner=learner, card=cards[0])
    assert state.state == CardState.LEARNING
    assert state.reps == 1
    assert state.version == 1
    assert log.was_new is True
    assert log.deck_id == cards[0].deck_id
    assert log.kind == ReviewLog.KIND_LEARN
    assert log.state_before["state"] == CardState.NEW
    assert log.duration_ms == 4000


def test_it_records_one_review_for_a_repeated_grade(learner, cards):
    review_id = uuid.uuid4()
    first = grade(learner, cards[0], 3, review_id=review_id, version="0")
    again = grade(learner, cards[0], 3, review_id=review_id, version="0")
    assert again.pk == first.pk
    assert ReviewLog.objects.filter(learner=learner).count() == 1
    assert CardState.objects.get(learner=learner, card=cards[0]).reps == 1


def test_it_refuses_a_grade_from_a_stale_page(learner, cards):
    grade(learner, cards[0], 3, version="0")
    with pytest.raises(StaleReview):
        grade(learner, cards[0], 1, version="0")
    assert ReviewLog.objects.filter(learner=learner).count() == 1


def test_it_refuses_a_grade_for_a_note_edited_since_it_was_shown(learner, cards):
    ensure_card_states(learner=learner, deck_ids=[cards[0].deck_id])
    state = CardState.objects.get(learner=learner, card=cards[0])
    shown = shown_version(state, cards[0])
    note = cards[0].note
    note.flds = "edited\x1fback"
    note.save()
    card = type(cards[0]).objects.select_related("note").get(pk=cards[0].pk)
    with pytest.raises(StaleReview):
        record_review(
            learner=learner, card=card, rating=3, review_id=uuid.uuid4(), shown_version=shown
        )


def test_undo_restores_the_exact_state_and_removes_the_log(learner, cards):
    grade(learner, cards[0], 3)
    before = CardState.objects.get(learner=learner, card=cards[0])
    log = grade(learner, cards[0], 4, now=timezone.now() + timedelta(minutes=11))
    assert undo_last_review(learner=learner, review_id=log.review_id) is not None
    after = CardState.objects.get(learner=learner, card=cards[0])
    assert after.schedule() == before.schedule()
    assert (after.suspended, after.buried_until, after.flag) == (False, None, 0)
    assert after.version == before.version + 2  # the grade and the undo
    assert not ReviewLog.objects.filter(pk=log.pk).exists()


def test_a_second_undo_of_the_same_review_does_nothing(learner, cards):
    grade(learner, cards[0], 3)
    log = grade(learner, cards[1], 3)
    assert undo_last_review(learner=learner, review_id=log.review_id) is not None
    state = CardState.objects.get(learner=learner, card=cards[0])
    assert undo_last_review(learner=learner, review_id=log.review_id) is None
    assert CardState.objects.get(learner=learner, card=cards[0]).version == state.version
    assert ReviewLog.objects.filter(learner=learner).count() == 1


def test_undo_refuses_a_review_that_is_not_the_cards_latest(learner, cards):
    first = grade(learner, cards[0], 1)
    grade(learner, cards[0], 3, now=timezone.now() + timedelta(minutes=2))
    assert undo_last_review(learner=learner, review_id=first.review_id) is None
    assert ReviewLog.objects.filter(learner=learner).count() == 2


def test_regrading_after_undo_lands_on_the_same_fuzzed_day(learner, cards):
    state = factories.make_card_state(
        learner,
        cards[0],
        state=CardState.REVIEW,
        stability=30.0,
        difficulty=5.0,
        due=timezone.now(),
        last_review=timezone.now() - timedelta(days=30),
        reps=5,
    )
    log = grade(learner, cards[0], 3)
    due = CardState.objects.get(pk=state.pk).due
    undo_last_review(learner=learner, review_id=log.review_id)
    grade(learner, cards[0], 3)
    assert abs(CardState.objects.get(pk=state.pk).due - due) < timedelta(seconds=5)


def test_a_leech_is_tagged_and_suspended_and_undo_takes_both_back(learner, cards):
    factories.make_preset(learner, "Default", is_default=True, leech_threshold=2)
    factories.make_card_state(
        learner,
        cards[0],
        state=CardState.REVIEW,
        stability=3.0,
        difficulty=8.0,
        due=timezone.now(),
        last_review=timezone.now() - timedelta(days=3),
        reps=6,
        lapses=1,
    )
    log = grade(learner, cards[0], 1)
    state = CardState.objects.get(learner=learner, card=cards[0])
    cards[0].note.refresh_from_db()
    assert state.lapses == 2
    assert state.suspended is True
    assert "leech" in cards[0].note.tag_list
    undo_last_review(learner=learner, review_id=log.review_id)
    cards[0].note.refresh_from_db()
    assert CardState.objects.get(pk=state.pk).suspended is False
    assert "leech" not in cards[0].note.tag_list


def test_leech_tag_only_leaves_the_card_in_the_queue(learner, cards):
    factories.make_preset(
        learner, "Default", is_default=True, leech_threshold=1, leech_action="tag"
    )
    factories.make_card_state(
        learner, cards[0], state=CardState.REVIEW, stability=3.0, difficulty=8.0,
        due=timezone.now(), last_review=timezone.now() - timedelta(days=3), reps=2,
    )  # fmt: skip
    grade(learner, cards[0], 1)
    cards[0].note.refresh_from_db()
    assert "leech" in cards[0].note.tag_list
    assert CardState.objects.get(learner=learner, card=cards[0]).suspended is False


def test_burying_siblings_hides_the_other_card_of_the_note_until_tomorrow(learner, deck):
    factories.make_preset(learner, "Default", is_default=True, bury_new_siblings=True)
    note_type = factories.make_note_type_reversed(learner)
    note = factories.make_note(learner, note_type, deck, ("hola", "hello"))
    front, back = note.cards.order_by("ord")
    ensure_card_states(learner=learner, deck_ids=[deck.pk])
    log = grade(learner, front, 3)
    sibling = CardState.objects.get(learner=learner, card=back)
    assert sibling.buried_until == learner.study_day() + timedelta(days=1)
    undo_last_review(learner=learner, review_id=log.review_id)
    assert CardState.objects.get(learner=learner, card=back).buried_until is None


def test_suspend_bury_and_flag_bump_the_version_except_the_flag(learner, cards):
    suspended = suspend_card(learner=learner, card=cards[0])
    buried = bury_card(learner=learner, card=cards[1])
    flagged = set_flag(learner=learner, card=cards[2], flag=1)
    assert suspended.suspended and suspended.version == 1
    assert buried.buried_until == learner.study_day() + timedelta(days=1)
    assert buried.version == 1
    assert flagged.flag == 1 and flagged.version == 0


def test_set_suspended_skips_cards_of_other_people(learner, other_user, cards):
    theirs = factories.make_cards(other_user, factories.make_deck(other_user), 1)
    count = set_suspended(learner=learner, card_ids=[cards[0].pk, theirs[0].pk], suspended=True)
    assert count == 1
    assert not CardState.objects.filter(learner=learner, card=theirs[0]).exists()


def test_ensure_card_states_adds_missing_rows_once_in_order_added(learner, deck, cards):
    assert ensure_card_states(learner=learner, deck_ids=[deck.pk]) == 5
    assert ensure_card_states(learner=learner, deck_ids=[deck.pk]) == 0
    positions = list(
        CardState.objects.filter(learner=learner)
        .order_by("position")
        .values_list("card_id", flat=True)
    )
    assert positions == [card.pk for card in cards]


def test_ensure_card_states_follows_a_card_moved_to_another_deck(learner, deck, cards):
    ensure_card_states(learner=learner, deck_ids=[deck.pk])
    other = factories.make_deck(learner, "French")
    type(cards[0]).objects.filter(pk=cards[0].pk).update(deck=other)
    ensure_card_states(learner=learner, deck_ids=[deck.pk])
    assert CardState.objects.get(learner=learner, card=cards[0]).deck_id == other.pk


def test_the_log_keeps_anki_style_intervals(learner, cards):
    log = grade(learner, cards[0], 4)
    state = CardState.objects.get(learner=learner, card=cards[0])
    assert state.state == CardState.REVIEW
    assert log.interval_days == round((state.due - state.last_review).total_seconds() / 86400)
    assert log.stability_after == state.stability
    assert scheduling.interval_label(state.due - state.last_review).endswith("d")


def test_ensure_card_states_follows_a_move_inside_the_opened_tree(learner, deck, cards):
    child = factories.make_deck(learner, "Spanish::Verbs")
    ensure_card_states(learner=learner, deck_ids=[deck.pk, child.pk])
    type(cards[0]).objects.filter(pk=cards[0].pk).update(deck=child)
    ensure_card_states(learner=learner, deck_ids=[deck.pk, child.pk])
    assert CardState.objects.get(learner=learner, card=cards[0]).deck_id == child.pk


def test_a_card_added_later_gets_its_row_when_the_deck_is_opened_again(learner, deck, cards):
    ensure_card_states(learner=learner, deck_ids=[deck.pk])
    (late,) = factories.make_cards(learner, deck, 1)
    assert ensure_card_states(learner=learner, deck_ids=[deck.pk]) == 1
    assert CardState.objects.get(learner=learner, card=late).state == CardState.NEW
