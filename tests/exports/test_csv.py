"""Notes as CSV/TSV that Anki's importer reads as they are."""

from __future__ import annotations

import pytest

from exports.selectors import ExportScope
from exports.services import build_export_file
from flashcards.models import Note
from tests.exports.conftest import anki_notes, import_csv
from tests.exports.content import build_content


def _export(deck, fmt):
    return build_export_file(scope=ExportScope.for_deck(deck), fmt=fmt, with_progress=False)


STOCK = ["basic", "reversed", "optional_on", "optional_off", "typing", "cloze"]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_anki_imports_the_file_with_fields_tags_decks_and_note_types(owner, anki_col, fmt):
    content = build_content(owner)
    built = _export(content.root, fmt)

    log = import_csv(anki_col, built.path)

    # A CSV file carries no note types: notes of the custom type need it in Anki already.
    assert len(log.log.new) == len(STOCK)
    imported = anki_notes(anki_col)
    for name in STOCK:
        note = content.notes[name]
        got = imported[note.guid]
        assert got["type"] == note.note_type.name
        assert got["fields"] == note.field_map()
        assert got["tags"] == sorted(note.tag_list)
        first_deck = note.cards.order_by("ord").first().deck.full_name
        assert {deck for _, deck in got["cards"]} == {first_deck}
    assert built.notes == Note.objects.filter(owner=owner).count()


def test_the_file_starts_with_the_headers_anki_reads(owner):
    content = build_content(owner)
    built = _export(content.root, "tsv")

    lines = built.path.read_text(encoding="utf-8").splitlines()
    assert lines[:6] == [
        "#separator:tab",
        "#html:true",
        "#guid column:1",
        "#notetype column:2",
        "#deck column:3",
        "#tags column:7",
    ]
    assert built.filename == "Langues - Français.tsv"


def test_reimporting_an_edited_csv_updates_the_notes(owner, anki_col):
    from flashcards.services.notes import update_note

    content = build_content(owner)
    import_csv(anki_col, _export(content.root, "csv").path)
    update_note(note=content.notes["reversed"], fields=["le chat", "the cat (edited)"])

    log = import_csv(anki_col, _export(content.root, "csv").path)

    assert len(log.log.new) == 0
    assert anki_col.note_count() == len(STOCK)
    fields = anki_notes(anki_col)[content.notes["reversed"].guid]["fields"]
    assert fields["Back"] == "the cat (edited)"
