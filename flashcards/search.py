"""Anki's search syntax: a parser into a small tree, and the pattern helpers.

Django-free. `parse_search("deck:French -is:suspended (dog or cat)")` gives a
tree of And/Or/Not over Term and FieldTerm leaves; flashcards.selectors turns
it into a database query.

Pattern values (text, field values, deck, tag, note type and template names)
keep Anki's wildcards: `*` is any run of characters, `_` is one character, and
`\\*`, `\\_`, `\\\\` stand for a literal star, underscore and backslash. Every
other escape (`\\"`, `\\:`, `\\(`, `\\)`, `\\-`) is resolved by the parser.
Matching is case-insensitive in every script: the pattern compilers spell each
cased letter as a class such as `[éÉ]`, so neither SQLite (whose LIKE folds
ASCII only) nor the Postgres locale decides what "case-insensitive" means.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

TEXT = "text"  # unqualified text: a substring of any field
DECK = "deck"  # the deck or any of its children
TAG = "tag"  # the tag or any of its child tags (a::b)
UNTAGGED = "untagged"  # tag:none
NOTE = "note"  # note type name
CARD = "card"  # template number (1-based, a digit string) or template name
IS = "is"  # one of IS_VALUES
NID = "nid"  # note ids, "1,2,3"
CID = "cid"  # card ids, "1,2,3"
FLAG = "flag"  # flag number 0-7 (0: no flag)
ADDED = "added"  # added in the last N study days, N a digit string

IS_VALUES = ("new", "learn", "review", "due", "suspended", "buried")

# Anki searches Deckhand does not run yet; refused rather than read as field names.
UNSUPPORTED_KEYS = frozenset(
    {
        "dupe",
        "nc",
        "w",
        "re",
        "prop",
        "rated",
        "resched",
        "introduced",
        "edited",
        "did",
        "mid",
        "preset",
        "has-cd",
        "sort",
    }
)

# The escapes the parser resolves, and the ones it keeps for the pattern compilers.
_RESOLVED_ESCAPES = frozenset('":()-')
_PATTERN_ESCAPES = frozenset("\\*_")


class SearchError(ValueError):
    """A search that cannot be run; the message is written for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Term:
    """A condition on one thing: `kind` is one of the constants above."""

    kind: str
    value: str


@dataclass(frozen=True)
class FieldTerm:
    """`field:value`: the whole field equals value. Both are patterns."""

    field: str
    value: str


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    """All children match; an empty And (the empty search) matches everything."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | FieldTerm | Not | And | Or

MATCH_ALL = And(())


# --- Parsing ---------------------------------------------------------------------

_LPAREN, _RPAREN, _NEG, _AND, _OR = "(", ")", "-", "and", "or"
_Token = str | Term | FieldTerm


def parse_search(text: str) -> Node:
    """Parse a search as Anki's browser reads it; raise SearchError if it cannot."""
    tokens = _scan(unicodedata.normalize("NFC", text))
    if not tokens:
        return MATCH_ALL
    return _Parser(tokens).parse()


