"""What one grade costs on the server: POST a grade, get the next card back (the htmx
fragment), through Django's test client, for one learner with 1,000, 10,000 and 100,000
cards, on SQLite and on Postgres.

    SECRET_KEY=x .venv/bin/python -m benchmarks.study_bench        # both databases
    BENCH_DB=sqlite ... / BENCH_DB=postgres ...                    # one of them
    BENCH_SIZES=1000,10000 BENCH_GRADES=100 ...                    # a quicker run

SQLite is a file in a temporary folder with the app's own settings (WAL, IMMEDIATE
transactions, its pragmas); Postgres is a database of its own on 127.0.0.1:5432
(user postgres), created and dropped here, and skipped with a message when the server
can't be reached. Each size gets its own learner and deck in the same database (the
queue's indexes start with the learner, so the others' rows are not in its way), all
filled before timing starts, then graded in rounds that take turns between the sizes:
- 30 cards in learning, due in the last hour; 10% new (never studied);
- the rest reviewed, due dates spread evenly from 60 days ago to 60 days ahead, so the
  learner has a backlog and every grade finds a due card;
- the learner's preset allows 500 reviews and 20 new cards a day (Anki's counts stop at
  those limits, so they cost the same at every size once the backlog exceeds them).

Each grade is the study page's own round trip: show the answer (GET, not timed: it
carries the review id and version), then the timed POST of a grade (mostly Good, some
Again, Hard and Easy) that records the review and returns the next card. Next to every
grade, the same client times a bare `login_required` view returning "ok", so the
per-request cost of sessions, auth and middleware is measured in the same conditions;
the grade's own cost is its time minus the bare view's. Statements are counted on
separate grades afterwards (counting would slow the timed ones): every statement sent,
and those that are not transaction control (BEGIN, COMMIT, SAVEPOINT, RELEASE).
Nothing here asserts; the figures go in the README.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
GRADES = int(os.environ.get("BENCH_GRADES", "300"))
COUNTED = 20  # grades whose statements are counted
WARMUP = 20
ROUND = 25  # grades per size before the next size takes its turn
LEARNING = 30
REVIEWS_PER_DAY = 500
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/deckhand_study_bench"
RATINGS = [1, 2, 3, 3, 3, 3, 3, 3, 3, 4]
FORM = "application/x-www-form-urlencoded"  # what htmx and browsers send
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def main() -> int:
    wanted = os.environ.get("BENCH_DB")
    if wanted:
        return run_one(wanted)
    # Settings are read once per process, so each database gets its own.
    status = 0
    for db in ("sqlite", "postgres"):
        env = {**os.environ, "BENCH_DB": db}
        status |= subprocess.run(
            [sys.executable, "-m", "benchmarks.study_bench"], env=env
        ).returncode
    return status


def _postgres_reachable() -> str:
    import psycopg

    try:
        psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3
        ).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return ""


def run_one(db: str) -> int:
    if db == "postgres":
        problem = _postgres_reachable()
        if problem:
            print(f"Postgres: skipped, 127.0.0.1:5432 not reachable ({problem})")
            return 0
        os.environ["DATABASE_URL"] = POSTGRES_URL
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
    import django
    from django.conf import settings

    if db == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="study-bench-"))
        settings.DATABASES["default"]["TEST"] = {"NAME": str(folder / "bench.sqlite3")}
    else:
        settings.DATABASES["default"]["TEST"] = {"NAME": "deckhand_study_bench"}
    django.setup()
    from django.db import connection

    # Not setup_test_environment(): its instrumented template rendering would be timed too.
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    _add_bare_view()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        learners = [Learner(size, fill(size)) for size in SIZES]
        results = measure_all(learners)
    finally:
        connection.close()
        connection.creation.destroy_test_db(name, verbosity=0)
    report(db, results)
    return 0


def _add_bare_view() -> None:
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    from config import urls

    @login_required
    def bare(request):
        return HttpResponse("ok")

    urls.urlpatterns.append(path("bench-bare/", bare))
    clear_url_caches()


# --- Filling -----------------------------------------------------------------------


def fill(size: int) -> tuple[int, int]:
    """A learner with a `size`-card deck in a realistic mix; (learner id, deck id)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from benchmarks.classroom_bench import _insert
    from flashcards.models import Card, Note
    from reviews.models import CardState, DeckOptions
    from tests import factories

    started = time.perf_counter()
    rng = random.Random(size)
    now = timezone.now()
    learner = factories.make_user(f"learner{size}")
    basic = factories.make_note_type_basic(learner)
    deck = factories.make_deck(learner, f"Vocabulary {size}")
    preset = factories.make_preset(
        learner, "Catching up", is_default=True, reviews_per_day=REVIEWS_PER_DAY
    )
    DeckOptions.objects.create(learner=learner, deck=deck, preset=preset)
    with transaction.atomic():
        notes = []
        for i in range(size):
            note = Note(
                owner=learner,
                note_type=basic,
                sort_value=f"word {i}",
                first_field=f"word {i}",
            )
            note.fields = [f"word {i}", f"<b>meaning</b> of word {i}"]
            notes.append(note)
        Note.objects.bulk_create(notes, batch_size=5000)
        Card.objects.bulk_create(
            [Card(note=note, deck=deck, ord=0) for note in notes], batch_size=5000
        )
        card_ids = list(Card.objects.filter(deck=deck).order_by("pk").values_list("pk", flat=True))
        new_count = size // 10
        rows = []
        for index, card_id in enumerate(card_ids):
            if index < LEARNING:
                due = now - timedelta(minutes=rng.uniform(1, 60))
                row = (CardState.LEARNING, 1, 0.5, 6.0, due, due - timedelta(minutes=10), 1, 0)
            elif index >= size - new_count:
                row = (CardState.NEW, None, None, None, None, None, 0, 0)
            else:
                stability = rng.uniform(2, 200)
                due = now + timedelta(days=rng.uniform(-60, 60))
                last = due - timedelta(days=stability)
                reps = rng.randint(2, 12)
                row = (CardState.REVIEW, None, stability, rng.uniform(3, 8), due, last, reps,
                       rng.randint(0, 2))  # fmt: skip
            rows.append((learner.pk, card_id, deck.pk, *row, card_id))
        _insert(
            CardState,
            ["learner_id", "card_id", "deck_id", "state", "step", "stability", "difficulty",
             "due", "last_review", "reps", "lapses", "position"],
            rows,
            {"suspended": False, "flag": 0, "version": 0},
        )  # fmt: skip
    if connection.vendor == "postgresql":
        # As autovacuum would have by now (index-only scans need the visibility map);
        # SQLite gets no ANALYZE, as the app runs none.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"  filled {size:,} cards in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return learner.pk, deck.pk


