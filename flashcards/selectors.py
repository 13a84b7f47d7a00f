"""Reads of content: who can see which decks and cards, and the card browser's search."""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db.models import Exists, F, Lookup, OuterRef, Q, QuerySet

from accounts.models import User
from classrooms.access import class_decks, class_decks_q
from flashcards import search
from flashcards.models import FIELD_SEPARATOR, Card, Deck, Note, NoteType
from reviews.models import CardState

# --- Card search (Anki's search syntax) --------------------------------------------
#
# parse_search() gives a tree; _QueryBuilder turns it into one Q, so a search is a
# single SQL statement whatever it holds. Text is matched by the database, never by
# filtering rows in Python. Postgres runs its own regular expressions. SQLite runs
# LIKE (native, folds ASCII case), then GLOB with [éÉ] classes (native) only when
# the words hold non-ASCII letters, and Django's REGEXP (a Python callback) only
# where neither can say it (field:value, tag wildcards), on the rows LIKE let
# through. Case-insensitivity beyond ASCII comes from the patterns themselves
# ([éÉ] classes, see flashcards.search), so it covers every script on both
# databases and does not depend on the Postgres locale.


def visible_decks_q(user: User) -> Q:
    """Decks whose cards `user` may browse and search by name.

    visible_cards_q() follows. A user sees their own decks, which hold exactly the
    cards of their own notes (services never put a card in another owner's deck),
    and the decks shared with them through a class (classrooms.access).
    """
    return Q(owner=user) | class_decks_q(user)


def visible_note_types_q(user: User) -> Q:
    """Note types whose names, fields and templates `user` may search by: their own,
    and those of the notes in decks shared with them through a class."""
    shared = Card.objects.filter(deck__in=class_decks(user)).values("note__note_type_id")
    return Q(owner=user) | Q(pk__in=shared)


def visible_cards_q(user: User) -> Q:
    """Cards `user` may browse: the cards in their visible decks.

    Going through decks rather than note owners lets SQLite answer the empty
    search from the (deck, note) index alone, and walk cards in id order for a
    page instead of sorting every row.
    """
    return Q(deck__in=Deck.objects.filter(visible_decks_q(user)).values("pk"))


def search_cards(*, user: User, query: str, learner: User | None = None) -> QuerySet[Card]:
    """Cards visible to `user` that match `query` (Anki's search syntax).

    `is:` and `flag:` read `learner`'s scheduling, and `is:due` and `added:`
    their study day (default learner: `user`).
    Raises search.SearchError, whose message is meant for the user, when the
    query cannot be parsed. An empty query matches every visible card. The
    queryset is unordered: callers order it.
    """
    tree = search.parse_search(query)
    condition = _QueryBuilder(user=user, learner=learner or user).build(tree)
    return Card.objects.filter(visible_cards_q(user)).filter(condition)


def search_notes(*, user: User, query: str, learner: User | None = None) -> QuerySet[Note]:
    """Notes with at least one card that search_cards() would return."""
    cards = search_cards(user=user, query=query, learner=learner)
    return Note.objects.filter(pk__in=cards.values("note_id"))


_SQLITE_OPERATORS = {"LIKE": "LIKE %s ESCAPE '\\'", "GLOB": "GLOB %s", "REGEXP": "REGEXP %s"}
_SqliteTest = tuple[tuple[str, str], ...]  # ((operator, pattern), ...), all must hold


class _PatternMatch(Lookup):
    """`lhs` matches a search pattern; rhs is (sqlite_alternatives, postgres_regex).

    SQLite: any one alternative holds; each is a chain of LIKE / GLOB / REGEXP
    tests, cheapest first, so the slower ones only see rows the faster let
    through. Postgres: the regex alone. The patterns come from flashcards.search.
    """

    lookup_name = "deckhand_pattern"  # never registered: built directly
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs_sql, params = self.process_lhs(compiler, connection)
        _, regex = self.rhs
        return f"{lhs_sql} ~ %s", [*params, regex]

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        alternatives, _ = self.rhs
        sql, params = [], []
        for tests in alternatives:
            parts = []
            for operator_name, pattern in tests:
                parts.append(f"{lhs_sql} {_SQLITE_OPERATORS[operator_name]}")
                params += [*lhs_params, pattern]
            sql.append(" AND ".join(parts))
        return "(" + " OR ".join(f"({part})" for part in sql) + ")", params