def _scan(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    after_neg = False
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()":
            tokens.append(ch)
            i += 1
        elif ch == "-" and not after_neg and i + 1 < n and not text[i + 1].isspace():
            # A lone "-" (before a space, a ")" or the end) is the text "-", as in Anki.
            if text[i + 1] == ")":
                tokens.append(Term(TEXT, "-"))
                i += 1
                continue
            tokens.append(_NEG)
            i += 1
            after_neg = True
            continue
        elif ch == '"':
            content, i = _read_quoted(text, i)
            if not content:
                raise SearchError('There is nothing between the quotes "".')
            tokens.append(_term(content))
        else:
            start = i
            while i < n:
                ch = text[i]
                if ch == "\\":
                    if i + 1 >= n:
                        raise SearchError("The search ends with a lone '\\'. Write \\\\ for one.")
                    i += 2
                elif ch.isspace() or ch in '()"':
                    break
                else:
                    i += 1
            word = text[start:i]
            if i < n and text[i] == '"' and _ends_with_key(word):
                # deck:"My Deck": the quotes hold the value only.
                content, i = _read_quoted(text, i)
                tokens.append(_term(word + content))
            elif word.lower() in (_AND, _OR) and not after_neg:
                tokens.append(word.lower())
            else:
                tokens.append(_term(word))
        after_neg = False
    return tokens


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The raw text between the quote at `start` and its closing quote, and the index after it."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return text[start + 1 : i], i + 1
        else:
            i += 1
    raise SearchError('A quote (") is not closed.')


def _ends_with_key(word: str) -> bool:
    """Whether `word` is `key:` with an unescaped colon and nothing after it."""
    if not word.endswith(":"):
        return False
    colon = _first_unescaped_colon(word)
    return colon == len(word) - 1


def _first_unescaped_colon(raw: str) -> int | None:
    i = 0
    while i < len(raw):
        if raw[i] == "\\":
            i += 2
        elif raw[i] == ":":
            return i
        else:
            i += 1
    return None


def _term(raw: str) -> Term | FieldTerm:
    colon = _first_unescaped_colon(raw)
    if colon is None:
        return Term(TEXT, _to_pattern(raw))
    key_raw, value_raw = raw[:colon], raw[colon + 1 :]
    if not key_raw:
        raise SearchError(f"'{raw}' has nothing before the ':'. To search for a colon, write \\:.")
    key = _to_literal(key_raw).lower()
    if key in UNSUPPORTED_KEYS:
        raise SearchError(f"Searching with '{key}:' is not supported yet.")
    if key in (DECK, TAG, NOTE):
        value = _to_pattern(value_raw)
        if not value:
            example = {DECK: 'deck:French or deck:"My Deck"', TAG: "tag:verbs", NOTE: "note:Basic"}
            raise SearchError(f"'{key}:' needs a name, as in {example[key]}.")
        if key == TAG and value.lower() == "none":
            return Term(UNTAGGED, "")
        return Term(key, value)
    if key == CARD:
        return _card_term(value_raw)
    if key == IS:
        value = _to_literal(value_raw).lower()
        if value not in IS_VALUES:
            known = ", ".join(f"is:{v}" for v in IS_VALUES)
            shown = f"'is:{value}'" if value else "'is:' on its own"
            raise SearchError(f"{shown} is not a card state. Use one of {known}.")
        return Term(IS, value)
    if key in (NID, CID):
        value = "".join(_to_literal(value_raw).split())
        if not re.fullmatch(r"\d+(,\d+)*", value):
            raise SearchError(f"'{key}:' needs ids separated by commas, as in {key}:123,456.")
        return Term(key, value)
    if key == FLAG:
        value = _to_literal(value_raw)
        if not re.fullmatch(r"[0-7]", value):
            raise SearchError("'flag:' needs a flag number from 0 (no flag) to 7.")
        return Term(FLAG, value)
    if key == ADDED:
        value = _to_literal(value_raw)
        if not re.fullmatch(r"\d+", value) or int(value) < 1:
            raise SearchError("'added:' needs a number of days, as in added:7.")
        return Term(ADDED, str(int(value)))
    return FieldTerm(_to_pattern(key_raw), _to_pattern(value_raw))


def _card_term(value_raw: str) -> Term:
    value = _to_literal(value_raw)
    if not value:
        raise SearchError("'card:' needs a card number or template name, as in card:1.")
    if value.isdigit() and value.isascii():
        if int(value) < 1:
            raise SearchError("Card numbers start at 1, as in card:1.")
        return Term(CARD, str(int(value)))
    return Term(CARD, _to_pattern(value_raw))


def _to_pattern(raw: str) -> str:
    """Resolve syntax escapes, keep the wildcard ones (see the module docstring)."""
    out = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\":
            escaped = raw[i + 1] if i + 1 < len(raw) else ""
            if escaped in _RESOLVED_ESCAPES:
                out.append(escaped)
            elif escaped and escaped in _PATTERN_ESCAPES:
                out.append("\\" + escaped)
            else:
                raise SearchError(_unknown_escape(escaped))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _to_literal(raw: str) -> str:
    """Resolve every escape: for values where wildcards mean nothing."""
    return "".join(ch for ch, _ in _pattern_chars(_to_pattern(raw)))


def _unknown_escape(escaped: str) -> str:
    shown = f"\\{escaped}" if escaped else "\\"
    return (
        f"'{shown}' is not an escape the search knows. "
        'Use \\" \\: \\( \\) \\- \\* \\_ or \\\\ for a backslash.'
    )


class _Parser:
    """or_expr := and_expr (OR and_expr)* ; and_expr := unary ([AND] unary)* ;
    unary := '-' primary | primary ; primary := '(' or_expr ')' | term."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def parse(self) -> Node:
        node = self._or_expr()
        if self.pos < len(self.tokens):
            # Only a ')' can stop an or_expr early.
            raise SearchError("There is a ')' without a '(' before it.")
        return node

    def _peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _or_expr(self) -> Node:
        parts = [self._and_expr()]
        while self._peek() == _OR:
            self.pos += 1
            parts.append(self._and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def _and_expr(self) -> Node:
        parts = [self._unary()]
        while (token := self._peek()) is not None and token not in (_OR, _RPAREN):
            if token == _AND:
                self.pos += 1
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def _unary(self) -> Node:
        if self._peek() == _NEG:
            self.pos += 1
            return Not(self._primary())
        return self._primary()

    def _primary(self) -> Node:
        previous = self.tokens[self.pos - 1] if self.pos > 0 else None
        token = self._peek()
        self.pos += 1
        if token == _LPAREN:
            if self._peek() == _RPAREN:
                raise SearchError("There is nothing between the parentheses ().")
            node = self._or_expr()
            if self._peek() != _RPAREN:
                raise SearchError("A '(' is not closed with a ')'.")
            self.pos += 1
            return node
        if isinstance(token, Term | FieldTerm):
            return token
        if token in (_AND, _OR):
            raise SearchError(f"'{token}' needs something to search for on both sides.")
        if previous in (_AND, _OR):
            raise SearchError(f"'{previous}' needs something to search for on both sides.")
        if token is None and previous == _LPAREN:
            raise SearchError("A '(' is not closed with a ')'.")
        # A ')' right after '(' or '-' is caught earlier; what is left is a stray ')'.
        raise SearchError("There is a ')' without a '(' before it.")


# --- Patterns ----------------------------------------------------------------------

_REGEX_SPECIAL = frozenset("\\.^$*+?()[]{}|")
_GLOB_SPECIAL = frozenset("*?[")


def _pattern_chars(value: str) -> Iterator[tuple[str, bool]]:
    """(character, is_wildcard) pairs of a pattern value."""
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            yield value[i + 1], False
            i += 2
        else:
            yield ch, ch in "*_"
            i += 1


def has_wildcards(value: str) -> bool:
    return any(wild for _, wild in _pattern_chars(value))


def pattern_text(value: str) -> str:
    """The pattern with its escapes removed, wildcards left as typed (for messages)."""
    return "".join(ch for ch, _ in _pattern_chars(value))


def case_variants(ch: str) -> str:
    """The one-character upper, lower, title and folded forms of `ch`, sorted."""
    forms = {ch, ch.lower(), ch.upper(), ch.title(), ch.casefold()}
    return "".join(sorted(form for form in forms if len(form) == 1))


def pattern_to_regex(value: str, *, any_char: str) -> str:
    """A regex that matches the pattern case-insensitively, anchored by the caller.

    `any_char` is what one wildcard character may be: "[^\\x1f]" inside a field,
    "[^ ]" inside a tag. The result uses only syntax that Python's `re` and
    Postgres' regular expressions read the same way, with no flags needed.
    """
    parts = []
    for ch, wild in _pattern_chars(value):
        if wild:
            parts.append(any_char + "*" if ch == "*" else any_char)
            continue
        variants = case_variants(ch)
        if len(variants) > 1:
            parts.append(f"[{variants}]")
        elif ch in _REGEX_SPECIAL:
            parts.append("\\" + ch)
        else:
            parts.append(ch)
    return "".join(parts)


def pattern_to_glob(value: str) -> str:
    """An SQLite GLOB pattern matching the pattern case-insensitively (whole string)."""
    parts = []
    for ch, wild in _pattern_chars(value):
        if wild:
            parts.append("*" if ch == "*" else "?")
            continue
        variants = case_variants(ch)
        if len(variants) > 1:
            parts.append(f"[{variants}]")
        elif ch in _GLOB_SPECIAL:
            parts.append(f"[{ch}]")
        else:
            parts.append(ch)
    return "".join(parts)


def pattern_to_like(value: str) -> tuple[str, bool]:
    """An SQL LIKE pattern (ESCAPE '\\') for the pattern, and whether it is exact.

    SQLite's LIKE folds ASCII case only, so a non-ASCII letter that has other
    cases becomes `_`: the LIKE is then a cheap pre-filter, not the answer
    (exact is False) and the caller adds a GLOB or a regex.
    """
    parts = []
    exact = True
    for ch, wild in _pattern_chars(value):
        if wild:
            parts.append("%" if ch == "*" else "_")
        elif not ch.isascii() and len(case_variants(ch)) > 1:
            parts.append("_")
            exact = False
        elif ch in "%_\\":
            parts.append("\\" + ch)
        else:
            parts.append(ch)
    return "".join(parts), exact


def pattern_matches(value: str, text: str) -> bool:
    """Whether the whole of `text` matches the pattern (for names checked in Python)."""
    regex = pattern_to_regex(value, any_char=".")
    return re.fullmatch(regex, unicodedata.normalize("NFC", text), re.DOTALL) is not None
