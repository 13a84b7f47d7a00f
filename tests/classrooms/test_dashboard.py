"""The teacher's dashboard against figures worked out by hand.

The clock stands at 2026-03-10 12:00 UTC. Everyone is on UTC with the day starting at
04:00, so "today" began at 04:00 this morning, the 7 days at 04:00 on March 4 and the
30 days at 04:00 on February 9.

Decks: "Spanish" (c0-c3) with "Spanish::Verbs" (c4, c5): six cards, daily target 5;
"Extra" (e0, e1): two cards. Students: alice, bob, carol (never studied). Dave is not
in the class: his reviews of the same cards never count.

alice (default FSRS, desired retention 0.9)
  c0 review  S=10  last 20 days ago  due 10 days ago   reps 4 lapses 1 -> due, at risk
  c1 review  S=30  last 3 days ago   due in 20 days    reps 3           -> fine
  c2 learning S=1  last 1 hour ago   due in 9 minutes  reps 1           -> due
  c3 new (a row, never graded)                                          -> not seen
  c4 review  S=2   last 30 days ago  suspended         reps 5 lapses 2  -> neither
  e0 review  S=5   last 6 days ago   due yesterday     reps 2           -> due, at risk
  seen: Spanish 4 of 6, Extra 1 of 2; due 3; at risk 2; last active 1 hour ago.
  reviews: today 3 in Spanish (10:00 c0 Good, 11:00 c1 Again, 11:00 c2 Good learning),
  03:00 today (yesterday's study day) c0 Easy, 5 days ago e0 Hard, 20 days ago c4
  Again, 40 days ago c4 Good; one review today in her own deck (not the class's).
  -> today 3, 7 days 5, 30 days 6; review-kind in 30 days: 5, passed 3 -> 60%.

bob (deck options on Spanish: desired retention 0.95, decay 0.5)
  c0 review     S=50 last 33 days ago due 10 days ago reps 2 -> due, at risk for him
                (recall 0.93: below his 0.95, though above the default's 0.9)
  c1 relearning S=3  last 5 minutes ago due in 5 minutes reps 6 lapses 1 -> due
  reviews: today c1 Again (review) and c1 Good (relearning); 8 days ago c0 Good.
  -> today 2, 7 days 2, 30 days 3; review-kind 2, passed 1 -> 50%.

Cards (lapses / reviews over students; recall: mean over those who studied it):
  c4 2/5 = 0.4, c0 1/6, c1 1/9, then e0 and c2 (0 lapses) by recall, lowest first.

Weeks back from the end of today (review-kind only): this week alice 4 (3 passed) + bob 1 (0) = 5/3;
1 week ago bob 1/1; 2 weeks ago alice 1/0; 5 weeks ago alice 1/1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classrooms.models import Assignment
from classrooms.selectors import assigned_trees, class_dashboard, student_standing
from reviews import scheduling
from reviews.models import DEFAULT_FSRS_PARAMETERS, CardState, DeckOptions, ReviewLog
from reviews.selectors import deck_counts
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
BOB_PARAMETERS = [*DEFAULT_FSRS_PARAMETERS[:20], 0.5]
REVIEW, LEARN, RELEARN = ReviewLog.KIND_REVIEW, ReviewLog.KIND_LEARN, ReviewLog.KIND_RELEARN


def recall(stability: float, last: datetime, parameters=DEFAULT_FSRS_PARAMETERS) -> float:
    """The adapter's own retrievability(), which the SQL must agree with."""
    schedule = scheduling.Schedule(
        state=scheduling.REVIEW, stability=stability, last_review=last, due=NOW
    )
    config = scheduling.SchedulerConfig(parameters=tuple(parameters))
    return scheduling.retrievability(schedule, NOW, config)


