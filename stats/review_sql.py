"""The statistics page's reads of the review log, written out as SQL.

The page counts up to a year of reviews (hundreds of thousands of rows for a busy
learner) by study day and by local clock hour. Each review is put in its day or hour by
where its timestamp falls between bounds worked out in Python (stats.days: the exact
instants User.study_day() and the local clock change at, daylight saving included), so
no row needs date arithmetic:

- SQLite runs one correlated subquery per day or per hour over the index range between
  its bounds. SQLite has no hash aggregate: a GROUP BY sorts every row, which cost more
  than reading them. Here a day's subquery groups only that day's few hundred reviews,
  and an hour's only sums;
- Postgres finds each row's bucket with width_bucket() (a binary search over the
  bounds) and hashes it with the rest of the key, in one pass over the rows.

Both give the same numbers; tests/stats holds them to a hand-counted history.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from reviews.models import ReviewLog

MATURE_DAYS = 21
# A review's interval class, from the interval before it (ReviewLog.last_interval_days):
# 2: 21 days or more (mature); 1: a day or more, or a learning step of a day or more;
# 0: shorter. With the kind and rating it says whether true retention counts the review.
INTERVAL_CLASS_SQL = (
    f"CASE WHEN last_interval_days >= {MATURE_DAYS} THEN 2 "
    "WHEN last_interval_days >= 1 OR last_interval_days <= -86400 THEN 1 ELSE 0 END"
)
# kind, rating and interval class packed into one small number (kind and rating under 8).
COMBO_SQL = f"((kind * 8 + rating) * 4 + {INTERVAL_CLASS_SQL})"
# Anything under 2**32 reviews a learner could have: a count and a count of passes
# travel as one integer, count in the low half.
HALF = 2**32


@dataclass(frozen=True)
class ReviewGroup:
    day: int  # which day among the bounds, 0 for the first
    kind: int
    rating: int
    interval_class: int
    reviews: int
    milliseconds: int


def unpack_combo(combo: int) -> tuple[int, int, int]:
    """kind, rating and interval class from COMBO_SQL's number."""
    kind_rating, interval_class = divmod(combo, 4)
    kind, rating = divmod(kind_rating, 8)
    return kind, rating, interval_class


def counted_for_retention(kind: int, rating: int, interval_class: int) -> bool:
    """Reviews Anki's true retention counts (rslib stats/graphs/retention.rs): rated, not
    manual, of a card in review or after a learning step of at least a day."""
    rated = ReviewLog.AGAIN <= rating <= ReviewLog.EASY and kind != ReviewLog.KIND_MANUAL
    return rated and (kind == ReviewLog.KIND_REVIEW or interval_class > 0)


@dataclass
class ReviewDays:
    counts: list[int]  # reviews per day
    # (kind, rating, interval class) groups of each day from `first_grouped` on
    groups: list[ReviewGroup] = field(default_factory=list)
    # true retention of the days before: young passed, young failed, mature ..., mature ...
    retention_before: tuple[int, int, int, int] = (0, 0, 0, 0)


def _where(reviews: QuerySet[ReviewLog]) -> tuple[str, list]:
    """The queryset's WHERE clause, to put in a hand-written statement."""
    compiler = reviews.query.get_compiler(using=reviews.db)
    where, params = compiler.compile(reviews.query.where)
    return where, list(params)


# Bounds travel as seconds since the epoch (formatting or sending thousands of datetimes
# costs more than the counting) and become timestamps in the database, once each.
# SQLite: consecutive bounds from a JSON array, in the text format Django stores; each
# stretch as (its index, from, until).
SQLITE_STRETCHES = """
    WITH bound (i, moment) AS (
        SELECT key, datetime(value, 'unixepoch') FROM json_each(%s)
    ),
    stretch (i, low, high) AS (
        SELECT i, moment, lead(moment) OVER (ORDER BY i) FROM bound
    )"""
