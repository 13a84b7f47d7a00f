"""Study days as numbers, for bucketing timestamps in SQL (Django-free).

A learner's study day is their local date with the day-start hour subtracted
(accounts.User.study_day). Statistics group hundreds of thousands of rows by it,
so the database computes it: seconds since the epoch, plus the zone's UTC offset,
minus the day-start hour, divided by 86,400, gives the study day as a day number
(days since 1970-01-01). The same arithmetic without the day start and modulo a
day gives the local hour.

Daylight saving time: the offset is not one fixed number. `offset_spans` finds
every change of the zone's offset inside the window a query looks at (a year back
and a year ahead is at most a handful), and the SQL picks the offset with a CASE
on the timestamp, so a review at 03:30 on the night clocks change lands on the same
study day that User.study_day() gives. Timestamps outside the window get the
offset of the nearest span.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DAY_SECONDS = 86400
EPOCH_DATE = date(1970, 1, 1)


@dataclass(frozen=True)
class OffsetSpan:
    """A stretch of time with one UTC offset, ending (exclusive) at `until` (None: open)."""

    until: datetime | None
    offset: int  # seconds east of UTC


def _offset_at(zone: zoneinfo.ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def offset_spans(zone: zoneinfo.ZoneInfo, start: datetime, end: datetime) -> list[OffsetSpan]:
    """The zone's UTC offsets from `start` to `end`, one span per offset change."""
    spans: list[OffsetSpan] = []
    moment = start.astimezone(UTC)
    end = end.astimezone(UTC)
    current = _offset_at(zone, moment)
    step = timedelta(hours=6)  # offset changes are months apart; this never skips one
    while moment < end:
        following = min(moment + step, end)
        if _offset_at(zone, following) != current:
            # The change lies in (moment, following]: find its first second.
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset_at(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            change = high.replace(microsecond=0)
            if _offset_at(zone, change - timedelta(seconds=1)) != current:
                change -= timedelta(seconds=1)
            spans.append(OffsetSpan(until=change, offset=current))
            current = _offset_at(zone, change)
            moment = change
        else:
            moment = following
    spans.append(OffsetSpan(until=None, offset=current))
    return spans


def local_hour_bounds(
    zone: zoneinfo.ZoneInfo, start: datetime, end: datetime
) -> tuple[list[int], list[int]]:
    """Where the local clock's hour changes from `start` to `end`: the bounds (seconds
    since the epoch, `start` and `end` included) of stretches with one hour each, and
    that hour. A new stretch starts on every hour and at every change of offset, so a
    fall-back night has two stretches of its repeated hour.

    A database counts each stretch's reviews from an index range, and every review
    lands in the hour `moment.astimezone(zone).hour` gives, with no date arithmetic
    per row. Whole numbers, not datetimes: a year has 8,760 of them."""
    moment, last = int(start.timestamp()), int(end.timestamp())
    bounds, hours = [moment], []
    for span in offset_spans(zone, start, end):
        until = last if span.until is None else min(int(span.until.timestamp()), last)
        while moment < until:
            local = moment + span.offset
            moment = min((local // 3600 + 1) * 3600 - span.offset, until)
            bounds.append(moment)
            hours.append(local // 3600 % 24)
    return bounds, hours


def day_number(day: date) -> int:
    return (day - EPOCH_DATE).days


def day_from_number(number: int) -> date:
    return EPOCH_DATE + timedelta(days=number)


def study_day_number(moment: datetime, zone: zoneinfo.ZoneInfo, day_starts_at_hour: int) -> int:
    """The arithmetic the SQL does, in Python: the study day of `moment` as a day number."""
    seconds = int(moment.timestamp()) + _offset_at(zone, moment) - day_starts_at_hour * 3600
    return seconds // DAY_SECONDS


def local_hour(moment: datetime, zone: zoneinfo.ZoneInfo) -> int:
    return moment.astimezone(zone).hour
