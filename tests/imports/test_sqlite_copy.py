"""On SQLite, an import that owns its transaction copies rows with SQL (the fast path).

Every test here imports the same package twice: through the Python path (inside an
outer transaction, which rules the fast path out) for one learner and through the
fast path for another, and the two collections must come out the same.
"""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest
from django.db import connection, transaction

from accounts.models import User
from flashcards.models import Card, Note
from imports.errors import CorruptPackage
from imports.services import import_package
from imports.services import sqlite_copy as copy_module
from reviews.models import CardState, ReviewLog
from tests import factories
from tests.imports.test_odd_packages import EDITS, _edited

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the fast path is SQLite's"),
]


@pytest.fixture
def copies(monkeypatch) -> list[int]:
    """How many notes each fast-path import copied with SQL."""
    counts: list[int] = []
    original = copy_module.SqliteCopy.copy_plain_notes

    def counting(self, **kwargs):
        counts.append(original(self, **kwargs))
        return counts[-1]

    monkeypatch.setattr(copy_module.SqliteCopy, "copy_plain_notes", counting)
    return counts


def _python_path(user: User, path: Path, **kwargs):
    with transaction.atomic():
        return import_package(user=user, path=path, **kwargs)


# The odd package's note with no GUID gets a new random one each time.
NO_GUID_NOTE = 9000000000004


def _key(note: Note) -> str:
    return "(new GUID)" if note.anki_id == NO_GUID_NOTE else note.guid


def _collection(user: User) -> dict:
    """Everything an import wrote for `user`, without ids that differ between two imports."""
    notes = {
        _key(note): (
            note.note_type.name,
            note.flds,
            note.tags,
            note.sort_value,
            note.first_field,
            note.anki_id,
        )
        for note in Note.objects.filter(owner=user).select_related("note_type")
    }
    cards = {
        (_key(card.note), card.ord): (card.deck.full_name, card.anki_id)
        for card in Card.objects.filter(note__owner=user).select_related("note", "deck")
    }
    reviews = sorted(
        (
            _key(review.card.note),
            review.card.ord,
            review.anki_id,
            review.rating,
            review.kind,
            review.reviewed_at,
            review.duration_ms,
            review.interval_days,
            review.last_interval_days,
            review.deck.full_name,
            review.was_new,
            review.review_id.int & ((1 << 64) - 1),
            review.review_id.int >> 64 == review.card_id,
        )
        for review in ReviewLog.objects.filter(learner=user).select_related("card__note", "deck")
    )
    states = {
        (_key(state.card.note), state.card.ord): (
            state.deck.full_name,
            state.state,
            state.step,
            state.stability,
            state.difficulty,
            state.due,
            state.last_review,
            state.reps,
            state.lapses,
            state.suspended,
            state.flag,
            state.position == state.card_id,
        )
        for state in CardState.objects.filter(learner=user).select_related("card__note", "deck")
    }
    return {"notes": notes, "cards": cards, "reviews": reviews, "states": states}


def _same_either_way(path: Path, copies: list[int], **kwargs) -> tuple[User, User]:
    python_user = factories.make_user("python-path")
    fast_user = factories.make_user("fast-path")

    slow = _python_path(python_user, path, **kwargs)
    assert copies == []
    fast = import_package(user=fast_user, path=path, **kwargs)

    assert copies and copies[-1] > 0
    assert fast.to_dict() == slow.to_dict()
    assert _collection(fast_user) == _collection(python_user)
    return python_user, fast_user


@pytest.mark.parametrize("kind", ["legacy", "current", "colpkg"])
def test_the_fast_path_writes_what_the_python_path_writes(scheduled, kind, copies):
    python_user, fast_user = _same_either_way(scheduled.packages[kind], copies)

    assert ReviewLog.objects.filter(learner=fast_user).count() == scheduled.reviews
    assert CardState.objects.filter(learner=fast_user).exists()


def test_a_package_without_scheduling_is_the_same_either_way(unscheduled, copies):
    _same_either_way(unscheduled.packages["current"], copies, deck_name="Imported::Here")


def test_odd_notes_take_the_python_path_inside_the_fast_one(scheduled, tmp_path, copies):
    path = _edited(
        scheduled.packages["legacy"],
        tmp_path,
        EDITS,
        basic=scheduled.note_type_ids["Basic"],
        long_guid="g" * 65,
    )

    python_user, fast_user = _same_either_way(path, copies)

    # Only the notes the package has as Anki wrote them were copied by SQL.
    assert copies[-1] == len(scheduled.notes) - 1
    assert Note.objects.filter(owner=fast_user).count() == len(scheduled.notes) + 6


