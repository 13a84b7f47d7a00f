"""Reads for classes: who may see which class, and the teacher's dashboard.

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

Predicted recall is FSRS's forgetting curve as reviews.scheduling.forgetting_curve()
gives it, evaluated in SQL with each student's own preset for the deck; tests check it
against scheduling.retrievability() card by card.
"""

from __future__ import annotations

import functools
import operator
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Avg,
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Greatest, Power, Rank
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from classrooms.access import classes_of
from classrooms.models import Assignment, Classroom, Invite, Membership
from flashcards.models import DECK_SEPARATOR, Card, Deck
from reviews import scheduling
from reviews.models import DEFAULT_FSRS_PARAMETERS, CardState, DeckOptions, Preset, ReviewLog
from reviews.selectors import Counts, StudyDay, deck_counts, not_buried

RETENTION_DAYS = 30
CHART_WEEKS = 12
HARDEST_CARDS_SHOWN = 25
_DAY = 86400


# --- Access ------------------------------------------------------------------------


def get_classroom_for_member(user: User, pk: int) -> tuple[Classroom, Membership]:
    """The class and the user's place in it; 404 for anyone not in it."""
    membership = (
        Membership.objects.select_related("classroom").filter(classroom_id=pk, user=user).first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such class.")
    return membership.classroom, membership


def get_classroom_for_teacher(user: User, pk: int) -> tuple[Classroom, Membership]:
    """As get_classroom_for_member, and 403 for the class's students."""
    classroom, membership = get_classroom_for_member(user, pk)
    if not membership.is_teacher:
        raise PermissionDenied("Only the teachers of this class can do that.")
    return classroom, membership


def get_assignment(classroom: Classroom, pk: int) -> Assignment:
    assignment = (
        Assignment.objects.select_related("deck").filter(classroom=classroom, pk=pk).first()
    )
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment


def get_student(classroom: Classroom, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user")
        .filter(classroom=classroom, user_id=user_id, role=Membership.STUDENT)
        .first()
    )
    if membership is None:
        raise Http404("No such student in this class.")
    return membership


def get_teacher(classroom: Classroom, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user")
        .filter(classroom=classroom, user_id=user_id, role=Membership.TEACHER)
        .first()
    )
    if membership is None:
        raise Http404("No such teacher in this class.")
    return membership


# --- Lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassListEntry:
    classroom: Classroom
    role: str
    students: int
    assignments: int


def class_list(user: User) -> list[ClassListEntry]:
    """The user's classes, teaching first. One query."""
    rows = (
        Membership.objects.filter(user=user)
        .select_related("classroom")
        .annotate(
            students=Count(
                "classroom__memberships",
                filter=Q(classroom__memberships__role=Membership.STUDENT),
                distinct=True,
            ),
            assigned=Count("classroom__assignments", distinct=True),
        )
        .order_by("role", "classroom__name", "classroom_id")
    )
    return [ClassListEntry(row.classroom, row.role, row.students, row.assigned) for row in rows]


def current_invite(classroom: Classroom) -> Invite | None:
    return classroom.invites.filter(revoked__isnull=True).first()


def people(classroom: Classroom) -> tuple[list[Membership], list[Membership]]:
    """(teachers, students), each by username. One query."""
    rows = list(
        Membership.objects.filter(classroom=classroom)
        .select_related("user")
        .order_by("user__username")
    )
    return (
        [row for row in rows if row.is_teacher],
        [row for row in rows if not row.is_teacher],
    )


def assignments_of(classroom: Classroom) -> list[Assignment]:
    return list(classroom.assignments.select_related("deck", "deck__owner"))


@dataclass
class ClassDeckRow:
    """A deck shared with the user through their classes, for the deck list."""

    deck: Deck
    classes: list[Classroom]
    counts: Counts | None = None


def class_deck_rows(user: User) -> list[ClassDeckRow]:
    """Decks assigned to the user's classes that are not their own, with their counts.

    One query when there are none; seven with deck_counts() otherwise.
    """
    assignments = (
        Assignment.objects.filter(classroom__in=classes_of(user))
        .exclude(deck__owner=user)
        .select_related("deck", "classroom")
        .order_by("deck__full_name", "deck_id", "classroom__name")
    )
    rows: dict[int, ClassDeckRow] = {}
    for assignment in assignments:
        row = rows.setdefault(assignment.deck_id, ClassDeckRow(assignment.deck, []))
        row.classes.append(assignment.classroom)
    counts = deck_counts(learner=user, decks=[row.deck for row in rows.values()])
    for deck_id, row in rows.items():
        row.counts = counts.get(deck_id)
    return list(rows.values())


# --- Assigned deck trees --------------------------------------------------------------


@dataclass
class AssignedTree:
    """An assignment, the decks it covers (the deck and its subdecks) and its card count."""

    assignment: Assignment
    deck_ids: list[int]
    card_total: int = 0


def assigned_trees(classroom: Classroom) -> list[AssignedTree]:
    """Each assignment with its decks and card count. Three queries."""
    assignments = assignments_of(classroom)
    if not assignments:
        return []
    decks = Deck.objects.filter(
        owner_id__in={assignment.deck.owner_id for assignment in assignments}
    ).values_list("id", "owner_id", "full_name")
    by_owner: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for deck_id, owner_id, full_name in decks:
        by_owner[owner_id].append((deck_id, full_name))
    trees = []
    for assignment in assignments:
        prefix = assignment.deck.full_name + DECK_SEPARATOR
        ids = [assignment.deck_id] + [
            deck_id
            for deck_id, full_name in by_owner[assignment.deck.owner_id]
            if full_name.startswith(prefix)
        ]
        trees.append(AssignedTree(assignment, ids))
    all_ids = {deck_id for tree in trees for deck_id in tree.deck_ids}
    per_deck = dict(
        Card.objects.filter(deck_id__in=all_ids)
        .values("deck_id")
        .annotate(count=Count("id"))
        .values_list("deck_id", "count")
    )
    for tree in trees:
        tree.card_total = sum(per_deck.get(deck_id, 0) for deck_id in tree.deck_ids)
    return trees


def _all_deck_ids(trees: Iterable[AssignedTree]) -> list[int]:
    return sorted({deck_id for tree in trees for deck_id in tree.deck_ids})


# --- Predicted recall in SQL -------------------------------------------------------------


class _Epoch(Func):
    """A datetime column as whole seconds since 1970, computed by the database.

    On SQLite, unixepoch() (3.38+) reads the stored text about twice as fast as
    strftime('%s'), which counts over the tens of thousands of rows a class has.
    """

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        if sqlite3.sqlite_version_info >= (3, 38):
            template = "unixepoch(%(expressions)s)"
        else:  # %%%%s: once for the template, once for the driver's placeholders
            template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        # date_part() is double precision; EXTRACT() is numeric since Postgres 14, and
        # numeric arithmetic costs a third more over the rows of a class.
        template = "CAST(FLOOR(date_part('epoch', %(expressions)s)) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _float(value: float) -> Cast:
    return Cast(Value(value), output_field=FloatField())


@dataclass(frozen=True)
class _Curve:
    decay: float
    factor: float
    desired_retention: float


def _curve_of(preset: Preset | None) -> _Curve:
    if preset is None:
        decay, factor = scheduling.forgetting_curve(DEFAULT_FSRS_PARAMETERS)
        return _Curve(decay, factor, Preset._meta.get_field("desired_retention").default)
    decay, factor = scheduling.forgetting_curve(preset.fsrs_parameters)
    return _Curve(decay, factor, preset.desired_retention)


@dataclass
class _Curves:
    """Which forgetting curve and desired retention each learner uses for each deck:
    their preset for the deck (deck options), else their default preset."""

    default: _Curve
    # (condition on CardState rows, curve), checked in order before the default.
    cases: list[tuple[Q, _Curve]] = field(default_factory=list)

    def _case(self, build) -> Case:  # noqa: ANN001
        whens = [When(condition, then=build(curve)) for condition, curve in self.cases]
        return Case(*whens, default=build(self.default), output_field=FloatField())

    @staticmethod
    def _days_since_review(now: datetime) -> Greatest:
        # Whole days since the last review, never negative, as scheduling.retrievability().
        now_seconds = Value(int(now.timestamp()))
        return Greatest((now_seconds - _Epoch("last_review")) / Value(_DAY), Value(0))

    def recall(self, now: datetime) -> Case:
        """Predicted recall of a CardState row at `now` (for rows with a memory state)."""
        days = self._days_since_review(now)

        def build(curve: _Curve) -> Power:
            # Typed as double precision: Postgres reads a bare 0.98 as numeric, and numeric
            # arithmetic on every row costs more than the rest of the query.
            ratio = ExpressionWrapper(
                _float(curve.factor) * days / F("stability"), output_field=FloatField()
            )
            return Power(_float(1.0) + ratio, _float(curve.decay), output_field=FloatField())

        return self._case(build)

    def below_desired_retention(self, now: datetime) -> Q:
        """Rows whose predicted recall at `now` is below their desired retention.

        The forgetting curve falls steadily, so recall < desired retention exactly when the
        days since the review exceed stability * k, k = (DR ** (1 / decay) - 1) / factor:
        a comparison instead of a power per row.
        """
        threshold = self._case(
            lambda curve: _float((curve.desired_retention ** (1 / curve.decay) - 1) / curve.factor)
        )
        return Q(GreaterThan(self._days_since_review(now), F("stability") * threshold))


def _curves(student_ids: Sequence[int], deck_ids: Sequence[int]) -> _Curves:
    """The students' presets, grouped so the SQL has one branch per distinct curve. Two queries."""
    presets = {
        preset.pk: preset
        for preset in Preset.objects.filter(owner_id__in=student_ids).only(
            "id", "owner_id", "is_default", "desired_retention", "fsrs_parameters"
        )
    }
    learner_default: dict[int, _Curve] = {learner_id: _curve_of(None) for learner_id in student_ids}
    for preset in presets.values():
        if preset.is_default:
            learner_default[preset.owner_id] = _curve_of(preset)
    by_deck: dict[tuple[int, _Curve], list[int]] = defaultdict(list)
    for learner_id, deck_id, preset_id in DeckOptions.objects.filter(
        learner_id__in=student_ids, deck_id__in=deck_ids
    ).values_list("learner_id", "deck_id", "preset_id"):
        curve = _curve_of(presets.get(preset_id))
        if preset_id in presets and curve != learner_default[learner_id]:
            by_deck[(learner_id, curve)].append(deck_id)
    by_curve: dict[_Curve, list[int]] = defaultdict(list)
    for learner_id, curve in learner_default.items():
        by_curve[curve].append(learner_id)
    # The curve most students use is the default branch; the others come first.
    common = max(by_curve, key=lambda curve: len(by_curve[curve]), default=_curve_of(None))
    cases = [
        (Q(learner_id=learner_id, deck_id__in=sorted(ids)), curve)
        for (learner_id, curve), ids in sorted(by_deck.items(), key=lambda item: item[0][0])
    ]
    cases += [
        (Q(learner_id__in=sorted(ids)), curve) for curve, ids in by_curve.items() if curve != common
    ]
    return _Curves(default=common, cases=cases)


def _per_learner(groups: dict[Any, list[int]], build: Callable[[Any], Q]) -> Q:
    """OR of build(value) for each group of learners sharing a value (a day boundary).

    With one group (a class in one time zone) the learner test is left out: the query
    already keeps to the class's students, and testing each row against the list of
    students costs more than the rest of the condition.
    """
    if len(groups) == 1:
        return build(next(iter(groups)))
    return functools.reduce(
        operator.or_, (Q(learner_id__in=ids) & build(value) for value, ids in groups.items())
    )


def _due_today(days: dict[int, StudyDay]) -> Q:
    """Cards in learning or review due by the end of the student's day and not buried for
    it: what the deck list counts before daily limits. The due date comes first, as few
    rows pass it."""
    groups: dict[tuple[datetime, date], list[int]] = defaultdict(list)
    for learner_id, day in days.items():
        groups[(day.ends, day.today)].append(learner_id)
    due = _per_learner(groups, lambda day: Q(due__lt=day[0]) & not_buried(day[1]))
    return due & ~Q(state=CardState.NEW) & Q(suspended=False)


# --- Reviews by study day and week -------------------------------------------------------
#
# One pass over the class's reviews of the last CHART_WEEKS weeks gives both the
# per-student counts (today, 7 and 30 days) and the weekly retention chart. Each review
# falls in a bucket, week * 4 + part, counted back from the end of the student's study
# day: week 0 holds today (part 0) and the six days before (part 1); part 2 is the rest
# of the last 30 days, part 3 what is older. Boundaries are the student's local day
# starts, so days are right across daylight-saving changes.

_TODAY, _WEEK, _MONTH, _OLDER = 0, 1, 2, 3


def _bucket_bounds(day: StudyDay, weeks: int) -> list[tuple[datetime, int]]:
    """(start, bucket) from the newest start back; a review belongs to the first it is after."""
    bounds = [(day.starts, _TODAY), (day.ends - timedelta(days=7), _WEEK)]
    month = day.ends - timedelta(days=RETENTION_DAYS)
    for week in range(1, weeks):
        start = day.ends - timedelta(days=7 * (week + 1))
        end = day.ends - timedelta(days=7 * week)
        if start < month < end:  # the week the 30 days begin in: split
            bounds.append((month, week * 4 + _MONTH))
            bounds.append((start, week * 4 + _OLDER))
        else:
            bounds.append((start, week * 4 + (_MONTH if start >= month else _OLDER)))
    return bounds


@dataclass(frozen=True)
class _LogBuckets:
    # (learner, deck, bucket) -> (reviews, review-kind reviews, of which passed); learner
    # and deck may be None in buckets older than 30 days (only the chart reads those).
    counts: dict[tuple[int | None, int | None, int], tuple[int, int, int]]
    week_ends: list[datetime]  # the end of each week, week 0 first (for the chart's labels)


# SQLite allows 500 terms in one compound SELECT; a class spread over more time zones
# than this (each with its own day boundaries) is counted the slower way.
_MOST_UNION_TERMS = 400


def _log_buckets(
    student_ids: Sequence[int],
    deck_ids: Sequence[int],
    days: dict[int, StudyDay],
    weeks: int = CHART_WEEKS,
) -> _LogBuckets:
    """The students' reviews in these decks, counted by bucket. One query.

    One SELECT per bucket (and group of students sharing day boundaries), joined by
    UNION ALL: each walks the (learner, deck, reviewed_at, kind, rating) index over its
    own time range, reads nothing else, and groups in index order. A single SELECT
    computing the bucket with CASE costs four times as much on SQLite (it has to sort
    every review by bucket).
    """
    if not student_ids or not deck_ids:
        return _LogBuckets({}, [])
    groups: dict[StudyDay, list[int]] = defaultdict(list)
    for learner_id, day in days.items():
        groups[StudyDay(day.ends, day.today, day.starts, day.ends)].append(learner_id)
    if len(groups) * (weeks + 2) <= _MOST_UNION_TERMS:
        rows = _bucket_counts_by_union(groups, deck_ids, weeks)
    else:
        rows = _bucket_counts_by_case(groups, student_ids, deck_ids, weeks)
    counts: dict[tuple[int | None, int | None, int], tuple[int, int, int]] = {}
    for learner, deck, code, n, kind, ok in rows:
        # Older buckets of different groups of students share the key (None, None, code).
        before = counts.get((learner, deck, code), (0, 0, 0))
        counts[(learner, deck, code)] = (before[0] + n, before[1] + kind, before[2] + ok)
    # Label weeks by the time zone most students are in.
    ends = max(groups, key=lambda day: len(groups[day])).ends
    return _LogBuckets(counts, [ends - timedelta(days=7 * week) for week in range(weeks)])


def _bucket_counts_by_union(
    groups: dict[StudyDay, list[int]], deck_ids: Sequence[int], weeks: int
) -> list[tuple[int | None, int | None, int, int, int, int]]:
    """(learner, deck, bucket, reviews, review-kind reviews, passed) rows, a SELECT a bucket.

    Buckets older than 30 days only feed the class's chart, so they are counted for the
    whole group of students at once (learner and deck NULL): half the cost of grouping.

    Written as SQL rather than built with the ORM: fourteen querysets cost about 10 ms of
    Python to build and compile, more than the database then takes to count. Ids and
    constants are integers written into the text (no limit on bound parameters for a big
    class); the time bounds are parameters.
    """
    log = ReviewLog._meta
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(log.get_field(name).column)

    table = quote(log.db_table)
    learner, deck, reviewed_at = column("learner"), column("deck"), column("reviewed_at")
    kind, rating = column("kind"), column("rating")
    review, again = int(ReviewLog.KIND_REVIEW), int(ReviewLog.AGAIN)
    decks = ", ".join(str(int(deck_id)) for deck_id in deck_ids)
    adapt = connection.ops.adapt_datetimefield_value
    parts, params = [], []
    for day, ids in groups.items():
        learners = ", ".join(str(int(learner_id)) for learner_id in ids)
        upper = day.ends
        for start, code in _bucket_bounds(day, weeks):
            by_student = code % 4 != _OLDER
            # COUNT(*), not COUNT(id): nothing to read or test for NULL per row.
            parts.append(
                f"SELECT {f'{learner}, {deck}' if by_student else 'NULL, NULL'}, {int(code)},"
                f" COUNT(*), COUNT(*) FILTER (WHERE {kind} = {review}),"
                f" COUNT(*) FILTER (WHERE {kind} = {review} AND {rating} > {again})"
                f" FROM {table} WHERE {learner} IN ({learners}) AND {deck} IN ({decks})"
                f" AND {reviewed_at} >= %s AND {reviewed_at} < %s"
                + (f" GROUP BY {learner}, {deck}" if by_student else "")
            )
            params += [adapt(start), adapt(upper)]
            upper = start
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return cursor.fetchall()


def _bucket_counts_by_case(
    groups: dict[StudyDay, list[int]],
    student_ids: Sequence[int],
    deck_ids: Sequence[int],
    weeks: int,
) -> QuerySet:
    """The same rows from one SELECT, the bucket worked out with CASE per review: for a
    class spread over more time zones than a compound SELECT may have terms."""
    review_kind = Q(kind=ReviewLog.KIND_REVIEW)
    bucket = Case(
        *[
            When(
                learner_id__in=ids,
                then=Case(
                    *[
                        When(reviewed_at__gte=start, then=Value(code))
                        for start, code in _bucket_bounds(day, weeks)
                    ],
                    default=Value(-1),
                ),
            )
            for day, ids in groups.items()
        ],
        default=Value(-1),
        output_field=IntegerField(),
    )
    return (
        ReviewLog.objects.filter(
            deck_id__in=list(deck_ids),
            learner_id__in=list(student_ids),
            reviewed_at__gte=min(day.ends for day in groups) - timedelta(days=7 * weeks),
            reviewed_at__lt=max(day.ends for day in groups),
        )
        .order_by()
        .annotate(bucket=bucket)
        .values("learner_id", "deck_id", "bucket")
        .annotate(
            reviews=Count("id"),
            review_kind=Count("id", filter=review_kind),
            passed=Count("id", filter=review_kind & Q(rating__gt=ReviewLog.AGAIN)),
        )
        .values_list("learner_id", "deck_id", "bucket", "reviews", "review_kind", "passed")
    )


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


def class_students(classroom: Classroom) -> list[User]:
    return [
        membership.user
        for membership in Membership.objects.filter(classroom=classroom, role=Membership.STUDENT)
        .select_related("user")
        .order_by("user__username")
    ]


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


def shared_deck_for_member(classroom: Classroom, deck_id: int) -> Deck:
    """A deck assigned to this class (not a subdeck); 404 otherwise."""
    assignment = (
        Assignment.objects.select_related("deck", "deck__owner")
        .filter(classroom=classroom, deck_id=deck_id)
        .first()
    )
    if assignment is None:
        raise Http404("This deck is not assigned to this class.")
    return assignment.deck


def assignable_decks(teacher: User) -> QuerySet[Deck]:
    return Deck.objects.filter(owner=teacher)
