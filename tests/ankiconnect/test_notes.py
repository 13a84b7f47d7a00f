from __future__ import annotations

from flashcards.models import Card, Note


def basic(front: str, back: str = "back", deck: str = "Default", **extra) -> dict:
    return {
        "deckName": deck,
        "modelName": "Basic",
        "fields": {"Front": front, "Back": back},
        "tags": ["mined"],
        **extra,
    }


def test_it_adds_a_note_with_its_cards_in_the_named_deck(anki, owner):
    anki("createDeck", deck="Japanese::Vocab")
    note_id = anki("addNote", note=basic("犬", "dog", deck="Japanese::Vocab"))
    note = Note.objects.get(pk=note_id)
    assert note.owner == owner
    assert note.fields == ["犬", "dog"]
    assert note.tag_list == ["mined"]
    assert [c.deck.full_name for c in Card.objects.filter(note=note)] == ["Japanese::Vocab"]


def test_it_refuses_a_duplicate_first_field_unless_allowed(anki):
    anki("addNote", note=basic("dog"))
    assert anki.error("addNote", note=basic("<b>dog</b>")) == (
        "cannot create note because it is a duplicate"
    )
    allowed = basic("dog", options={"allowDuplicate": True})
    assert isinstance(anki("addNote", note=allowed), int)


def test_it_scopes_duplicates_to_the_deck_when_asked(anki):
    anki("createDeck", deck="Other")
    anki("addNote", note=basic("cat", deck="Other"))
    in_default = basic("cat", options={"duplicateScope": "deck"})
    assert anki("canAddNotes", notes=[in_default, basic("cat")]) == [True, False]
    anki("createDeck", deck="Other::Child")
    anki("addNote", note=basic("bird", deck="Other::Child"))
    with_children = basic(
        "bird",
        deck="Other",
        options={"duplicateScope": "deck", "duplicateScopeOptions": {"checkChildren": True}},
    )
    assert anki("canAddNotes", notes=[with_children]) == [False]


def test_it_explains_why_notes_cannot_be_added(anki):
    anki("addNote", note=basic("dog"))
    details = anki(
        "canAddNotesWithErrorDetail",
        notes=[basic("new"), basic("dog"), basic(""), {**basic("x"), "deckName": "Nope"}],
    )
    assert details == [
        {"canAdd": True},
        {"canAdd": False, "error": "cannot create note because it is a duplicate"},
        {"canAdd": False, "error": "cannot create note because it is empty"},
        {"canAdd": False, "error": "deck was not found: Nope"},
    ]


def test_add_notes_adds_none_when_one_fails(anki, owner):
    anki("addNote", note=basic("dog"))
    error = anki.error("addNotes", notes=[basic("fresh"), basic("dog")])
    assert error == "['cannot create note because it is a duplicate']"
    assert not Note.objects.filter(owner=owner, first_field="fresh").exists()
    assert len(anki("addNotes", notes=[basic("one"), basic("two")])) == 2


def test_it_finds_notes_with_the_browser_search_syntax(anki):
    dog = anki("addNote", note=basic("dog", tags=["animal"]))
    anki("addNote", note=basic("table"))
    assert anki("findNotes", query="tag:animal") == [dog]
    assert anki("findNotes", query="front:dog") == [dog]
    assert anki.error("findNotes", query="(") != ""


def test_it_updates_fields_and_tags(anki):
    note_id = anki("addNote", note=basic("dog", "perro"))
    anki("updateNoteFields", note={"id": note_id, "fields": {"Back": "chien"}})
    anki("updateNote", note={"id": note_id, "tags": ["a", "b"]})
    [info] = anki("notesInfo", notes=[note_id])
    assert info["fields"]["Front"] == {"value": "dog", "order": 0}
    assert info["fields"]["Back"] == {"value": "chien", "order": 1}
    assert info["tags"] == ["a", "b"]
    assert info["modelName"] == "Basic"
    assert len(info["cards"]) == 1
    anki("addTags", notes=[note_id], tags="c")
    anki("removeTags", notes=[note_id], tags="a")
    assert anki("getNoteTags", note=note_id) == ["b", "c"]
    assert anki("getTags") == ["b", "c"]


def test_notes_info_answers_an_empty_object_for_unknown_ids(anki):
    note_id = anki("addNote", note=basic("dog"))
    assert anki("notesInfo", notes=[note_id, 999999])[1] == {}
    assert [n["noteId"] for n in anki("notesInfo", query="dog")] == [note_id]


def test_it_deletes_notes(anki, owner):
    note_id = anki("addNote", note=basic("dog"))
    assert anki("deleteNotes", notes=[note_id]) is None
    assert not Note.objects.filter(pk=note_id).exists()


def test_it_reports_unknown_models_and_missing_params(anki):
    assert anki.error("addNote", note={**basic("x"), "modelName": "Nope"}) == (
        "model was not found: Nope"
    )
    assert anki.error("addNote") == "addNote() missing 1 required positional argument: 'note'"
    assert anki.error("deckNames", bogus=1) == (
        "deckNames() got an unexpected keyword argument 'bogus'"
    )


def test_cards_info_describes_cards_and_find_cards_finds_them(anki):
    note_id = anki("addNote", note=basic("dog", "perro"))
    [card_id] = anki("findCards", query="dog")
    [info] = anki("cardsInfo", cards=[card_id])
    assert info["cardId"] == card_id
    assert info["note"] == note_id
    assert info["deckName"] == "Default"
    assert info["modelName"] == "Basic"
    assert "dog" in info["question"]
    assert "perro" in info["answer"]
    assert info["type"] == 0 and info["queue"] == 0
    assert anki("cardsToNotes", cards=[card_id]) == [note_id]
    assert anki("areDue", cards=[card_id]) == [True]
