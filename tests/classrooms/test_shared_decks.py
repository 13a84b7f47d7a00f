"""Assigned decks: students study them with their own schedules, see their own counts,
can't edit them, can search, see the pictures, download and copy them; teachers' edits
reach everyone without resetting progress."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from classrooms.access import class_decks, may_study_class_deck
from classrooms.models import Membership
from classrooms.services import remove_assignment, remove_student
from flashcards.access import can_view_media_of
from flashcards.models import Card, Note
from flashcards.selectors import search_cards
from flashcards.services.media import store_media
from flashcards.services.notes import add_note, delete_notes, update_note
from reviews.models import CardState, ReviewLog
from reviews.selectors import deck_counts, learner_can_study_deck
from reviews.services import record_review, shown_version, start_session
from tests import factories
from tests.factories import make_png

pytestmark = pytest.mark.django_db


def grade(learner, card, rating=3):
    state = CardState.objects.filter(learner=learner, card=card).first()
    card = Card.objects.select_related("note", "deck").get(pk=card.pk)
    return record_review(
        learner=learner,
        card=card,
        rating=rating,
        review_id=uuid.uuid4(),
        shown_version=shown_version(state, card),
    )


# --- Who may study ------------------------------------------------------------------


def test_members_may_study_the_assigned_deck_and_its_subdecks(
    classroom, deck, student, co_teacher, teacher, other_student
):
    sub = factories.make_deck(teacher, "Spanish::Verbs")
    look_alike = factories.make_deck(teacher, "Spanish verbs")  # not under "Spanish::"
    for user in (student, co_teacher, teacher):
        assert learner_can_study_deck(user, deck)
        assert learner_can_study_deck(user, sub)
    assert not learner_can_study_deck(student, look_alike)
    assert not learner_can_study_deck(other_student, deck)
    assert set(class_decks(student).values_list("pk", flat=True)) == {deck.pk, sub.pk}
    assert not class_decks(other_student).exists()


def test_deck_names_match_exactly_not_by_case(classroom, teacher, student):
    other = factories.make_deck(teacher, "SPANISH::Verbs")
    assert not may_study_class_deck(student, other)
    assert other.pk not in set(class_decks(student).values_list("pk", flat=True))


def test_a_removed_student_or_unassigned_deck_is_out_of_reach(classroom, deck, student, assignment):
    remove_student(classroom=classroom, student=student)
    assert not learner_can_study_deck(student, deck)
    Membership.objects.create(classroom=classroom, user=student, role=Membership.STUDENT)
    assert learner_can_study_deck(student, deck)
    remove_assignment(assignment=assignment)
    assert not learner_can_study_deck(student, deck)


def test_a_student_studies_on_their_own_schedule(classroom, deck, cards, student, teacher):
    start_session(learner=student, deck=deck)
    start_session(learner=teacher, deck=deck)
    grade(student, cards[0], 3)
    grade(teacher, cards[0], 1)
    mine = CardState.objects.get(learner=student, card=cards[0])
    theirs = CardState.objects.get(learner=teacher, card=cards[0])
    assert (mine.reps, theirs.reps) == (1, 1)
    assert mine.due != theirs.due
    assert deck_counts(learner=student, decks=[deck])[deck.pk].new == 4
    assert ReviewLog.objects.filter(learner=student).count() == 1


def test_the_study_pages_open_for_a_student(classroom, deck, cards, student, client_for):
    client = client_for(student)
    assert client.get(reverse("reviews:study", args=[deck.pk])).status_code == 200
    card = cards[0]
    response = client.get(reverse("reviews:answer", args=[deck.pk, card.pk]))
    assert response.status_code == 200
    version = response.context["shown_version"]
    data = {"rating": 3, "review_id": str(uuid.uuid4()), "shown_version": version}
    response = client.post(reverse("reviews:grade", args=[deck.pk, card.pk]), data)
    assert response.status_code == 200
    assert ReviewLog.objects.filter(learner=student, card=card).count() == 1
    assert client.get(reverse("reviews:deck_options", args=[deck.pk])).status_code == 200


def test_a_student_cannot_edit_the_teachers_content(classroom, deck, cards, student, client_for):
    client = client_for(student)
    note = cards[0].note
    for url in (
        reverse("flashcards:deck_detail", args=[deck.pk]),
        reverse("flashcards:deck_delete", args=[deck.pk]),
        reverse("flashcards:note_edit", args=[note.pk]),
        reverse("flashcards:note_delete", args=[note.pk]),
        reverse("flashcards:notetype_edit", args=[note.note_type_id]),
        reverse("flashcards:card_preview", args=[cards[0].pk]),
    ):
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"field_0": "hacked"}).status_code in (404, 405), url
    client.post(
        reverse("flashcards:browse_bulk"),
        {"card_ids": [cards[0].pk], "action": "delete"},
    )
    note.refresh_from_db()
    assert note.fields[0] == "front 0"
    assert Note.objects.filter(pk=note.pk).exists()


def test_a_students_leech_does_not_tag_the_teachers_note(classroom, deck, cards, student):
    preset = factories.make_preset(student, "Default", is_default=True, leech_threshold=1)
    assert preset.is_leech(1)
    start_session(learner=student, deck=deck)
    card = cards[0]
    CardState.objects.filter(learner=student, card=card).update(
        state=CardState.REVIEW, stability=5.0, difficulty=5.0,
        due="2026-01-01T00:00:00Z", last_review="2025-12-25T00:00:00Z", reps=3,
    )  # fmt: skip
    grade(student, card, 1)
    assert CardState.objects.get(learner=student, card=card).suspended
    assert "leech" not in card.note.__class__.objects.get(pk=card.note_id).tags


# --- The teacher's edits ------------------------------------------------------------


def test_a_teachers_edit_reaches_students_without_resetting_them(
    classroom, deck, cards, student, teacher
):
    start_session(learner=student, deck=deck)
    grade(student, cards[0], 3)
    before = CardState.objects.get(learner=student, card=cards[0])

    note = Note.objects.select_related("note_type").get(pk=cards[0].note_id)
    update_note(note=note, fields=["front 0, corrected", "back 0"])
    after = CardState.objects.get(learner=student, card=cards[0])
    assert (after.reps, after.due, after.stability) == (before.reps, before.due, before.stability)
    assert Card.objects.get(pk=cards[0].pk).note.fields[0] == "front 0, corrected"

    added = add_note(owner=teacher, note_type=note.note_type, deck=deck, fields=["new", "card"])
    assert deck_counts(learner=student, decks=[deck])[deck.pk].new == 5
    start_session(learner=student, deck=deck)
    assert CardState.objects.filter(learner=student, card__note=added).count() == 1

    delete_notes(owner=teacher, note_ids=[cards[1].note_id])
    assert not CardState.objects.filter(learner=student, card_id=cards[1].pk).exists()
    assert deck_counts(learner=student, decks=[deck])[deck.pk].new == 4


# --- Deck list, search, media, export ------------------------------------------------


def test_the_deck_list_shows_class_decks_with_my_own_counts(
    classroom, deck, cards, student, client_for
):
    start_session(learner=student, deck=deck)
    grade(student, cards[0], 3)
    page = client_for(student).get(reverse("flashcards:deck_list"))
    assert page.status_code == 200
    rows = page.context["class_rows"]
    assert [row.deck.pk for row in rows] == [deck.pk]
    assert rows[0].counts.new == 4
    assert [c.name for c in rows[0].classes] == ["Spanish 2B"]
    assert "From your classes" in page.content.decode()


def test_the_teacher_does_not_see_their_own_deck_twice(classroom, teacher, client_for):
    page = client_for(teacher).get(reverse("flashcards:deck_list"))
    assert page.context["class_rows"] == []


def test_search_finds_class_cards_for_members_only(classroom, deck, cards, student, other_student):
    assert search_cards(user=student, query="front").count() == 5
    assert search_cards(user=student, query="deck:Spanish note:Basic front:front*").count() == 5
    assert search_cards(user=other_student, query="front").count() == 0


def test_media_of_the_teacher_shows_to_members_only(
    classroom, teacher, deck, student, other_student, settings, tmp_path, client_for
):
    settings.MEDIA_ROOT = tmp_path
    media = store_media(owner=teacher, filename="cat.png", data=make_png())
    basic = factories.make_note_type_basic(teacher)
    factories.make_note(teacher, basic, deck, ["a cat", '<img src="cat.png">'])
    assert can_view_media_of(student, teacher.pk, "cat.png")
    assert not can_view_media_of(other_student, teacher.pk, "cat.png")
    url = reverse("flashcards:media", args=[teacher.pk, media.filename])
    assert _status(client_for(student), url) == 200
    assert _status(client_for(other_student), url) == 404


def _status(client, url: str) -> int:
    """A GET's status. A served file is read to its end, so the test client closes it
    (closing the response by hand would also close the test's database connection)."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


def test_members_get_only_the_files_their_class_decks_use(
    classroom, teacher, deck, student, settings, tmp_path, client_for
):
    """The teacher's other files (a private deck's pictures) stay private, even to a
    student who guesses a name."""
    settings.MEDIA_ROOT = tmp_path
    basic = factories.make_note_type_basic(teacher)
    private = factories.make_deck(teacher, "Private diary")
    store_media(owner=teacher, filename="shared cat.png", data=make_png())
    store_media(owner=teacher, filename="holiday.png", data=make_png())
    factories.make_note(teacher, basic, deck, ["cat", '<img src="shared%20cat.png">'])
    factories.make_note(teacher, basic, private, ["me", '<img src="holiday.png">'])
    client = client_for(student)

    def status(name: str) -> int:
        return _status(client, reverse("flashcards:media", args=[teacher.pk, name]))

    assert status("shared cat.png") == 200  # named URL-quoted in the field
    assert status("holiday.png") == 404  # only in a deck the class does not have
    assert status("missing.png") == 404
    teachers_url = reverse("flashcards:media", args=[teacher.pk, "holiday.png"])
    assert _status(client_for(teacher), teachers_url) == 200


def test_members_get_files_named_by_the_note_types_styling(
    classroom, teacher, deck, student, settings, tmp_path, client_for
):
    settings.MEDIA_ROOT = tmp_path
    store_media(owner=teacher, filename="_font.woff", data=b"wOFF" + b"\0" * 40)
    basic = factories.make_note_type_basic(teacher)
    basic.css = "@font-face { font-family: Hand; src: url('_font.woff'); }"
    basic.save()
    factories.make_note(teacher, basic, deck, ["hello", "world"])
    url = reverse("flashcards:media", args=[teacher.pk, "_font.woff"])
    assert _status(client_for(student), url) == 200


def test_a_removed_student_loses_the_teachers_files(
    classroom, teacher, deck, student, settings, tmp_path, client_for
):
    settings.MEDIA_ROOT = tmp_path
    store_media(owner=teacher, filename="cat.png", data=make_png())
    basic = factories.make_note_type_basic(teacher)
    factories.make_note(teacher, basic, deck, ["a cat", '<img src="cat.png">'])
    remove_student(classroom=classroom, student=student)
    assert not can_view_media_of(student, teacher.pk, "cat.png")


def test_a_student_downloads_the_deck_with_their_own_progress(
    classroom, deck, cards, student, teacher, client_for, tmp_path
):
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    start_session(learner=student, deck=deck)
    start_session(learner=teacher, deck=deck)
    grade(student, cards[0], 3)
    grade(teacher, cards[1], 3)
    client = client_for(student)
    assert client.get(reverse("exports:deck", args=[deck.pk])).status_code == 200
    response = client.post(
        reverse("exports:deck", args=[deck.pk]), {"format": "apkg", "with_progress": "on"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    package = tmp_path / "spanish.apkg"
    package.write_bytes(b"".join(response.streaming_content))

    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    try:
        options = ImportAnkiPackageOptions(with_scheduling=True)
        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(package), options=options)
        )
        assert col.card_count() == 5
        studied = [col.get_card(card_id).note()["Front"] for card_id in col.find_cards("-is:new")]
        assert studied == ["front 0"]  # the student's review, not the teacher's
    finally:
        col.close()


def test_outsiders_cannot_download_the_deck(classroom, deck, other_student, client_for):
    response = client_for(other_student).get(reverse("exports:deck", args=[deck.pk]))
    assert response.status_code == 404


# --- Copying -------------------------------------------------------------------------


def test_a_student_copies_the_deck_with_guids_and_progress(
    classroom, deck, cards, teacher, student, settings, tmp_path, client_for
):
    settings.MEDIA_ROOT = tmp_path
    factories.make_deck(teacher, "Spanish::Verbs")
    sub_note = factories.make_note(
        teacher,
        cards[0].note.note_type,
        factories.make_deck(teacher, "Spanish::Verbs"),
        ('<img src="cat.png"> hablar', "to speak"),
    )
    store_media(owner=teacher, filename="cat.png", data=make_png())
    start_session(learner=student, deck=deck)
    grade(student, cards[0], 3)

    client = client_for(student)
    url = reverse("classrooms:deck_copy", args=[classroom.pk, deck.pk])
    response = client.post(url, {"with_progress": "on"})
    assert response.status_code == 302
    copy = student.decks.get(full_name="Spanish")
    assert response["Location"] == reverse("flashcards:deck_detail", args=[copy.pk])
    assert student.decks.filter(full_name="Spanish::Verbs").exists()
    mine = Note.objects.filter(owner=student)
    theirs = Note.objects.filter(owner=teacher)
    assert sorted(mine.values_list("guid", flat=True)) == sorted(
        theirs.values_list("guid", flat=True)
    )
    assert Card.objects.filter(note__owner=student).count() == 6
    assert student.media.filter(filename="cat.png").exists()
    copied = Card.objects.get(note__owner=student, note__guid=cards[0].note.guid)
    state = CardState.objects.get(learner=student, card=copied)
    assert state.reps == 1 and state.deck_id == copy.pk
    assert student.note_types.count() == 1
    assert Note.objects.get(owner=student, guid=sub_note.guid).cards.get().deck.full_name == (
        "Spanish::Verbs"
    )
    # The shared deck is untouched, and the copy is the student's to edit.
    assert Card.objects.filter(note__owner=teacher).count() == 6
    note = Note.objects.filter(owner=student).first()
    assert client.get(reverse("flashcards:note_edit", args=[note.pk])).status_code == 200

    # Copying again: a new deck name, notes already there are left alone.
    response = client.post(url, {})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert student.decks.filter(full_name="Spanish (copy)").exists()
    assert Note.objects.filter(owner=student).count() == 6


def test_the_browser_lists_class_cards_without_edit_links(
    classroom, deck, cards, student, client_for
):
    page = client_for(student).get(reverse("flashcards:browse"), {"q": "front"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "front 0" in text
    assert reverse("flashcards:note_edit", args=[cards[0].note_id]) not in text
    assert reverse("flashcards:card_preview", args=[cards[0].pk]) not in text
