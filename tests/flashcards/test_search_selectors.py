"""search_cards / search_notes against the real database (SQLite and Postgres legs)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from flashcards.models import Card
from flashcards.search import SearchError
from flashcards.selectors import search_cards, search_notes
from reviews.models import CardState
from tests.factories import (
    make_card_state,
    make_deck,
    make_note,
    make_note_type,
    make_note_type_basic,
    make_note_type_cloze,
    make_note_type_reversed,
    make_user,
)


@pytest.fixture
def lib(owner, other_user):
    """A small collection: every test names cards as "<first field>#<card number>"."""
    basic = make_note_type_basic(owner)
    reversed_ = make_note_type_reversed(owner)
    cloze = make_note_type_cloze(owner)
    vocab = make_note_type(
        owner,
        name="Vocab",
        fields=[{"name": "Word"}, {"name": "Meaning"}, {"name": "Example"}],
        templates=[{"name": "Recognise", "qfmt": "{{Word}}", "afmt": "{{Meaning}}"}],
    )
    french = make_deck(owner, "French")
    verbs = make_deck(owner, "French::Verbs")
    irregular = make_deck(owner, "French::Verbs::Irregular")
    frenchy = make_deck(owner, "Frenchy")
    spanish = make_deck(owner, "Spanish")
    my_deck = make_deck(owner, "My Deck")
    cpp = make_deck(owner, "C++ (advanced)")
    notes = SimpleNamespace(
        dog=make_note(owner, basic, french, ["le chien", "the dog"], tags=["animals", "lang::fr"]),
        cat=make_note(owner, reversed_, verbs, ["le chat", "the cat"], tags=["animals::pets"]),
        etre=make_note(owner, basic, irregular, ["être", "to be"], tags=["verbs"]),
        doggy=make_note(owner, basic, frenchy, ["doggy", "a small dog"], tags=["slang"]),
        cloze=make_note(owner, cloze, spanish, ["{{c1::perro}} y {{c2::gato}}", ""], ords=[0, 1]),
        elan=make_note(owner, basic, my_deck, ["ÉLAN Straße", "ПРИВЕТ"], tags=["ÜBER"]),
        sale=make_note(owner, basic, my_deck, ["50% off_sale*", "a\\b"]),
        plain=make_note(owner, basic, my_deck, ["50 offxsale", "nothing"]),
        lonely=make_note(owner, basic, my_deck, ["lonely", ""]),
        multiline=make_note(owner, basic, my_deck, ["multi\nline", "x"], tags=["a", "bz"]),
        word=make_note(owner, vocab, cpp, ["maison", "house", "ma maison"]),
    )
    # Another user with look-alike content: never found by the owner.
    other_basic = make_note_type_basic(other_user)
    other_french = make_deck(other_user, "French")
    make_note(other_user, other_basic, other_french, ["le chien", "the dog"], tags=["animals"])
    return notes


def labels(cards) -> set[str]:
    return {f"{card.note.first_field}#{card.ord + 1}" for card in cards.select_related("note")}


def found(user, query: str, **kwargs) -> set[str]:
    return labels(search_cards(user=user, query=query, **kwargs))


def card_of(note, number: int = 1) -> Card:
    return note.cards.get(ord=number - 1)


ALL_OWNER_CARDS = {
    "le chien#1",
    "le chat#1",
    "le chat#2",
    "être#1",
    "doggy#1",
    "{{c1::perro}} y {{c2::gato}}#1",
    "{{c1::perro}} y {{c2::gato}}#2",
    "ÉLAN Straße#1",
    "50% off_sale*#1",
    "50 offxsale#1",
    "lonely#1",
    "multi\nline#1",
    "maison#1",
}


def test_an_empty_search_finds_all_the_users_cards_and_no_one_elses(owner, lib):
    assert found(owner, "") == ALL_OWNER_CARDS
    assert found(owner, "   ") == ALL_OWNER_CARDS


def test_another_users_search_never_finds_the_owners_cards(owner, other_user, lib):
    assert found(other_user, "") == {"le chien#1"}
    theirs = set(Card.objects.filter(note__owner=other_user).values_list("pk", flat=True))
    assert set(search_cards(user=other_user, query="").values_list("pk", flat=True)) == theirs


@pytest.mark.parametrize(
    "query",
    [
        "",
        "chien",
        "dog",
        "deck:French",
        "deck:*",
        "tag:animals",
        "note:Basic",
        "front:*",
        "card:1",
        "is:new",
        "-is:new",
        "-nothing-here",
        "dog or -dog",
    ],
)
def test_no_search_finds_another_users_cards(owner, other_user, lib, query):
    theirs = set(Card.objects.filter(note__owner=other_user).values_list("pk", flat=True))
    mine = set(search_cards(user=owner, query=query).values_list("pk", flat=True))
    assert not mine & theirs


def test_the_learner_does_not_widen_what_the_user_sees(owner, other_user, lib):
    theirs = set(Card.objects.filter(note__owner=other_user).values_list("pk", flat=True))
    mine = set(search_cards(user=owner, query="", learner=other_user).values_list("pk", flat=True))
    assert not mine & theirs


# --- Text ------------------------------------------------------------------------


def test_a_bare_word_matches_a_substring_of_any_field(owner, lib):
    assert found(owner, "dog") == {"le chien#1", "doggy#1"}
    assert found(owner, "chat") == {"le chat#1", "le chat#2"}


def test_a_bare_word_ignores_case(owner, lib):
    assert found(owner, "DOG") == {"le chien#1", "doggy#1"}
    assert found(owner, "Le ChIeN") == {"le chien#1"}


def test_a_phrase_matches_the_words_together(owner, lib):
    assert found(owner, '"small dog"') == {"doggy#1"}
    assert found(owner, '"dog small"') == set()


def test_words_without_quotes_match_separately(owner, lib):
    assert found(owner, "dog small") == {"doggy#1"}
    assert found(owner, "small chien") == set()


def test_a_star_matches_any_run_of_characters(owner, lib):
    assert found(owner, "d*g") == {"le chien#1", "doggy#1"}
    assert found(owner, "l*chat") == {"le chat#1", "le chat#2"}


def test_an_underscore_matches_one_character(owner, lib):
    assert found(owner, "off_sale") == {"50% off_sale*#1", "50 offxsale#1"}
    assert found(owner, "do__y") == {"doggy#1"}
    assert found(owner, "do_y") == set()


def test_escaped_wildcards_match_themselves(owner, lib):
    assert found(owner, r"off\_sale") == {"50% off_sale*#1"}
    assert found(owner, r"sale\*") == {"50% off_sale*#1"}
    assert found(owner, r"offx\*") == set()


def test_characters_that_sql_patterns_treat_specially_are_plain_text(owner, lib):
    assert found(owner, "50%") == {"50% off_sale*#1"}
    assert found(owner, r"a\\b") == {"50% off_sale*#1"}
    assert found(owner, r"{{c2\:\:") == {
        "{{c1::perro}} y {{c2::gato}}#1",
        "{{c1::perro}} y {{c2::gato}}#2",
    }
    assert found(owner, "[x]") == set()


@pytest.mark.parametrize(
    "query",
    ["élan", "ÉLAN", "Élan", "straße", "STRAßE", "привет", "Привет", "élan stRAßE"],
)
def test_text_search_ignores_case_beyond_ascii(owner, lib, query):
    assert found(owner, query) == {"ÉLAN Straße#1"}


def test_decomposed_accents_match_composed_text(owner, lib):
    assert found(owner, "e\u0301lan") == {"ÉLAN Straße#1"}


# --- field:value -------------------------------------------------------------------


def test_a_field_search_matches_the_whole_field(owner, lib):
    assert found(owner, '"front:le chien"') == {"le chien#1"}
    assert found(owner, "front:chien") == set()
    assert found(owner, "back:dog") == set()
    assert found(owner, '"back:the dog"') == {"le chien#1"}


def test_a_field_search_ignores_case_in_name_and_value(owner, lib):
    assert found(owner, 'FRONT:"LE CHIEN"') == {"le chien#1"}
    assert found(owner, "front:élan*") == {"ÉLAN Straße#1"}
    assert found(owner, "back:привет") == {"ÉLAN Straße#1"}


def test_field_wildcards_stay_inside_the_field(owner, lib):
    assert found(owner, "front:le*") == {"le chien#1", "le chat#1", "le chat#2"}
    assert found(owner, "back:*dog*") == {"le chien#1", "doggy#1"}
    # "le chien" is followed by the Back field; * must not run into it.
    assert found(owner, "front:le*dog") == set()
    assert found(owner, '"front:l_ chien"') == {"le chien#1"}


def test_a_field_search_matches_across_lines(owner, lib):
    assert found(owner, "front:multi*line") == {"multi\nline#1"}


def test_an_empty_field_value_finds_empty_fields(owner, lib):
    assert found(owner, "back:") == {"lonely#1"}
    assert found(owner, "back:_*") == {
        "le chien#1",
        "le chat#1",
        "le chat#2",
        "être#1",
        "doggy#1",
        "ÉLAN Straße#1",
        "50% off_sale*#1",
        "50 offxsale#1",
        "multi\nline#1",
    }


def test_a_star_finds_notes_that_have_the_field(owner, lib):
    assert found(owner, "text:*") == {
        "{{c1::perro}} y {{c2::gato}}#1",
        "{{c1::perro}} y {{c2::gato}}#2",
    }
    assert found(owner, '"back extra:"') == found(owner, "text:*")


def test_a_field_search_reads_the_right_position_in_each_note_type(owner, lib):
    assert found(owner, '"example:ma maison"') == {"maison#1"}
    assert found(owner, "meaning:house") == {"maison#1"}
    assert found(owner, "word:house") == set()


def test_a_field_at_different_positions_in_different_note_types(owner, lib):
    flipped = make_note_type(
        owner,
        name="Flipped vocab",
        fields=[{"name": "Meaning"}, {"name": "Word"}],
        templates=[{"name": "Recall", "qfmt": "{{Meaning}}", "afmt": "{{Word}}"}],
    )
    make_note(owner, flipped, make_deck(owner, "Flipped"), ["house", "casa"])
    assert found(owner, "meaning:house") == {"maison#1", "house#1"}
    assert found(owner, "word:casa") == {"house#1"}
    assert found(owner, "word:*") == {"maison#1", "house#1"}
    assert found(owner, "card:re*") == {"maison#1", "house#1"}


def test_a_field_name_may_hold_wildcards(owner, lib):
    assert found(owner, "*:house") == {"maison#1"}
    assert found(owner, "m*:house") == {"maison#1"}
    assert found(owner, "b*:") == {
        "lonely#1",
        "{{c1::perro}} y {{c2::gato}}#1",
        "{{c1::perro}} y {{c2::gato}}#2",
    }


def test_an_unknown_field_finds_nothing(owner, lib):
    assert found(owner, "nosuchfield:x") == set()
    assert found(owner, "-nosuchfield:x") == ALL_OWNER_CARDS


def test_field_escapes_are_literal(owner, lib):
    assert found(owner, r"front:50% off\_sale\*") == set()  # the space splits the search
    assert found(owner, r'"front:50% off\_sale\*"') == {"50% off_sale*#1"}
    assert found(owner, r'"front:50% off\_sale*"') == {"50% off_sale*#1"}
    assert found(owner, r"back:a\\b") == {"50% off_sale*#1"}


# --- deck: -------------------------------------------------------------------------


def test_a_deck_search_includes_its_children(owner, lib):
    assert found(owner, "deck:French") == {"le chien#1", "le chat#1", "le chat#2", "être#1"}
    assert found(owner, "deck:French::Verbs") == {"le chat#1", "le chat#2", "être#1"}
    assert found(owner, "deck:French::Verbs::Irregular") == {"être#1"}


def test_a_deck_search_does_not_match_a_longer_name(owner, lib):
    assert "doggy#1" not in found(owner, "deck:French")
    assert found(owner, "deck:Frenchy") == {"doggy#1"}


def test_a_deck_search_ignores_case_and_takes_wildcards(owner, lib):
    assert found(owner, "deck:french::verbs") == {"le chat#1", "le chat#2", "être#1"}
    assert found(owner, "deck:Fren*") == {
        "le chien#1",
        "le chat#1",
        "le chat#2",
        "être#1",
        "doggy#1",
    }
    assert found(owner, "deck:*") == ALL_OWNER_CARDS
    assert found(owner, "deck:*::Irregular") == {"être#1"}


def test_children_only_and_parent_only(owner, lib):
    assert found(owner, "deck:French::*") == {"le chat#1", "le chat#2", "être#1"}
    assert found(owner, "deck:French -deck:French::*") == {"le chien#1"}


def test_a_quoted_deck_name_may_hold_spaces_and_regex_characters(owner, lib):
    my_deck = {"ÉLAN Straße#1", "50% off_sale*#1", "50 offxsale#1", "lonely#1", "multi\nline#1"}
    assert found(owner, 'deck:"My Deck"') == my_deck
    assert found(owner, '"deck:my deck"') == my_deck
    assert found(owner, 'deck:"C++ (advanced)"') == {"maison#1"}
    assert found(owner, "deck:C++*") == {"maison#1"}


def test_another_users_deck_of_the_same_name_adds_nothing(owner, other_user, lib):
    assert found(other_user, "deck:French") == {"le chien#1"}
    assert found(other_user, "deck:French::Verbs") == set()


def test_an_unknown_deck_finds_nothing(owner, lib):
    assert found(owner, "deck:Nope") == set()


# --- tag: --------------------------------------------------------------------------


def test_a_tag_search_includes_child_tags(owner, lib):
    assert found(owner, "tag:animals") == {"le chien#1", "le chat#1", "le chat#2"}
    assert found(owner, "tag:animals::pets") == {"le chat#1", "le chat#2"}
    assert found(owner, "tag:lang::fr") == {"le chien#1"}


def test_a_tag_search_matches_whole_tags(owner, lib):
    assert found(owner, "tag:pets") == set()
    assert found(owner, "tag:animal") == set()
    assert found(owner, "tag:verb") == set()


def test_a_tag_search_ignores_case_in_any_script(owner, lib):
    assert found(owner, "tag:ANIMALS") == {"le chien#1", "le chat#1", "le chat#2"}
    assert found(owner, "tag:über") == {"ÉLAN Straße#1"}


def test_a_tag_wildcard_stays_inside_one_tag(owner, lib):
    assert found(owner, "tag:anim*") == {"le chien#1", "le chat#1", "le chat#2"}
    assert found(owner, "tag:*ets") == {"le chat#1", "le chat#2"}
    # The note tagged "a bz" has no single tag a...z.
    assert found(owner, "tag:a*z") == set()
    assert found(owner, "tag:b_") == {"multi\nline#1"}


def test_a_tag_wildcard_never_matches_the_space_between_tags(owner, lib):
    assert found(owner, "tag:a_bz") == set()
    assert found(owner, "tag:a") == {"multi\nline#1"}


def test_sql_wildcard_characters_in_a_tag_are_plain_text(owner, lib):
    basic = make_note_type_basic(owner, name="Tagged")
    make_note(owner, basic, make_deck(owner, "Tags"), ["sure"], tags=["100%_sure"])
    make_note(owner, basic, make_deck(owner, "Tags"), ["other"], tags=["100xxsure"])
    assert found(owner, r"tag:100%\_sure") == {"sure#1"}
    assert found(owner, "tag:100%_sure") == {"sure#1"}
    assert found(owner, "tag:100%") == set()
    assert found(owner, "tag:100*") == {"sure#1", "other#1"}


def test_tag_none_finds_untagged_notes(owner, lib):
    assert found(owner, "tag:none") == {
        "{{c1::perro}} y {{c2::gato}}#1",
        "{{c1::perro}} y {{c2::gato}}#2",
        "50% off_sale*#1",
        "50 offxsale#1",
        "lonely#1",
        "maison#1",
    }


# --- note: and card: ---------------------------------------------------------------


def test_a_note_type_search_matches_the_whole_name(owner, lib):
    assert found(owner, "note:Cloze") == {
        "{{c1::perro}} y {{c2::gato}}#1",
        "{{c1::perro}} y {{c2::gato}}#2",
    }
    assert found(owner, 'note:"basic (and reversed card)"') == {"le chat#1", "le chat#2"}
    assert "le chat#1" not in found(owner, "note:Basic")
    assert found(owner, "note:basic*") >= {"le chat#1", "le chien#1"}
    assert found(owner, "note:vocab") == {"maison#1"}


def test_a_card_number_picks_the_template_or_the_cloze(owner, lib):
    assert found(owner, "card:2") == {"le chat#2", "{{c1::perro}} y {{c2::gato}}#2"}
    assert "le chat#2" not in found(owner, "card:1")
    assert "le chat#1" in found(owner, "card:1")
    assert found(owner, "card:3") == set()


def test_a_card_name_picks_the_template(owner, lib):
    assert found(owner, 'card:"Card 2"') == {"le chat#2"}
    assert found(owner, "card:recognise") == {"maison#1"}
    assert found(owner, "card:Cloze") == {
        "{{c1::perro}} y {{c2::gato}}#1",
        "{{c1::perro}} y {{c2::gato}}#2",
    }
    assert found(owner, "card:Nope") == set()


# --- is: ---------------------------------------------------------------------------


@pytest.fixture
def states(owner, lib):
    """Scheduling for some of the owner's cards; the rest have no state row (new)."""
    day_ends = owner.next_day_starts()
    today = owner.study_day()
    now = timezone.now()
    review, new = CardState.REVIEW, CardState.NEW
    rows = {
        "learning_due": (lib.dog, {"state": CardState.LEARNING, "due": now}),
        "review_due": (lib.etre, {"state": review, "due": day_ends - timedelta(minutes=1)}),
        "review_later": (lib.doggy, {"state": review, "due": day_ends + timedelta(minutes=1)}),
        "relearning_due": (lib.elan, {"state": CardState.RELEARNING, "due": now}),
        "suspended_due": (lib.sale, {"state": review, "due": now, "suspended": True}),
        "buried_due": (
            lib.plain,
            {"state": review, "due": now, "buried_until": today + timedelta(days=1)},
        ),
        "unburied_due": (lib.lonely, {"state": review, "due": now, "buried_until": today}),
        "suspended_new": (lib.multiline, {"state": new, "suspended": True}),
        "flagged_new": (lib.word, {"state": new, "flag": 3}),
    }
    for note, fields in rows.values():
        make_card_state(owner, card_of(note), **fields)
    return rows


