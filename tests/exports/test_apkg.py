"""Exported packages, imported with the real Anki library."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from exports.selectors import ExportScope
from exports.services import build_export_file
from flashcards.models import Card, Note
from flashcards.services.media import media_path
from flashcards.services.notes import update_note
from tests.exports.conftest import anki_notes, anki_notes_by_guid, import_apkg
from tests.exports.content import (
    FONT_BYTES,
    FONT_NAME,
    IMAGE_BYTES,
    IMAGE_NAME,
    SOUND_BYTES,
    SOUND_NAME,
    UNUSED_NAME,
    build_content,
    expected_notes,
)


def _export(deck, **options):
    options.setdefault("fmt", "apkg")
    options.setdefault("with_progress", False)
    return build_export_file(scope=ExportScope.for_deck(deck), **options)


def _anki_view(col) -> dict[str, dict]:
    view = anki_notes(col)
    for note in view.values():
        del note["type"]
    return view


def test_it_exports_every_note_field_tag_and_card_as_anki_reads_them(owner, anki_col):
    content = build_content(owner)
    built = _export(content.root)

    log = import_apkg(anki_col, built.path)

    assert len(log.log.new) == Note.objects.filter(owner=owner).count() == 8
    assert anki_col.note_count() == 8
    assert anki_col.card_count() == Card.objects.filter(note__owner=owner).count() == 12
    assert _anki_view(anki_col) == expected_notes(owner)
    assert built.notes == 8 and built.cards == 12


def test_it_makes_the_cards_each_note_type_makes(owner, anki_col):
    content = build_content(owner)
    import_apkg(anki_col, _export(content.root).path)

    by_guid = anki_notes_by_guid(anki_col)
    cards_per_note = {name: len(by_guid[note.guid].cards()) for name, note in content.notes.items()}
    assert cards_per_note == {
        "basic": 1,
        "reversed": 2,
        "optional_on": 2,
        "optional_off": 1,
        "typing": 1,
        "cloze": 2,
        "custom": 2,
        "custom_one_card": 1,
    }
    cloze = by_guid[content.notes["cloze"].guid]
    assert sorted(card.ord for card in cloze.cards()) == [0, 2]


def test_it_keeps_deck_names_nesting_and_descriptions(owner, anki_col):
    content = build_content(owner)
    import_apkg(anki_col, _export(content.root).path)

    names = {deck.name for deck in anki_col.decks.all_names_and_ids()}
    assert {"Langues", "Langues::Français", "Langues::Français::Verbes (irréguliers)"} <= names
    french = anki_col.decks.by_name("Langues::Français")
    verbs = anki_col.decks.by_name("Langues::Français::Verbes (irréguliers)")
    assert [d["name"] for d in anki_col.decks.parents(verbs["id"])] == [
        "Langues",
        "Langues::Français",
    ]
    assert french["desc"] == "Mots <b>utiles</b> & phrases"


def test_it_keeps_note_types_with_their_ids_templates_and_css(owner, anki_col):
    content = build_content(owner)
    import_apkg(anki_col, _export(content.root).path)

    custom = content.note_types["custom"]
    model = anki_col.models.get(custom.anki_id)
    assert model is not None
    assert model["name"] == "Vocab ✓ custom"
    assert [f["name"] for f in model["flds"]] == ["Front", "Back", "Example"]
    assert [(t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"]] == [
        (t["name"], t["qfmt"], t["afmt"]) for t in custom.templates
    ]
    assert model["css"] == custom.css
    cloze = anki_col.models.get(content.note_types["cloze"].anki_id)
    assert cloze["type"] == 1


def test_it_ships_referenced_media_with_awkward_names_and_nothing_else(owner, anki_col):
    content = build_content(owner)
    built = _export(content.root)
    import_apkg(anki_col, built.path)

    folder = Path(anki_col.media.dir())
    assert sorted(p.name for p in folder.iterdir()) == sorted([IMAGE_NAME, SOUND_NAME, FONT_NAME])
    assert (folder / IMAGE_NAME).read_bytes() == IMAGE_BYTES
    assert (folder / SOUND_NAME).read_bytes() == SOUND_BYTES
    assert (folder / FONT_NAME).read_bytes() == FONT_BYTES
    assert UNUSED_NAME not in built.media
    assert built.missing_media == []


def test_it_builds_the_package_without_a_missing_file_and_names_it(owner, anki_col):
    content = build_content(owner)
    media = owner.media.get(filename=SOUND_NAME)
    media_path(media.sha256).unlink()
    update_note(
        note=content.notes["reversed"],
        fields=["le chat <img src='never uploaded.jpg'>", "the cat"],
    )

    built = _export(content.root)
    import_apkg(anki_col, built.path)

    assert built.missing_media == ["my sound (2).mp3", "never uploaded.jpg"]
    assert sorted(p.name for p in Path(anki_col.media.dir()).iterdir()) == [FONT_NAME, IMAGE_NAME]
    assert anki_col.note_count() == 8


def test_the_package_is_compressed(owner):
    content = build_content(owner)
    data = _export(content.root).path.read_bytes()

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        collection = archive.getinfo("collection.anki2")
        media_map = json.loads(archive.read("media"))
    assert collection.compress_type == zipfile.ZIP_DEFLATED
    assert collection.compress_size < collection.file_size / 3
    assert sorted(media_map.values()) == sorted([IMAGE_NAME, SOUND_NAME, FONT_NAME])


def test_an_edited_deck_exported_again_updates_anki_without_duplicates(owner, anki_col):
    content = build_content(owner)
    # Anki updates a note when the incoming one is newer, counted in seconds.
    Note.objects.filter(owner=owner).update(modified=timezone.now() - timedelta(hours=1))
    import_apkg(anki_col, _export(content.root).path)
    note_types_before = len(anki_col.models.all_names_and_ids())
    decks_before = len(anki_col.decks.all_names_and_ids())

    update_note(
        note=content.notes["basic"],
        fields=["Ça va ? <b>très</b> bien (edited)", "changed back"],
        tags=["edited"],
    )
    update_note(note=content.notes["optional_off"], fields=["l'oiseau", "the bird", "y"])
    log = import_apkg(anki_col, _export(content.root).path)

    assert len(log.log.new) == 0
    assert len(log.log.updated) >= 2
    assert anki_col.note_count() == 8
    assert len(anki_col.models.all_names_and_ids()) == note_types_before
    assert len(anki_col.decks.all_names_and_ids()) == decks_before
    basic = anki_notes(anki_col)[content.notes["basic"].guid]
    assert basic["fields"] == {"Front": "Ça va ? <b>très</b> bien (edited)", "Back": "changed back"}
    assert basic["tags"] == ["edited"]


def test_each_export_of_the_same_deck_has_the_same_ids(owner):
    content = build_content(owner)
    first, second = _export(content.root), _export(content.root)

    def ids(path):
        import sqlite3
        import tempfile

        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as tmp:
            archive.extract("collection.anki2", tmp)
            conn = sqlite3.connect(Path(tmp) / "collection.anki2")
            rows = (
                sorted(conn.execute("SELECT id, guid, mid FROM notes")),
                sorted(conn.execute("SELECT id, nid, did, ord FROM cards")),
                sorted(json.loads(conn.execute("SELECT models FROM col").fetchone()[0])),
            )
            conn.close()
            return rows

    assert ids(first.path) == ids(second.path)


def test_a_selection_exports_only_the_selected_cards(owner, anki_col):
    content = build_content(owner)
    cloze_cards = list(content.notes["cloze"].cards.order_by("ord"))
    chosen = [cloze_cards[0].pk, content.notes["typing"].cards.get().pk]

    built = build_export_file(
        scope=ExportScope.for_cards(owner, chosen), fmt="apkg", with_progress=False
    )
    import_apkg(anki_col, built.path)

    assert anki_col.note_count() == 2
    assert anki_col.card_count() == 2
    assert built.filename == "Selected cards.apkg"
    assert "Langues::Français::Verbes (irréguliers)" in {
        d.name for d in anki_col.decks.all_names_and_ids()
    }


def test_notes_sharing_an_anki_id_still_export_as_two_notes(owner, anki_col):
    content = build_content(owner)
    first, second = content.notes["basic"], content.notes["typing"]
    Note.objects.filter(pk=second.pk).update(anki_id=first.anki_id)
    card = second.cards.get()
    Card.objects.filter(pk=card.pk).update(anki_id=first.cards.get().anki_id)

    import_apkg(anki_col, _export(content.root).path)

    assert anki_col.note_count() == 8
    assert anki_col.card_count() == 12
