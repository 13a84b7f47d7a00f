"""The search parser and pattern helpers: no database."""

from __future__ import annotations

import re

import pytest

from flashcards.search import (
    MATCH_ALL,
    And,
    FieldTerm,
    Not,
    Or,
    SearchError,
    Term,
    case_variants,
    has_wildcards,
    parse_search,
    pattern_matches,
    pattern_text,
    pattern_to_glob,
    pattern_to_like,
    pattern_to_regex,
)


def text(value: str) -> Term:
    return Term("text", value)


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "\u3000"])
def test_an_empty_search_matches_everything(query):
    assert parse_search(query) == MATCH_ALL == And(())


def test_a_bare_word_is_a_text_term():
    assert parse_search("dog") == text("dog")


def test_words_side_by_side_must_all_match():
    assert parse_search("dog  cat") == And((text("dog"), text("cat")))


@pytest.mark.parametrize("word", ["and", "AND", "And"])
def test_an_explicit_and_means_the_same_as_a_space(word):
    assert parse_search(f"dog {word} cat") == And((text("dog"), text("cat")))


@pytest.mark.parametrize("word", ["or", "OR", "Or"])
def test_or_in_any_case_means_either(word):
    assert parse_search(f"dog {word} cat") == Or((text("dog"), text("cat")))


def test_and_binds_tighter_than_or():
    assert parse_search("a b or c d") == Or(
        (And((text("a"), text("b"))), And((text("c"), text("d"))))
    )


def test_parentheses_group_before_and():
    assert parse_search("(a or b) c") == And((Or((text("a"), text("b"))), text("c")))


def test_parentheses_need_no_spaces_around_them():
    assert parse_search("x(a or b)y") == And((text("x"), Or((text("a"), text("b"))), text("y")))


def test_nested_parentheses():
    assert parse_search("((a))") == text("a")
    assert parse_search("(a (b or c))") == And((text("a"), Or((text("b"), text("c")))))


def test_a_dash_negates_a_term_a_phrase_or_a_group():
    assert parse_search("-dog") == Not(text("dog"))
    assert parse_search('-"a dog"') == Not(text("a dog"))
    assert parse_search("-(a or b)") == Not(Or((text("a"), text("b"))))
    assert parse_search("-deck:French") == Not(Term("deck", "French"))
    assert parse_search("-is:due") == Not(Term("is", "due"))


def test_a_dash_inside_a_word_is_just_text():
    assert parse_search("well-known") == text("well-known")


def test_an_escaped_dash_searches_for_a_leading_dash():
    assert parse_search(r"\-dog") == text("-dog")


def test_a_double_dash_negates_text_starting_with_a_dash_as_anki_does():
    assert parse_search("--dog") == Not(text("-dog"))


def test_a_lone_dash_is_the_text_dash_as_in_anki():
    assert parse_search("-") == text("-")
    assert parse_search("dog - cat") == And((text("dog"), text("-"), text("cat")))
    assert parse_search("(-)") == text("-")
    assert parse_search("(a -)") == And((text("a"), text("-")))


def test_a_negated_or_is_a_word():
    assert parse_search("a -or") == And((text("a"), Not(text("or"))))


def test_a_quoted_phrase_keeps_its_spaces():
    assert parse_search('"a dog"') == text("a dog")


def test_quoted_or_is_text_not_an_operator():
    assert parse_search('a "or" b') == And((text("a"), text("or"), text("b")))


def test_a_quoted_phrase_may_hold_escaped_quotes():
    assert parse_search(r'"say \"hi\""') == text('say "hi"')


def test_escapes_resolve_syntax_characters():
    assert parse_search(r"a\:b") == text("a:b")
    assert parse_search(r"\(x\)") == text("(x)")
    assert parse_search(r"\"x") == text('"x')


def test_wildcard_escapes_survive_into_the_pattern():
    assert parse_search(r"d\*g") == text(r"d\*g")
    assert parse_search(r"a\_b") == text(r"a\_b")
    assert parse_search(r"a\\b") == text(r"a\\b")


def test_wildcards_stay_in_the_pattern():
    assert parse_search("d*g") == text("d*g")
    assert parse_search("d_g") == text("d_g")


