"""The daily queue and deck counts: order, limits, the learner's day, parent decks."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from reviews.models import CardState, DeckOptions
from reviews.selectors import Counts, deck_counts, next_in_queue, study_plan
from reviews.services import ensure_card_states, record_review, shown_version
from tests import factories

pytestmark = pytest.mark.django_db


def start(learner, deck, now=None):
    plan = study_plan(learner, deck)
    ensure_card_states(learner=learner, deck_ids=plan.deck_ids)
    return plan


def set_state(learner, card, **fields):
    CardState.objects.filter(learner=learner, card=card).update(**fields)


def review_state(due, **extra):
    return {
        "state": CardState.REVIEW,
        "stability": 10.0,
        "difficulty": 5.0,
        "due": due,
        "last_review": due - timedelta(days=10),
        "reps": 3,
        **extra,
    }


def grade_next(learner, plan, now, rating=3):
    queue = next_in_queue(learner=learner, plan=plan, now=now)
    card = queue.card
    record_review(
        learner=learner,
        card=card,
        rating=rating,
        review_id=uuid.uuid4(),
        shown_version=shown_version(queue.state, card),
        now=now,
    )
    return queue


def test_learning_cards_due_now_come_first_then_reviews_then_new(learner, deck, cards):
    plan = start(learner, deck)
    now = timezone.now()
    set_state(learner, cards[3], **review_state(now - timedelta(hours=1)))
    set_state(learner, cards[4], state=CardState.LEARNING, step=1, stability=1.0,
              difficulty=5.0, due=now - timedelta(minutes=1), last_review=now)  # fmt: skip
    kinds = []
    for _ in range(3):
        queue = grade_next(learner, plan, now, rating=4)
        kinds.append((queue.kind, queue.card.pk))
    assert kinds == [("learning", cards[4].pk), ("review", cards[3].pk), ("new", cards[0].pk)]


def test_the_most_overdue_review_comes_first(learner, deck, cards):
    plan = start(learner, deck)
    now = timezone.now()
    set_state(learner, cards[1], **review_state(now - timedelta(days=1)))
    set_state(learner, cards[2], **review_state(now - timedelta(days=5)))
    assert next_in_queue(learner=learner, plan=plan, now=now).card.pk == cards[2].pk


def test_new_cards_stop_at_the_daily_limit(learner, deck, cards):
    factories.make_preset(learner, "Default", is_default=True, new_per_day=2)
    plan = start(learner, deck)
    now = timezone.now()
    assert next_in_queue(learner=learner, plan=plan, now=now).counts == Counts(2, 0, 0)
    grade_next(learner, plan, now, rating=4)
    grade_next(learner, plan, now, rating=4)
    queue = next_in_queue(learner=learner, plan=plan, now=now)
    assert queue.card is None
    assert queue.counts == Counts(0, 0, 0)
    # The next study day brings two more.
    tomorrow = learner.next_day_starts(now) + timedelta(hours=1)
    assert next_in_queue(learner=learner, plan=plan, now=tomorrow).counts.new == 2


def test_reviews_stop_at_the_daily_limit(learner, deck, cards):
    factories.make_preset(learner, "Default", is_default=True, reviews_per_day=2, new_per_day=0)
    plan = start(learner, deck)
    now = timezone.now()
    for card in cards:
        set_state(learner, card, **review_state(now - timedelta(hours=2)))
    assert next_in_queue(learner=learner, plan=plan, now=now).counts == Counts(0, 0, 2)
    grade_next(learner, plan, now)
    grade_next(learner, plan, now)
    assert next_in_queue(learner=learner, plan=plan, now=now).card is None


def test_a_review_due_before_the_day_start_hour_tomorrow_is_due_today(owner, deck, cards):
    owner.timezone = "America/New_York"
    owner.day_starts_at_hour = 4
    owner.save()
    zone = zoneinfo.ZoneInfo("America/New_York")
    now = datetime(2026, 3, 10, 22, 0, tzinfo=zone)
    plan = start(owner, deck)
    set_state(owner, cards[0], **review_state(datetime(2026, 3, 11, 3, 30, tzinfo=zone)))
    set_state(owner, cards[1], **review_state(datetime(2026, 3, 11, 4, 30, tzinfo=zone)))
    factories.make_preset(owner, "Default", is_default=True, new_per_day=0)
    plan = study_plan(owner, deck)
    queue = next_in_queue(learner=owner, plan=plan, now=now)
    assert queue.counts.review == 1
    assert queue.card.pk == cards[0].pk
    # At 05:00 the next day has started, and the second card is due too.
    later = datetime(2026, 3, 11, 5, 0, tzinfo=zone)
    assert next_in_queue(learner=owner, plan=plan, now=later).counts.review == 2


def test_a_parent_decks_limit_caps_its_children(learner):
    parent = factories.make_deck(learner, "Languages")
    spanish = factories.make_deck(learner, "Languages::Spanish")
    french = factories.make_deck(learner, "Languages::French")
    factories.make_cards(learner, spanish, 4)
    factories.make_cards(learner, french, 4)
    small = factories.make_preset(learner, "Small", new_per_day=3)
    DeckOptions.objects.create(learner=learner, deck=parent, preset=small)
    counts = deck_counts(learner=learner, decks=[parent, spanish, french])
    assert counts[parent.pk].new == 3
    assert counts[spanish.pk].new == 4
    assert counts[french.pk].new == 4
    plan = start(learner, parent)
    now = timezone.now()
    for _ in range(3):
        grade_next(learner, plan, now, rating=4)
    assert next_in_queue(learner=learner, plan=plan, now=now).card is None
    # Studied from a child, only the child's own limit applies.
    child_plan = start(learner, spanish)
    assert next_in_queue(learner=learner, plan=child_plan, now=now).card is not None


def test_a_childs_limit_still_applies_when_studying_the_parent(learner):
    parent = factories.make_deck(learner, "Languages")
    spanish = factories.make_deck(learner, "Languages::Spanish")
    factories.make_cards(learner, spanish, 4)
    factories.make_cards(learner, parent, 4)
    one = factories.make_preset(learner, "One", new_per_day=1)
    DeckOptions.objects.create(learner=learner, deck=spanish, preset=one)
    counts = deck_counts(learner=learner, decks=[parent, spanish])
    assert counts[spanish.pk].new == 1
    assert counts[parent.pk].new == 5
    plan = start(learner, parent)
    now = timezone.now()
    chosen = [grade_next(learner, plan, now, rating=4).card.deck_id for _ in range(5)]
    assert chosen.count(spanish.pk) == 1


def test_suspended_and_buried_cards_are_left_out(learner, deck, cards):
    plan = start(learner, deck)
    today = learner.study_day()
    set_state(learner, cards[0], suspended=True)
    set_state(learner, cards[1], buried_until=today + timedelta(days=1))
    set_state(learner, cards[2], buried_until=today)  # came back today
    queue = next_in_queue(learner=learner, plan=plan)
    assert queue.counts.new == 3
    assert queue.card.pk == cards[2].pk
    assert deck_counts(learner=learner, decks=[deck])[deck.pk].new == 3


def test_learning_cards_due_soon_are_shown_early_when_nothing_else_is_left(learner, deck):
    (card,) = factories.make_cards(learner, deck, 1)
    plan = start(learner, deck)
    now = datetime(2026, 3, 10, 12, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    set_state(learner, card, state=CardState.LEARNING, step=1, stability=1.0, difficulty=5.0,
              due=now + timedelta(minutes=10), last_review=now)  # fmt: skip
    queue = next_in_queue(learner=learner, plan=plan, now=now)
    assert queue.card.pk == card.pk and queue.kind == "learning"
    set_state(learner, card, due=now + timedelta(hours=2))
    queue = next_in_queue(learner=learner, plan=plan, now=now)
    assert queue.card is None
    assert queue.waiting_until == now + timedelta(hours=2)
    assert queue.counts.learning == 1


def test_cards_with_no_state_row_count_as_new_on_the_deck_list(learner, deck, cards):
    assert deck_counts(learner=learner, decks=[deck]) == {deck.pk: Counts(5, 0, 0)}


def test_deck_counts_take_a_fixed_number_of_queries(learner, django_assert_num_queries):
    decks = [factories.make_deck(learner, f"Deck {i}::Sub") for i in range(4)]
    for deck in decks:
        factories.make_cards(learner, deck, 3)
    every = list(type(decks[0]).objects.filter(owner=learner))
    with django_assert_num_queries(6):
        counts = deck_counts(learner=learner, decks=every)
    assert sum(counts[deck.pk].new for deck in decks) == 12


def test_the_next_card_and_counts_are_one_query(learner, deck, cards, django_assert_num_queries):
    plan = start(learner, deck)
    with django_assert_num_queries(1):
        queue = next_in_queue(learner=learner, plan=plan)
        assert queue.card.note.note_type.name
    assert queue.counts == Counts(5, 0, 0)


def test_other_learners_do_not_share_progress(learner, other_user, deck, cards):
    plan = start(learner, deck)
    grade_next(learner, plan, timezone.now(), rating=4)
    assert deck_counts(learner=learner, decks=[deck])[deck.pk].new == 4
    assert deck_counts(learner=other_user, decks=[deck])[deck.pk].new == 5


def test_fast_loading_gives_the_same_objects_as_the_orm(learner, deck, cards):
    from reviews.fastload import load_states

    start(learner, deck)
    set_state(learner, cards[0], **review_state(timezone.now()), buried_until=None, flag=3)
    ((state, extra),) = load_states(
        "s.learner_id = %s AND s.card_id = %s", [learner.pk, cards[0].pk], [("SELECT 7", [])]
    )
    orm = CardState.objects.select_related("card__note__note_type", "card__deck").get(pk=state.pk)
    assert extra == [7]
    for loaded, expected in [
        (state, orm),
        (state.card, orm.card),
        (state.card.note, orm.card.note),
        (state.card.note.note_type, orm.card.note.note_type),
        (state.card.deck, orm.card.deck),
    ]:
        fields = type(expected)._meta.concrete_fields
        assert [getattr(loaded, f.attname) for f in fields] == [
            getattr(expected, f.attname) for f in fields
        ]
        assert loaded._state.adding is False
