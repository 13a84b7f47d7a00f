"""Export a 100,000-note deck to .apkg: Deckhand's exporter against plain genanki
writing the same notes from memory, and against the Anki library's own exporter.

    SECRET_KEY=x .venv/bin/python -m benchmarks.export_bench
    BENCH_NOTES=20000 BENCH_REPEAT=1 SECRET_KEY=x .venv/bin/python -m benchmarks.export_bench

Fills a throwaway SQLite database (a file, as in production) with one deck and a
subdeck: 100,000 notes, a fifth of them "Basic (and reversed card)", so 120,000
cards, with HTML, accents and tags. Then each contender runs in a fresh
subprocess, so one's memory does not count against another:

- deckhand: exports.services.build_export_file, streaming from the database;
- genanki: the same notes already loaded into memory as plain rows, turned into
  genanki.Note objects in one genanki.Deck and written with Package.write_to_file;
- anki: the deck imported into an Anki collection beforehand, then
  Collection.export_anki_package (current format, zstd) timed on its own.

Contenders take turns, BENCH_REPEAT rounds, best of each: wall time and CPU time
(the machine may be busy; CPU time is the steadier of the two). Memory:
- RSS added: the peak resident set size during the export (VmHWM, reset just
  before) minus the size before it. For genanki the notes are already in memory,
  and freed pages from loading them are reused, so this flatters it;
- + data: the same, counted from before genanki's notes were loaded from the
  database (for Deckhand, which streams, it is the same number). Deckhand's figure
  includes the SQLite page cache of the app's database connection (cache_size
  in config/settings.py, 20 MB), which the export's reads fill;
- Python peak: tracemalloc's peak of Python allocations during the export.
"""

from __future__ import annotations