def _pattern_match(path: str, *, sqlite: tuple[_SqliteTest, ...], regex: str) -> Q:
    return Q(_PatternMatch(F(path), (sqlite, regex)))


_NOTHING = Q(pk__in=[])


def _of_note_types(pks: list[int]) -> Q:
    return Q(note__note_type_id__in=pks) if pks else _NOTHING


_FIELD_CHAR = f"[^{FIELD_SEPARATOR}]"
_TAG_CHAR = "[^ ]"


class _QueryBuilder:
    def __init__(self, *, user: User, learner: User) -> None:
        self.user = user
        self.learner = learner

    def build(self, node: search.Node) -> Q:
        if isinstance(node, search.And):
            return functools.reduce(operator.and_, map(self.build, node.children), Q())
        if isinstance(node, search.Or):
            return functools.reduce(operator.or_, map(self.build, node.children))
        if isinstance(node, search.Not):
            return ~self.build(node.child)
        if isinstance(node, search.FieldTerm):
            return self._field(node.field, node.value)
        handler = getattr(self, f"_{node.kind}")
        return handler(node.value)

    @functools.cached_property
    def _note_types(self) -> list[NoteType]:
        return list(
            NoteType.objects.filter(visible_note_types_q(self.user)).only(
                "pk", "kind", "fields", "templates"
            )
        )

    def _text(self, value: str) -> Q:
        # Anki's unqualified search: a substring of the note's fields. `*` may
        # run across fields there too.
        like, exact = search.pattern_to_like(value)
        tests: _SqliteTest = (("LIKE", f"%{like}%"),)
        if not exact:
            tests += (("GLOB", f"*{search.pattern_to_glob(value)}*"),)
        regex = search.pattern_to_regex(value, any_char=".")
        return _pattern_match("note__flds", sqlite=(tests,), regex=regex)

    def _field(self, field: str, value: str) -> Q:
        # Note types grouped by where the field sits: a field that many types
        # share costs one test per position, not one per type.
        by_index: dict[int, list[int]] = defaultdict(list)
        for note_type in self._note_types:
            for index, name in enumerate(note_type.field_names):
                if search.pattern_matches(field, name):
                    by_index[index].append(note_type.pk)
        if value == "*":  # any note whose type has the field
            return _of_note_types(sorted({pk for pks in by_index.values() for pk in pks}))
        matches = [
            _of_note_types(pks) & self._field_value(index, value)
            for index, pks in sorted(by_index.items())
        ]
        return functools.reduce(operator.or_, matches, _NOTHING)

    def _field_value(self, index: int, value: str) -> Q:
        body = search.pattern_to_regex(value, any_char=_FIELD_CHAR)
        skip = f"(?:{_FIELD_CHAR}*{FIELD_SEPARATOR}){{{index}}}" if index else ""
        regex = f"\\A{skip}{body}(?:{FIELD_SEPARATOR}|\\Z)"
        like, _ = search.pattern_to_like(value)
        tests = (("LIKE", f"%{like}%"), ("REGEXP", regex))
        return _pattern_match("note__flds", sqlite=(tests,), regex=regex)

    def _deck(self, value: str) -> Q:
        # The deck itself or any deck under it.
        regex = f"\\A{search.pattern_to_regex(value, any_char='.')}(?:::|\\Z)"
        decks = Deck.objects.filter(visible_decks_q(self.user), full_name__regex=regex)
        return Q(deck__in=decks.values("pk"))

    def _tag(self, value: str) -> Q:
        # Tags are stored " a b ": the tag, or a child tag "value::...", between spaces.
        body = search.pattern_to_regex(value, any_char=_TAG_CHAR)
        regex = f"(?:\\A| ){body}(?:::{_TAG_CHAR}*)?(?: |\\Z)"
        like, exact = search.pattern_to_like(value)
        if exact and not search.has_wildcards(value):
            sqlite = ((("LIKE", f"% {like} %"),), (("LIKE", f"% {like}::%"),))
        else:
            sqlite = ((("LIKE", f"%{like}%"), ("REGEXP", regex)),)
        return _pattern_match("note__tags", sqlite=sqlite, regex=regex)

    def _untagged(self, value: str) -> Q:
        return Q(note__tags__in=["", " "])

    def _note(self, value: str) -> Q:
        regex = f"\\A{search.pattern_to_regex(value, any_char='.')}\\Z"
        note_types = NoteType.objects.filter(visible_note_types_q(self.user), name__regex=regex)
        return Q(note__note_type__in=note_types.values("pk"))

    def _card(self, value: str) -> Q:
        if value.isdigit():
            # Template number for standard note types, cloze number for cloze: ord + 1.
            return Q(ord=int(value) - 1)
        by_ord: dict[int, list[int]] = defaultdict(list)
        cloze_types = []
        for note_type in self._note_types:
            for ord_, template in enumerate(note_type.templates):
                if not search.pattern_matches(value, template.get("name", "")):
                    continue
                if note_type.is_cloze:  # its one template makes every card
                    cloze_types.append(note_type.pk)
                else:
                    by_ord[ord_].append(note_type.pk)
        matches = [_of_note_types(pks) & Q(ord=ord_) for ord_, pks in sorted(by_ord.items())]
        if cloze_types:
            matches.append(_of_note_types(cloze_types))
        return functools.reduce(operator.or_, matches, _NOTHING)

    def _nid(self, value: str) -> Q:
        return Q(note_id__in=[int(part) for part in value.split(",")])

    def _cid(self, value: str) -> Q:
        return Q(pk__in=[int(part) for part in value.split(",")])

    def _states(self, *conditions: Q, **filters: Any) -> Exists:
        states = CardState.objects.filter(
            *conditions, learner=self.learner, card=OuterRef("pk"), **filters
        )
        return Exists(states)

    def _is(self, value: str) -> Q:
        # A card with no CardState row is new, unsuspended, unburied and unflagged.
        started = [CardState.LEARNING, CardState.REVIEW, CardState.RELEARNING]
        if value == "new":
            return ~Q(self._states(state__in=started))
        if value == "learn":
            return Q(self._states(state__in=[CardState.LEARNING, CardState.RELEARNING]))
        if value == "review":
            # As Anki: relearning cards are review cards that lapsed, so they count here too.
            return Q(self._states(state__in=[CardState.REVIEW, CardState.RELEARNING]))
        if value == "due":
            # Due by the end of the learner's study day, and in the queue (as Anki).
            return Q(
                self._states(
                    self._not_buried(),
                    state__in=started,
                    due__lt=self.learner.next_day_starts(),
                    suspended=False,
                )
            )
        if value == "suspended":
            return Q(self._states(suspended=True))
        if value == "buried":
            return Q(self._states(~self._not_buried()))
        raise AssertionError(f"unknown is: value {value!r}")  # the parser refuses these

    def _not_buried(self) -> Q:
        # buried_until is the study day the card comes back on.
        return Q(buried_until__isnull=True) | Q(buried_until__lte=self.learner.study_day())

    def _flag(self, value: str) -> Q:
        if value == "0":
            return ~Q(self._states(flag__gt=0))
        return Q(self._states(flag=int(value)))

    def _added(self, value: str) -> Q:
        # added:1 is today (the learner's study day), added:2 today and yesterday.
        since = self.learner.next_day_starts() - timedelta(days=int(value))
        return Q(created__gte=since)


# --- End of card search ------------------------------------------------------------