def test_is_new_means_no_state_row_or_a_new_state(owner, lib, states):
    assert found(owner, "is:new") == {
        "le chat#1",
        "le chat#2",
        "{{c1::perro}} y {{c2::gato}}#1",
        "{{c1::perro}} y {{c2::gato}}#2",
        "multi\nline#1",
        "maison#1",
    }


def test_is_learn_includes_relearning(owner, lib, states):
    assert found(owner, "is:learn") == {"le chien#1", "ÉLAN Straße#1"}


def test_is_review_includes_relearning_as_anki_does(owner, lib, states):
    assert found(owner, "is:review") == {
        "être#1",
        "doggy#1",
        "ÉLAN Straße#1",
        "50% off_sale*#1",
        "50 offxsale#1",
        "lonely#1",
    }


def test_is_due_means_due_by_the_end_of_the_study_day_and_in_the_queue(owner, lib, states):
    assert found(owner, "is:due") == {"le chien#1", "être#1", "ÉLAN Straße#1", "lonely#1"}


def test_is_suspended(owner, lib, states):
    assert found(owner, "is:suspended") == {"50% off_sale*#1", "multi\nline#1"}
    assert "le chat#1" in found(owner, "-is:suspended")


def test_is_buried(owner, lib, states):
    assert found(owner, "is:buried") == {"50 offxsale#1"}