import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOTES = int(os.environ.get("BENCH_NOTES", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
SUBDECK_SHARE = 4  # every 4th note's cards go to the subdeck
REVERSED_SHARE = 5  # every 5th note is "Basic (and reversed card)"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _current_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak_rss() -> None:
    # Linux: writing 5 to clear_refs resets the process's peak RSS (VmHWM).
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _peak_rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- Filling the database ---------------------------------------------------------


def fill() -> None:
    from django.core.management import call_command
    from django.db import transaction

    from flashcards.models import Card, Note
    from tests import factories

    call_command("migrate", verbosity=0)
    rng = random.Random(4)
    owner = factories.make_user("bench")
    basic = factories.make_note_type_basic(owner)
    reverse = factories.make_note_type_reversed(owner)
    deck = factories.make_deck(owner, "Big deck")
    sub = factories.make_deck(owner, "Big deck::Sub (é)")
    words = [
        "maison", "chien", "chat", "été", "élan", "straße", "привет", "日本", "house", "tree",
        "sun", "moon", "river", "déjà", "vu", "naïve", "café", "crème", "brûlée", "bonjour",
        "merci", "voilà", "über", "schön", "groß",
    ]  # fmt: skip
    tags = ["vocab", "verbs", "nouns", "chapter::1", "chapter::2", "hard", "äöü"]
    started = time.perf_counter()
    with transaction.atomic():
        for start in range(0, NOTES, 5000):
            notes = []
            for i in range(start, min(start + 5000, NOTES)):
                front = f"<b>{rng.choice(words)}</b> {rng.choice(words)} #{i}"
                back = " ".join(rng.choice(words) for _ in range(12)) + " <i>example</i>"
                note = Note(
                    owner=owner,
                    note_type=reverse if i % REVERSED_SHARE == 0 else basic,
                    tags=" " + " ".join(rng.sample(tags, 2)) + " ",
                    sort_value=front[:255],
                    first_field=front[:255],
                )
                note.fields = [front, back]
                notes.append(note)
            Note.objects.bulk_create(notes)
            cards = []
            for offset, note in enumerate(notes):
                target = sub if (start + offset) % SUBDECK_SHARE == 0 else deck
                ords = [0, 1] if note.note_type_id == reverse.pk else [0]
                cards.extend(Card(note=note, deck=target, ord=ord_) for ord_ in ords)
            Card.objects.bulk_create(cards)
    print(
        f"Filled {NOTES:,} notes, {Card.objects.count():,} cards "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


# --- Contenders (each runs in its own subprocess) ------------------------------------


def _deckhand(out: Path) -> None:
    from exports.selectors import ExportScope
    from exports.services import write_export
    from flashcards.models import Deck

    deck = Deck.objects.get(full_name="Big deck")
    with open(out, "wb") as handle:
        write_export(scope=ExportScope.for_deck(deck), fmt="apkg", with_progress=False, out=handle)


def _genanki_rows() -> tuple[list, list, list]:
    """The same content as plain Python data, as an app holding it in memory would."""
    from flashcards.models import Card, Deck, Note, NoteType

    types = list(NoteType.objects.all())
    decks = list(Deck.objects.all())
    deck_of_note = dict(Card.objects.filter(ord=0).values_list("note_id", "deck_id"))
    rows = [
        (guid, note_type_id, flds.split("\x1f"), tags.split(), deck_of_note[pk])
        for pk, guid, note_type_id, flds, tags in Note.objects.values_list(
            "pk", "guid", "note_type_id", "flds", "tags"
        )
    ]
    return types, decks, rows


def _genanki(out: Path, data: tuple[list, list, list]) -> None:
    import genanki

    types, decks, rows = data
    models = {
        nt.pk: genanki.Model(
            nt.anki_id,
            nt.name,
            fields=[{"name": f["name"]} for f in nt.fields],
            templates=[dict(t) for t in nt.templates],
            css=nt.css,
        )
        for nt in types
    }
    genanki_decks = {d.pk: genanki.Deck(d.anki_id, d.full_name) for d in decks}
    for guid, note_type_id, fields, tags, deck_id in rows:
        genanki_decks[deck_id].add_note(
            genanki.Note(model=models[note_type_id], fields=fields, tags=tags, guid=guid)
        )
    genanki.Package(list(genanki_decks.values())).write_to_file(str(out))


def _anki_prepare(package: Path, collection: Path) -> None:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(collection))
    col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
    )
    col.close()


def _anki(out: Path, collection: Path, legacy: bool = False) -> None:
    from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions

    col = Collection(str(collection))
    deck_id = col.decks.id_for_name("Big deck")
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(
            with_scheduling=False, with_deck_configs=False, with_media=True, legacy=legacy
        ),
        limit=DeckIdLimit(deck_id=deck_id),
    )
    col.close()


def _child(contender: str, out: str, extra: str) -> None:
    """One measured run, printed as JSON: seconds, RSS added, Python peak."""
    import tracemalloc

    out_path = Path(out)
    if contender in ("deckhand", "genanki"):
        _setup_django()
        # Imports are not what is measured.
        import genanki  # noqa: F401

        import exports.services  # noqa: F401
    gc.collect()
    rss_start = _current_rss()
    _reset_peak_rss()
    data = _genanki_rows() if contender == "genanki" else None
    loading_peak = _peak_rss()

    def run() -> None:
        if contender == "deckhand":
            _deckhand(out_path)
        elif contender == "genanki":
            _genanki(out_path, data)  # type: ignore[arg-type]
        elif contender == "anki":
            _anki(out_path, Path(extra))
        elif contender == "anki-legacy":
            _anki(out_path, Path(extra), legacy=True)

    gc.collect()
    rss_before = _current_rss()
    _reset_peak_rss()
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    run()
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    run_peak = _peak_rss()
    rss_added = max(0, run_peak - rss_before)
    # genanki needs the notes in memory first: what holding them costs, plus the write.
    rss_with_data = max(0, max(loading_peak, run_peak) - rss_start)
    python_peak = None
    if contender in ("deckhand", "genanki") and os.environ.get("BENCH_TRACEMALLOC", "1") == "1":
        gc.collect()
        tracemalloc.start()
        run()
        python_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "rss_added": rss_added,
                "rss_with_data": rss_with_data,
                "python_peak": python_peak,
                "size": out_path.stat().st_size,
            }
        )
    )