@pytest.fixture
def world(teacher):
    spanish = factories.make_deck(teacher, "Spanish")
    verbs = factories.make_deck(teacher, "Spanish::Verbs")
    extra = factories.make_deck(teacher, "Extra")
    c = factories.make_cards(teacher, spanish, 4) + factories.make_cards(teacher, verbs, 2)
    e = factories.make_cards(teacher, extra, 2)
    alice, bob, carol, dave = (
        factories.make_user(name) for name in ("alice", "bob", "carol", "dave")
    )
    classroom = factories.make_classroom(teacher, students=[alice, bob, carol])
    Assignment.objects.create(classroom=classroom, deck=spanish, daily_target=5)
    Assignment.objects.create(classroom=classroom, deck=extra)

    def state(learner, card, kind, stability=None, last=None, due=None, **extra_fields):
        return factories.make_card_state(
            learner, card, state=kind, stability=stability, difficulty=5.0 if stability else None,
            last_review=last, due=due, **extra_fields,
        )  # fmt: skip

    R, L, RL, N = CardState.REVIEW, CardState.LEARNING, CardState.RELEARNING, CardState.NEW
    state(alice, c[0], R, 10, NOW - 20 * DAY, NOW - 10 * DAY, reps=4, lapses=1)
    state(alice, c[1], R, 30, NOW - 3 * DAY, NOW + 20 * DAY, reps=3)
    state(alice, c[2], L, 1, NOW - timedelta(hours=1), NOW + timedelta(minutes=9), reps=1)
    state(alice, c[3], N)
    state(alice, c[4], R, 2, NOW - 30 * DAY, NOW - 25 * DAY, reps=5, lapses=2, suspended=True)
    state(alice, e[0], R, 5, NOW - 6 * DAY, NOW - DAY, reps=2)
    state(bob, c[0], R, 50, NOW - 33 * DAY, NOW - 10 * DAY, reps=2)
    state(
        bob, c[1], RL, 3, NOW - timedelta(minutes=5), NOW + timedelta(minutes=5), reps=6, lapses=1
    )
    state(dave, c[0], R, 1, NOW - 90 * DAY, NOW - 80 * DAY, reps=9, lapses=9)
    preset = factories.make_preset(
        bob, "Strict", desired_retention=0.95, fsrs_parameters=BOB_PARAMETERS
    )
    DeckOptions.objects.create(learner=bob, deck=spanish, preset=preset)

    def review(learner, card, when, rating, kind=REVIEW):
        ReviewLog.objects.create(
            learner=learner, card=card, deck_id=card.deck_id, reviewed_at=when, rating=rating,
            kind=kind,
        )  # fmt: skip

    at = NOW.replace
    review(alice, c[0], at(hour=10), 3)
    review(alice, c[1], at(hour=11), 1)
    review(alice, c[2], at(hour=11), 3, LEARN)
    review(alice, c[0], at(hour=3), 4)
    review(alice, e[0], NOW - 5 * DAY, 2)
    review(alice, c[4], NOW - 20 * DAY, 1)
    review(alice, c[4], NOW - 40 * DAY, 3)
    own = factories.make_cards(alice, factories.make_deck(alice, "Mine"), 1)[0]
    review(alice, own, at(hour=10), 3)
    review(bob, c[1], NOW - timedelta(minutes=6), 1)
    review(bob, c[1], NOW - timedelta(minutes=5), 3, RELEARN)
    review(bob, c[0], NOW - 8 * DAY, 3)
    review(dave, c[0], at(hour=9), 1)
    return {"classroom": classroom, "c": c, "e": e, "alice": alice, "bob": bob, "carol": carol}


def test_the_per_student_figures_match_the_hand_count(world):
    dashboard = class_dashboard(world["classroom"], now=NOW)
    rows = {row.user.username: row for row in dashboard.students}
    assert list(rows) == ["alice", "bob", "carol"]
    alice, bob, carol = rows["alice"], rows["bob"], rows["carol"]

    assert (alice.reviews_today, alice.reviews_7d, alice.reviews_30d) == (3, 5, 6)
    assert (alice.retention_reviews, alice.retention_passed) == (5, 3)
    assert alice.retention == pytest.approx(0.6)
    assert (alice.due, alice.at_risk) == (3, 2)
    assert alice.last_active == NOW - timedelta(hours=1)
    spanish, extra = alice.assignments
    assert (spanish.seen, spanish.total, spanish.reviews_today, spanish.target) == (4, 6, 3, 5)
    assert spanish.target_met is False and spanish.target_percent == 60
    assert (extra.seen, extra.total, extra.reviews_today, extra.target) == (1, 2, 0, None)

    assert (bob.reviews_today, bob.reviews_7d, bob.reviews_30d) == (2, 2, 3)
    assert bob.retention == pytest.approx(0.5)
    assert (bob.due, bob.at_risk) == (2, 1)
    assert bob.last_active == NOW - timedelta(minutes=5)
    assert [(p.seen, p.reviews_today) for p in bob.assignments] == [(2, 2), (0, 0)]

    assert (carol.reviews_30d, carol.due, carol.at_risk, carol.last_active) == (0, 0, 0, None)
    assert carol.retention is None
    assert [p.seen for p in carol.assignments] == [0, 0]