def test_flags(owner, lib, states):
    assert found(owner, "flag:3") == {"maison#1"}
    assert found(owner, "flag:1") == set()
    assert found(owner, "flag:0") == ALL_OWNER_CARDS - {"maison#1"}


def test_states_are_read_for_the_learner_asked_about(owner, lib, states):
    student = make_user("student")
    make_card_state(student, card_of(lib.cat, 2), state=CardState.REVIEW, due=timezone.now())
    # The owner's own states do not leak into the student's view of the same cards.
    assert found(owner, "is:due", learner=student) == {"le chat#2"}
    assert found(owner, "is:suspended", learner=student) == set()
    assert len(found(owner, "is:new", learner=student)) == len(ALL_OWNER_CARDS) - 1
    # ...and the student's rows do not change the owner's.
    assert "le chat#2" in found(owner, "is:new")


def test_the_study_day_follows_the_learners_day_start(owner, lib):
    owner.timezone = "Asia/Tokyo"
    owner.day_starts_at_hour = 0
    owner.save()
    make_card_state(
        owner,
        card_of(lib.dog),
        state=CardState.REVIEW,
        due=owner.next_day_starts() - timedelta(seconds=1),
    )
    make_card_state(owner, card_of(lib.etre), state=CardState.REVIEW, due=owner.next_day_starts())
    assert found(owner, "is:due") == {"le chien#1"}