# --- Timing ------------------------------------------------------------------------


@dataclass
class Result:
    size: int
    grades: int
    grade_ms: list[float]
    bare_ms: list[float]
    grade_cpu: list[float]  # this thread's CPU time: the same work, less the waiting for a
    bare_cpu: list[float]  # processor on a shared machine (on SQLite, the database's work too)
    statements: float
    statements_no_tx: float


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def _current_card(html: str) -> int | None:
    match = re.search(r"/cards/(\d+)/answer/", html)
    return int(match.group(1)) if match else None


class _Counter:
    """Every statement the driver is sent for one request, COMMITs included."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def __enter__(self):
        connection = self.connection
        self._commit = connection.commit
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()

        def commit():
            self.sql.append("COMMIT")
            if connection.vendor == "postgresql":
                self.sql.append("BEGIN")  # psycopg sends it before the block's first statement
            return self._commit()

        connection.commit = commit
        return self

    def __exit__(self, *exc):
        self.connection.commit = self._commit
        self._wrapper.__exit__(*exc)


class Learner:
    """One learner's study session through the test client, graded a turn at a time."""

    def __init__(self, size: int, ids: tuple[int, int]) -> None:
        from django.test import Client

        from accounts.models import User

        self.size = size
        self.learner_id, self.deck_id = ids
        self.client = Client(headers={"HX-Request": "true"})
        self.client.force_login(User.objects.get(pk=self.learner_id))
        self.rng = random.Random(7)
        self.html = self.client.get(f"/study/{self.deck_id}/").content.decode()
        self.grades: list[tuple[float, float]] = []
        self.bares: list[tuple[float, float]] = []

    def _grade_data(self, rating: int) -> tuple[str, str]:
        card_id = _current_card(self.html)
        assert card_id, "the deck ran out of cards: add cards or lower BENCH_GRADES"
        deck = self.deck_id
        answer = self.client.get(f"/study/{deck}/cards/{card_id}/answer/").content.decode()
        data = {
            "rating": rating,
            "review_id": _hidden(answer, "review_id"),
            "shown_version": _hidden(answer, "shown_version"),
            "shown_at": _hidden(answer, "shown_at"),
        }
        return f"/study/{deck}/cards/{card_id}/grade/", urlencode(data)

    def grade(self, rating: int | None = None) -> tuple[float, float]:
        url, body = self._grade_data(rating or self.rng.choice(RATINGS))
        started, cpu = time.perf_counter(), time.thread_time()
        response = self.client.post(url, body, content_type=FORM)
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        assert response.status_code == 200, response.status_code
        self.html = response.content.decode()
        return elapsed * 1000, cpu * 1000

    def bare(self) -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.thread_time()
        response = self.client.post("/bench-bare/", "x=1", content_type=FORM)
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        assert response.status_code == 200
        return elapsed * 1000, cpu * 1000

    def turn(self, index: int) -> None:
        # Take turns on which goes first, so neither always follows the other.
        if index % 2:
            self.bares.append(self.bare())
            self.grades.append(self.grade())
        else:
            self.grades.append(self.grade())
            self.bares.append(self.bare())

    def count_statements(self) -> tuple[float, float]:
        from django.db import connection

        totals, no_tx = [], []
        for _ in range(COUNTED):
            url, body = self._grade_data(3)
            with _Counter(connection) as counter:
                response = self.client.post(url, body, content_type=FORM)
            self.html = response.content.decode()
            totals.append(len(counter.sql))
            no_tx.append(sum(1 for sql in counter.sql if not TRANSACTION_CONTROL.match(sql)))
        with _Counter(connection) as counter:
            self.client.post("/bench-bare/", "x=1", content_type=FORM)
        print(
            f"  {self.size:,}: the bare view sends {len(counter.sql)} statements", file=sys.stderr
        )
        return statistics.mean(totals), statistics.mean(no_tx)


