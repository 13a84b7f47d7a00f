"""The invariant users never forgive us for breaking: stored state == a replay of the log.

A Hypothesis state machine grades, repeats grades (double submits), sends grades
from stale pages and undoes, in random orders and at random times; after every
step each card's stored schedule must equal what fsrs gives when the learner's
remaining review log for that card is replayed from a new card.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from reviews import scheduling
from reviews.models import CardState, ReviewLog
from reviews.services import StaleReview, record_review, shown_version, undo_last_review
from tests import factories

pytestmark = pytest.mark.django_db(transaction=False)

CARD_COUNT = 3
# Gaps between steps: same minute, a learning step, a day, a week, a month and more.
GAPS = st.sampled_from([0, 1, 6, 11, 60 * 5, 60 * 24, 60 * 24 * 3, 60 * 24 * 9, 60 * 24 * 45])


class ReviewMachine(RuleBasedStateMachine):
    counter = 0

    @initialize()
    def set_up(self) -> None:
        # Each run works inside a savepoint that teardown rolls back.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        ReviewMachine.counter += 1
        self.learner = factories.make_user(f"machine{ReviewMachine.counter}")
        self.preset = factories.make_preset(
            self.learner, "Default", is_default=True, leech_threshold=3, bury_new_siblings=True
        )
        deck = factories.make_deck(self.learner, "Deck")
        self.cards = factories.make_cards(self.learner, deck, CARD_COUNT)
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self.shown: dict[int, str] = {}  # card id -> version token the page showed
        self.sent: list[tuple[int, uuid.UUID, str, int]] = []  # (card, review id, token, rating)
        self.undone: list[uuid.UUID] = []

    def teardown(self) -> None:
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def _show(self, card) -> str:
        state = CardState.objects.filter(learner=self.learner, card=card).first()
        token = shown_version(state, card)
        self.shown[card.pk] = token
        return token

    def _send(self, card, review_id, token, rating):
        return record_review(
            learner=self.learner,
            card=card,
            rating=rating,
            review_id=review_id,
            shown_version=token,
            duration_ms=1500,
            now=self.now,
        )

    @rule(index=st.integers(0, CARD_COUNT - 1), rating=st.integers(1, 4), gap=GAPS)
    def review(self, index: int, rating: int, gap: int) -> None:
        self.now += timedelta(minutes=gap)
        card = self.cards[index]
        token = self._show(card)
        review_id = uuid.uuid4()
        log = self._send(card, review_id, token, rating)
        assert log.review_id == review_id
        self.sent.append((card.pk, review_id, token, rating))

    @precondition(lambda self: self.sent)
    @rule()
    def repeat_last_grade(self) -> None:
        card_id, review_id, token, rating = self.sent[-1]
        card = next(card for card in self.cards if card.pk == card_id)
        logs_before = ReviewLog.objects.filter(learner=self.learner).count()
        if review_id in self.undone:
            with pytest.raises(StaleReview):
                self._send(card, review_id, token, rating)
        else:
            log = self._send(card, review_id, token, rating)
            assert log.review_id == review_id
        assert ReviewLog.objects.filter(learner=self.learner).count() == logs_before

    @precondition(lambda self: self.sent)
    @rule(rating=st.integers(1, 4))
    def grade_from_a_stale_page(self, rating: int) -> None:
        card_id, _, token, _ = self.sent[0]
        card = next(card for card in self.cards if card.pk == card_id)
        current = shown_version(
            CardState.objects.filter(learner=self.learner, card=card).first(), card
        )
        if current == token:
            return  # not stale (everything since was undone)
        logs_before = ReviewLog.objects.filter(learner=self.learner).count()
        with pytest.raises(StaleReview):
            self._send(card, uuid.uuid4(), token, rating)
        assert ReviewLog.objects.filter(learner=self.learner).count() == logs_before

    @precondition(lambda self: self.sent)
    @rule(twice=st.booleans())
    def undo(self, twice: bool) -> None:
        last = (
            ReviewLog.objects.filter(learner=self.learner).order_by("-reviewed_at", "-pk").first()
        )
        if last is None:
            return
        undone = undo_last_review(learner=self.learner, review_id=last.review_id)
        assert undone is not None
        self.undone.append(last.review_id)
        if twice:
            assert undo_last_review(learner=self.learner, review_id=last.review_id) is None

    @invariant()
    def stored_state_equals_a_replay_of_the_log(self) -> None:
        if not hasattr(self, "learner"):
            return
        config = self.preset.scheduler_config()
        for card in self.cards:
            logs = ReviewLog.objects.filter(learner=self.learner, card=card).order_by(
                "reviewed_at", "pk"
            )
            replayed = scheduling.replay(
                [(log.rating, log.reviewed_at) for log in logs], config, (self.learner.pk, card.pk)
            )
            state = CardState.objects.filter(learner=self.learner, card=card).first()
            stored = state.schedule() if state else scheduling.Schedule()
            assert stored == replayed


def test_stored_state_always_equals_a_replay_of_the_review_log(db):
    run_state_machine_as_test(
        ReviewMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            derandomize=bool(os.environ.get("CI")),
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