def test_text_is_normalized_to_nfc():
    assert parse_search("cafe\u0301") == text("caf\u00e9")


def test_a_field_search_names_the_field():
    assert parse_search("front:dog") == FieldTerm("front", "dog")
    assert parse_search("Front:*dog*") == FieldTerm("Front", "*dog*")


def test_a_field_search_may_look_for_an_empty_field():
    assert parse_search("back:") == FieldTerm("back", "")


def test_a_field_value_may_be_quoted_either_way():
    assert parse_search('front:"a dog"') == FieldTerm("front", "a dog")
    assert parse_search('"front:a dog"') == FieldTerm("front", "a dog")


def test_only_the_first_colon_splits_a_field_search():
    assert parse_search("time:10:30") == FieldTerm("time", "10:30")


def test_an_escaped_colon_in_a_field_name_stays_in_the_name():
    assert parse_search(r"a\:b:c") == FieldTerm("a:b", "c")


def test_field_names_may_hold_wildcards():
    assert parse_search("fr*:dog") == FieldTerm("fr*", "dog")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("deck:French", Term("deck", "French")),
        ("DECK:French", Term("deck", "French")),
        ('deck:"My Deck"', Term("deck", "My Deck")),
        ('"deck:My Deck"', Term("deck", "My Deck")),
        ("deck:French::Verbs", Term("deck", "French::Verbs")),
        ("deck:Fr*", Term("deck", "Fr*")),
        ("deck:*", Term("deck", "*")),
        ("tag:verbs", Term("tag", "verbs")),
        ("tag:lang::*", Term("tag", "lang::*")),
        ("tag:none", Term("untagged", "")),
        ("tag:NONE", Term("untagged", "")),
        ("note:Basic", Term("note", "Basic")),
        ('note:"Basic (and reversed card)"', Term("note", "Basic (and reversed card)")),
        ("card:1", Term("card", "1")),
        ("card:02", Term("card", "2")),
        ("card:Card*", Term("card", "Card*")),
        ('card:"Card 2"', Term("card", "Card 2")),
        ("is:new", Term("is", "new")),
        ("is:DUE", Term("is", "due")),
        ("is:learn", Term("is", "learn")),
        ("is:review", Term("is", "review")),
        ("is:suspended", Term("is", "suspended")),
        ("is:buried", Term("is", "buried")),
        ("nid:123", Term("nid", "123")),
        ("nid:123,456", Term("nid", "123,456")),
        ("cid:7,8,9", Term("cid", "7,8,9")),
        ("flag:0", Term("flag", "0")),
        ("flag:3", Term("flag", "3")),
        ("added:7", Term("added", "7")),
    ],
)
def test_known_prefixes_become_their_terms(query, expected):
    assert parse_search(query) == expected


def test_terms_combine_with_everything_else():
    assert parse_search('deck:"My Deck" (tag:a or -is:suspended) front:x*') == And(
        (
            Term("deck", "My Deck"),
            Or((Term("tag", "a"), Not(Term("is", "suspended")))),
            FieldTerm("front", "x*"),
        )
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(dog", "'(' is not closed"),
        ("((dog)", "'(' is not closed"),
        ("(", "'(' is not closed"),
        ("dog)", "')' without a '('"),
        (")", "')' without a '('"),
        ("(a) b)", "')' without a '('"),
        ("()", "nothing between the parentheses"),
        ("( )", "nothing between the parentheses"),
        ("-()", "nothing between the parentheses"),
        ("or dog", "'or' needs something"),
        ("dog or", "'or' needs something"),
        ("dog or or cat", "'or' needs something"),
        ("(or dog)", "'or' needs something"),
        ("(dog or)", "'or' needs something"),
        ("and dog", "'and' needs something"),
        ("dog and", "'and' needs something"),
        ("dog and or cat", "'or' needs something"),
        ('"dog', "quote"),
        ('deck:"My Deck', "quote"),
        ('""', "nothing between the quotes"),
        ("dog\\", "lone '\\'"),
        (r"\q", r"'\q' is not an escape"),
        (r"a\ b", "is not an escape"),
        ("deck:", "'deck:' needs a name"),
        ('deck:""', "'deck:' needs a name"),
        ("tag:", "'tag:' needs a name"),
        ("note:", "'note:' needs a name"),
        ("card:", "'card:' needs"),
        ("card:0", "start at 1"),
        ("is:", "'is:' on its own is not a card state"),
        ("is:fresh", "'is:fresh' is not a card state"),
        ("nid:", "ids separated by commas"),
        ("nid:1,,2", "ids separated by commas"),
        ("cid:abc", "ids separated by commas"),
        ("flag:8", "from 0"),
        ("added:0", "number of days"),
        ("added:x", "number of days"),
        (":dog", "nothing before the ':'"),
        ("prop:ivl>10", "'prop:' is not supported"),
        ("rated:1", "'rated:' is not supported"),
        ("dupe:1,x", "'dupe:' is not supported"),
    ],
)
def test_it_refuses_bad_syntax_with_a_message_for_the_user(query, message):
    with pytest.raises(SearchError) as caught:
        parse_search(query)
    assert message in caught.value.message
    assert str(caught.value) == caught.value.message


