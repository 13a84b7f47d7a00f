"""Loading a learner's card states with their card, note, note type and deck, fast.

This is select_related("card__note__note_type", "card__deck") written out by
hand, for the two reads every grade makes (the graded card, the next card). The
ORM's version spends most of its time building and compiling the query and
looking up converters for some sixty columns, several times what the database
spends answering it. Here the column list and each column's converters are
worked out once per process; rows become model instances through Model.from_db
with the same converters the ORM would apply, so the objects are the same.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model

from flashcards.models import Card, Deck, Note, NoteType
from reviews.models import CardState

# Table aliases in the SELECT, in column order.
_MODELS: tuple[tuple[str, type[Model]], ...] = (
    ("s", CardState),
    ("c", Card),
    ("n", Note),
    ("t", NoteType),
    ("d", Deck),
)

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Part:
    model: type[Model]
    attnames: list[str]
    converters: list[list[Converter]]
    columns: list[Any]  # the Col expressions converters receive, as the ORM passes them
    start: int  # where its columns begin in the row


@dataclass(frozen=True)
class _Layout:
    select: str  # "s"."id", "s"."learner_id", ... for every model's concrete fields
    from_: str  # the five tables joined
    parts: list[_Part]
    width: int


@functools.cache
def _layout(vendor: str) -> _Layout:
    quote = connection.ops.quote_name
    columns: list[str] = []
    parts: list[_Part] = []
    for alias, model in _MODELS:
        fields = model._meta.concrete_fields
        columns += [f"{alias}.{quote(field.column)}" for field in fields]
        cols = [field.get_col(alias) for field in fields]
        converters = [
            [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]
            for field, col in zip(fields, cols, strict=True)
        ]
        start = sum(len(part.attnames) for part in parts)
        parts.append(_Part(model, [field.attname for field in fields], converters, cols, start))
    table = {alias: quote(model._meta.db_table) for alias, model in _MODELS}
    from_ = (
        f"{table['s']} s JOIN {table['c']} c ON c.id = s.card_id "
        f"JOIN {table['n']} n ON n.id = c.note_id "
        f"JOIN {table['t']} t ON t.id = n.note_type_id "
        f"JOIN {table['d']} d ON d.id = c.deck_id"
    )
    return _Layout(", ".join(columns), from_, parts, len(columns))


@dataclass
class StateRow:
    """One loaded row: its CardState built, the rest of the row kept until asked for."""

    state: CardState
    extra: list[Any]  # the values of the `extra` SELECT expressions
    _row: Sequence[Any]
    _attached: bool = False

    def full(self) -> CardState:
        """The state with its card, note, note type and deck attached (built once)."""
        if not self._attached:
            layout = _layout(connection.vendor)
            card, note, note_type, deck = (_build(part, self._row) for part in layout.parts[1:])
            Note._meta.get_field("note_type").set_cached_value(note, note_type)
            Card._meta.get_field("note").set_cached_value(card, note)
            Card._meta.get_field("deck").set_cached_value(card, deck)
            CardState._meta.get_field("card").set_cached_value(self.state, card)
            self._attached = True
        return self.state


def _build(part: _Part, row: Sequence[Any]) -> Model:
    values = list(row[part.start : part.start + len(part.attnames)])
    for index, converters in enumerate(part.converters):
        value = values[index]
        for convert in converters:
            value = convert(value, part.columns[index], connection)
        values[index] = value
    return part.model.from_db(connection.alias, part.attnames, values)


def load_state_rows(
    where: str, params: Sequence[Any], extra: Sequence[tuple[str, Sequence[Any]]] = ()
) -> list[StateRow]:
    """CardStates matching `where` (SQL on the aliases s, c, n, t, d) and the values of
    the `extra` SELECT expressions; each row's card, note, note type and deck are built
    only when StateRow.full() asks (the queue reads several rows and shows one).
    """
    layout = _layout(connection.vendor)
    extra_sql = "".join(f", ({sql})" for sql, _ in extra)
    extra_params = [param for _, sql_params in extra for param in sql_params]
    sql = f"SELECT {layout.select}{extra_sql} FROM {layout.from_} WHERE {where}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*extra_params, *params])
        rows = cursor.fetchall()
    state_part = layout.parts[0]
    return [StateRow(_build(state_part, row), list(row[layout.width :]), row) for row in rows]


def load_states(
    where: str, params: Sequence[Any], extra: Sequence[tuple[str, Sequence[Any]]] = ()
) -> list[tuple[CardState, list[Any]]]:
    """CardStates matching `where` (SQL on the aliases s, c, n, t, d), each with its card,
    note, note type and deck attached; and the values of the `extra` SELECT expressions.
    """
    return [(row.full(), row.extra) for row in load_state_rows(where, params, extra)]