def measure_all(learners: list[Learner]) -> list[Result]:
    """Grades in rounds that take turns between the deck sizes, so a busy spell on a
    shared machine falls on every size alike instead of on whichever ran then."""
    for learner in learners:
        for index in range(WARMUP):
            learner.turn(index)
        learner.grades.clear()
        learner.bares.clear()
    done = 0
    while done < GRADES:
        batch = min(ROUND, GRADES - done)
        for learner in learners:
            for index in range(done, done + batch):
                learner.turn(index)
        done += batch
    results = []
    for learner in learners:
        statements, statements_no_tx = learner.count_statements()
        results.append(
            Result(
                size=learner.size,
                grades=len(learner.grades),
                grade_ms=[g[0] for g in learner.grades],
                bare_ms=[b[0] for b in learner.bares],
                grade_cpu=[g[1] for g in learner.grades],
                bare_cpu=[b[1] for b in learner.bares],
                statements=statements,
                statements_no_tx=statements_no_tx,
            )
        )
    return results


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def report(db: str, results: list[Result]) -> None:
    from django.db import connection

    label = "SQLite" if db == "sqlite" else "Postgres"
    version = connection.Database.sqlite_version if db == "sqlite" else ""
    median = statistics.median
    print(f"\n{label} {version}".rstrip() + f": {GRADES} grades per size, times in ms")
    print(
        "| cards | grade+next median | p99 | bare view median | ratio | grade − bare "
        "| CPU: grade+next | CPU: grade − bare | statements | without BEGIN/COMMIT/SAVEPOINT |"
    )
    print("|---:" * 10 + "|")
    for r in results:
        grade, bare = median(r.grade_ms), median(r.bare_ms)
        cpu, bare_cpu = median(r.grade_cpu), median(r.bare_cpu)
        print(
            f"| {r.size:,} | {grade:.2f} | {_p99(r.grade_ms):.2f} | {bare:.2f} "
            f"| {grade / bare:.1f}x | {grade - bare:.2f} | {cpu:.2f} | {cpu - bare_cpu:.2f} "
            f"| {r.statements:g} | {r.statements_no_tx:g} |"
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = median(last.grade_ms) / median(first.grade_ms)
        cpu_growth = median(last.grade_cpu) / median(first.grade_cpu)
        print(
            f"Growth of the median, {first.size:,} to {last.size:,} cards: {growth:.2f}x "
            f"(CPU time {cpu_growth:.2f}x)"
        )


if __name__ == "__main__":
    sys.exit(main())