# --- ids and dates -----------------------------------------------------------------


def test_nid_and_cid_pick_by_id(owner, lib):
    assert found(owner, f"nid:{lib.cat.pk}") == {"le chat#1", "le chat#2"}
    assert found(owner, f"nid:{lib.cat.pk},{lib.dog.pk}") == {
        "le chat#1",
        "le chat#2",
        "le chien#1",
    }
    assert found(owner, f"cid:{card_of(lib.cat, 2).pk}") == {"le chat#2"}


def test_ids_of_another_users_notes_find_nothing(owner, other_user, lib):
    theirs = Card.objects.get(note__owner=other_user)
    assert found(owner, f"cid:{theirs.pk}") == set()
    assert found(owner, f"nid:{theirs.note_id}") == set()


def test_added_counts_study_days(owner, lib):
    old = card_of(lib.dog)
    Card.objects.filter(pk=old.pk).update(created=owner.next_day_starts() - timedelta(days=3))
    assert "le chien#1" not in found(owner, "added:1")
    assert "le chien#1" not in found(owner, "added:2")
    assert "le chien#1" in found(owner, "added:3")
    assert "le chat#1" in found(owner, "added:1")


# --- Combining ---------------------------------------------------------------------


def test_negation_of_a_term(owner, lib):
    assert found(owner, "-dog") == ALL_OWNER_CARDS - {"le chien#1", "doggy#1"}
    assert found(owner, "-deck:French") == ALL_OWNER_CARDS - found(owner, "deck:French")