# Postgres: the bounds as a timestamptz array. In a scalar subquery, so it is built once:
# in a prepared statement's generic plan an expression of a parameter is not folded to a
# constant but worked out again for every row.
POSTGRES_BOUNDS = (
    "(SELECT array_agg(to_timestamp(moment) ORDER BY i) "
    "FROM unnest(%s::bigint[]) WITH ORDINALITY AS bound (moment, i))"
)


def review_days(
    reviews: QuerySet[ReviewLog], bounds: Sequence[int], first_grouped: int
) -> ReviewDays:
    """Reviews between each pair of consecutive `bounds` (days, as seconds since the
    epoch); from day `first_grouped` on also grouped by kind, rating and interval class
    (with their time), and before it summed up as true retention. One query."""
    days = len(bounds) - 1
    where, params = _where(reviews)
    if connection.vendor == "postgresql":
        return _review_days_by_bucket(where, params, bounds, first_grouped)
    table = connection.ops.quote_name(ReviewLog._meta.db_table)
    in_day = f"{where} AND reviewed_at >= stretch.low AND reviewed_at < stretch.high"
    sql = f"""{SQLITE_STRETCHES}
        SELECT i,
            CASE WHEN i < %s THEN (SELECT COUNT(*) FROM {table} WHERE {in_day}) END,
            CASE WHEN i >= %s THEN (
                SELECT group_concat(combo || ' ' || reviews || ' ' || ms, ' ') FROM (
                    SELECT {COMBO_SQL} AS combo, COUNT(*) AS reviews, SUM(duration_ms) AS ms
                    FROM {table} WHERE {in_day} GROUP BY 1
                )
            ) END
        FROM stretch WHERE high IS NOT NULL"""
    sql_params: list = [json.dumps(list(bounds)), first_grouped, *params, first_grouped, *params]
    if first_grouped > 0:
        # The rest of the year only adds to true retention: one pass, nothing to group.
        sql += f"""
        UNION ALL
        SELECT -1, NULL, printf('%%d %%d %%d %%d',
            COUNT(*) FILTER (WHERE last_interval_days < {MATURE_DAYS} AND rating > 1),
            COUNT(*) FILTER (WHERE last_interval_days < {MATURE_DAYS} AND rating = 1),
            COUNT(*) FILTER (WHERE last_interval_days >= {MATURE_DAYS} AND rating > 1),
            COUNT(*) FILTER (WHERE last_interval_days >= {MATURE_DAYS} AND rating = 1))
        FROM {table}
        WHERE {where}
            AND reviewed_at >= datetime(%s, 'unixepoch') AND reviewed_at < datetime(%s, 'unixepoch')
            AND rating BETWEEN {ReviewLog.AGAIN} AND {ReviewLog.EASY}
            AND kind <> {ReviewLog.KIND_MANUAL}
            AND (kind = {ReviewLog.KIND_REVIEW} OR {INTERVAL_CLASS_SQL} > 0)"""
        sql_params += [*params, bounds[0], bounds[first_grouped]]
    result = ReviewDays([0] * days)
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        for day, count, text in cursor.fetchall():
            if day < 0:
                young_passed, young_failed, mature_passed, mature_failed = map(int, text.split())
                result.retention_before = (young_passed, young_failed, mature_passed, mature_failed)
            elif count is not None:
                result.counts[day] = count
            elif text:
                numbers = [int(number) for number in text.split()]
                for index in range(0, len(numbers), 3):
                    combo, reviews_count, milliseconds = numbers[index : index + 3]
                    result.counts[day] += reviews_count
                    kind, rating, interval_class = unpack_combo(combo)
                    result.groups.append(
                        ReviewGroup(day, kind, rating, interval_class, reviews_count, milliseconds)
                    )
    return result


