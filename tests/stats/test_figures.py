"""Every figure of the statistics page against the hand-counted history in fixture.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reviews import scheduling
from reviews.models import CardState
from stats import days as day_math
from stats.selectors import (
    RECALL_BUCKETS,
    Retention,
    collection_scope,
    deck_scope,
    stats_page,
)
from tests import factories
from tests.stats import fixture
from tests.stats.fixture import NOW, TODAY, build_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    return build_history()


@pytest.fixture
def page(history):
    return stats_page(deck_scope(history.learner, history.spanish.pk), now=NOW)


def _heatmap(page) -> dict:
    return {day_math.day_from_number(number): count for number, count in page.heatmap.items()}


def test_it_buckets_reviews_by_study_day_in_the_learners_zone_across_the_day_start(page):
    assert page.today_date == TODAY
    assert _heatmap(page) == fixture.HEATMAP


def test_the_collection_also_counts_reviews_in_other_decks(history):
    page = stats_page(collection_scope(history.learner), now=NOW)
    expected = dict(fixture.HEATMAP)
    expected[TODAY] += 1
    assert _heatmap(page) == expected
    assert page.today.reviews == 5


def test_today_counts_reviews_time_and_true_retention(page):
    assert page.today.reviews == 4
    assert page.today.seconds == 15
    assert page.today.retention == Retention(passed=2, failed=1)
    assert page.today.again == 1


def test_true_retention_counts_young_and_mature_reviews_as_anki_does(page):
    table = {
        row.key: (row.young.passed, row.young.failed, row.mature.passed, row.mature.failed)
        for row in page.retention
    }
    assert table == fixture.RETENTION
    week = next(row for row in page.retention if row.key == "week")
    assert week.total == Retention(5, 2)
    assert week.total.percent == "71.4%"


def test_the_year_row_is_the_same_when_the_charts_show_a_year(history):
    page = stats_page(deck_scope(history.learner, history.spanish.pk), now=NOW, range_key="year")
    year = next(row for row in page.retention if row.key == "year")
    assert (year.young.passed, year.young.failed, year.mature.passed, year.mature.failed) == (
        fixture.RETENTION["year"]
    )


def test_answer_buttons_group_learning_young_and_mature_answers(page):
    assert page.buttons == fixture.BUTTONS


def test_the_hourly_breakdown_uses_local_clock_hours_through_the_clock_change(page):
    expected = [fixture.HOURS.get(hour, (0, 0)) for hour in range(24)]
    assert page.hours == expected


def test_reviews_per_day_are_split_by_kind(page):
    per_day = {day_math.day_from_number(number): kinds for number, kinds in page.per_day}
    assert len(per_day) == 30
    assert per_day[TODAY] == {fixture.REVIEW: 2, fixture.LEARN: 1, fixture.RELEARN: 1}
    assert per_day[day_math.day_from_number(day_math.day_number(TODAY) - 4)] == {
        fixture.REVIEW: 2 - 1,  # 8 March: "i"
        fixture.MANUAL: 1,  # and the manual entry "j"
    }


def test_the_forecast_counts_due_cards_by_study_day(page):
    forecast = page.forecast
    got = {name: getattr(forecast, name) for name in fixture.FORECAST}
    assert got == fixture.FORECAST
    assert forecast.per_day[:3] == (4, 1, 0)
    assert sum(forecast.per_day) == forecast.month


def test_card_counts_split_new_learning_young_and_mature(page):
    counts = page.counts
    assert {name: getattr(counts, name) for name in fixture.COUNTS} == fixture.COUNTS
    assert counts.total == 3 + 1 + 3 + 6


def test_distributions_bucket_interval_stability_and_difficulty(page):
    assert {i: n for i, n in enumerate(page.intervals) if n} == fixture.INTERVAL_BUCKETS
    assert {i: n for i, n in enumerate(page.stability) if n} == fixture.STABILITY_BUCKETS
    assert {i: n for i, n in enumerate(page.difficulty) if n} == fixture.DIFFICULTY_BUCKETS


def _expected_recalls(history, names):
    recalls = {}
    for name in names:
        state = history.states[name]
        preset = history.slow if state.deck_id == history.verbs.pk else None
        config = preset.scheduler_config() if preset else scheduling.SchedulerConfig()
        recalls[name] = scheduling.retrievability(state.schedule(), NOW, config)
    return recalls


def test_retrievability_and_total_knowledge_match_fsrs_card_by_card(history, page):
    names = [f"s{i}" for i in range(1, 11)]  # s11 is new: no memory yet
    recalls = _expected_recalls(history, names)
    assert page.knowledge.cards == 10
    assert page.knowledge.total == pytest.approx(sum(recalls.values()), abs=1e-9)
    expected = [0] * RECALL_BUCKETS
    for value in recalls.values():
        expected[min(RECALL_BUCKETS - 1, int(value * RECALL_BUCKETS))] += 1
    assert page.recall == expected
    # The slower curve of Spanish::Verbs really is used for its cards.
    default_s6 = scheduling.retrievability(
        history.states["s6"].schedule(), NOW, scheduling.SchedulerConfig()
    )
    assert recalls["s6"] != pytest.approx(default_s6)


def test_hardest_cards_come_by_lapses_then_difficulty_with_links_to_their_notes(history, page):
    by_lapses = page.hardest_by_lapses
    assert [card.card_id for card in by_lapses] == [
        history.cards[name].pk for name in ("s4", "s1", "s10", "s3")
    ]
    assert by_lapses[0].lapses == 5
    assert by_lapses[0].url == f"/notes/{history.cards['s4'].note_id}/"
    assert by_lapses[0].text == "card s4"
    assert by_lapses[0].deck_name == "Spanish"
    by_difficulty = page.hardest_by_difficulty
    assert [card.card_id for card in by_difficulty][:3] == [
        history.cards[name].pk for name in ("s3", "s4", "s10")
    ]
    assert by_difficulty[0].difficulty_percent == 100
    recall = _expected_recalls(history, ["s3"])["s3"]
    assert by_difficulty[0].recall == pytest.approx(recall)


def test_a_deck_page_leaves_out_other_decks_and_the_collection_takes_them_in(history):
    deck = stats_page(deck_scope(history.learner, history.spanish.pk), now=NOW)
    collection = stats_page(collection_scope(history.learner), now=NOW)
    assert collection.counts.mature == deck.counts.mature
    assert collection.counts.young == deck.counts.young + 1  # "other": 11 days
    assert collection.forecast.today == deck.forecast.today + 1
    assert collection.knowledge.cards == deck.knowledge.cards + 1
    verbs = stats_page(deck_scope(history.learner, history.verbs.pk), now=NOW)
    assert verbs.counts.mature == 2  # s6, s7
    assert verbs.today.reviews == 0  # the reviews were of a card in Spanish itself


def test_a_learner_with_nothing_yet_gets_an_empty_page(other_user):
    page = stats_page(collection_scope(other_user), now=NOW)
    assert page.today.reviews == 0
    assert page.today.retention.rate is None
    assert page.knowledge.average is None
    assert page.counts.total == 0
    assert all(row.total.total == 0 for row in page.retention)
    assert page.hardest_by_lapses == []


def test_each_hardest_list_keeps_its_own_ten_when_the_two_differ(owner):
    deck = factories.make_deck(owner, "Deck")
    cards = factories.make_cards(owner, deck, 14)
    # Lapses 1..12 with falling difficulty, so the hardest by difficulty have few lapses;
    # two lapsed cards were reset (no difficulty), and two with no lapses are hardest.
    for index, card in enumerate(cards[:12]):
        factories.make_card_state(
            owner, card, state=CardState.REVIEW, lapses=index + 1, difficulty=9.9 - index * 0.5
        )
    factories.make_card_state(owner, cards[12], state=CardState.NEW, lapses=30)
    factories.make_card_state(owner, cards[13], state=CardState.REVIEW, lapses=0, difficulty=10.0)
    page = stats_page(collection_scope(owner), now=NOW)
    lapses = [card.lapses for card in page.hardest_by_lapses]
    assert lapses == [30, 12, 11, 10, 9, 8, 7, 6, 5, 4]
    difficulties = [card.difficulty for card in page.hardest_by_difficulty]
    assert difficulties == [10.0] + [9.9 - index * 0.5 for index in range(9)]


def test_odd_states_and_reviews_leave_the_page_whole(owner):
    deck = factories.make_deck(owner, "Deck")
    cards = factories.make_cards(owner, deck, 5)
    last = NOW - timedelta(days=3)
    for card, fields in zip(
        cards,
        [
            {"state": CardState.REVIEW, "stability": 0.0, "last_review": last, "due": NOW},
            {"state": CardState.REVIEW, "stability": -2.0, "difficulty": -1.0, "last_review": last},
            {"state": CardState.REVIEW, "stability": 5.0, "difficulty": 42.0, "last_review": NOW},
            {"state": CardState.LEARNING, "stability": 1e-300, "last_review": last, "due": last},
            {"state": CardState.RELEARNING, "difficulty": 5.0},
        ],
        strict=True,
    ):
        factories.make_card_state(owner, card, **fields)
    for minutes, fields in enumerate(
        [{"rating": 4, "kind": 7}, {"rating": 0}, {"last_interval_days": -(10**6)}]
    ):
        factories.make_review(owner, cards[0], NOW - timedelta(minutes=minutes), **fields)
    factories.make_review(owner, cards[0], NOW + timedelta(days=3))  # a clock ahead
    for range_key in ("month", "year"):
        page = stats_page(collection_scope(owner), now=NOW, range_key=range_key)
        assert page.counts.total == 5
        assert page.knowledge.cards == 2  # a positive stability and a last review
        assert sum(page.heatmap.values()) == 3
