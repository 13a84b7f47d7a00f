"""The teacher's dashboard of a class, and a student's own standing in it.

The dashboard is aggregated by the database: ten queries whatever the number of
students, cards or reviews (tests/classrooms/test_dashboard.py counts them). Python
only rolls up the few rows that come back (students x decks x weeks, cards).
benchmarks/classroom_bench.py times it for 40 students, 2,000 cards and a year of
reviews.

Figures, as the dashboard labels them:
- reviews today / 7 days / 30 days: every grade in the class's decks, counted in each
  student's own study days (their time zone and "next day starts at");
- true retention (30 days): Anki's definition, on reviews of cards in the review
  state only: Again is a fail, Hard, Good and Easy a pass;
- seen: cards the student has graded at least once (not new any more), of the cards
  in the assigned deck and its subdecks;
- due: cards in learning or review due by the end of the student's day (suspended
  cards and cards buried for the day left out), as the deck list counts them before
  daily limits;
- at risk: review cards whose predicted recall now (FSRS, the student's own preset)
  is below the desired retention of that preset;
- lapse rate of a card: lapses / reviews, over every student; mean predicted recall:
  the average over the students who have studied it;
- the chart: the class's true retention in each of the last 12 weeks, weeks ending
  with the students' today.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Avg,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
    Window,
)
from django.db.models.functions import Cast, Rank
from django.utils import timezone

from accounts.models import User
from classrooms.models import Assignment, Classroom
from classrooms.selectors.lists import class_students
from classrooms.selectors.recall import (
    _OLDER,
    _TODAY,
    _WEEK,
    _Curves,
    _curves,
    _due_today,
    _log_buckets,
    _LogBuckets,
)
from classrooms.selectors.trees import AssignedTree, _all_deck_ids, assigned_trees
from flashcards.models import Card
from reviews.models import CardState
from reviews.selectors import StudyDay

HARDEST_CARDS_SHOWN = 25


# --- Per student -------------------------------------------------------------------------


@dataclass
class AssignmentProgress:
    tree: AssignedTree
    seen: int = 0
    reviews_today: int = 0

    @property
    def assignment(self) -> Assignment:
        return self.tree.assignment

    @property
    def total(self) -> int:
        return self.tree.card_total

    @property
    def seen_percent(self) -> int:
        return round(100 * self.seen / self.total) if self.total else 0

    @property
    def target(self) -> int | None:
        return self.assignment.daily_target

    @property
    def target_met(self) -> bool | None:
        return None if not self.target else self.reviews_today >= self.target

    @property
    def target_percent(self) -> int | None:
        if not self.target:
            return None
        return min(100, round(100 * self.reviews_today / self.target))


@dataclass
class StudentRow:
    user: User
    last_active: datetime | None = None
    reviews_today: int = 0
    reviews_7d: int = 0
    reviews_30d: int = 0
    retention_reviews: int = 0  # review-state reviews in the last 30 days
    retention_passed: int = 0
    due: int = 0
    at_risk: int = 0
    assignments: list[AssignmentProgress] = field(default_factory=list)

    @property
    def retention(self) -> float | None:
        if not self.retention_reviews:
            return None
        return self.retention_passed / self.retention_reviews


def _days_of(students: Sequence[User], now: datetime) -> dict[int, StudyDay]:
    return {student.pk: StudyDay.of(student, now) for student in students}


def student_rows(
    *,
    trees: Sequence[AssignedTree],
    students: Sequence[User],
    now: datetime | None = None,
    curves: _Curves | None = None,
    logs: _LogBuckets | None = None,
) -> list[StudentRow]:
    """One row per student, in the order given. Four queries (two when given `curves`
    and `logs`)."""
    now = now or timezone.now()
    rows = {
        student.pk: StudentRow(student, assignments=[AssignmentProgress(tree) for tree in trees])
        for student in students
    }
    deck_ids = _all_deck_ids(trees)
    if not rows or not deck_ids:
        return list(rows.values())
    ids = list(rows)
    days = _days_of(students, now)
    curves = curves or _curves(ids, deck_ids)
    # Cheap tests first: the database stops at the first that fails.
    at_risk = Q(
        suspended=False, state=CardState.REVIEW, stability__gt=0
    ) & curves.below_desired_retention(now)
    states = (
        CardState.objects.filter(learner_id__in=ids, deck_id__in=deck_ids)
        .values("learner_id", "deck_id")
        .annotate(
            seen=Count("id", filter=~Q(state=CardState.NEW)),
            due=Count("id", filter=_due_today(days)),
            at_risk=Count("id", filter=at_risk),
            last=Max("last_review"),
        )
        .order_by()
        .values_list("learner_id", "deck_id", "seen", "due", "at_risk", "last")
    )
    trees_of_deck: dict[int, list[int]] = defaultdict(list)
    for index, tree in enumerate(trees):
        for deck_id in tree.deck_ids:
            trees_of_deck[deck_id].append(index)
    for learner_id, deck_id, seen, due, risky, last in states:
        row = rows[learner_id]
        row.due += due
        row.at_risk += risky
        if last and (row.last_active is None or last > row.last_active):
            row.last_active = last
        for index in trees_of_deck[deck_id]:
            row.assignments[index].seen += seen

    logs = logs or _log_buckets(ids, deck_ids, days)
    for (learner_id, deck_id, bucket), (reviews, review_kind, passed) in logs.counts.items():
        part = bucket % 4
        if bucket < 0 or part == _OLDER:
            continue
        row = rows[learner_id]
        row.reviews_30d += reviews
        row.retention_reviews += review_kind
        row.retention_passed += passed
        if part in (_TODAY, _WEEK):
            row.reviews_7d += reviews
        if bucket == _TODAY:
            row.reviews_today += reviews
            for index in trees_of_deck[deck_id]:
                row.assignments[index].reviews_today += reviews
    return list(rows.values())


# --- Per card ----------------------------------------------------------------------------


@dataclass
class CardRow:
    card_id: int
    note_id: int
    note_owner_id: int
    ord: int
    text: str  # the note's sort field as plain text
    deck_name: str
    students: int  # students who have graded it
    reviews: int
    lapses: int
    mean_recall: float | None

    @property
    def lapse_rate(self) -> float | None:
        return self.lapses / self.reviews if self.reviews else None


# Up to this many cards are picked by id; more (a class where hundreds of cards tie for the
# last place) are read by deck, which needs no bound parameter per card.
_MOST_CARD_IDS = 1000


def card_rows(
    *,
    trees: Sequence[AssignedTree],
    students: Sequence[User],
    now: datetime | None = None,
    limit: int | None = None,
    curves: _Curves | None = None,
) -> list[CardRow]:
    """Cards of the assigned decks that students have graded, hardest first: highest
    lapse rate, then lowest mean predicted recall. Four queries (two when given `curves`):
    the lapse counts per card, then the cards with their mean recall."""
    now = now or timezone.now()
    ids = [student.pk for student in students]
    deck_ids = _all_deck_ids(trees)
    if not ids or not deck_ids:
        return []
    curves = curves or _curves(ids, deck_ids)
    per_card = (
        CardState.objects.filter(learner_id__in=ids, deck_id__in=deck_ids, reps__gt=0)
        .values("card_id")
        .annotate(students=Count("id"), reviews=Sum("reps"), lapse_sum=Sum("lapses"))
        .annotate(
            rate=ExpressionWrapper(
                Cast("lapse_sum", FloatField()) / F("reviews"), output_field=FloatField()
            )
        )
        .order_by()
    )
    remembered = Q(stability__gt=0, last_review__isnull=False) & ~Q(state=CardState.NEW)
    recall = curves.recall(now)
    cards = Card.objects.filter(deck_id__in=deck_ids)
    if limit is None:  # every card (the download): recall in the same pass over the rows
        per_card = per_card.annotate(
            mean_recall=Avg(Case(When(remembered, then=recall), output_field=FloatField()))
        )
        stats = {row["card_id"]: row for row in per_card}
    else:
        # Recall (a power per student and card) only breaks ties in lapse rate, so it is
        # worked out afterwards, for the cards that can make the list: those with fewer
        # than `limit` cards above them by lapse rate (RANK() gives ties the same place).
        # Over a whole class that saves a third of the list's time.
        per_card = per_card.annotate(place=Window(Rank(), order_by=F("rate").desc())).filter(
            place__lte=limit
        )
        stats = {row["card_id"]: row for row in per_card}
        if len(stats) <= _MOST_CARD_IDS:
            cards = cards.filter(pk__in=list(stats))
        mean_recall = (
            CardState.objects.filter(
                remembered,
                card_id=OuterRef("pk"),
                learner_id__in=ids,
                deck_id__in=deck_ids,
                reps__gt=0,
            )
            .order_by()
            .values("card_id")
            .annotate(mean=Avg(recall))
            .values("mean")
        )
        cards = cards.annotate(mean_recall=Subquery(mean_recall, output_field=FloatField()))
    if not stats:
        return []
    fields = ["pk", "note_id", "note__owner_id", "ord", "note__sort_value", "deck__full_name"]
    if limit is not None:
        fields.append("mean_recall")
    result = []
    for card in cards.values(*fields):
        row = stats.get(card["pk"])
        if row is None:  # not studied, or deleted meanwhile
            continue
        result.append(
            CardRow(
                card_id=card["pk"],
                note_id=card["note_id"],
                note_owner_id=card["note__owner_id"],
                ord=card["ord"],
                text=card["note__sort_value"],
                deck_name=card["deck__full_name"],
                students=row["students"],
                reviews=row["reviews"] or 0,
                lapses=row["lapse_sum"] or 0,
                mean_recall=card["mean_recall"] if limit is not None else row["mean_recall"],
            )
        )
    # Hardest first: highest lapse rate, then lowest recall (none last), then card id.
    result.sort(
        key=lambda card: (
            -stats[card.card_id]["rate"],
            card.mean_recall is None,
            card.mean_recall or 0.0,
            card.card_id,
        )
    )
    return result[:limit]


# --- Retention over time ---------------------------------------------------------------


@dataclass(frozen=True)
class RetentionPoint:
    """True retention of the class in one week (counted back from now)."""

    starts: datetime
    ends: datetime
    reviews: int
    passed: int

    @property
    def retention(self) -> float | None:
        return self.passed / self.reviews if self.reviews else None


def retention_by_week(
    *,
    trees: Sequence[AssignedTree],
    students: Sequence[User],
    now: datetime | None = None,
    logs: _LogBuckets | None = None,
) -> list[RetentionPoint]:
    """The class's true retention in each of the last CHART_WEEKS weeks, oldest first;
    weeks end with the students' today. One query (none when given `logs`)."""
    now = now or timezone.now()
    deck_ids = _all_deck_ids(trees)
    if not students or not deck_ids:
        return []
    logs = logs or _log_buckets([s.pk for s in students], deck_ids, _days_of(students, now))
    weeks: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (_, _, bucket), (_, review_kind, passed) in logs.counts.items():
        if bucket >= 0:
            weeks[bucket // 4][0] += review_kind
            weeks[bucket // 4][1] += passed
    return [
        RetentionPoint(ends - timedelta(days=7), ends, weeks[week][0], weeks[week][1])
        for week, ends in reversed(list(enumerate(logs.week_ends)))
    ]


# --- The dashboard -----------------------------------------------------------------------


@dataclass
class Dashboard:
    classroom: Classroom
    trees: list[AssignedTree]
    students: list[StudentRow]
    hardest_cards: list[CardRow]
    retention: list[RetentionPoint]
    desired_retention: float


def class_dashboard(
    classroom: Classroom, *, now: datetime | None = None, card_limit: int = HARDEST_CARDS_SHOWN
) -> Dashboard:
    """Everything the teacher's class page shows. A fixed number of queries."""
    now = now or timezone.now()
    trees = assigned_trees(classroom)
    students = class_students(classroom)
    ids, deck_ids = [student.pk for student in students], _all_deck_ids(trees)
    curves = _curves(ids, deck_ids)
    logs = _log_buckets(ids, deck_ids, _days_of(students, now))
    return Dashboard(
        classroom=classroom,
        trees=trees,
        students=student_rows(trees=trees, students=students, now=now, curves=curves, logs=logs),
        hardest_cards=card_rows(
            trees=trees, students=students, now=now, limit=card_limit, curves=curves
        ),
        retention=retention_by_week(trees=trees, students=students, now=now, logs=logs),
        desired_retention=curves.default.desired_retention,
    )


def student_standing(
    classroom: Classroom, student: User, *, now: datetime | None = None
) -> tuple[list[AssignedTree], StudentRow]:
    """One student's own row (what a student sees of a class)."""
    trees = assigned_trees(classroom)
    return trees, student_rows(trees=trees, students=[student], now=now)[0]
