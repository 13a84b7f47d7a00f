"""Reading one model's rows by raw SQL, as the ORM would hand them back.

Every request reads its session and its user. Through the ORM each of those
reads spends several times longer building and compiling the query, and looking
up converters for every column, than the database spends answering it. Here the
SELECT and each column's converters are worked out once per model and process;
rows become instances through Model.from_db with the converters the ORM itself
would apply, so the objects are the same as `Model.objects.get(...)` returns.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Layout:
    select: str  # SELECT "id", ... FROM "table"
    attnames: list[str]
    converters: list[tuple[int, list[Converter], Any]]  # (column, converters, Col)


@functools.cache
def _layout(model: type[Model], alias: str) -> _Layout:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        found = [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]
        if found:
            converters.append((index, found, col))
    columns = ", ".join(quote(field.column) for field in fields)
    return _Layout(
        f"SELECT {columns} FROM {quote(model._meta.db_table)}",
        [field.attname for field in fields],
        converters,
    )


def fetch_one(
    model: type[M], where: str, params: Sequence[Any], using: str = "default"
) -> M | None:
    """The first row of `model`'s table matching `where` (SQL), or None."""
    layout = _layout(model, using)
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"{layout.select} WHERE {where} LIMIT 1", params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, converters, col in layout.converters:
        value = values[index]
        for convert in converters:
            value = convert(value, col, connection)
        values[index] = value
    return model.from_db(using, layout.attnames, values)
