from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from flashcards.models import Card, Note
from flashcards.services.decks import create_deck, delete_deck, rename_deck
from flashcards.services.notes import add_note, change_tags, update_note
from flashcards.services.notetypes import (
    add_template,
    ensure_stock_note_types,
    remove_field,
    rename_field,
    reorder_fields,
    reorder_templates,
)


def test_it_makes_one_card_per_template_for_a_reversed_note(note):
    assert sorted(note.cards.values_list("ord", flat=True)) == [0, 1]


def test_it_makes_one_card_per_cloze_number(owner, deck, note_types):
    note = add_note(
        owner=owner,
        note_type=note_types["cloze"],
        deck=deck,
        fields=["{{c1::Paris}} is in {{c3::France}}", ""],
    )
    assert sorted(note.cards.values_list("ord", flat=True)) == [0, 2]


def test_it_makes_the_optional_reverse_only_when_asked(owner, deck, note_types):
    kind = note_types["basic_optional_reversed"]
    plain = add_note(owner=owner, note_type=kind, deck=deck, fields=["a", "b", ""])
    both = add_note(owner=owner, note_type=kind, deck=deck, fields=["c", "d", "y"])
    assert plain.cards.count() == 1
    assert both.cards.count() == 2


def test_it_refuses_a_note_that_makes_no_cards(owner, deck, note_types):
    with pytest.raises(ValidationError):
        add_note(owner=owner, note_type=note_types["basic"], deck=deck, fields=["", "back"])
    with pytest.raises(ValidationError):
        add_note(owner=owner, note_type=note_types["cloze"], deck=deck, fields=["no cloze", ""])
    assert not Note.objects.exists()


def test_editing_keeps_the_guid_and_follows_cloze_numbers(owner, deck, note_types):
    note = add_note(owner=owner, note_type=note_types["cloze"], deck=deck, fields=["{{c1::a}}", ""])
    guid = note.guid
    first_card = note.cards.get()
    update_note(note=note, fields=["{{c1::a}} {{c2::b}}", ""])
    note.refresh_from_db()
    assert note.guid == guid
    assert sorted(note.cards.values_list("ord", flat=True)) == [0, 1]
    assert note.cards.filter(pk=first_card.pk).exists()
    update_note(note=note, fields=["{{c2::b}}", ""])
    assert list(note.cards.values_list("ord", flat=True)) == [1]


def test_tags_are_deduplicated_ignoring_case(owner, note):
    change_tags(owner=owner, note_ids=[note.pk], add=["Animals mammal"], remove=[])
    note.refresh_from_db()
    assert note.tag_list == ["animals", "mammal"]
    change_tags(owner=owner, note_ids=[note.pk], remove=["ANIMALS"])
    note.refresh_from_db()
    assert note.tag_list == ["mammal"]


def test_deck_paths_create_parents_and_rename_moves_children(owner):
    leaf = create_deck(owner=owner, full_name="A::B::C")
    assert leaf.parent.full_name == "A::B"
    b = leaf.parent
    rename_deck(deck=b, full_name="X::B2")
    leaf.refresh_from_db()
    assert leaf.full_name == "X::B2::C"
    with pytest.raises(ValidationError):
        rename_deck(deck=b, full_name="X::B2::C::D")
    with pytest.raises(ValidationError):
        create_deck(owner=owner, full_name="A::::B")


def test_deleting_a_deck_removes_its_cards_and_orphaned_notes(owner, deck, note):
    other = create_deck(owner=owner, full_name="Elsewhere")
    card = note.cards.get(ord=1)
    card.deck = other
    card.save()
    summary = delete_deck(deck=deck)
    assert summary.cards == 1
    assert Note.objects.filter(pk=note.pk).exists()
    delete_deck(deck=other)
    assert not Note.objects.filter(pk=note.pk).exists()


def test_field_changes_rewrite_notes_and_templates(owner, note, note_types):
    kind = note_types["basic_reversed"]
    rename_field(note_type=kind, index=0, name="Spanish")
    kind.refresh_from_db()
    assert kind.templates[0]["qfmt"] == "{{Spanish}}"
    reorder_fields(note_type=kind, order=[1, 0])
    note.refresh_from_db()
    assert note.fields == ["the dog", "el perro"]
    remove_field(note_type=kind, index=0)
    note.refresh_from_db()
    assert note.fields == ["el perro"]
    # Card 2's front ({{Back}}, the removed field) is empty now, but card 1 stays.
    assert note.cards.count() >= 1


def test_template_changes_move_cards_with_them(owner, deck, note, note_types):
    kind = note_types["basic_reversed"]
    forward = note.cards.get(ord=0).pk
    reorder_templates(note_type=kind, order=[1, 0])
    assert Card.objects.get(pk=forward).ord == 1
    add_template(note_type=kind, name="Card 3")
    assert note.cards.count() == 3


def test_stock_note_types_are_made_once(owner):
    first = ensure_stock_note_types(owner=owner)
    second = ensure_stock_note_types(owner=owner)
    assert len(first) == len(second) == 5
    assert {nt.stock_kind for nt in first} == {
        "basic",
        "basic_reversed",
        "basic_optional_reversed",
        "basic_typing",
        "cloze",
    }


def test_moving_cards_moves_every_learners_state_with_them(owner, other_user, note, deck):
    from flashcards.services.notes import move_cards
    from reviews.models import CardState

    card = note.cards.first()
    CardState.objects.create(learner=owner, card=card, deck=deck)
    CardState.objects.create(learner=other_user, card=card, deck=deck)
    target = create_deck(owner=owner, full_name="Target")
    assert move_cards(owner=owner, card_ids=[card.pk], deck=target) == 1
    assert set(CardState.objects.filter(card=card).values_list("deck_id", flat=True)) == {target.pk}
