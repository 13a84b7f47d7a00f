"""Reads behind an export: streamed rows, epoch seconds in SQL, ids kept unique."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import UTC, datetime

from exports.apkg import write_apkg
from exports.records import ExportCard, ExportDeck, ExportNote, ExportNoteType
from exports.selectors import EpochSeconds, ExportScope, iter_export_notes
from flashcards.models import Card, Note
from tests.factories import make_deck, make_note, make_note_type_basic, make_note_type_reversed


def test_the_database_turns_modification_times_into_whole_epoch_seconds(owner):
    note = make_note(owner, make_note_type_basic(owner), make_deck(owner))
    moment = datetime(2024, 2, 29, 23, 59, 58, 750_000, tzinfo=UTC)
    Note.objects.filter(pk=note.pk).update(modified=moment)

    value = Note.objects.annotate(s=EpochSeconds("modified")).values_list("s", flat=True).get()

    assert value == int(moment.timestamp()) == 1709251198


def test_notes_come_once_each_with_only_the_scopes_cards_in_note_order(owner):
    deck, other_deck = make_deck(owner, "A"), make_deck(owner, "B")
    reverse = make_note_type_reversed(owner)
    notes = [make_note(owner, reverse, deck, [f"f{i}", f"b{i}"]) for i in range(5)]
    Card.objects.filter(note=notes[1], ord=1).update(deck=other_deck)
    Card.objects.filter(note=notes[3]).update(deck=other_deck)

    exported = list(iter_export_notes(ExportScope.for_deck(deck)))

    assert [n.guid for n in exported] == [notes[i].guid for i in (0, 1, 2, 4)]
    assert [[c.ord for c in n.cards] for n in exported] == [[0, 1], [0], [0, 1], [0, 1]]
    assert [n.position for n in exported] == [1, 2, 3, 4]
    assert exported[0].fields == ["f0", "b0"]


def test_a_repeated_anki_id_gets_a_fresh_one_which_the_progress_writer_learns(tmp_path):
    note_type = ExportNoteType(
        anki_id=7, name="Basic", kind="standard", fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
    )  # fmt: skip
    notes = [
        ExportNote(100, "g1", 7, ["a", "b"], [], 1, [ExportCard(0, 1, 500, key="first")]),
        # Same note id and card id as the first: both must change.
        ExportNote(100, "g2", 7, ["c", "d"], [], 1, [ExportCard(0, 1, 500, key="second")]),
        # Its own note id, but a card id the first note took.
        ExportNote(101, "g3", 7, ["e", "f"], [], 1, [ExportCard(0, 1, 500, key="third")]),
    ]
    seen: dict = {}
    path = tmp_path / "dup.apkg"

    result = write_apkg(
        path,
        decks=[ExportDeck(1, "Default")],
        note_types=[note_type],
        notes=notes,
        finish_collection=lambda conn, changed: seen.update(changed),
    )

    with zipfile.ZipFile(path) as archive:
        archive.extract("collection.anki2", tmp_path)
    conn = sqlite3.connect(tmp_path / "collection.anki2")
    rows = conn.execute("SELECT n.guid, n.id, c.id FROM notes n JOIN cards c ON c.nid = n.id")
    by_guid = {guid: (note_id, card_id) for guid, note_id, card_id in rows}
    conn.close()
    assert by_guid["g1"] == (100, 500)
    assert len({ids[0] for ids in by_guid.values()}) == 3
    assert len({ids[1] for ids in by_guid.values()}) == 3
    assert (
        seen
        == result.changed_card_ids
        == {
            "second": by_guid["g2"][1],
            "third": by_guid["g3"][1],
        }
    )
