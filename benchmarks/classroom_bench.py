"""How long a teacher's class dashboard takes: 40 students, a 2,000-card deck, a year of reviews.

    SECRET_KEY=x .venv/bin/python -m benchmarks.classroom_bench            # SQLite (a file)
    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/deckhand \\
        .venv/bin/python -m benchmarks.classroom_bench                     # Postgres
    BENCH_STUDENTS=10 BENCH_CARDS=500 ... for a quick run
    BENCH_KEEPDB=1 ... to fill once and keep the database for the next runs
    BENCH_SHOW_QUERIES=1 ... to time each of the dashboard's queries too

Builds a throwaway database (SQLite in a temporary file, as in production; on Postgres
the test database, vacuumed and analysed after filling) and fills it with one teacher's deck
(a parent deck with a subdeck, 2,000 cards), assigned to a class of 40 students with a
daily target. Every student studies for a year: about 20 new cards a day from their own
start, reviews at growing intervals (1, 3, 7, 16, 35, 75, 150 days, stretched or shrunk a
little per student), one review in ten forgotten (Again, then a relearning step, and the
interval starts over). That leaves a CardState per student and card and a review log of
about 600,000 rows. Another teacher's class with its own reviews sits beside it, so
indexes have something to skip.

Then it times, best and median of BENCH_REPEAT (default 7) runs after one warm-up, and
the best CPU time of this process (what the work costs when other processes share the
machine; on Postgres the server's share is not in it):
- class_dashboard(): every figure of the page (the selector);
- the page: GET /classes/<id>/ through Django's test client, templates and all;
- the two CSV downloads (every student, every card).
and counts the queries of each. Nothing here asserts.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

STUDENTS = int(os.environ.get("BENCH_STUDENTS", "40"))
CARDS = int(os.environ.get("BENCH_CARDS", "2000"))
DAYS = int(os.environ.get("BENCH_DAYS", "365"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))
NEW_PER_DAY = 20
INTERVALS = [1, 3, 7, 16, 35, 75, 150, 300]
FORGET = 0.1
# BENCH_KEEPDB=1 keeps the filled database for the next run (to try changes quickly).
KEEP = os.environ.get("BENCH_KEEPDB") == "1"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        folder = Path(tempfile.gettempdir()) / "classroom-bench" if KEEP else None
        folder = folder or Path(tempfile.mkdtemp(prefix="classroom-bench-"))
        folder.mkdir(exist_ok=True)
        settings.DATABASES["default"]["TEST"] = {"NAME": str(folder / "bench.sqlite3")}
    else:  # its own database, so test runs on the same server are left alone
        settings.DATABASES["default"]["TEST"] = {"NAME": "deckhand_classroom_bench"}
    django.setup()
    from django.db import connection

    # Not setup_test_environment(): its instrumented template rendering would be timed too.
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    name = connection.creation.create_test_db(
        verbosity=0, autoclobber=not KEEP, keepdb=KEEP, serialize=False
    )
    try:
        from classrooms.models import Classroom

        existing = Classroom.objects.filter(name="Spanish 2B").first() if KEEP else None
        run(existing.pk if existing else fill())
    finally:
        if not KEEP:
            connection.creation.destroy_test_db(name, verbosity=0)


# --- Filling -----------------------------------------------------------------------


def _insert(model, columns: list[str], rows: list[tuple], constants: dict) -> None:
    """Plain multi-row INSERTs: Django's bulk_create costs minutes at 600,000 rows."""
    from django.db import connection

    fields = [model._meta.get_field(name) for name in columns]
    names = columns + list(constants)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(n) for n in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    extra = tuple(constants.values())
    prepared = [
        tuple(
            value if field.is_relation else field.get_db_prep_save(value, connection)
            for field, value in zip(fields, row, strict=True)
        )
        + extra
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), 10_000):
            cursor.executemany(sql, prepared[start : start + 10_000])


def _simulate(rng: random.Random, start_day: int, stretch: float, now_day: int):
    """One student's year with one card: the log rows (day offset, rating, kind) and the
    final (state, stability, last day, due day, reps, lapses)."""
    logs = []
    day = float(start_day) + rng.random() * 0.5
    logs.append((day, 3, 0))  # learned
    step, lapses = 0, 0
    interval = INTERVALS[0] * stretch
    while day + interval < now_day:
        day += interval + rng.random() * 0.3
        if rng.random() < FORGET:
            logs.append((day, 1, 1))
            day += 0.01
            logs.append((day, 3, 2))
            lapses += 1
            step = 0
        else:
            logs.append((day, rng.choice([2, 3, 3, 3, 4]), 1))
            step = min(step + 1, len(INTERVALS) - 1)
        interval = INTERVALS[step] * stretch
    return logs, (2, max(interval, 0.5), day, day + interval, len(logs), lapses)


