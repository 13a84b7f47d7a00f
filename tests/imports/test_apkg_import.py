"""Packages made by the real Anki library import exactly: fields, tags, media, reviews."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flashcards.models import Card, Deck, Media, Note, NoteType
from flashcards.services.media import read_media
from imports.services import import_package
from reviews.models import CardState, ReviewLog

KINDS = ["legacy", "current", "colpkg"]


def _notes_by_guid(user) -> dict[str, Note]:
    return {note.guid: note for note in Note.objects.filter(owner=user).select_related("note_type")}


@pytest.mark.parametrize("kind", KINDS)
def test_it_imports_every_note_with_its_fields_tags_and_note_type(owner, scheduled, kind):
    report = import_package(user=owner, path=scheduled.packages[kind])

    notes = _notes_by_guid(owner)
    assert set(notes) == set(scheduled.notes)
    for guid, expected in scheduled.notes.items():
        note = notes[guid]
        assert note.fields == expected.fields
        assert sorted(note.tag_list) == sorted(expected.tags)
        assert note.note_type.name == expected.note_type
        assert note.cards.count() == expected.card_count
        assert {card.deck.full_name for card in note.cards.all()} == expected.decks
    assert report.notes_added == len(scheduled.notes)
    assert report.notes_updated == report.notes_unchanged == report.notes_skipped == 0
    assert report.cards == scheduled.cards == Card.objects.filter(note__owner=owner).count()
    assert report.warnings == []


@pytest.mark.parametrize("kind", KINDS)
def test_it_keeps_the_deck_tree_and_anki_ids(owner, scheduled, kind):
    report = import_package(user=owner, path=scheduled.packages[kind])

    names = set(Deck.objects.filter(owner=owner).values_list("full_name", flat=True))
    assert names == {
        "Languages",
        "Languages::French",
        "Languages::Spanish",
        "Languages::Spanish::Verbs",
    }
    verbs = Deck.objects.get(owner=owner, full_name="Languages::Spanish::Verbs")
    assert verbs.parent.full_name == "Languages::Spanish"
    assert verbs.anki_id == scheduled.deck_ids["Languages::Spanish::Verbs"]
    assert report.decks == ["Languages::French", "Languages::Spanish::Verbs"]
    assert report.decks_created == 4
    for note in Note.objects.filter(owner=owner).select_related("note_type"):
        assert note.note_type.anki_id == scheduled.note_type_ids[note.note_type.name]


@pytest.mark.parametrize("kind", KINDS)
def test_it_brings_note_types_with_templates_css_and_cloze(owner, scheduled, kind):
    import_package(user=owner, path=scheduled.packages[kind])

    vocab = NoteType.objects.get(owner=owner, name="Vocab")
    assert vocab.field_names == ["Word", "Meaning", "Example"]
    assert [t["name"] for t in vocab.templates] == ["Recognize", "Recall"]
    assert vocab.templates[1]["qfmt"] == "{{Meaning}}"
    assert "color: #123456" in vocab.css
    assert vocab.kind == NoteType.STANDARD
    cloze = NoteType.objects.get(owner=owner, name="Cloze")
    assert cloze.is_cloze
    cloze_note = Note.objects.get(owner=owner, note_type=cloze)
    assert sorted(cloze_note.cards.values_list("ord", flat=True)) == [0, 1]
    perro = Note.objects.get(owner=owner, note_type=vocab, first_field="perro")
    assert sorted(perro.cards.values_list("ord", flat=True)) == [0, 1]
    # A colpkg holds every note type of the collection; only the ones notes use come in.
    assert set(NoteType.objects.filter(owner=owner).values_list("name", flat=True)) == {
        "Basic",
        "Cloze",
        "Vocab",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_it_stores_images_and_audio_byte_for_byte(owner, scheduled, kind):
    report = import_package(user=owner, path=scheduled.packages[kind])

    media = {m.filename: m for m in Media.objects.filter(owner=owner)}
    assert set(media) == set(scheduled.media)
    for name, data in scheduled.media.items():
        assert read_media(media[name]) == data
    assert media["cat.png"].content_type == "image/png"
    assert media["hello.mp3"].content_type == "audio/mpeg"
    assert report.media == 2


@pytest.mark.parametrize("kind", KINDS)
def test_it_brings_the_review_history_and_fsrs_state(owner, scheduled, kind):
    report = import_package(user=owner, path=scheduled.packages[kind])

    assert report.reviews == scheduled.reviews == ReviewLog.objects.filter(learner=owner).count()
    assert set(ReviewLog.objects.values_list("rating", flat=True)) <= {1, 3}
    assert ReviewLog.objects.filter(anki_id__isnull=True).count() == 0
    states = {
        state.card.anki_id: state
        for state in CardState.objects.filter(learner=owner).select_related("card")
    }
    assert set(scheduled.fsrs_states) <= set(states)
    for card_id, (stability, difficulty) in scheduled.fsrs_states.items():
        state = states[card_id]
        assert state.stability == pytest.approx(stability, rel=1e-3)
        assert state.difficulty == pytest.approx(difficulty, rel=1e-3)
        assert state.last_review is not None
        assert state.reps >= 1
    review_states = [s for s in states.values() if s.state == CardState.REVIEW]
    assert len(review_states) == 4
    now = datetime.now(UTC)
    for state in review_states:
        # Good, Good on a new card: due in a few days, at the start of a study day.
        assert now < state.due < now + timedelta(days=30)
        local = state.due.astimezone(owner.zone)
        assert (local.hour, local.minute) == (owner.day_starts_at_hour, 0)
    learning = [s for s in states.values() if s.state == CardState.LEARNING]
    assert len(learning) == 1
    assert now - timedelta(minutes=5) < learning[0].due < now + timedelta(hours=1)


@pytest.mark.parametrize("kind", KINDS)
def test_it_suspends_the_cards_anki_had_suspended(owner, scheduled, kind):
    import_package(user=owner, path=scheduled.packages[kind])

    suspended = CardState.objects.filter(learner=owner, suspended=True)
    assert suspended.count() == 1
    assert suspended.get().card.note.guid in scheduled.suspended_guids


@pytest.mark.parametrize("kind", KINDS)
def test_a_package_without_scheduling_brings_no_progress(owner, unscheduled, kind):
    report = import_package(user=owner, path=unscheduled.packages[kind])

    assert report.notes_added == len(unscheduled.notes)
    assert report.cards == unscheduled.cards
    assert report.reviews == 0
    assert CardState.objects.count() == 0
    assert ReviewLog.objects.count() == 0
    assert Media.objects.filter(owner=owner).count() == 2


def test_a_colpkg_keeps_its_review_history_even_without_fsrs_data(owner, tmp_path):
    """Scheduling from an SM-2 collection: the memory state is computed from the history."""
    from tests.imports.anki_builder import build_collection

    built = build_collection(tmp_path / "sm2", scheduling=True, fsrs=False)
    import_package(user=owner, path=built.packages["current"])

    states = CardState.objects.filter(learner=owner).exclude(state=CardState.NEW)
    assert states.count() == 5
    for state in states:
        assert state.stability is not None and state.stability > 0
        assert 1 <= state.difficulty <= 10
    assert ReviewLog.objects.filter(learner=owner).count() == built.reviews


def test_importing_the_same_package_twice_changes_nothing(owner, scheduled):
    import_package(user=owner, path=scheduled.packages["current"])
    counts = (
        Note.objects.count(),
        Card.objects.count(),
        Media.objects.count(),
        Deck.objects.count(),
        NoteType.objects.count(),
        ReviewLog.objects.count(),
        CardState.objects.count(),
    )

    report = import_package(user=owner, path=scheduled.packages["legacy"])

    assert report.notes_added == report.notes_updated == report.cards == report.reviews == 0
    assert report.notes_unchanged == len(scheduled.notes)
    assert report.decks_created == report.note_types_created == 0
    assert counts == (
        Note.objects.count(),
        Card.objects.count(),
        Media.objects.count(),
        Deck.objects.count(),
        NoteType.objects.count(),
        ReviewLog.objects.count(),
        CardState.objects.count(),
    )


def test_an_updated_package_updates_notes_and_keeps_progress(owner, tmp_path):
    from anki.collection import Collection, ExportAnkiPackageOptions

    from tests.imports.anki_builder import _answer

    col = Collection(str(tmp_path / "col.anki2"))
    try:
        basic = col.models.by_name("Basic")
        deck_id = col.decks.id("Deck")
        note = col.new_note(basic)
        note["Front"], note["Back"] = "old front", "old back"
        note.tags = ["old"]
        col.add_note(note, deck_id)
        other = col.new_note(basic)
        other["Front"], other["Back"] = "stays", "the same"
        col.add_note(other, deck_id)
        first = tmp_path / "first.apkg"
        options = ExportAnkiPackageOptions(with_scheduling=False, with_media=True, legacy=False)
        col.export_anki_package(out_path=str(first), options=options, limit=None)
        note["Front"], note["Back"] = "new front", "new back"
        note.tags = ["new", "edited"]
        col.update_note(note)
        added = col.new_note(basic)
        added["Front"], added["Back"] = "brand", "new"
        col.add_note(added, deck_id)
        _answer(col, added.cards()[0].id, 3)
        second = tmp_path / "second.apkg"
        col.export_anki_package(out_path=str(second), options=options, limit=None)
    finally:
        col.close()
    import_package(user=owner, path=first)
    mine = Note.objects.get(owner=owner, guid=note.guid)
    card = mine.cards.get()
    state = CardState.objects.create(
        learner=owner, card=card, deck=card.deck, state=CardState.REVIEW, reps=3, stability=12.0
    )

    report = import_package(user=owner, path=second)

    mine.refresh_from_db()
    assert mine.fields == ["new front", "new back"]
    assert sorted(mine.tag_list) == ["edited", "new"]
    assert (report.notes_added, report.notes_updated, report.notes_unchanged) == (1, 1, 1)
    assert Note.objects.filter(owner=owner).count() == 3
    assert mine.cards.get().pk == card.pk
    state.refresh_from_db()
    assert (state.reps, state.stability) == (3, 12.0)


def test_another_users_notes_with_the_same_guids_are_left_alone(owner, other_user, scheduled):
    import_package(user=other_user, path=scheduled.packages["current"])

    report = import_package(user=owner, path=scheduled.packages["current"])

    assert report.notes_added == len(scheduled.notes)
    assert Note.objects.filter(owner=other_user).count() == len(scheduled.notes)
    assert ReviewLog.objects.filter(learner=other_user).count() == scheduled.reviews
    assert ReviewLog.objects.filter(learner=owner).count() == scheduled.reviews


def test_a_deck_name_puts_the_package_under_that_deck(owner, scheduled):
    report = import_package(user=owner, path=scheduled.packages["current"], deck_name="Shared")

    assert report.decks == ["Shared::Languages::French", "Shared::Languages::Spanish::Verbs"]
    assert Deck.objects.filter(owner=owner, full_name__startswith="Languages").count() == 0


def test_it_reports_progress_up_to_the_total(owner, scheduled):
    calls: list[tuple[int, int]] = []

    import_package(
        user=owner, path=scheduled.packages["current"], progress=lambda d, t: calls.append((d, t))
    )

    assert calls[0][0] == 0
    assert calls[-1][0] == calls[-1][1] == len(scheduled.notes) + len(scheduled.media)


def test_a_media_name_taken_by_other_bytes_is_renamed_and_notes_follow(owner, scheduled):
    from flashcards.services.media import store_media

    store_media(owner=owner, filename="cat.png", data=b"my own different cat")

    import_package(user=owner, path=scheduled.packages["current"])

    note = Note.objects.get(owner=owner, first_field="hablar")
    renamed = Media.objects.get(owner=owner, filename__startswith="cat-")
    assert f'<img src="{renamed.filename}">' in note.fields[0]
    assert read_media(renamed) == scheduled.media["cat.png"]
    assert read_media(Media.objects.get(owner=owner, filename="cat.png")) == b"my own different cat"
