"""Notes a package holds that do not fit: each kind is skipped or mended, and reported.

The package is the Anki library's legacy export, edited with SQL the way a broken or
hand-made package might look.
"""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path

from flashcards.models import Card, Note
from imports.services import import_package
from reviews.models import CardState, ReviewLog

LONG = 1_000_001


def _edited(source: Path, folder: Path, sql: str, **params: object) -> Path:
    """A copy of a legacy package whose collection has had `sql` run on it."""
    work = folder / "work"
    work.mkdir()
    with zipfile.ZipFile(source) as archive:
        archive.extractall(work)
    names = [name for name in ("collection.anki21", "collection.anki2") if (work / name).exists()]
    conn = sqlite3.connect(work / names[0])
    conn.create_function("long_text", 0, lambda: "x" * LONG)
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement, {k: v for k, v in params.items() if f":{k}" in statement})
    conn.commit()
    conn.close()
    target = folder / "edited.apkg"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(work.iterdir()):
            archive.write(path, path.name)
    shutil.rmtree(work)
    return target


EDITS = """
-- A second note with the first note's GUID (the first one wins).
INSERT INTO notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data)
    SELECT 9000000000001, guid, mid, mod, usn, tags, 'copy' || char(31) || 'copy', '', 0, 0, ''
    FROM notes WHERE id = (SELECT min(id) FROM notes);
INSERT INTO cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses,
                   left, odue, odid, flags, data)
    SELECT 9000000000101, 9000000000001, did, 0, mod, usn, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, ''
    FROM cards LIMIT 1;
-- Notes of Basic, each with one card in the first card's deck, each odd in its own way.
INSERT INTO notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data) VALUES
    (9000000000002, '  padded  ', :basic, 0, -1, ' Odd odd ODD other ',
        'front 2' || char(31) || 'back 2', '', 0, 0, ''),
    (9000000000003, :long_guid, :basic, 0, -1, '', 'front 3' || char(31) || 'back 3', '', 0, 0, ''),
    (9000000000004, '', :basic, 0, -1, '', 'front 4' || char(31) || 'back 4', '', 0, 0, ''),
    (9000000000005, 'extra', :basic, 0, -1, '',
        'front 5' || char(31) || 'back 5' || char(31) || 'surplus', '', 0, 0, ''),
    (9000000000006, 'short', :basic, 0, -1, '', 'only front', '', 0, 0, ''),
    (9000000000007, 'nocards', :basic, 0, -1, '', 'front 7' || char(31) || 'back 7', '', 0, 0, ''),
    (9000000000008, 'unknown', 12345, 0, -1, '', 'front 8' || char(31) || 'back 8', '', 0, 0, ''),
    (9000000000009, 'toolong', :basic, 0, -1, '', long_text() || char(31) || 'b', '', 0, 0, ''),
    (9000000000010, 'badords', :basic, 0, -1, '', 'front 10' || char(31) || 'back 10', '', 0, 0,
        ''),
    (9000000000011, 'allbad', :basic, 0, -1, '', 'front 11' || char(31) || 'back 11', '', 0, 0,
        ''),
    (9000000000012, 'emptyextra', :basic, 0, -1, '',
        'front 12' || char(31) || 'back 12' || char(31), '', 0, 0, '');
INSERT INTO cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses,
                   left, odue, odid, flags, data)
    SELECT 9000000000100 + n.id - 9000000000000, n.id, (SELECT did FROM cards LIMIT 1), 0,
           0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, ''
    FROM notes n WHERE n.id BETWEEN 9000000000002 AND 9000000000012 AND n.guid != 'nocards'
        AND n.guid != 'allbad';
-- Cards pointing at templates Basic lacks, a second card for one template, and an orphan.
INSERT INTO cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses,
                   left, odue, odid, flags, data) VALUES
    (9000000000201, 9000000000010, (SELECT did FROM cards LIMIT 1), 3, 0, -1, 0, 0, 1, 0, 0, 0,
        0, 0, 0, 0, 0, ''),
    (9000000000202, 9000000000010, (SELECT did FROM cards LIMIT 1), 0, 0, -1, 0, 0, 1, 0, 0, 0,
        0, 0, 0, 0, 0, ''),
    (9000000000203, 9000000000011, (SELECT did FROM cards LIMIT 1), 7, 0, -1, 0, 0, 1, 0, 0, 0,
        0, 0, 0, 0, 0, ''),
    (9000000000204, 999999999999, (SELECT did FROM cards LIMIT 1), 0, 0, -1, 0, 0, 1, 0, 0, 0,
        0, 0, 0, 0, 0, '');
-- Reviews of a skipped note's card and of the orphan card are left out.
INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES
    (1600000000001, 9000000000203, -1, 3, 1, 0, 2500, 1000, 0),
    (1600000000002, 9000000000204, -1, 3, 1, 0, 2500, 1000, 0)
"""