def _run_child(contender: str, out: Path, extra: str, *, tracemalloc: bool) -> dict:
    env = dict(os.environ, BENCH_TRACEMALLOC="1" if tracemalloc else "0")
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.export_bench", "_child", contender, str(out), extra],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{contender} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _measure_all(contenders: dict[str, tuple[Path, str]]) -> dict[str, dict]:
    """Rounds of every contender in turn (a busy machine slows all of them alike);
    the best time, CPU time and RSS of each over the rounds."""
    best: dict[str, dict] = {}
    for attempt in range(REPEAT):
        for name, (out, extra) in contenders.items():
            run = _run_child(name, out, extra, tracemalloc=attempt == 0)
            if name not in best:
                best[name] = run
                continue
            for key in ("seconds", "cpu", "rss_added", "rss_with_data"):
                best[name][key] = min(best[name][key], run[key])
    return best


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / 1024 / 1024:.1f} MB"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child(*sys.argv[2:5])
        return
    with tempfile.TemporaryDirectory(prefix="deckhand-export-bench-") as tmp:
        work = Path(tmp)
        os.environ["DATA_DIR"] = str(work / "data")
        (work / "data").mkdir()
        os.environ.pop("DATABASE_URL", None)  # a SQLite file, like a default install
        os.environ.setdefault("SECRET_KEY", "benchmark-only")
        _setup_django()
        fill()
        _run_child("deckhand", work / "deckhand.apkg", "", tracemalloc=False)
        collection = work / "anki" / "collection.anki2"
        collection.parent.mkdir()
        subprocess.run(
            [sys.executable, "-c", "from benchmarks.export_bench import _anki_prepare as p; "
             f"from pathlib import Path; p(Path({str(work / 'deckhand.apkg')!r}), "
             f"Path({str(collection)!r}))"],
            check=True,
        )  # fmt: skip
        results = _measure_all(
            {
                "deckhand": (work / "deckhand.apkg", ""),
                "genanki": (work / "genanki.apkg", ""),
                "anki": (work / "anki.apkg", str(collection)),
                "anki-legacy": (work / "anki-legacy.apkg", str(collection)),
            }
        )

    ours, plain, anki = results["deckhand"], results["genanki"], results["anki"]
    print(f"\nExport of {NOTES:,} notes (best of {REPEAT}):\n")
    print(
        f"{'':<26}{'time':>9}{'CPU':>9}{'RSS added':>12}{'+ data':>10}"
        f"{'Python peak':>13}{'file':>10}"
    )
    labels = {
        "deckhand": "Deckhand (from database)",
        "genanki": "genanki (from memory)",
        "anki": "Anki export (zstd)",
        "anki-legacy": "Anki export (legacy)",
    }
    for key, label in labels.items():
        run = results[key]
        print(
            f"{label:<26}{run['seconds']:>8.2f}s{run['cpu']:>8.2f}s{_mb(run['rss_added']):>12}"
            f"{_mb(run['rss_with_data']):>10}{_mb(run['python_peak']):>13}{_mb(run['size']):>10}"
        )
    print(
        f"\nDeckhand / genanki: time {ours['seconds'] / plain['seconds']:.2f}x "
        f"(CPU {ours['cpu'] / plain['cpu']:.2f}x; target 1.25x), "
        f"RSS {ours['rss_added'] / max(plain['rss_added'], 1):.2f}x "
        f"({ours['rss_with_data'] / max(plain['rss_with_data'], 1):.2f}x with genanki's data), "
        f"Python peak {ours['python_peak'] / max(plain['python_peak'], 1):.2f}x (target 1.5x)"
    )
    print(f"Deckhand / Anki file size: {ours['size'] / anki['size']:.2f}x (target 1.5x)")


if __name__ == "__main__":
    main()