def _review_days_by_bucket(
    where: str, params: list, bounds: Sequence[int], first_grouped: int
) -> ReviewDays:
    days = len(bounds) - 1
    table = connection.ops.quote_name(ReviewLog._meta.db_table)
    # One packed key: Postgres can't guess how many groups an expression makes, and
    # picks a hash aggregate for one key where it would sort for two.
    sql = f"""
        SELECT width_bucket(reviewed_at, {POSTGRES_BOUNDS}) * 256 + {COMBO_SQL},
            COUNT(*), SUM(duration_ms)
        FROM {table}
        WHERE {where} AND reviewed_at >= to_timestamp(%s) AND reviewed_at < to_timestamp(%s)
        GROUP BY 1"""
    result = ReviewDays([0] * days)
    young_passed = young_failed = mature_passed = mature_failed = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(bounds), *params, bounds[0], bounds[-1]])
        for key, count, milliseconds in cursor.fetchall():
            bucket, combo = divmod(key, 256)
            day = bucket - 1  # width_bucket counts from 1
            if not 0 <= day < days:
                continue
            result.counts[day] += count
            kind, rating, interval_class = unpack_combo(combo)
            if day >= first_grouped:
                result.groups.append(
                    ReviewGroup(day, kind, rating, interval_class, count, milliseconds or 0)
                )
            elif counted_for_retention(kind, rating, interval_class):
                passed = rating > ReviewLog.AGAIN
                if interval_class == 2:
                    mature_passed += count if passed else 0
                    mature_failed += 0 if passed else count
                else:
                    young_passed += count if passed else 0
                    young_failed += 0 if passed else count
    result.retention_before = (young_passed, young_failed, mature_passed, mature_failed)
    return result


def reviews_per_hour(
    reviews: QuerySet[ReviewLog], bounds: Sequence[int], hours: Sequence[int]
) -> list[tuple[int, int]]:
    """Rated reviews (not manual) and how many passed, per local clock hour, counted
    between consecutive `bounds` whose hours are `hours` (stats.days.local_hour_bounds).
    One query."""
    per_hour = [(0, 0)] * 24
    if not hours:
        return per_hour
    where, params = _where(reviews)
    table = connection.ops.quote_name(ReviewLog._meta.db_table)
    rated = f"rating >= {ReviewLog.AGAIN} AND kind <> {ReviewLog.KIND_MANUAL}"
    if connection.vendor == "postgresql":
        # Each row's stretch by binary search, and its hour from the array of hours.
        sql = f"""
            SELECT ((SELECT %s::int[]))[width_bucket(reviewed_at, {POSTGRES_BOUNDS})] * 2
                + (rating > {ReviewLog.AGAIN})::int,
                COUNT(*)
            FROM {table}
            WHERE {where} AND {rated}
                AND reviewed_at >= to_timestamp(%s) AND reviewed_at < to_timestamp(%s)
            GROUP BY 1"""
        sql_params = [list(hours), list(bounds), *params, bounds[0], bounds[-1]]
        with connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            for key, count in cursor.fetchall():
                hour, passed = divmod(key, 2)
                reviews_count, passes = per_hour[hour]
                per_hour[hour] = (reviews_count + count, passes + (count if passed else 0))
        return per_hour
    # Each stretch's count and passes summed as one number (passes in the high half):
    # one aggregate, no GROUP BY to sort.
    sql = f"""{SQLITE_STRETCHES}
        SELECT i, (
            SELECT SUM(CASE WHEN rating > {ReviewLog.AGAIN} THEN {HALF + 1} ELSE 1 END)
            FROM {table}
            WHERE {where} AND {rated}
                AND reviewed_at >= stretch.low AND reviewed_at < stretch.high
        )
        FROM stretch WHERE high IS NOT NULL"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(list(bounds)), *params])
        for index, packed_counts in cursor.fetchall():
            if not packed_counts:
                continue
            passes, reviews_count = divmod(packed_counts, HALF)
            hour = hours[index]
            per_hour[hour] = (per_hour[hour][0] + reviews_count, per_hour[hour][1] + passes)
    return per_hour
