"""The SQL expressions give what the Python they stand for gives, row by row."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from reviews import scheduling
from reviews.models import CardState, ReviewLog
from stats import days as day_math
from stats.review_sql import review_days, reviews_per_hour
from stats.selectors import _clock, collection_scope, day_starts
from stats.sql import Curve, Curves, IntervalDays, log2_bucket_sql, share_bucket_sql
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 10, 27, 12, 0, tzinfo=UTC)  # Europe changed its clocks at 01:00 UTC


def _moments_around_clock_changes() -> list[datetime]:
    moments = []
    for change in (datetime(2024, 3, 31, 1, tzinfo=UTC), datetime(2024, 10, 27, 1, tzinfo=UTC)):
        for minutes in range(-300, 301, 17):
            moments.append(change + timedelta(minutes=minutes, seconds=minutes % 7))
    rng = random.Random(3)
    start = datetime(2023, 11, 1, tzinfo=UTC)
    for _ in range(150):
        moments.append(start + timedelta(seconds=rng.randrange(360 * 86400)))
    return moments


@pytest.mark.parametrize(
    ("zone", "hour"),
    [("Europe/Berlin", 4), ("Europe/Berlin", 2), ("America/St_Johns", 0), ("Asia/Kolkata", 5)],
)
def test_study_day_and_hour_in_sql_match_the_learners_clock(zone, hour):
    learner = factories.make_user("clock", timezone=zone, day_starts_at_hour=hour)
    deck = factories.make_deck(learner, "Deck")
    card = factories.make_cards(learner, deck, 1)[0]
    moments = _moments_around_clock_changes()
    ReviewLog.objects.bulk_create(
        ReviewLog(learner=learner, card=card, deck=deck, rating=3, reviewed_at=moment)
        for moment in moments
    )
    clock = _clock(learner, NOW, 400, 10)
    rows = ReviewLog.objects.filter(learner=learner).annotate(day=clock.study_day("reviewed_at"))
    checked = 0
    for row in rows:
        assert day_math.day_from_number(int(row.day)) == learner.study_day(row.reviewed_at)
        checked += 1
    assert checked == len(moments)
    # Hours: each review counted in the stretch of its local clock hour.
    start, end = datetime(2023, 10, 1, tzinfo=UTC), datetime(2024, 11, 1, tzinfo=UTC)
    bounds, stretch_hours = day_math.local_hour_bounds(learner.zone, start, end)
    hours = reviews_per_hour(ReviewLog.objects.filter(learner=learner), bounds, stretch_hours)
    expected = Counter(moment.astimezone(learner.zone).hour for moment in moments)
    assert hours == [(expected[hour], expected[hour]) for hour in range(24)]


def test_reviews_per_day_counts_exactly_the_moments_of_each_study_day():
    learner = factories.make_user("days", timezone="Europe/Berlin", day_starts_at_hour=4)
    deck = factories.make_deck(learner, "Deck")
    card = factories.make_cards(learner, deck, 1)[0]
    moments = [m for m in _moments_around_clock_changes() if m < NOW]
    ReviewLog.objects.bulk_create(
        ReviewLog(learner=learner, card=card, deck=deck, rating=3, reviewed_at=moment)
        for moment in moments
    )
    first = learner.study_day(NOW) - timedelta(days=364)
    bounds = [int(moment.timestamp()) for moment in day_starts(learner, first, 365)]
    counts = review_days(collection_scope(learner).reviews(), bounds, 365 - 30).counts
    expected = Counter(learner.study_day(moment) for moment in moments)
    got = {first + timedelta(days=index): n for index, n in enumerate(counts) if n}
    assert got == {day: n for day, n in expected.items() if day >= first}


@pytest.mark.parametrize("decay", [0.1542, 0.5, 0.8])
def test_recall_in_sql_matches_fsrs_for_every_card(decay):
    learner = factories.make_user("recall")
    deck = factories.make_deck(learner, "Deck")
    cards = factories.make_cards(learner, deck, 40)
    rng = random.Random(int(decay * 1000))
    parameters = [*scheduling.DEFAULT_PARAMETERS[:20], decay]
    for card in cards:
        elapsed = timedelta(days=rng.choice([0, 1, 3, 30, 400]), seconds=rng.randrange(86400))
        factories.make_card_state(
            learner,
            card,
            state=CardState.REVIEW,
            stability=rng.choice([0.1, 1.0, 2.5, 17.3, 365.0, 3000.0]),
            difficulty=5.0,
            last_review=(NOW - elapsed).replace(microsecond=0),
            due=NOW,
        )
    curves = Curves(Curve.of(parameters))
    config = scheduling.SchedulerConfig(parameters=tuple(parameters))
    rows = CardState.objects.filter(learner=learner).annotate(recall=curves.recall(NOW))
    for state in rows:
        expected = scheduling.retrievability(state.schedule(), NOW, config)
        assert state.recall == pytest.approx(expected, rel=1e-12)
        elapsed_days = (NOW - state.last_review).days
        assert scheduling.recall_probability(
            elapsed_days, state.stability, parameters
        ) == pytest.approx(expected, rel=1e-12)


def test_recall_uses_each_decks_own_curve():
    learner = factories.make_user("curves")
    fast, slow = factories.make_deck(learner, "Fast"), factories.make_deck(learner, "Slow")
    states = []
    for deck in (fast, slow):
        card = factories.make_cards(learner, deck, 1)[0]
        states.append(
            factories.make_card_state(
                learner, card, state=2, stability=10.0, last_review=NOW - timedelta(days=20)
            )
        )
    slow_parameters = [*scheduling.DEFAULT_PARAMETERS[:20], 0.6]
    curves = Curves(
        Curve.of(scheduling.DEFAULT_PARAMETERS), ((Curve.of(slow_parameters), (slow.pk,)),)
    )
    recalls = dict(
        CardState.objects.filter(learner=learner)
        .annotate(recall=curves.recall(NOW))
        .values_list("deck_id", "recall")
    )
    assert recalls[fast.pk] == pytest.approx(
        scheduling.recall_probability(20, 10.0, scheduling.DEFAULT_PARAMETERS)
    )
    assert recalls[slow.pk] == pytest.approx(
        scheduling.recall_probability(20, 10.0, slow_parameters)
    )


def test_buckets_put_exact_powers_of_two_and_full_shares_where_they_belong():
    learner = factories.make_user("buckets")
    deck = factories.make_deck(learner, "Deck")
    cards = factories.make_cards(learner, deck, 10)
    cases = [(0.5, 0.0), (1.0, 0.05), (2.0, 0.5), (3.999, 0.949), (4.0, 0.95), (8.0, 0.99999),
             (1024.0, 1.0), (2047.99, 1.0), (10000.0, 1.0), (-3.0, -0.2)]  # fmt: skip
    for card, (stability, share) in zip(cards, cases, strict=True):
        factories.make_card_state(learner, card, stability=stability, difficulty=share)
    states = CardState.objects.filter(learner=learner).values("stability", "difficulty")
    inner, params = states.query.sql_with_params()
    days, share = log2_bucket_sql("stability", 12), share_bucket_sql("difficulty * 20", 20)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {days}, {share} FROM ({inner}) states ORDER BY stability", params)
        rows = cursor.fetchall()
    assert rows == [
        (0, 0), (0, 0), (1, 1), (2, 10), (2, 18), (3, 19), (4, 19), (11, 19), (11, 19), (12, 19),
    ]  # fmt: skip


def test_interval_days_round_to_the_nearest_day():
    learner = factories.make_user("intervals")
    deck = factories.make_deck(learner, "Deck")
    cards = factories.make_cards(learner, deck, 3)
    for card, hours in zip(cards, (20 * 24 + 11, 20 * 24 + 13, 21 * 24), strict=True):
        factories.make_card_state(learner, card, due=NOW, last_review=NOW - timedelta(hours=hours))
    got = sorted(
        CardState.objects.filter(learner=learner)
        .annotate(days=IntervalDays())
        .values_list("days", flat=True)
    )
    assert got == [20, 21, 21]
    assert date(1970, 1, 1) == day_math.day_from_number(0)
