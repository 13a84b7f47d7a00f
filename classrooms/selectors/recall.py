"""The SQL the dashboard is built from: predicted recall and due cards per row, and
reviews counted by each student's study days and weeks.

Predicted recall is FSRS's forgetting curve as reviews.scheduling.forgetting_curve()
gives it, evaluated in SQL with each student's own preset for the deck; tests check it
against scheduling.retrievability() card by card.

The underscored names are internal to classrooms.selectors: dashboard.py uses them.
"""

from __future__ import annotations

import functools
import operator
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest, Power
from django.db.models.lookups import GreaterThan

from reviews import scheduling
from reviews.models import DEFAULT_FSRS_PARAMETERS, CardState, DeckOptions, Preset, ReviewLog
from reviews.selectors import StudyDay, not_buried

RETENTION_DAYS = 30
CHART_WEEKS = 12
_DAY = 86400


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
