"""SQL expressions for statistics: study-day and hour buckets, and predicted recall.

Everything here is evaluated by the database per row, so the page can GROUP BY it
instead of loading rows: the same numbers on SQLite and Postgres.
"""

from __future__ import annotations

import math
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Floor, Greatest, Least, Ln, Mod, Power
from django.db.models.lookups import LessThan

from exports.selectors import EpochSeconds
from reviews import scheduling
from stats.days import DAY_SECONDS, OffsetSpan


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
        local = EpochSeconds(column) + self.offset(column) - Value(shift)
        return _int(local / Value(DAY_SECONDS))

    def hour(self, column: str) -> ExpressionWrapper:
        """The local clock hour (0-23) of `column`."""
        local = EpochSeconds(column) + self.offset(column)
        return _int(Mod(local, Value(DAY_SECONDS)) / Value(3600))


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

    def recall(self, now: datetime, prefix: str = "") -> Case | Power:
        """Predicted recall at `now` of a CardState row (columns under `prefix`).

        As scheduling.retrievability(): R = (1 + factor * t / S) ** decay with t the
        whole days since the last review, never negative. Only meaningful for rows
        with a stability and a last review; NULL otherwise.
        """
        days = Greatest(
            _int(
                (Value(int(now.timestamp())) - EpochSeconds(f"{prefix}last_review"))
                / Value(DAY_SECONDS)
            ),
            Value(0),
        )

        def build(curve: Curve) -> Power:
            ratio = _float(Value(curve.factor) * days / F(f"{prefix}stability"))
            return Power(Value(1.0) + ratio, Value(curve.decay), output_field=FloatField())

        if not self.decks:
            return build(self.default)
        whens = [
            When(Q(**{f"{prefix}deck_id__in": list(ids)}), then=build(curve))
            for curve, ids in self.decks
        ]
        return Case(*whens, default=build(self.default), output_field=FloatField())


def log2_bucket(days: Combinable, last: int) -> Case:
    """Days as 0 (under a day), 1 (from 1 to 2), 2 (2 to 4), 3 (4 to 8)... up to `last`.

    The epsilon keeps exact powers of two (8 days) out of the bucket below, whatever
    the last bit of ln(8) / ln(2) comes out as.
    """
    log2 = _float(Ln(days) / Value(math.log(2)) + Value(1e-9))
    return Case(
        When(LessThan(days, Value(1)), then=Value(0)),
        default=Least(_int(Floor(log2) + Value(1)), Value(last)),
        output_field=IntegerField(),
    )


def share_bucket(value: Combinable, buckets: int) -> Least:
    """A 0-1 share as one of `buckets` equal buckets (1.0 falls in the last one)."""
    return Least(
        Greatest(_int(Floor(_float(value * Value(float(buckets))))), Value(0)),
        Value(buckets - 1),
    )
