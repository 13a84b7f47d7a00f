"""The fsrs adapter on its own: no database."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from reviews import scheduling
from reviews.scheduling import (
    AGAIN,
    EASY,
    GOOD,
    HARD,
    LEARNING,
    NEW,
    REVIEW,
    Schedule,
    SchedulerConfig,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONFIG = SchedulerConfig()


def test_a_new_card_is_learning_step_zero_for_fsrs():
    outcome = scheduling.review(Schedule(), GOOD, NOW, CONFIG, "seed")
    card, _ = fsrs.Scheduler().review_card(fsrs.Card(card_id=1, due=NOW), fsrs.Rating.Good, NOW)
    assert outcome.schedule.state == LEARNING == card.state.value
    assert outcome.schedule.step == card.step == 1
    assert outcome.schedule.stability == card.stability
    assert outcome.schedule.difficulty == card.difficulty
    assert outcome.schedule.due == NOW + timedelta(minutes=10)
    assert outcome.schedule.reps == 1
    assert outcome.kind == scheduling.KIND_LEARN


def test_the_four_buttons_of_a_new_card_show_anki_style_intervals():
    labels = {r: o.label for r, o in scheduling.next_states(Schedule(), NOW, CONFIG, "s").items()}
    assert labels[AGAIN] == "1m"
    assert labels[HARD] == "6m"
    assert labels[GOOD] == "10m"
    assert labels[EASY].endswith("d")


def test_a_lapse_counts_and_moves_to_relearning():
    review = Schedule(
        state=REVIEW,
        stability=10.0,
        difficulty=5.0,
        due=NOW,
        last_review=NOW - timedelta(days=10),
        reps=4,
    )
    outcome = scheduling.review(review, AGAIN, NOW, CONFIG, "s")
    assert outcome.schedule.state == scheduling.RELEARNING
    assert outcome.schedule.lapses == 1
    assert outcome.kind == scheduling.KIND_REVIEW
    assert outcome.last_interval_days == 10
    assert outcome.interval_days == -600


def test_fuzz_is_the_same_for_the_same_seed_and_lands_in_fsrs_own_range():
    review = Schedule(
        state=REVIEW, stability=40.0, difficulty=5.0, due=NOW, last_review=NOW - timedelta(days=40)
    )
    days = {
        (scheduling.review(review, GOOD, NOW, CONFIG, f"1:2:{n}").schedule.due - NOW).days
        for n in range(40)
    }
    assert len(days) > 1  # fuzz does vary between seeds
    first = scheduling.review(review, GOOD, NOW, CONFIG, "1:2:3").schedule
    again = scheduling.review(review, GOOD, NOW, CONFIG, "1:2:3").schedule
    assert first == again
    unfuzzed = scheduling.review(review, GOOD, NOW, SchedulerConfig(fuzz=False), "x").schedule
    base = (unfuzzed.due - NOW).days
    assert all(abs(day - base) <= max(2, base * 0.15) for day in days)


def test_our_fuzz_equals_fsrs_fuzz_for_the_same_random_draw(monkeypatch):
    draw = random.Random("draw").random()
    monkeypatch.setattr(fsrs.scheduler, "random", lambda: draw)

    class FixedRng:
        def random(self):
            return draw

    for days in [1, 3, 7, 15, 40, 200, 1000]:
        interval = timedelta(days=days)
        theirs = fsrs.Scheduler()._get_fuzzed_interval(interval=interval)
        ours = scheduling._SeededScheduler(CONFIG, FixedRng())._get_fuzzed_interval(
            interval=interval
        )
        assert ours == theirs


def test_replay_reaches_the_schedule_of_step_by_step_reviews():
    moments = [NOW + timedelta(minutes=m) for m in (0, 2, 15, 60 * 24 * 3)]
    ratings = [AGAIN, GOOD, GOOD, HARD]
    schedule = Schedule()
    for rating, moment in zip(ratings, moments, strict=True):
        seed = scheduling.fuzz_seed(7, 9, schedule.reps)
        schedule = scheduling.review(schedule, rating, moment, CONFIG, seed).schedule
    assert scheduling.replay(list(zip(ratings, moments, strict=True)), CONFIG, (7, 9)) == schedule


def test_retrievability_is_none_for_a_new_card_and_falls_with_time():
    assert scheduling.retrievability(Schedule(), NOW, CONFIG) is None
    review = Schedule(state=REVIEW, stability=5.0, difficulty=5.0, due=NOW, last_review=NOW)
    soon = scheduling.retrievability(review, NOW + timedelta(days=1), CONFIG)
    later = scheduling.retrievability(review, NOW + timedelta(days=20), CONFIG)
    assert 1 > soon > later > 0


@pytest.mark.parametrize(
    ("span", "label"),
    [
        (timedelta(seconds=30), "<1m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=1, minutes=30), "1.5h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=29), "29d"),
        (timedelta(days=96), "3.2mo"),
        (timedelta(days=365), "1y"),
        (timedelta(days=800), "2.2y"),
    ],
)
def test_interval_labels_read_like_ankis(span, label):
    assert scheduling.interval_label(span) == label


def test_parameter_errors_name_the_bad_parameter():
    assert scheduling.parameter_errors(list(scheduling.DEFAULT_PARAMETERS)) == []
    assert "21" in scheduling.parameter_errors([0.1, 0.2])[0]
    bad = list(scheduling.DEFAULT_PARAMETERS)
    bad[4] = 50.0
    (error,) = scheduling.parameter_errors(bad)
    assert error.startswith("Parameter 5 is 50.0")


def test_new_is_never_handed_back_by_fsrs():
    for rating in scheduling.RATINGS:
        assert scheduling.review(Schedule(), rating, NOW, CONFIG, "s").schedule.state != NEW
