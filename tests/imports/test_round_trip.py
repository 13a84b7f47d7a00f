"""Anki -> Deckhand -> .apkg -> Anki keeps notes, GUIDs, fields, tags, media and note type ids."""

from __future__ import annotations

import os

import pytest

from flashcards.models import Deck
from imports.services import import_package
from tests.imports.anki_builder import import_with_anki, media_folder

exports_services = pytest.importorskip(
    "exports.services", reason="the exports app has no package export yet"
)
exports_selectors = pytest.importorskip("exports.selectors")


@pytest.mark.parametrize("kind", ["legacy", "current", "colpkg"])
def test_a_round_trip_through_deckhand_keeps_notes_guids_and_media(
    owner, scheduled, tmp_path, kind
):
    import_package(user=owner, path=scheduled.packages[kind])
    top = Deck.objects.get(owner=owner, full_name="Languages")
    built = exports_services.build_export_file(
        scope=exports_selectors.ExportScope.for_deck(top), fmt="apkg", with_progress=True
    )

    col = import_with_anki(built.path, tmp_path / "anki")
    try:
        notes = {col.get_note(nid).guid: col.get_note(nid) for nid in col.find_notes("")}
        assert set(notes) == set(scheduled.notes)
        for guid, expected in scheduled.notes.items():
            note = notes[guid]
            assert list(note.fields) == expected.fields
            assert sorted(note.tags) == sorted(expected.tags)
            # A fresh collection has its own "Basic": Anki names the incoming one "Basic+".
            assert note.note_type()["name"].rstrip("+") == expected.note_type
            assert note.mid == scheduled.note_type_ids[expected.note_type]
            assert len(note.cards()) == expected.card_count
            assert {col.decks.name(card.did) for card in note.cards()} == expected.decks
        folder = media_folder(col)
        for name, data in scheduled.media.items():
            with open(os.path.join(folder, name), "rb") as handle:
                assert handle.read() == data
        assert col.db.scalar("select count() from revlog") == scheduled.reviews
    finally:
        col.close()
        built.path.unlink(missing_ok=True)


def test_deckhands_own_export_imports_back_for_another_user(owner, other_user, scheduled):
    """A genanki-written package (legacy collection.anki2, JSON media map) reads back whole."""
    from flashcards.models import Media, Note
    from flashcards.services.media import read_media
    from reviews.models import ReviewLog

    import_package(user=owner, path=scheduled.packages["current"])
    top = Deck.objects.get(owner=owner, full_name="Languages")
    built = exports_services.build_export_file(
        scope=exports_selectors.ExportScope.for_deck(top), fmt="apkg", with_progress=True
    )
    try:
        report = import_package(user=other_user, path=built.path)
    finally:
        built.path.unlink(missing_ok=True)

    mine = {n.guid: (n.fields, n.tags) for n in Note.objects.filter(owner=owner)}
    theirs = {n.guid: (n.fields, n.tags) for n in Note.objects.filter(owner=other_user)}
    assert theirs == mine
    assert report.notes_added == len(scheduled.notes)
    assert report.reviews == ReviewLog.objects.filter(learner=owner).count()
    for media in Media.objects.filter(owner=other_user):
        assert read_media(media) == scheduled.media[media.filename]
    assert Media.objects.filter(owner=other_user).count() == len(scheduled.media)