def test_or_finds_either(owner, lib):
    assert found(owner, "chien or doggy") == {"le chien#1", "doggy#1"}
    assert found(owner, "tag:verbs OR deck:Spanish") == {
        "être#1",
        "{{c1::perro}} y {{c2::gato}}#1",
        "{{c1::perro}} y {{c2::gato}}#2",
    }


def test_parentheses_change_what_binds(owner, lib):
    assert found(owner, "deck:French (chien or chat)") == {"le chien#1", "le chat#1", "le chat#2"}
    assert found(owner, "deck:French chien or chat") == {"le chien#1", "le chat#1", "le chat#2"}
    assert found(owner, "deck:Frenchy (dog or chat)") == {"doggy#1"}
    assert found(owner, "deck:Frenchy dog or chat") == {"doggy#1", "le chat#1", "le chat#2"}


def test_negation_of_a_group(owner, lib):
    assert found(owner, "deck:French -(tag:animals or card:2)") == {"être#1"}
    assert found(owner, "-(deck:French or deck:My*)") == {
        "doggy#1",
        "{{c1::perro}} y {{c2::gato}}#1",
        "{{c1::perro}} y {{c2::gato}}#2",
        "maison#1",
    }


def test_a_term_and_its_negation_split_the_cards(owner, lib, states):
    for query in ["dog", "deck:French", "tag:animals", "front:le*", "is:due", "card:2", "tag:none"]:
        assert found(owner, query) | found(owner, f"-{query}") == ALL_OWNER_CARDS
        assert not found(owner, query) & found(owner, f"-({query})")


