"""The same collection in Anki and in Deckhand: searches must find the same cards.

Anki's own library (the `anki` package, installed for tests only) is the
reference. The content is ASCII where Anki's search folds case with SQLite's
LIKE, which stops at ASCII; Deckhand also folds other scripts (tested in
test_search_selectors.py), so there the two differ on purpose.
"""

from __future__ import annotations

import pytest

from flashcards.selectors import search_cards
from tests.factories import (
    make_deck,
    make_note,
    make_note_type_basic,
    make_note_type_cloze,
    make_note_type_reversed,
)

anki_collection = pytest.importorskip("anki.collection")

# (note type, deck, fields, tags)
NOTES = [
    ("Basic", "French", ["le chien", "the dog"], ["animals", "lang::fr"]),
    ("Basic (and reversed card)", "French::Verbs", ["le chat", "the cat"], ["animals::pets"]),
    ("Basic", "French::Verbs::Irregular", ["etre", "to be"], ["verbs"]),
    ("Basic", "Frenchy", ["doggy", "a small dog"], ["slang"]),
    ("Cloze", "Spanish", ["{{c1::perro}} y {{c2::gato}}", ""], []),
    ("Basic", "My Deck", ["50% off_sale*", "a\\b"], []),
    ("Basic", "My Deck", ["50 offxsale", "nothing"], []),
    ("Basic", "My Deck", ["lonely", ""], []),
    ("Basic", "My Deck", ["UPPER Case", "MiXeD"], ["Über", "a", "bz"]),
    ("Basic", "C++ (advanced)", ["maison", "house"], ["Lang::FR"]),
    ("Basic", "Spanish", ["well-known", "dog - cat"], []),
]

QUERIES = [
    "",
    "dog",
    "DOG",
    "Le Chien",
    "d*g",
    "d_g",
    "do__y",
    "off_sale",
    r"off\_sale",
    r"sale\*",
    "50%",
    r"a\\b",
    "upper case",
    '"small dog"',
    '"dog small"',
    "dog small",
    "dog and small",
    "-dog",
    "--dog",
    "-",
    "dog - cat",
    "(dog -)",
    "dog or cat",
    "dog OR cat small",
    "chien or chat",
    "(dog or cat) le",
    "-(dog or cat)",
    "-(dog or cat) -deck:My*",
    "front:le*",
    '"front:le chien"',
    'front:"LE CHIEN"',
    "front:chien",
    "front:le*dog",
    "back:",
    "back:_*",
    "back:*dog*",
    "back:mixed",
    "text:*",
    "fr*:le*",
    "*:house",
    "nosuchfield:x",
    "deck:French",
    "deck:french::verbs",
    "deck:Fren*",
    "deck:French::*",
    "deck:French -deck:French::*",
    'deck:"My Deck"',
    '"deck:my deck"',
    'deck:"C++ (advanced)"',
    "deck:*",
    "deck:*::Irregular",
    "deck:Nope",
    "tag:animals",
    "tag:ANIMALS",
    "tag:anim*",
    "tag:*ets",
    "tag:pets",
    "tag:animal",
    "tag:none",
    "-tag:none",
    "tag:lang::fr",
    "tag:lang",
    "tag:über",
    "tag:ÜBER",
    "tag:a",
    "tag:a*z",
    "tag:a_bz",
    "note:Basic",
    "note:basic*",
    "note:Cloze",
    'note:"Basic (and reversed card)"',
    "card:1",
    "card:2",
    "card:3",
    'card:"Card 2"',
    "card:card*",
    "card:Cloze",
    "is:new",
    "-is:new",
    "is:due",
    "is:suspended",
    "is:review",
    "is:learn",
    "is:buried",
    "flag:0",
    "flag:1",
    "added:1",
]

# Where Deckhand differs on purpose. Anki resolves a template name to its ordinal,
# so card:Cloze finds only the c1 cards; every card of a cloze note comes from its
# one template, so Deckhand finds them all.
INTENDED_DIFFERENCES = {
    "card:Cloze": {
        "only Deckhand": {("{{c1::perro}} y {{c2::gato}}", 1)},
        "only Anki": set(),
    },
}


@pytest.fixture(scope="module")
def anki_found(tmp_path_factory):
    """{query: {(first field, ord)}} as Anki's own search answers."""
    col = anki_collection.Collection(str(tmp_path_factory.mktemp("anki") / "c.anki2"))
    try:
        for type_name, deck_name, fields, tags in NOTES:
            note = col.new_note(col.models.by_name(type_name))
            for index, value in enumerate(fields):
                note.fields[index] = value
            note.tags = list(tags)
            col.add_note(note, col.decks.id(deck_name))
        answers = {}
        for query in QUERIES:
            cards = (col.get_card(card_id) for card_id in col.find_cards(query))
            answers[query] = {(card.note().fields[0], card.ord) for card in cards}
        yield answers
    finally:
        col.close()


def test_searches_find_the_same_cards_as_anki(owner, anki_found):
    note_types = {
        "Basic": make_note_type_basic(owner),
        "Basic (and reversed card)": make_note_type_reversed(owner),
        "Cloze": make_note_type_cloze(owner),
    }
    for type_name, deck_name, fields, tags in NOTES:
        note_type = note_types[type_name]
        ords = [0, 1] if note_type.is_cloze else None
        make_note(owner, note_type, make_deck(owner, deck_name), fields, tags=tags, ords=ords)

    differences = {}
    for query in QUERIES:
        cards = search_cards(user=owner, query=query).select_related("note")
        ours = {(card.note.first_field, card.ord) for card in cards}
        if ours != anki_found[query]:
            differences[query] = {
                "only Deckhand": ours - anki_found[query],
                "only Anki": anki_found[query] - ours,
            }
    assert differences == INTENDED_DIFFERENCES


def test_the_reference_collection_is_not_trivial(anki_found):
    assert len(anki_found[""]) == 13
    assert 0 < len(anki_found["dog"]) < 13