def test_odd_notes_are_skipped_or_mended_and_each_kind_is_reported(owner, scheduled, tmp_path):
    path = _edited(
        scheduled.packages["legacy"],
        tmp_path,
        EDITS,
        basic=scheduled.note_type_ids["Basic"],
        long_guid="g" * 65,
    )

    report = import_package(user=owner, path=path)

    notes = {note.guid: note for note in Note.objects.filter(owner=owner)}
    assert set(scheduled.notes) <= set(notes)
    assert all(note.fields[0] != "copy" for note in notes.values())
    added = {guid: note for guid, note in notes.items() if guid not in scheduled.notes}
    by_front = {note.fields[0]: note for note in added.values()}
    assert sorted(by_front) == [
        "front 10",
        "front 12",
        "front 2",
        "front 4",
        "front 5",
        "only front",
    ]
    assert by_front["front 2"].guid == "padded"
    assert by_front["front 2"].tags == " Odd other "
    assert len(by_front["front 4"].guid) >= 8
    assert by_front["front 5"].fields == ["front 5", "back 5"]
    assert by_front["front 12"].fields == ["front 12", "back 12"]
    assert by_front["only front"].fields == ["only front", ""]
    assert by_front["only front"].guid == "short"
    assert by_front["only front"].first_field == by_front["only front"].sort_value == "only front"
    assert [card.ord for card in by_front["front 10"].cards.all()] == [0]
    assert report.notes_added == len(scheduled.notes) + 6
    assert report.notes_skipped == 5
    assert report.cards == scheduled.cards + 6
    assert report.cards == Card.objects.filter(note__owner=owner).count()
    assert report.reviews == scheduled.reviews == ReviewLog.objects.filter(learner=owner).count()
    assert CardState.objects.filter(learner=owner, card__note__guid__in=list(added)).count() == 0
    assert report.warnings == [
        "1 note(s) use a note type the package does not include; they were skipped.",
        "1 note(s) have no cards in the package; they were skipped.",
        "1 note(s) repeat another note's GUID; they were skipped.",
        "1 note(s) have an over-long GUID; they were skipped.",
        "1 note(s) have a field over a million characters; they were skipped.",
        "1 note(s) had more fields than their note type; the extra fields were dropped.",
        "3 card(s) point at a card template that does not exist; they were skipped.",
    ]


def test_importing_the_odd_package_again_adds_nothing(owner, scheduled, tmp_path):
    path = _edited(
        scheduled.packages["legacy"],
        tmp_path,
        EDITS,
        basic=scheduled.note_type_ids["Basic"],
        long_guid="g" * 65,
    )
    import_package(user=owner, path=path)
    notes_before = Note.objects.filter(owner=owner).count()

    again = import_package(user=owner, path=path)

    # The note with an empty GUID gets a new one each time, so it comes again.
    assert again.notes_added == 1
    assert again.notes_updated == 0
    assert again.notes_unchanged == len(scheduled.notes) + 5
    assert Note.objects.filter(owner=owner).count() == notes_before + 1
    assert again.reviews == 0