def fill() -> int:
    from django.db import connection, transaction
    from django.utils import timezone

    from classrooms.models import Assignment
    from flashcards.models import Card, Note
    from reviews.models import CardState, ReviewLog
    from tests import factories

    started = time.perf_counter()
    rng = random.Random(6)
    now = timezone.now()
    teacher = factories.make_user("teacher")
    basic = factories.make_note_type_basic(teacher)
    deck = factories.make_deck(teacher, "Spanish")
    sub = factories.make_deck(teacher, "Spanish::Verbs")
    students = [factories.make_user(f"student{i:02d}") for i in range(STUDENTS)]
    with transaction.atomic():
        notes = []
        for i in range(CARDS):
            note = Note(
                owner=teacher,
                note_type=basic,
                sort_value=f"palabra {i}",
                first_field=f"palabra {i}",
            )
            note.fields = [f"palabra {i}", f"word {i}"]
            notes.append(note)
        Note.objects.bulk_create(notes, batch_size=2000)
        Card.objects.bulk_create(
            [
                Card(note=note, deck=sub if i % 4 == 0 else deck, ord=0)
                for i, note in enumerate(notes)
            ],
            batch_size=2000,
        )
        cards = list(
            Card.objects.filter(note__owner=teacher).order_by("pk").values_list("pk", "deck_id")
        )
        classroom = factories.make_classroom(teacher, "Spanish 2B", students=students)
        Assignment.objects.create(classroom=classroom, deck=deck, daily_target=30)

        # Another class beside it: its teacher's deck and students' reviews.
        other_teacher = factories.make_user("other-teacher")
        other_deck = factories.make_deck(other_teacher, "French")
        other_cards = factories.make_cards(other_teacher, other_deck, 200)
        others = [factories.make_user(f"other{i:02d}") for i in range(10)]
        factories.make_classroom(other_teacher, "French 1", students=others, decks=[other_deck])

        day0 = now - timedelta(days=DAYS)
        logs: list[tuple] = []

        def study(learner, card_rows, stretch, new_per_day):
            states = []
            for index, (card_id, deck_id) in enumerate(card_rows):
                start = index // new_per_day + rng.randint(0, 3)
                if start >= DAYS:
                    continue
                rows, final = _simulate(rng, start, stretch, DAYS)
                state, stability, last, due, reps, lapses = final
                for offset, rating, kind in rows:
                    logs.append((
                        learner.pk, card_id, deck_id, offset == rows[0][0], uuid.uuid4(),
                        rating, kind, day0 + timedelta(days=offset), rng.randint(2000, 12000),
                    ))  # fmt: skip
                states.append((
                    learner.pk, card_id, deck_id, state, stability, 5.0, reps, lapses,
                    day0 + timedelta(days=last), day0 + timedelta(days=due), card_id,
                ))  # fmt: skip
            _insert(
                CardState,
                ["learner_id", "card_id", "deck_id", "state", "stability", "difficulty", "reps",
                 "lapses", "last_review", "due", "position"],
                states,
                {"suspended": False, "flag": 0, "version": 0},
            )  # fmt: skip

        for student in students:
            # Most students keep up; some started late or study fewer new cards.
            stretch = rng.uniform(0.8, 1.25)
            share = rng.choice([1.0, 1.0, 1.0, 0.7, 0.4])
            study(student, cards[: int(CARDS * share)], stretch, rng.choice([15, 20, 25]))
        other_rows = [(card.pk, card.deck_id) for card in other_cards]
        for student in others:
            study(student, other_rows, 1.0, 10)
        # In the order a server writes them, as reviews happen: rows of the same weeks sit
        # together on disk, as they do in a real database.
        logs.sort(key=lambda row: row[7])
        _insert(
            ReviewLog,
            ["learner_id", "card_id", "deck_id", "was_new", "review_id", "rating", "kind",
             "reviewed_at", "duration_ms"],
            logs,
            {"interval_days": 0, "last_interval_days": 0},
        )  # fmt: skip
        total_logs = len(logs)
    with connection.cursor() as cursor:
        # On Postgres, VACUUM as autovacuum would have by the time a class has a year of
        # reviews: index-only scans need the visibility map it sets.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"Filled {STUDENTS} students x {CARDS} cards, {CardState.objects.count():,} card states, "
        f"{total_logs:,} review logs in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return classroom.pk


# --- Timing ------------------------------------------------------------------------


def _time(fn):
    """Best and median wall time, best CPU time of this process, and the queries of one run.

    CPU time leaves out waiting for the processor, so it shows the cost on a busy machine
    too; on SQLite it includes the database's work, on Postgres the server's is not in it.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm-up
    timings, cpu = [], []
    for _ in range(REPEAT):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        fn()
    return min(timings), statistics.median(timings), min(cpu), len(queries), queries


def run(classroom_id: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from classrooms.models import Classroom
    from classrooms.selectors import class_dashboard
    from reviews.models import ReviewLog

    classroom = Classroom.objects.get(pk=classroom_id)
    client = Client()
    client.force_login(User.objects.get(username="teacher"))
    page_url = reverse("classrooms:detail", args=[classroom_id])

    def page():
        response = client.get(page_url)
        assert response.status_code == 200, response.status_code
        return response

    def csv(name):
        def fetch():
            response = client.get(reverse(name, args=[classroom_id]))
            assert response.status_code == 200
            return response

        return fetch

    print(
        f"{connection.vendor}: {STUDENTS} students, {CARDS} cards, "
        f"{ReviewLog.objects.count():,} review logs; best and median of {REPEAT}, in ms"
    )
    print("      best   median  best CPU  queries  what")
    for label, fn in [
        ("class_dashboard()", lambda: class_dashboard(classroom)),
        ("GET the dashboard page", page),
        ("GET students.csv", csv("classrooms:students_csv")),
        ("GET cards.csv", csv("classrooms:cards_csv")),
    ]:
        best, median, cpu, count, queries = _time(fn)
        print(f"  {best:8.1f} {median:8.1f} {cpu:9.1f} {count:8d}  {label}")
        if os.environ.get("BENCH_SHOW_QUERIES") and label.startswith("class_dashboard"):
            _show_queries(queries.captured_queries)


def _show_queries(captured: list[dict]) -> None:
    """Each query run again with its rows fetched, best of 3: the captured times leave out
    the fetch, which is where SQLite does the work."""
    from django.db import connection

    with connection.cursor() as cursor:
        for query in captured:
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                cursor.execute(query["sql"])
                cursor.fetchall()
                best = min(best, time.perf_counter() - started)
            print(f"    {best * 1000:7.1f} ms  {query['sql'][:160]}")


if __name__ == "__main__":
    main()
