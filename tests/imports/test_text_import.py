"""CSV/TSV with Anki's headers, files mapped by hand, and pasted text such as Quizlet's export."""

from __future__ import annotations

import pytest

from flashcards.models import Card, Deck, Note, NoteType
from flashcards.services.notetypes import ensure_stock_note_types
from imports.errors import ImportError_, TextFormatError
from imports.services import import_text
from imports.text_import import (
    IGNORE,
    TAGS,
    TextImportSpec,
    decode_text,
    default_columns,
    field_html,
    guess_separator,
    read_rows,
    spec_for_file,
    split_header,
    split_pasted,
)

QUIZLET = "perro\tdog\ngato\tcat, the animal\n\ncasa\thouse\n"

ANKI_EXPORT = (
    "#separator:tab\n"
    "#html:true\n"
    "#guid column:1\n"
    "#notetype column:2\n"
    "#deck column:3\n"
    "#tags column:6\n"
    "a1b2c3\tBasic\tSpanish::Verbs\t<b>hablar</b>\tto speak\tverb spanish\n"
    'x9y8z7\tBasic (and reversed card)\tSpanish\t"el\tperro"\tthe dog\tnoun\n'
)


# --- parsing (no database) ----------------------------------------------------------


def test_it_reads_anki_file_headers():
    header, body = split_header(ANKI_EXPORT)

    assert header.separator == "\t"
    assert header.html is True
    assert (header.guid_column, header.notetype_column, header.deck_column) == (0, 1, 2)
    assert header.tags_column == 5
    assert header.is_complete
    assert body.startswith("a1b2c3")


def test_it_reads_named_and_literal_separators_and_columns():
    header, _ = split_header("#separator:Semicolon\n#columns:Front;Back;Tags\n#deck:Default\n")
    assert header.separator == ";"
    assert header.columns == ["Front", "Back", "Tags"]
    assert header.deck == "Default"
    assert not header.is_complete
    header, _ = split_header("#separator:|\n#notetype:Cloze\n#deck:X\n#tags:a b\n")
    assert header.separator == "|"
    assert header.tags == ["a", "b"]
    assert header.is_complete


def test_it_refuses_an_unknown_separator_name():
    with pytest.raises(TextFormatError):
        split_header("#separator:Banana\n")


def test_it_guesses_the_separator_as_anki_does():
    assert guess_separator("a\tb,c\n") == "\t"
    assert guess_separator("a;b,c\n") == ";"
    assert guess_separator("front,back\n") == ","
    assert guess_separator("one two\n") == " "


def test_it_reads_quoted_fields_with_separators_and_line_breaks():
    rows = read_rows('"a, b",c\n"multi\nline",d\n\n', ",")

    assert rows == [["a, b", "c"], ["multi\nline", "d"]]


def test_it_splits_quizlet_text_on_the_first_term_separator():
    assert split_pasted(QUIZLET, "\t", "\n") == [
        ["perro", "dog"],
        ["gato", "cat, the animal"],
        ["casa", "house"],
    ]
    assert split_pasted("a - b; c - d - e;", " - ", ";") == [["a", "b"], ["c", "d - e"]]
    assert split_pasted("one,uno\r\ntwo,dos", ",", "\n") == [["one", "uno"], ["two", "dos"]]


def test_plain_text_becomes_escaped_html_with_line_breaks():
    assert field_html("a < b\nc & d", is_html=False) == "a &lt; b<br>c &amp; d"
    assert field_html("<b>x</b>", is_html=True) == "<b>x</b>"


def test_it_decodes_utf8_with_a_bom_utf16_and_latin1():
    assert decode_text("\ufeffcafé".encode()) == "café"
    assert decode_text("café".encode("utf-16")) == "café"
    assert decode_text("café".encode("latin-1")) == "café"
    with pytest.raises(TextFormatError):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00")


def test_default_columns_map_fields_in_order_and_a_last_extra_column_to_tags():
    assert default_columns(["Front", "Back"], 2) == ["Front", "Back"]
    assert default_columns(["Front", "Back"], 3) == ["Front", "Back", TAGS]
    assert default_columns(["Front", "Back"], 4) == ["Front", "Back", IGNORE, IGNORE]


def test_a_file_spec_follows_its_headers_and_guesses_the_rest():
    spec, header = spec_for_file("#columns:Front,Back,Tags\nuno,one,num\n")

    assert spec.separator == ","
    assert spec.columns == ["Front", "Back", TAGS]
    assert spec.html is False
    assert spec.note_type == "Basic" and spec.deck == "Default"


# --- importing -----------------------------------------------------------------------


