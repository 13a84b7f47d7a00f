"""Reads behind an export: streamed rows, epoch seconds in SQL, ids kept unique."""

from __future__ import annotations

from datetime import UTC, datetime

from exports.selectors import EpochSeconds, ExportScope, PackageIds, iter_export_notes
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

    exported = list(iter_export_notes(ExportScope.for_deck(deck), ids=PackageIds()))

    assert [n.guid for n in exported] == [notes[i].guid for i in (0, 1, 2, 4)]
    assert [[c.ord for c in n.cards] for n in exported] == [[0, 1], [0], [0, 1], [0, 1]]
    assert [n.position for n in exported] == [1, 2, 3, 4]
    assert exported[0].fields == ["f0", "b0"]


def test_a_repeated_anki_id_gets_a_fresh_one_and_is_remembered(owner):
    deck = make_deck(owner)
    basic = make_note_type_basic(owner)
    first, second = make_note(owner, basic, deck), make_note(owner, basic, deck)
    Note.objects.filter(pk=second.pk).update(anki_id=first.anki_id)
    Card.objects.filter(note=second).update(anki_id=first.cards.get().anki_id)
    ids = PackageIds()

    exported = list(iter_export_notes(ExportScope.for_deck(deck), ids=ids))

    assert len({n.anki_id for n in exported}) == 2
    assert len({n.cards[0].anki_id for n in exported}) == 2
    second_card = second.cards.get()
    assert ids.card_id(second_card.pk, second_card.anki_id) == exported[1].cards[0].anki_id
