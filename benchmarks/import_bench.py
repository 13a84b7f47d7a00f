"""Import a 100,000-note .apkg: Deckhand's importer against the Anki library's own.

    SECRET_KEY=x .venv/bin/python -m benchmarks.import_bench
    BENCH_NOTES=20000 BENCH_REPEAT=1 SECRET_KEY=x .venv/bin/python -m benchmarks.import_bench
    BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432 SECRET_KEY=x \
        .venv/bin/python -m benchmarks.import_bench          # adds a Postgres run

The package is made once by the Anki library: one deck and a subdeck, 100,000
notes, a fifth of them "Basic (and reversed card)" (so 120,000 cards), with
HTML, accents and tags; a fifth of the cards have been studied (review cards
with an FSRS memory state for half of them, three review-log entries each), so
the import also brings review history and card states. It is written in the
current format (zstd-compressed collection).

Each contender runs in a fresh subprocess against an empty collection:
- anki: a new Anki collection, then Collection.import_anki_package with
  scheduling, timed on its own;
- deckhand: a new SQLite database file (migrated before the clock starts) and a
  user, then imports.services.import_package, timed on its own; with
  BENCH_POSTGRES, the same against a fresh Postgres database.

Time is the best of BENCH_REPEAT runs; the contenders take turns (anki, deckhand,
anki, ...), so load from other work on a shared machine falls on both alike.
BENCH_PACKAGE=path keeps the package there and reuses it on the next run.
Target: Deckhand at most 2x Anki.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOTES = int(os.environ.get("BENCH_NOTES", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
SUBDECK_SHARE = 4  # every 4th note goes to the subdeck
REVERSED_SHARE = 5  # every 5th note is "Basic (and reversed card)"
STUDIED_SHARE = 5  # every 5th card has been studied
POSTGRES = os.environ.get("BENCH_POSTGRES", "").rstrip("/")
PACKAGE = os.environ.get("BENCH_PACKAGE", "")
BENCH_DB = "deckhand_import_bench"


# --- The package, made by Anki ---------------------------------------------------


def build_package(folder: Path) -> Path:
    from anki.collection import AddNoteRequest, Collection, ExportAnkiPackageOptions

    rng = random.Random(5)
    col = Collection(str(folder / "source.anki2"))
    col.set_config("fsrs", True)
    basic = col.models.by_name("Basic")
    reverse = col.models.by_name("Basic (and reversed card)")
    deck = col.decks.id("Big deck")
    sub = col.decks.id("Big deck::Sub (é)")
    words = [
        "maison", "chien", "chat", "été", "élan", "straße", "привет", "日本", "house", "tree",
        "sun", "moon", "river", "déjà", "vu", "naïve", "café", "crème", "brûlée", "bonjour",
    ]  # fmt: skip
    tags = ["vocab", "verbs", "nouns", "chapter::1", "chapter::2", "hard", "äöü"]
    requests = []
    for i in range(NOTES):
        note = col.new_note(reverse if i % REVERSED_SHARE == 0 else basic)
        note.fields[0] = f"<b>{rng.choice(words)}</b> {rng.choice(words)} #{i}"
        note.fields[1] = " ".join(rng.choice(words) for _ in range(12)) + " <i>example</i>"
        note.tags = rng.sample(tags, 2)
        requests.append(AddNoteRequest(note=note, deck_id=sub if i % SUBDECK_SHARE == 0 else deck))
    col.add_notes(requests)
    # Two statements, not one per card: Anki commits each statement on its own.
    today = col.sched.today
    col.db.execute(
        f"""update cards set type = 2, queue = 2, ivl = 1 + abs(random()) % 60, factor = 2500,
            reps = 3, due = {today} - 5 + abs(random()) % 60,
            data = case when id % 2 = 0 then '{{"s":' || (1 + abs(random()) % 90) ||
                ',"d":' || (1 + abs(random()) % 9) || '}}' else '' end
            where id % {STUDIED_SHARE} = 0"""
    )
    # Three reviews a card, days apart; ids (milliseconds) stay unique as card ids are.
    col.db.execute(
        """insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)
           select cards.id - step * 1000000000, cards.id, -1, 1 + (cards.id + step) % 4,
                  cards.ivl, 0, 2500, 5000, 1
           from cards, (select 1 as step union all select 2 union all select 3)
           where cards.type = 2"""
    )
    package = folder / "big.apkg"
    col.export_anki_package(
        out_path=str(package),
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=False, with_media=True, legacy=False
        ),
        limit=None,
    )
    col.close()
    return package


# --- Contenders (each in its own subprocess) -----------------------------------------


def _anki(package: Path, work: Path) -> dict:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(work / "target.anki2"))
    started = time.perf_counter()
    col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(package),
            options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False),
        )
    )
    seconds = time.perf_counter() - started
    counts = {
        "notes": col.note_count(),
        "cards": col.card_count(),
        "reviews": col.db.scalar("select count() from revlog"),
    }
    col.close()
    return {"seconds": seconds, **counts}


def _deckhand(package: Path, work: Path) -> dict:
    os.environ["DATA_DIR"] = str(work / "data")
    (work / "data").mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from flashcards.models import Card, Note
    from imports.services import import_package
    from reviews.models import ReviewLog

    call_command("migrate", verbosity=0)
    user = User.objects.create_user(username="bench", password="bench-password-1")
    started = time.perf_counter()
    report = import_package(user=user, path=package)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "notes": Note.objects.count(),
        "cards": Card.objects.count(),
        "reviews": ReviewLog.objects.count(),
        "warnings": report.warnings,
    }


def _child(contender: str, package: str) -> None:
    with tempfile.TemporaryDirectory(prefix="deckhand-import-bench-run-") as tmp:
        runner = _anki if contender == "anki" else _deckhand
        print(json.dumps(runner(Path(package), Path(tmp))))


def _postgres(action: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        if action == "create":
            conn.execute(f"CREATE DATABASE {BENCH_DB}")


def _run(contender: str, package: Path) -> dict:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if contender == "deckhand-postgres":
        _postgres("create")
        env["DATABASE_URL"] = f"{POSTGRES}/{BENCH_DB}"
    name = "anki" if contender == "anki" else "deckhand"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.import_bench", "_child", name, str(package)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if contender == "deckhand-postgres":
        _postgres("drop")
    if result.returncode != 0:
        raise SystemExit(f"{contender} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _measure(contenders: list[str], package: Path) -> dict[str, dict]:
    """Best run of each contender, running them in turns."""
    best: dict[str, dict] = {}
    for _ in range(REPEAT):
        for contender in contenders:
            run = _run(contender, package)
            print(f"  {contender}: {run['seconds']:.2f} s", file=sys.stderr)
            if contender not in best or run["seconds"] < best[contender]["seconds"]:
                best[contender] = run
    return best


def _package(folder: Path) -> Path:
    if not PACKAGE:
        return build_package(folder)
    kept = Path(PACKAGE)
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        build_package(folder).replace(kept)
    return kept


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child(sys.argv[2], sys.argv[3])
        return
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    with tempfile.TemporaryDirectory(prefix="deckhand-import-bench-") as tmp:
        started = time.perf_counter()
        package = _package(Path(tmp))
        print(
            f"Built {package.stat().st_size / 1024 / 1024:.1f} MB package of {NOTES:,} notes "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        contenders = ["anki", "deckhand"] + (["deckhand-postgres"] if POSTGRES else [])
        results = _measure(contenders, package)

    anki = results["anki"]
    print(f"\nImport of a {NOTES:,}-note .apkg (best of {REPEAT}):\n")
    print(f"{'':<28}{'time':>9}{'notes':>10}{'cards':>10}{'reviews':>10}{'vs Anki':>10}")
    labels = {
        "anki": "Anki library",
        "deckhand": "Deckhand (SQLite file)",
        "deckhand-postgres": "Deckhand (Postgres)",
    }
    for key, run in results.items():
        print(
            f"{labels[key]:<28}{run['seconds']:>8.2f}s{run['notes']:>10,}{run['cards']:>10,}"
            f"{run['reviews']:>10,}{run['seconds'] / anki['seconds']:>9.2f}x"
        )
    print("\nTarget: Deckhand at most 2x the Anki library's time.")


if __name__ == "__main__":
    main()