def test_a_second_import_is_the_same_either_way(scheduled, copies):
    path = scheduled.packages["current"]
    python_user, fast_user = _same_either_way(path, copies)

    slow = _python_path(python_user, path)
    fast = import_package(user=fast_user, path=path)

    assert copies[-1] == 0  # every note is already there: the Python path updates them
    assert fast.to_dict() == slow.to_dict()
    assert fast.notes_unchanged == len(scheduled.notes) and fast.reviews == 0
    assert _collection(fast_user) == _collection(python_user)


def test_forgotten_cards_count_as_new_again_either_way(scheduled, tmp_path, copies):
    forgotten = next(iter(scheduled.reviewed_card_ids))
    path = _edited(
        scheduled.packages["legacy"],
        tmp_path,
        """INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)
               VALUES (4000000000000, :card, -1, 0, 0, 0, 0, 0, 4),
                      (4000000000001, :card, -1, 3, 1, 0, 2500, 1200, 0),
                      (4000000000002, :card, -1, 1, 1, 0, 2500, -5, 0),
                      (4000000000003, :card, -1, 3, 1, 0, 2500, 1000, 99),
                      (300000000000000, :card, -1, 3, 1, 0, 2500, 1000, 1)""",
        card=forgotten,
    )

    python_user, fast_user = _same_either_way(path, copies)

    renewed = ReviewLog.objects.get(learner=fast_user, anki_id=4000000000001)
    assert renewed.was_new
    assert ReviewLog.objects.get(learner=fast_user, anki_id=4000000000002).duration_ms == 0
    assert ReviewLog.objects.get(learner=fast_user, anki_id=4000000000003).kind == (
        ReviewLog.KIND_MANUAL
    )
    assert not ReviewLog.objects.filter(anki_id=300000000000000).exists()


def test_it_leaves_the_connection_as_it_found_it(scheduled, copies):
    connection.ensure_connection()
    conn = connection.connection
    before = conn.execute("PRAGMA cell_size_check").fetchone()[0]

    import_package(user=factories.make_user("fast-path"), path=scheduled.packages["current"])

    assert copies
    assert copy_module.SCHEMA not in [row[1] for row in conn.execute("PRAGMA database_list")]
    assert conn.execute("SELECT count(*) FROM temp.sqlite_master").fetchone()[0] == 0
    assert conn.execute("PRAGMA cell_size_check").fetchone()[0] == before
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("SELECT 'a' = 'A' COLLATE unicase")


def _with_collection(source: Path, target: Path, edit: str) -> Path:
    """A legacy package whose collection has been changed by the SQL script `edit`."""
    work = target.parent / "collection"
    work.mkdir()
    with zipfile.ZipFile(source) as archive:
        archive.extractall(work)
    db = work / "collection.anki21"
    conn = sqlite3.connect(db)
    conn.executescript(edit)
    conn.commit()
    conn.close()
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(work.iterdir()):
            archive.write(path, path.name)
    return target


def test_text_that_is_not_utf8_is_refused_and_nothing_is_written(scheduled, tmp_path, copies):
    path = _with_collection(
        scheduled.packages["legacy"],
        tmp_path / "bad.apkg",
        "UPDATE notes SET flds = CAST(x'66726f6e74ff1f6261636b' AS TEXT) "
        "WHERE id = (SELECT min(id) FROM notes);",
    )
    user = factories.make_user("fast-path")

    with pytest.raises(CorruptPackage):
        import_package(user=user, path=path)

    assert Note.objects.count() == Card.objects.count() == ReviewLog.objects.count() == 0
    conn = connection.connection
    assert copy_module.SCHEMA not in [row[1] for row in conn.execute("PRAGMA database_list")]
    assert conn.execute("SELECT count(*) FROM temp.sqlite_master").fetchone()[0] == 0
    with pytest.raises(CorruptPackage):
        _python_path(user, path)


def test_a_notes_table_with_a_generated_column_is_read_by_python(scheduled, tmp_path, copies):
    """Reading a generated column runs the package's own SQL: never on the app's connection."""
    path = _with_collection(
        scheduled.packages["legacy"],
        tmp_path / "generated.apkg",
        """ALTER TABLE notes RENAME TO old_notes;
        CREATE TABLE notes (id integer primary key, guid text, mid integer, mod integer,
            usn integer, tags text, raw text, flds text AS (upper(raw)) VIRTUAL, sfld text,
            csum integer, flags integer, data text);
        INSERT INTO notes SELECT id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data
            FROM old_notes;
        DROP TABLE old_notes;""",
    )
    user = factories.make_user("fast-path")

    report = import_package(user=user, path=path)

    assert copies == []
    assert report.notes_added == Note.objects.filter(owner=user).count() > 0
