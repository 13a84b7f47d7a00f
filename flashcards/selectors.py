"""Reads of content: who can see which decks and cards, and the card browser's search."""

from __future__ import annotations

import functools
import operator
from datetime import timedelta
from typing import Any

from django.db.models import Exists, F, Lookup, OuterRef, Q, QuerySet

from accounts.models import User
from flashcards import search
from flashcards.models import FIELD_SEPARATOR, Card, Deck, Note, NoteType
from reviews.models import CardState

# --- Card search (Anki's search syntax) --------------------------------------------
#
# parse_search() gives a tree; _QueryBuilder turns it into one Q, so a search is a
# single SQL statement whatever it holds. Text is matched on the database, never in
# Python: SQLite uses GLOB (native), then Django's REGEXP (a Python callback) only
# where GLOB cannot say it (field:value, tag:) and only on the rows GLOB let
# through; Postgres uses its own regular expressions. Case-insensitivity comes from
# the patterns themselves ([éÉ] classes, see flashcards.search), so it covers every
# script on both databases and does not depend on the Postgres locale.


def visible_decks_q(user: User) -> Q:
    """Decks whose names `user` may search by. Decks shared with a class go here."""
    return Q(owner=user)


def visible_note_types_q(user: User) -> Q:
    """Note types whose names, fields and templates `user` may search by."""
    return Q(owner=user)


def visible_cards_q(user: User) -> Q:
    """Cards `user` may browse: today the cards of their own notes.

    When classes share decks, OR in the cards of the shared decks here (and widen
    the two helpers above), and every search follows.
    """
    return Q(note__owner=user)


def search_cards(*, user: User, query: str, learner: User | None = None) -> QuerySet[Card]:
    """Cards visible to `user` that match `query` (Anki's search syntax).

    `is:`, `flag:` and `added:` read `learner`'s scheduling (default: `user`).
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


class _PatternMatch(Lookup):
    """`lhs` matches a search pattern; rhs is (glob, regex, glob_is_exact).

    On SQLite the GLOB runs first and the REGEXP (Python) only if the GLOB is a
    mere pre-filter; on Postgres the regex runs alone. Both strings come from
    flashcards.search, so special characters are already escaped.
    """

    lookup_name = "deckhand_pattern"  # never registered: built directly
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs_sql, params = self.process_lhs(compiler, connection)
        _, regex, _ = self.rhs
        return f"{lhs_sql} ~ %s", [*params, regex]

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs_sql, params = self.process_lhs(compiler, connection)
        glob, regex, exact = self.rhs
        if exact:
            return f"{lhs_sql} GLOB %s", [*params, glob]
        return f"({lhs_sql} GLOB %s AND {lhs_sql} REGEXP %s)", [*params, glob, *params, regex]


def _pattern_match(path: str, *, glob: str, regex: str, exact: bool = False) -> Q:
    return Q(_PatternMatch(F(path), (glob, regex, exact)))


_NOTHING = Q(pk__in=[])
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
        glob = f"*{search.pattern_to_glob(value)}*"
        regex = search.pattern_to_regex(value, any_char=".")
        return _pattern_match("note__flds", glob=glob, regex=regex, exact=True)

    def _field(self, field: str, value: str) -> Q:
        matches = []
        for note_type in self._note_types:
            for index, name in enumerate(note_type.field_names):
                if not search.pattern_matches(field, name):
                    continue
                q = Q(note__note_type_id=note_type.pk)
                if value != "*":
                    q &= self._field_value(index, value)
                matches.append(q)
        return functools.reduce(operator.or_, matches, _NOTHING)

    def _field_value(self, index: int, value: str) -> Q:
        body = search.pattern_to_regex(value, any_char=_FIELD_CHAR)
        skip = f"(?:{_FIELD_CHAR}*{FIELD_SEPARATOR}){{{index}}}" if index else ""
        regex = f"\\A{skip}{body}(?:{FIELD_SEPARATOR}|\\Z)"
        return _pattern_match("note__flds", glob=f"*{search.pattern_to_glob(value)}*", regex=regex)

    def _deck(self, value: str) -> Q:
        # The deck itself or any deck under it.
        regex = f"\\A{search.pattern_to_regex(value, any_char='.')}(?:::|\\Z)"
        decks = Deck.objects.filter(visible_decks_q(self.user), full_name__regex=regex)
        return Q(deck__in=decks.values("pk"))

    def _tag(self, value: str) -> Q:
        # Tags are stored " a b ": the tag, or a child tag "value::...", between spaces.
        body = search.pattern_to_regex(value, any_char=_TAG_CHAR)
        regex = f"(?:\\A| ){body}(?:::{_TAG_CHAR}*)?(?: |\\Z)"
        return _pattern_match("note__tags", glob=f"*{search.pattern_to_glob(value)}*", regex=regex)

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
        matches = []
        for note_type in self._note_types:
            for ord_, template in enumerate(note_type.templates):
                if not search.pattern_matches(value, template.get("name", "")):
                    continue
                q = Q(note__note_type_id=note_type.pk)
                if not note_type.is_cloze:  # a cloze type's one template makes every card
                    q &= Q(ord=ord_)
                matches.append(q)
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