def test_bobs_card_is_at_risk_only_by_his_own_preset(world):
    bobs = recall(50, NOW - 33 * DAY, BOB_PARAMETERS)
    assert 0.9 < bobs < 0.95
    assert recall(50, NOW - 33 * DAY) > 0.9  # by the default curve it would not be


def test_the_per_card_figures_match_the_hand_count(world):
    c, e = world["c"], world["e"]
    dashboard = class_dashboard(world["classroom"], now=NOW)
    cards = dashboard.hardest_cards
    assert [row.card_id for row in cards] == [c[4].pk, c[0].pk, c[1].pk, e[0].pk, c[2].pk]
    by_id = {row.card_id: row for row in cards}
    assert (by_id[c[4].pk].lapses, by_id[c[4].pk].reviews) == (2, 5)
    assert by_id[c[4].pk].lapse_rate == pytest.approx(0.4)
    assert (by_id[c[0].pk].students, by_id[c[0].pk].lapses, by_id[c[0].pk].reviews) == (2, 1, 6)
    assert by_id[c[1].pk].lapse_rate == pytest.approx(1 / 9)
    assert by_id[c[0].pk].mean_recall == pytest.approx(
        (recall(10, NOW - 20 * DAY) + recall(50, NOW - 33 * DAY, BOB_PARAMETERS)) / 2
    )
    assert by_id[c[1].pk].mean_recall == pytest.approx(
        (recall(30, NOW - 3 * DAY) + recall(3, NOW - timedelta(minutes=5), BOB_PARAMETERS)) / 2
    )
    assert by_id[c[2].pk].mean_recall == pytest.approx(1.0)
    assert by_id[c[4].pk].mean_recall == pytest.approx(recall(2, NOW - 30 * DAY))
    assert by_id[e[0].pk].mean_recall == pytest.approx(recall(5, NOW - 6 * DAY))
    assert by_id[c[4].pk].deck_name == "Spanish::Verbs"
    assert by_id[c[0].pk].text == "front 0"


def test_cards_tied_for_the_last_place_are_settled_by_recall(world):
    """e0 and c2 both have no lapses; with room for four cards e0 (lower recall) gets the
    last place, with the same figures as in the full list."""
    c, e = world["c"], world["e"]
    full = class_dashboard(world["classroom"], now=NOW).hardest_cards
    four = class_dashboard(world["classroom"], now=NOW, card_limit=4).hardest_cards
    assert [row.card_id for row in four] == [c[4].pk, c[0].pk, c[1].pk, e[0].pk]
    assert four == full[:4]
    three = class_dashboard(world["classroom"], now=NOW, card_limit=3).hardest_cards
    assert three == full[:3]


def test_a_card_buried_for_the_day_is_not_due_as_in_the_deck_list(world):
    """alice's c0 is buried until tomorrow: not due today (still at risk); e0's burial
    ended this morning, so it is due again. The deck list counts the same cards."""
    alice, c, e = world["alice"], world["c"], world["e"]
    today = date(2026, 3, 10)
    CardState.objects.filter(learner=alice, card=c[0]).update(buried_until=today + DAY)
    CardState.objects.filter(learner=alice, card=e[0]).update(buried_until=today)
    rows = {row.user.username: row for row in class_dashboard(world["classroom"], now=NOW).students}
    assert (rows["alice"].due, rows["alice"].at_risk) == (2, 2)
    decks = [tree.assignment.deck for tree in assigned_trees(world["classroom"])]
    counts = deck_counts(learner=alice, decks=decks, now=NOW)
    assert sum(counts[deck.pk].learning + counts[deck.pk].review for deck in decks) == 2


