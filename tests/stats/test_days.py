"""Study days as numbers: the arithmetic the SQL does agrees with User.study_day()."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import User
from stats import days as day_math
from stats.selectors import day_starts

ZONES = [
    "UTC",
    "Europe/Berlin",  # DST at 02:00 local
    "America/New_York",  # DST at 02:00 local, west of UTC
    "Asia/Kolkata",  # +05:30, no DST
    "America/St_Johns",  # -03:30 with DST
    "Australia/Lord_Howe",  # +10:30, half-hour DST
    "Pacific/Auckland",  # DST in the southern summer
]


def test_offset_spans_find_each_clock_change_to_the_second():
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    spans = day_math.offset_spans(
        zone, datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert spans == [
        day_math.OffsetSpan(datetime(2024, 3, 31, 1, tzinfo=UTC), 3600),
        day_math.OffsetSpan(datetime(2024, 10, 27, 1, tzinfo=UTC), 7200),
        day_math.OffsetSpan(None, 3600),
    ]


def test_a_zone_without_clock_changes_is_one_span():
    spans = day_math.offset_spans(
        zoneinfo.ZoneInfo("Asia/Kolkata"),
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert spans == [day_math.OffsetSpan(None, 19800)]


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("hour", [0, 4, 23])
def test_study_day_numbers_match_user_study_day_every_half_hour_of_a_year(zone_name, hour):
    learner = User(timezone=zone_name, day_starts_at_hour=hour)
    moment = datetime(2024, 1, 1, 0, 15, tzinfo=UTC)
    while moment < datetime(2025, 1, 1, tzinfo=UTC):
        number = day_math.study_day_number(moment, learner.zone, hour)
        assert day_math.day_from_number(number) == learner.study_day(moment), moment
        moment += timedelta(minutes=30)


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("hour", [0, 2, 4])
def test_day_bounds_enclose_exactly_the_moments_of_each_study_day(zone_name, hour):
    learner = User(timezone=zone_name, day_starts_at_hour=hour)
    first = date(2024, 3, 1)
    bounds = day_starts(learner, first, 300)
    for index in range(300):
        low, high = bounds[index], bounds[index + 1]
        day = first + timedelta(days=index)
        assert learner.study_day(low) == day
        assert learner.study_day(high - timedelta(seconds=1)) == day
        assert learner.study_day(high) == day + timedelta(days=1)


def test_day_numbers_round_trip():
    assert day_math.day_number(date(1970, 1, 1)) == 0
    assert day_math.day_from_number(day_math.day_number(date(2024, 2, 29))) == date(2024, 2, 29)


@pytest.mark.parametrize("zone_name", ZONES)
def test_local_hour_bounds_cut_a_year_where_the_clock_hour_changes(zone_name):
    zone = zoneinfo.ZoneInfo(zone_name)
    start, end = datetime(2024, 1, 1, 0, 0, 30, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    bounds, hours = day_math.local_hour_bounds(zone, start, end)
    assert bounds[0] == start.timestamp() and bounds[-1] == end.timestamp()
    assert len(bounds) == len(hours) + 1
    for low, high, hour in zip(bounds, bounds[1:], hours, strict=False):
        assert low < high <= low + 3600
        assert datetime.fromtimestamp(low, zone).hour == hour
        assert datetime.fromtimestamp(high - 1, zone).hour == hour
        following = datetime.fromtimestamp(high, zone)
        assert following.hour != hour or following.fold or high == end.timestamp()
