"""How long the statistics page takes for 100,000 cards and 1,000,000 reviews.

    SECRET_KEY=x .venv/bin/python -m benchmarks.stats_bench                      # SQLite
    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/deckhand \\
        .venv/bin/python -m benchmarks.stats_bench                               # Postgres
    BENCH_REVIEW_YEARS=1 ...   # every review inside the last year (the heaviest case)
    BENCH_EXPORTS=1 ...        # also time the CSV, JSON and Excel downloads

Builds a throwaway database (SQLite as a file, as in production), fills it with
raw executemany / COPY in well under a minute, then renders the page through the
test client as a browser would get it: the whole collection (1-month, 3-month and
1-year periods) and one deck with its subdecks (1 month and 1 year). The first render
of each is "cold"; then the best of three. Nothing here asserts. SQLite gets no
ANALYZE after the load, as in production (the app never runs one).

The data: one learner, 100,000 one-card notes in 10 decks under 2 parents, 90%
of the cards studied (CardState with FSRS stability, difficulty, due and last
review), and 1,000,000 review-log rows spread over BENCH_REVIEW_YEARS years (3 by
default: about 913 reviews a day, a third of the history in the year the heatmap
shows) with realistic kinds, ratings, durations and state snapshots. One deck uses
a preset with a different FSRS decay, so recall takes the per-deck branch.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

CARDS = int(os.environ.get("BENCH_CARDS", "100000"))
REVIEWS = int(os.environ.get("BENCH_REVIEWS", "1000000"))
YEARS = float(os.environ.get("BENCH_REVIEW_YEARS", "3"))
EXPORTS = os.environ.get("BENCH_EXPORTS", "") == "1"
DECKS = ["Languages", "Languages::French", "Languages::French::Verbs", "Languages::Spanish",
         "Languages::German", "Science", "Science::Physics", "Science::Chemistry",
         "Science::Biology", "Geography"]  # fmt: skip


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    # No collectstatic manifest here; the page's static URLs need none.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    keep = os.environ.get("BENCH_KEEP", "") == "1"  # reuse the filled database next time
    folder = tempfile.gettempdir() if keep else tempfile.mkdtemp(prefix="stats-bench-")
    if connection.vendor == "sqlite":
        # A file, not the in-memory database tests use: production reads pages from disk.
        connection.settings_dict["TEST"]["NAME"] = os.path.join(folder, "stats-bench.sqlite3")
    else:
        # Its own name, so a test run on the same server keeps its test database.
        connection.settings_dict["TEST"]["NAME"] = "deckhand_stats_bench"
    migrating = time.perf_counter()
    # A database an earlier BENCH_KEEP=1 run kept is replaced without asking.
    name = connection.creation.create_test_db(
        verbosity=0, autoclobber=not keep, keepdb=keep, serialize=False
    )
    print(f"  migrated in {time.perf_counter() - migrating:.1f}s", file=sys.stderr)
    try:
        from accounts.models import User

        if not User.objects.filter(username="bench").exists():
            fill()
        run()
    finally:
        if not keep:
            connection.creation.destroy_test_db(name, verbosity=0)
            shutil.rmtree(folder, ignore_errors=True)


# --- Data ------------------------------------------------------------------------------


def fill() -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from flashcards.models import Card, Deck, Note
    from reviews.models import CardState, DeckOptions, Preset, ReviewLog
    from tests import factories

    rng = random.Random(1)
    started = time.perf_counter()
    owner = factories.make_user("bench", timezone="Europe/Berlin", day_starts_at_hour=4)
    factories.make_user("other")
    basic = factories.make_note_type_basic(owner)
    decks = [factories.make_deck(owner, full_name) for full_name in DECKS]
    default = factories.make_preset(owner, "Default", is_default=True)
    slow = factories.make_preset(
        owner, "Slow decay", fsrs_parameters=[*default.fsrs_parameters[:20], 0.3]
    )
    DeckOptions.objects.create(learner=owner, deck=decks[6], preset=slow)
    now = timezone.now()
    note_table, card_table = Note._meta.db_table, Card._meta.db_table
    state_table, log_table = CardState._meta.db_table, ReviewLog._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    stamp_now = adapt(now)

    with connection.cursor() as cursor:
        if _sqlite():
            # A throwaway database: no need to survive a power cut while filling it.
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")
        else:
            # The rows are made consistent here: skip checking a million foreign keys
            # (replica mode turns off the triggers that check them; needs a superuser).
            cursor.execute("SET session_replication_role = replica")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {note_table}")
            first_note = cursor.fetchone()[0] + 1
        notes = [
            (
                first_note + i, owner.pk, basic.pk, f"g{i:08d}", f"word {i}\x1fmeaning {i}",
                " vocab " if i % 3 else " vocab hard ", f"word {i}", f"word {i}", i,
                stamp_now, stamp_now,
            )
            for i in range(CARDS)
        ]  # fmt: skip
        _insert(
            note_table,
            ["id", "owner_id", "note_type_id", "guid", "flds", "tags", "sort_value",
             "first_field", "anki_id", "created", "modified"],
            notes,
        )  # fmt: skip
        card_decks = [decks[i % len(decks)].pk for i in range(CARDS)]
        cards = [
            (first_note + i, first_note + i, card_decks[i], 0, i, stamp_now, stamp_now)
            for i in range(CARDS)
        ]
        _insert(
            card_table, ["id", "note_id", "deck_id", "ord", "anki_id", "created", "modified"], cards
        )
        states = []
        studied = [i for i in range(CARDS) if i % 10 != 9]
        for i in studied:
            stability = min(3650.0, rng.lognormvariate(3, 1.3))
            last_review = now - timedelta(days=rng.uniform(0, 200))
            state = rng.choices([1, 2, 3], weights=[3, 90, 7])[0]
            interval = max(1, round(stability * rng.uniform(0.8, 1.2)))
            states.append(
                (
                    owner.pk, first_note + i, card_decks[i], state, None, stability,
                    rng.uniform(1, 10), adapt(last_review + timedelta(days=interval)),
                    adapt(last_review), rng.randint(1, 30),
                    rng.choices([0, 1, 2, 5], [8, 3, 1, 1])[0],
                    i % 50 == 0, None, 0, 0, first_note + i,
                )
            )  # fmt: skip
        _insert(
            state_table,
            ["learner_id", "card_id", "deck_id", "state", "step", "stability", "difficulty",
             "due", "last_review", "reps", "lapses", "suspended", "buried_until", "flag",
             "version", "position"],
            states,
        )  # fmt: skip
        span = YEARS * 365 * 86400
        snapshot = json.dumps(
            {"state": 2, "step": None, "stability": 12.5, "difficulty": 5.2,
             "due": "2025-01-01T09:00:00+00:00", "last_review": "2024-12-20T09:00:00+00:00",
             "reps": 7, "lapses": 1, "suspended": False, "buried_until": None, "flag": 0}
        )  # fmt: skip
        # Plain floats and strings: a million datetime and UUID objects would cost more
        # than the inserts. Both databases read "YYYY-MM-DD HH:MM:SS.ffffff" as UTC.
        rand, count, suffix = rng.random, len(studied), "" if _sqlite() else "+00:00"
        epoch = now.timestamp()
        logs = []
        generating = time.perf_counter()
        for stamp in sorted(epoch - rand() * span for _ in range(REVIEWS)):
            i = studied[int(rand() * count)]
            roll = rand() * 100
            kind = 0 if roll < 15 else 1 if roll < 90 else 2
            roll = rand() * 100
            rating = 1 if roll < 10 else 2 if roll < 18 else 3 if roll < 88 else 4
            last_interval = int(rand() * 200) + 1 if kind == 1 else -600
            moment = datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None).isoformat(" ")
            logs.append(
                (
                    owner.pk, first_note + i, card_decks[i], kind == 0,
                    # Review ids in order, so their unique index is appended to, not shuffled.
                    f"{len(logs):032x}", rating, kind, moment + suffix,
                    int(rand() * 18500) + 1500, snapshot if kind else None,
                    max(1, last_interval * 2), last_interval, 10.0, 5.0, None,
                )
            )  # fmt: skip
        took = time.perf_counter() - generating
        print(f"  generated {len(logs):,} reviews in {took:.1f}s", file=sys.stderr)
        _insert(
            log_table,
            ["learner_id", "card_id", "deck_id", "was_new", "review_id", "rating", "kind",
             "reviewed_at", "duration_ms", "state_before", "interval_days",
             "last_interval_days", "stability_after", "difficulty_after", "anki_id"],
            logs,
        )  # fmt: skip
    if not _sqlite():
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    if not _sqlite():
        analyzing = time.perf_counter()
        with connection.cursor() as cursor:
            # What autovacuum does after a big insert (statistics, and the visibility map
            # index-only scans need). SQLite gets no ANALYZE: the app never runs one (nor
            # PRAGMA optimize), so its planner works without statistics in production.
            cursor.execute("VACUUM ANALYZE")
        print(f"  analyzed in {time.perf_counter() - analyzing:.1f}s", file=sys.stderr)
    took = time.perf_counter() - started
    print(
        f"filled {Card.objects.count():,} cards, {CardState.objects.count():,} states, "
        f"{ReviewLog.objects.count():,} reviews over {YEARS:g} years in {took:.1f}s "
        f"({Deck.objects.count()} decks, {Preset.objects.count()} presets)",
        file=sys.stderr,
    )


def _sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite"


def _insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    started = time.perf_counter()
    try:
        _insert_rows(table, columns, rows)
    finally:
        took = time.perf_counter() - started
        print(f"  inserted {len(rows):,} rows into {table} in {took:.1f}s", file=sys.stderr)


def _insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor:
            # As below for SQLite: build the plain indexes after the rows are in.
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            for _, definition in indexes:
                cursor.execute(definition)
        return
    # Building an index once is cheaper than keeping it sorted through a million
    # inserts in another order: set the table's indexes aside and make them again after.
    indexes = raw.execute(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        [table],
    ).fetchall()
    for name, _ in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    marks = ", ".join("?" for _ in columns)
    raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    for _, sql in indexes:
        raw.execute(sql)


# --- Timing ----------------------------------------------------------------------------


def run() -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from flashcards.models import Deck

    owner = User.objects.get(username="bench")
    client = Client()
    client.force_login(owner)
    french = Deck.objects.get(owner=owner, full_name="Languages::French")
    deck_url = reverse("stats:deck", args=[french.pk])
    pages = [
        ("collection, 1 month", reverse("stats:collection")),
        ("collection, 3 months", reverse("stats:collection") + "?range=quarter"),
        ("collection, 1 year", reverse("stats:collection") + "?range=year"),
        ("deck Languages::French (2 decks), 1 month", deck_url),
        ("deck Languages::French (2 decks), 1 year", deck_url + "?range=year"),
    ]
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(
        f"{connection.vendor}: {CARDS:,} cards, {REVIEWS:,} reviews over {YEARS:g} years; "
        f"seconds (wall / this process's CPU); load average {load}"
    )
    print("   cold           best of 3      queries  page")
    for label, url in pages:
        # Counted by a wrapper: the test client's request_started signal clears
        # connection.queries, which CaptureQueriesContext would read.
        statements: list[str] = []

        def count(execute, sql, params, many, context, statements=statements):  # noqa: ANN001
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            cold = _timed(lambda url=url: _get(client, url))
        best = min(
            (_timed(lambda url=url: _get(client, url)) for _ in range(3)), key=lambda t: t[0]
        )
        print(
            f"  {cold[0]:5.2f} / {cold[1]:4.2f}   {best[0]:5.2f} / {best[1]:4.2f}   "
            f"{len(statements):5d}    {label}"
        )
    if os.environ.get("BENCH_SHOW_QUERIES"):
        timings: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context):  # noqa: ANN001
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append((time.perf_counter() - started, sql))

        with connection.execute_wrapper(timed):
            _get(client, pages[0][1])
        for took, sql in sorted(timings, reverse=True):
            print(f"  {took:6.3f}s  {sql[:120]}")
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"  load average after: {load}")
    if EXPORTS:
        _time_downloads(client, owner)


def _time_downloads(client, owner) -> None:  # noqa: ANN001
    """CSV and JSON as the browser streams them; Excel as the background job writes it
    (past 50,000 rows the page hands Excel files to a job)."""
    from django.urls import reverse

    from stats import exports, services
    from stats.models import SpreadsheetJob

    print("downloads (whole collection): seconds wall / CPU, bytes")
    for dataset in ("cards", "reviews"):
        for fmt in ("csv", "json"):
            size = [0]

            def stream(dataset=dataset, fmt=fmt, size=size) -> None:
                response = client.get(reverse("stats:export", args=[dataset, fmt]))
                size[0] = sum(len(chunk) for chunk in response.streaming_content)
                response.close()

            wall, cpu = _timed(stream)
            print(f"  {wall:6.1f} / {cpu:5.1f}   {size[0]:>12,}  {dataset}.{fmt}")
        job = SpreadsheetJob.objects.create(
            owner=owner, whole_collection=True, title="Whole collection", dataset=dataset
        )
        wall, cpu = _timed(lambda job=job: services.run_spreadsheet_job(job_id=job.pk))
        job.refresh_from_db()
        print(
            f"  {wall:6.1f} / {cpu:5.1f}   {job.file_size:>12,}  {dataset}.xlsx "
            f"(background job, {job.rows_total:,} rows; in a request up to "
            f"{exports.XLSX_IN_REQUEST_ROWS:,})"
        )
        path = services.spreadsheet_file(job)
        if path:
            path.unlink()


def _get(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert b"Statistics" in response.content


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


if __name__ == "__main__":
    main()