def test_the_retention_chart_counts_review_kind_reviews_by_week(world):
    points = class_dashboard(world["classroom"], now=NOW).retention
    assert len(points) == 12
    assert points[-1].ends == datetime(2026, 3, 11, 4, 0, tzinfo=UTC)  # the end of today
    counted = {11 - i: (p.reviews, p.passed) for i, p in enumerate(points) if p.reviews}
    assert counted == {0: (5, 3), 1: (1, 1), 2: (1, 0), 5: (1, 1)}
    assert points[-1].retention == pytest.approx(0.6)


def test_the_dashboard_takes_a_fixed_number_of_queries(world, teacher, django_assert_num_queries):
    with django_assert_num_queries(10):
        class_dashboard(world["classroom"], now=NOW)
    more = [factories.make_user(f"s{i}") for i in range(5)]
    for user in more:
        world["classroom"].memberships.create(user=user, role="student")
        for card in world["c"]:
            factories.make_card_state(user, card, state=CardState.NEW)
    factories.make_cards(teacher, factories.make_deck(teacher, "Spanish::More"), 10)
    with django_assert_num_queries(10):
        dashboard = class_dashboard(world["classroom"], now=NOW)
    assert len(dashboard.students) == 8


def test_a_student_sees_only_their_own_standing(world, client_for):
    trees, row = student_standing(world["classroom"], world["bob"], now=NOW)
    assert row.user == world["bob"]
    assert [tree.card_total for tree in trees] == [6, 2]
    page = client_for(world["bob"]).get(reverse("classrooms:detail", args=[world["classroom"].pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Your standing" in text
    assert "alice" not in text and "carol" not in text


def test_the_teachers_page_shows_the_tables_and_the_chart(world, teacher, client_for, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    page = client_for(teacher).get(reverse("classrooms:detail", args=[world["classroom"].pk]))
    text = page.content.decode()
    assert page.status_code == 200
    for name in ("alice", "bob", "carol", "Hardest cards", "<svg", "Spanish::Verbs"):
        assert name in text
    assert reverse("flashcards:note_edit", args=[world["c"][0].note_id]) in text


def test_the_csv_downloads_hold_every_row(world, teacher, client_for):
    client = client_for(teacher)
    classroom = world["classroom"]
    response = client.get(reverse("classrooms:students_csv", args=[classroom.pk]))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("student,last_active,reviews_today,reviews_7_days")
    assert "Spanish: seen" in lines[0] and "Extra: daily target" in lines[0]
    assert len(lines) == 4
    assert lines[1].split(",")[0] == "alice"
    response = client.get(reverse("classrooms:cards_csv", args=[classroom.pk]))
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("card_id,note_id,deck,card,text")
    assert len(lines) == 1 + 5
    assert lines[1].split(",")[0] == str(world["c"][4].pk)


def test_a_username_cannot_smuggle_a_formula_into_the_csv(world, teacher, client_for):
    world["alice"].username = "=HYPERLINK(1)"
    world["alice"].save()
    response = client_for(teacher).get(
        reverse("classrooms:students_csv", args=[world["classroom"].pk])
    )
    assert "'=HYPERLINK(1)" in response.content.decode()


def test_students_in_other_time_zones_count_their_own_days(world, monkeypatch):
    """Bob moves to New York (UTC-4 on March 10: daylight saving began on the 8th), so his
    day begins at 08:00 UTC. A review at 07:30 UTC is yesterday's for him, though it would
    be today's for alice. The same figures come out whichever way the query is built (a
    SELECT per day boundary, or CASE for a class spread over many time zones)."""
    from classrooms.selectors import recall

    bob = world["bob"]
    bob.timezone = "America/New_York"
    bob.save()
    ReviewLog.objects.create(
        learner=bob, card=world["c"][0], deck_id=world["c"][0].deck_id,
        reviewed_at=NOW.replace(hour=7, minute=30), rating=3, kind=REVIEW,
    )  # fmt: skip
    first = class_dashboard(world["classroom"], now=NOW)
    monkeypatch.setattr(recall, "_MOST_UNION_TERMS", 0)
    second = class_dashboard(world["classroom"], now=NOW)

    def figures(dashboard):
        return [
            (row.user.username, row.reviews_today, row.reviews_7d, row.reviews_30d,
             row.retention_reviews, row.retention_passed, row.due, row.at_risk)
            for row in dashboard.students
        ] + [(point.reviews, point.passed) for point in dashboard.retention]  # fmt: skip

    assert figures(first) == figures(second)
    rows = {row.user.username: row for row in first.students}
    assert (rows["bob"].reviews_today, rows["bob"].reviews_7d) == (2, 3)
    assert rows["alice"].reviews_today == 3


@pytest.mark.parametrize("parameters", [DEFAULT_FSRS_PARAMETERS, BOB_PARAMETERS])
@pytest.mark.parametrize("desired", [0.8, 0.9, 0.95])
def test_at_risk_and_mean_recall_agree_with_the_fsrs_adapter(teacher, parameters, desired):
    """Many stabilities and ages: the SQL's at-risk count and mean recall equal what
    scheduling.retrievability() says card by card."""
    deck = factories.make_deck(teacher, "Spanish")
    stabilities = [0.3, 1.0, 2.5, 7.0, 19.0, 61.0]
    ages = [timedelta(hours=5), DAY, 2 * DAY + timedelta(hours=3), 9 * DAY, 40 * DAY, 200 * DAY]
    cards = factories.make_cards(teacher, deck, len(stabilities) * len(ages))
    learner = factories.make_user("learner")
    factories.make_preset(
        learner, "Default", is_default=True, desired_retention=desired, fsrs_parameters=parameters
    )
    classroom = factories.make_classroom(teacher, students=[learner], decks=[deck])
    expected_risk, recalls = 0, {}
    config = scheduling.SchedulerConfig(parameters=tuple(parameters))
    for card, (stability, age) in zip(
        cards, [(s, a) for s in stabilities for a in ages], strict=True
    ):
        last = NOW - age
        factories.make_card_state(
            learner, card, state=CardState.REVIEW, stability=stability, difficulty=5.0,
            last_review=last, due=last + DAY, reps=1,
        )  # fmt: skip
        schedule = scheduling.Schedule(
            state=scheduling.REVIEW, stability=stability, last_review=last, due=NOW
        )
        recalls[card.pk] = scheduling.retrievability(schedule, NOW, config)
        expected_risk += recalls[card.pk] < desired
    dashboard = class_dashboard(classroom, now=NOW, card_limit=None)
    assert 0 < expected_risk < len(cards)
    assert dashboard.students[0].at_risk == expected_risk
    assert {row.card_id: row.mean_recall for row in dashboard.hardest_cards} == pytest.approx(
        recalls
    )


def test_the_class_pages_take_a_fixed_number_of_queries(
    world, teacher, client_for, django_assert_num_queries
):
    classroom = world["classroom"]
    teacher_client, student_client = client_for(teacher), client_for(world["alice"])
    detail = reverse("classrooms:detail", args=[classroom.pk])
    counts = {}
    for label, client, url in [
        ("dashboard", teacher_client, detail),
        ("standing", student_client, detail),
        ("list", teacher_client, reverse("classrooms:list")),
        ("students.csv", teacher_client, reverse("classrooms:students_csv", args=[classroom.pk])),
        ("cards.csv", teacher_client, reverse("classrooms:cards_csv", args=[classroom.pk])),
    ]:
        with CaptureQueriesContext(connection) as first:
            assert client.get(url).status_code == 200
        counts[label] = (client, url, len(first))
    for i in range(6):
        user = factories.make_user(f"extra{i}")
        classroom.memberships.create(user=user, role="student")
        factories.make_card_state(user, world["c"][0], state=CardState.REVIEW, stability=3.0,
                                  last_review=NOW, due=NOW + DAY, reps=1)  # fmt: skip
    factories.make_classroom(teacher, "Another class", decks=[world["c"][0].deck])
    for _label, (client, url, count) in counts.items():
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200
    assert counts["dashboard"][2] == 14  # session, user, membership, invite, and the ten
