"""SQL expressions for statistics: study-day buckets of timestamps, and predicted recall.

Everything here is evaluated by the database per row, so the page can GROUP BY it
instead of loading rows: the same numbers on SQLite and Postgres. The expressions
are written for speed, because they run on up to a million rows:

- seconds since the epoch come from SQLite's unixepoch() (3.38+; strftime before)
  and Postgres's date_part(), which is double precision (EXTRACT gives numeric,
  several times slower);
- float constants are cast to double precision, so Postgres never falls back to
  numeric arithmetic;
- reviews are counted against exact day and hour bounds, without per-row date
  arithmetic, in stats.review_sql.
"""

from __future__ import annotations

import sqlite3
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    BigIntegerField,
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Greatest, Power

from reviews import scheduling
from stats.days import DAY_SECONDS, OffsetSpan

_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)


class Epoch(Func):
    """A datetime column as whole seconds since the epoch (UTC)."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003
        if _UNIXEPOCH:
            return self.as_sql(compiler, connection, template="unixepoch(%(expressions)s)")
        # %%%%s: once for the template, once for the driver's placeholder rewriting.
        template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003
        template = "CAST(FLOOR(date_part('epoch', %(expressions)s)) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)


class IntervalDays(Func):
    """Whole days, rounded, from `last_review` to `due`: a review card's interval."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "CAST(FLOOR(date_part('epoch', %(expressions)s) / 86400 + 0.5) AS INTEGER)"

    def __init__(self, prefix: str = "") -> None:
        super().__init__(F(f"{prefix}due"), F(f"{prefix}last_review"))

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003
        # julianday(due) - julianday(last_review): days as a float, in two calls.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) + 0.5 AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


class CountOf(Subquery):
    """COUNT(*) of a queryset's rows, as a scalar subquery (an index-only count when the
    filter is an index's prefix)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet) -> None:
        super().__init__(queryset.values("pk"))


def double(value: float) -> Cast:
    """A float constant the database treats as double precision (never numeric)."""
    return Cast(Value(float(value)), FloatField())


def _int(expression: Combinable) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=IntegerField())


def _float(expression: Combinable) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=FloatField())


@dataclass(frozen=True)
class Clock:
    """A learner's zone and day-start hour over a window: how to bucket their timestamps."""

    zone: zoneinfo.ZoneInfo
    day_starts_at_hour: int
    spans: tuple[OffsetSpan, ...]

    def offset(self, column: str) -> Combinable:
        """The zone's UTC offset (seconds) at the timestamp in `column`."""
        if len(self.spans) == 1:
            return Value(self.spans[0].offset)
        whens = [
            When(**{f"{column}__lt": span.until}, then=Value(span.offset))
            for span in self.spans[:-1]
        ]
        return Case(*whens, default=Value(self.spans[-1].offset), output_field=IntegerField())

    def study_day(self, column: str) -> ExpressionWrapper:
        """The study day of `column` as a day number (stats.days.study_day_number in SQL)."""
        shift = self.day_starts_at_hour * 3600
        local = Epoch(column) + self.offset(column) - Value(shift)
        return _int(local / Value(DAY_SECONDS))


@dataclass(frozen=True)
class Curve:
    decay: float
    factor: float

    @classmethod
    def of(cls, parameters: Sequence[float]) -> Curve:
        decay, factor = scheduling.forgetting_curve(list(parameters))
        return cls(decay, factor)


@dataclass(frozen=True)
class Curves:
    """Which forgetting curve each deck uses (the learner's preset for it)."""

    default: Curve
    # Decks whose preset's curve differs from the default, by curve.
    decks: tuple[tuple[Curve, tuple[int, ...]], ...] = field(default=())

    def curve_for(self, deck_id: int) -> Curve:
        for curve, ids in self.decks:
            if deck_id in ids:
                return curve
        return self.default

    def recall(self, now: datetime, prefix: str = "") -> Case:
        """Predicted recall at `now` of a CardState row (columns under `prefix`).

        As scheduling.retrievability(): R = (1 + factor * t / S) ** decay with t the
        whole days since the last review, never negative. Only meaningful for rows
        with a stability and a last review; NULL without a positive stability (an
        imported negative one would make Postgres raise a complex power, a vanishing
        one overflow: FSRS never goes below 0.001).
        """
        days = Greatest(
            _int(
                (Value(int(now.timestamp())) - Epoch(f"{prefix}last_review")) / Value(DAY_SECONDS)
            ),
            Value(0),
        )
        stability = Greatest(F(f"{prefix}stability"), double(1e-9))

        def build(curve: Curve) -> Power:
            ratio = _float(double(curve.factor) * days / stability)
            return Power(double(1.0) + ratio, double(curve.decay), output_field=FloatField())

        recall: Case | Power = build(self.default)
        if self.decks:
            whens = [
                When(Q(**{f"{prefix}deck_id__in": list(ids)}), then=build(curve))
                for curve, ids in self.decks
            ]
            recall = Case(*whens, default=build(self.default), output_field=FloatField())
        return Case(
            When(Q(**{f"{prefix}stability__gt": 0}), then=recall),
            default=None,
            output_field=FloatField(),
        )


def bucket_sql(value: str, thresholds: Sequence[int]) -> str:
    """SQL for how many of the ascending `thresholds` `value` reaches (0 below the first).

    A binary search of nested CASEs: a few comparisons per row, cheaper than a logarithm
    or FLOOR() and exact at the thresholds. `value` is read several times, so it should
    be a column (of a subquery that worked it out once). Whole-number thresholds compare
    with integer and float columns alike without converting each row's value."""

    def search(low: int, high: int) -> str:  # the answer lies in [low, high]
        if low == high:
            return str(low)
        middle = (low + high + 1) // 2
        below, above = search(low, middle - 1), search(middle, high)
        return f"CASE WHEN {value} < {int(thresholds[middle - 1])} THEN {below} ELSE {above} END"

    return search(0, len(thresholds))


def log2_bucket_sql(days: str, last: int) -> str:
    """Days as 0 (under a day), 1 (from 1 to 2), 2 (2 to 4), 3 (4 to 8)... up to `last`."""
    return bucket_sql(days, [2**power for power in range(last)])


def share_bucket_sql(scaled: str, buckets: int) -> str:
    """A 0-1 share times `buckets` as one of `buckets` equal buckets (1.0 in the last)."""
    return bucket_sql(scaled, list(range(1, buckets)))


def packed(first: Combinable, *parts: tuple[Combinable, int]) -> ExpressionWrapper:
    """Small non-negative integers packed into one (`first` most significant; each later
    part below its size). Grouping by one number is much cheaper than by several:
    SQLite sorts a single integer key, and Postgres, which can't guess how many groups
    an expression makes, picks a hash aggregate instead of sorting to disk."""
    key = first
    for expression, size in parts:
        key = key * Value(size) + expression
    return _int(key)


def unpacked(key: float, sizes: Sequence[int]) -> list[int]:
    """The parts of a `packed` key: the first part, then one per size."""
    rest = int(key)
    values = []
    for size in reversed(sizes):
        rest, value = divmod(rest, size)
        values.append(value)
    return [rest, *reversed(values)]
