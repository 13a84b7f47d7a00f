"""Fast multi-row INSERTs for imports: plain tuples in, no model instances.

`Model.objects.bulk_create` spends most of a large import building model
instances and preparing every value of every field one at a time; an import of
100,000 notes creates several hundred thousand rows. This writes the same
rows with multi-row `INSERT ... RETURNING` statements (SQLite 3.35+ and
Postgres), preparing only the values that need it (datetimes, UUIDs, JSON).

Columns come from the model, so a field added later is filled with its default;
fields with a per-row default (uuid4, new_guid, ...) must be given.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from typing import Any

from django.db import connection, models

_PREPARED = (models.DateTimeField, models.DateField, models.UUIDField, models.JSONField)


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        try:
            return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        except (AttributeError, sqlite3.Error):
            return 999
    return 65_535


class BulkInserter:
    """Insert rows of `model`, each a tuple of values for `given` (attribute names) in order.

    `constants` are values every row shares; other fields take their defaults.
    """

    def __init__(
        self,
        model: type[models.Model],
        given: Sequence[str],
        constants: dict[str, Any] | None = None,
    ) -> None:
        fields = [
            field
            for field in model._meta.concrete_fields
            if not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
        ]
        names = {field.attname for field in fields}
        unknown = set(given) - names
        if unknown:
            raise ValueError(f"{model.__name__} has no field {sorted(unknown)[0]!r}")
        by_name = {field.attname: field for field in fields}
        self.table = model._meta.db_table
        # The given columns first, in the caller's order, then the rest with their defaults.
        self.columns = [by_name[name].column for name in given]
        self.defaults: list[Any] = []
        constants = constants or {}
        for field in fields:
            if field.attname in constants:
                # The same value on every row (a timestamp): prepared once.
                self.columns.append(field.column)
                self.defaults.append(field.get_db_prep_save(constants[field.attname], connection))
            elif field.attname not in given:
                if field.has_default() and callable(field.default):
                    raise ValueError(
                        f"Give {model.__name__}.{field.attname}: its default is per row"
                    )
                self.columns.append(field.column)
                self.defaults.append(field.get_db_prep_save(field.get_default(), connection))
        self.preparers = [
            (index, self._preparer(by_name[name]))
            for index, name in enumerate(given)
            if isinstance(by_name[name], _PREPARED)
        ]
        self.rows_per_statement = max(1, min(1000, _max_params() // len(self.columns)))

    @staticmethod
    def _preparer(field: models.Field) -> Callable[[Any], Any]:
        if isinstance(field, models.DateTimeField):
            adapt = connection.ops.adapt_datetimefield_value
            if connection.vendor == "sqlite":
                # What Django's SQLite backend stores (UTC, naive, str()), without its checks.
                def adapt(value: Any) -> Any:
                    return str(value.astimezone(UTC).replace(tzinfo=None))

        elif isinstance(field, models.UUIDField) and not connection.features.has_native_uuid_field:

            def adapt(value: Any) -> Any:
                return value.hex

        else:

            def adapt(value: Any) -> Any:
                return field.get_db_prep_save(value, connection)

        last: list[Any] = [None, None]  # rows often share one timestamp: prepare it once

        def prepare(value: Any) -> Any:
            if value is None:
                return None
            if value is not last[0]:
                last[0], last[1] = value, adapt(value)
            return last[1]

        return prepare

    def _extend(self, params: list[Any], row: Sequence[Any]) -> None:
        if self.preparers:
            row = list(row)
            for index, prepare in self.preparers:
                row[index] = prepare(row[index])
        params.extend(row)
        params.extend(self.defaults)

    def insert(
        self, rows: Iterable[Sequence[Any]], *, returning: Sequence[str] = ()
    ) -> list[tuple]:
        """Insert the rows; with `returning` (column names), those columns of each new row.

        The returned rows come in no promised order (SQLite does not promise one), so
        ask for a natural key with the id.
        """
        rows = list(rows)
        returned: list[tuple] = []
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.columns)
        one = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), self.rows_per_statement):
                chunk = rows[start : start + self.rows_per_statement]
                sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES " + ", ".join(
                    [one] * len(chunk)
                )
                params: list[Any] = []
                for row in chunk:
                    self._extend(params, row)
                if returning:
                    wanted = ", ".join(quote(column) for column in returning)
                    cursor.execute(f"{sql} RETURNING {wanted}", params)
                    returned.extend(tuple(row) for row in cursor.fetchall())
                else:
                    cursor.execute(sql, params)
        return returned