def test_it_imports_an_anki_export_with_guid_notetype_deck_and_tags_columns(owner):
    spec, _ = spec_for_file(ANKI_EXPORT)

    report = import_text(user=owner, text=ANKI_EXPORT, spec=spec)

    hablar = Note.objects.get(owner=owner, guid="a1b2c3")
    assert hablar.fields == ["<b>hablar</b>", "to speak"]
    assert sorted(hablar.tag_list) == ["spanish", "verb"]
    assert hablar.cards.get().deck.full_name == "Spanish::Verbs"
    perro = Note.objects.get(owner=owner, guid="x9y8z7")
    assert perro.note_type.name == "Basic (and reversed card)"
    assert perro.fields == ["el\tperro", "the dog"]
    assert perro.cards.count() == 2
    assert (report.notes_added, report.cards) == (2, 3)
    assert report.decks == ["Spanish", "Spanish::Verbs"]
    assert report.decks_created == 2


def test_importing_the_export_again_updates_by_guid(owner):
    spec, _ = spec_for_file(ANKI_EXPORT)
    import_text(user=owner, text=ANKI_EXPORT, spec=spec)
    changed = ANKI_EXPORT.replace("to speak", "to talk")

    report = import_text(user=owner, text=changed, spec=spec)

    assert (report.notes_added, report.notes_updated, report.notes_unchanged) == (0, 1, 1)
    assert Note.objects.get(owner=owner, guid="a1b2c3").fields[1] == "to talk"
    assert Note.objects.filter(owner=owner).count() == 2
    assert Card.objects.filter(note__owner=owner).count() == 3


def test_it_imports_quizlet_text_into_basic_notes(owner):
    spec = TextImportSpec(separator="\t", row_separator="\n", pasted=True, deck="Quizlet")

    report = import_text(user=owner, text=QUIZLET, spec=spec)

    notes = Note.objects.filter(owner=owner).order_by("id")
    assert [note.fields for note in notes] == [
        ["perro", "dog"],
        ["gato", "cat, the animal"],
        ["casa", "house"],
    ]
    assert {note.note_type.name for note in notes} == {"Basic"}
    assert Deck.objects.get(owner=owner, full_name="Quizlet").cards.count() == 3
    assert report.notes_added == 3 and report.cards == 3


def test_pasting_the_same_list_again_adds_nothing_and_updates_changed_definitions(owner):
    spec = TextImportSpec(separator="\t", row_separator="\n", pasted=True, deck="Quizlet")
    import_text(user=owner, text=QUIZLET, spec=spec)

    report = import_text(user=owner, text=QUIZLET.replace("house", "home"), spec=spec)

    assert (report.notes_added, report.notes_updated, report.notes_unchanged) == (0, 1, 2)
    assert Note.objects.filter(owner=owner).count() == 3


def test_a_mapped_file_puts_columns_in_the_chosen_fields_and_tags(owner):
    text = "Word,Meaning,Labels\nsol,sun,sky nature\nluna,moon & stars,sky\n"
    spec = TextImportSpec(
        separator=",",
        note_type="Basic",
        deck="Sky",
        columns=["Back", "Front", TAGS],
        first_row_is_header=True,
    )

    report = import_text(user=owner, text=text, spec=spec)

    notes = {note.fields[1]: note for note in Note.objects.filter(owner=owner)}
    assert set(notes) == {"sol", "luna"}
    assert notes["luna"].fields == ["moon &amp; stars", "luna"]
    assert sorted(notes["sol"].tag_list) == ["nature", "sky"]
    assert report.notes_added == 2


def test_rows_that_make_no_cards_or_repeat_are_skipped_with_warnings(owner):
    spec = TextImportSpec(separator=",", deck="D")

    report = import_text(user=owner, text="a,1\n,only back\na,2\n", spec=spec)

    assert report.notes_added == 1
    assert report.notes_skipped == 2
    assert len(report.warnings) == 2


def test_it_refuses_text_without_rows_or_an_unknown_note_type(owner):
    with pytest.raises(TextFormatError):
        import_text(user=owner, text="\n\n", spec=TextImportSpec())
    with pytest.raises(ImportError_):
        import_text(user=owner, text="a\tb\n", spec=TextImportSpec(note_type="Nope"))
    assert Note.objects.count() == 0


def test_a_cloze_file_makes_a_card_per_cloze(owner):
    ensure_stock_note_types(owner=owner)
    text = "#separator:tab\n#notetype:Cloze\n#deck:Geo\n{{c1::Paris}} in {{c2::France}}\textra\n"
    spec, _ = spec_for_file(text)

    import_text(user=owner, text=text, spec=spec)

    note = Note.objects.get(owner=owner)
    assert note.note_type == NoteType.objects.get(owner=owner, name="Cloze")
    assert sorted(note.cards.values_list("ord", flat=True)) == [0, 1]