def test_bad_syntax_raises_a_search_error(owner, lib):
    with pytest.raises(SearchError):
        search_cards(user=owner, query="(dog")


# --- Notes and queries -------------------------------------------------------------


def test_search_notes_lists_each_matching_note_once(owner, lib):
    notes = search_notes(user=owner, query="chat or chien")
    assert sorted(note.first_field for note in notes) == ["le chat", "le chien"]


def test_search_notes_finds_a_note_by_any_of_its_cards(owner, lib):
    notes = search_notes(user=owner, query="card:2")
    assert {note.pk for note in notes} == {lib.cat.pk, lib.cloze.pk}


def test_search_notes_never_lists_another_users_notes(owner, other_user, lib):
    assert {n.owner_id for n in search_notes(user=owner, query="")} == {owner.pk}
    assert {n.owner_id for n in search_notes(user=other_user, query="")} == {other_user.pk}


def test_a_search_is_one_query(owner, lib, django_assert_num_queries):
    query = 'deck:French (tag:anim* or -is:due) -"big dog" note:Basic* flag:0 d*g'
    with django_assert_num_queries(1):
        list(search_cards(user=owner, query=query))


def test_field_and_template_names_cost_one_more_query(owner, lib, django_assert_num_queries):
    with django_assert_num_queries(2):
        list(search_cards(user=owner, query='front:le* or back:x* card:"Card 1"'))