def test_search_error_is_a_value_error():
    assert issubclass(SearchError, ValueError)


# --- Patterns ----------------------------------------------------------------------


def test_case_variants_cover_accents_and_other_scripts():
    assert case_variants("e") == "Ee"
    assert case_variants("É") == "Éé"
    assert case_variants("д") == "Дд"
    assert case_variants("7") == "7"
    assert case_variants("日") == "日"


def test_has_wildcards_ignores_escaped_ones():
    assert has_wildcards("d*g")
    assert has_wildcards("d_g")
    assert not has_wildcards(r"d\*g")
    assert not has_wildcards(r"d\_g")
    assert not has_wildcards("dog")


def test_pattern_text_drops_escapes():
    assert pattern_text(r"a\*b*c") == "a*b*c"


@pytest.mark.parametrize(
    ("pattern", "subject", "matches"),
    [
        ("dog", "DOG", True),
        ("dog", "dogs", False),
        ("d*g", "dg", True),
        ("d*g", "doing", True),
        ("d_g", "dig", True),
        ("d_g", "dg", False),
        (r"d\*g", "d*g", True),
        (r"d\*g", "dog", False),
        (r"d\_g", "d_g", True),
        (r"d\_g", "dig", False),
        (r"a\\b", "a\\b", True),
        ("ÉLAN", "élan", True),
        ("straße", "STRAßE", True),
        ("привет", "ПРИВЕТ", True),
        ("a.b", "axb", False),
        ("(x)+[y]{2}|^$", "(X)+[Y]{2}|^$", True),
        ("multi*line", "multi\nline", True),
    ],
)
def test_pattern_matches_whole_names_case_insensitively(pattern, subject, matches):
    assert pattern_matches(pattern, subject) is matches


def test_regex_uses_the_given_wildcard_character():
    regex = pattern_to_regex("a*b_", any_char="[^ ]")
    assert regex == "[Aa][^ ]*[Bb][^ ]"
    assert re.fullmatch(regex, "Axyzbq")
    assert not re.fullmatch(regex, "Ax zbq")


def test_regex_escapes_what_regexes_treat_specially():
    regex = pattern_to_regex("1.2+(3)", any_char=".")
    assert regex == r"1\.2\+\(3\)"


def test_glob_spells_letters_as_classes_and_literal_globs_as_sets():
    assert pattern_to_glob("Ab*_") == "[Aa][Bb]*?"
    assert pattern_to_glob(r"1\*2?[x]") == "1[*]2[?][[][Xx]]"


def test_like_escapes_its_own_wildcards_and_folds_only_what_sqlite_folds():
    assert pattern_to_like("d*g_") == ("d%g_", True)
    assert pattern_to_like(r"50%\_off\*") == (r"50\%\_off*", True)
    assert pattern_to_like(r"a\\b") == ("a\\\\b", True)
    # A non-ASCII letter with other cases: LIKE only pre-filters, a GLOB/regex decides.
    assert pattern_to_like("élan") == ("_lan", False)
    assert pattern_to_like("日本") == ("日本", True)
