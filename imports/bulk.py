"""Fast INSERTs for imports: plain tuples in, no model instances.

`Model.objects.bulk_create` spends most of a large import building model
instances and preparing every value of every field one at a time; an import of
100,000 notes creates several hundred thousand rows. This writes the same rows
from tuples, preparing only the values that need it (datetimes, UUIDs, JSON):
on SQLite with `executemany` of one prepared statement (no SQL text to build or
parse per batch), on Postgres with multi-row `INSERT`s.

Primary keys are handed out before the rows are written (`new_ids`), so a
caller knows every new row's id without reading it back.

Columns come from the model, so a field added later is filled with its default;
fields with a per-row default (uuid4, new_guid, ...) must be given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from typing import Any

from django.db import connection, models

_PREPARED = (
    models.DateTimeField,
    models.DateField,
    models.UUIDField,
    models.JSONField,
    models.BooleanField,
)
# Postgres takes at most 65,535 parameters a statement.
_MAX_PARAMS = 65_535


def new_ids(model: type[models.Model], count: int) -> Sequence[int]:
    """`count` primary keys for new rows of `model`, unused by any row and any later insert.

    Call it inside the import's transaction: on SQLite the transaction holds the
    database's write lock, so nobody else takes ids meanwhile.
    """
    if count <= 0:
        return []
    if connection.vendor == "sqlite":
        start = first_free_id(model)
        return range(start, start + count)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def first_free_id(model: type[models.Model]) -> int:
    """SQLite only: the id the next new row of `model` may take, and every id after it.

    AUTOINCREMENT tables never reuse an id: this is past the highest ever given out.
    """
    assert connection.vendor == "sqlite"
    table = model._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(ifnull((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"ifnull((SELECT max({quote(model._meta.pk.column)}) FROM {quote(table)}), 0))",
            [table],
        )
        return int(cursor.fetchone()[0]) + 1


class BulkInserter:
    """Insert rows of `model`, each a tuple of values for `given` (attribute names) in order.

    `given` may name the primary key (ids from `new_ids`). `constants` are values
    every row shares; other fields take their defaults.
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
            if field.attname in given
            or not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
        ]
        names = {field.attname for field in fields}
        unknown = set(given) - names
        if unknown:
            raise ValueError(f"{model.__name__} has no field {sorted(unknown)[0]!r}")
        by_name = {field.attname: field for field in fields}
        self.table = model._meta.db_table
        # The given columns first, in the caller's order, then the rest with their defaults.
        self.columns = [by_name[name].column for name in given]
        self.defaults: tuple[Any, ...] = ()
        defaults: list[Any] = []
        constants = constants or {}
        for field in fields:
            if field.attname in constants:
                # The same value on every row (a timestamp): prepared once.
                self.columns.append(field.column)
                defaults.append(field.get_db_prep_save(constants[field.attname], connection))
            elif field.attname not in given:
                if field.has_default() and callable(field.default):
                    raise ValueError(
                        f"Give {model.__name__}.{field.attname}: its default is per row"
                    )
                self.columns.append(field.column)
                defaults.append(field.get_db_prep_save(field.get_default(), connection))
        self.defaults = tuple(defaults)
        self.preparers = [
            (index, self._preparer(by_name[name]))
            for index, name in enumerate(given)
            if isinstance(by_name[name], _PREPARED)
        ]

    @staticmethod
    def _preparer(field: models.Field) -> Callable[[Any], Any]:
        if isinstance(field, models.DateTimeField):
            adapt = connection.ops.adapt_datetimefield_value
            if connection.vendor == "sqlite":
                # What Django's SQLite backend stores (UTC, naive, str()), without its checks:
                # the ISO form less its "+00:00".
                def adapt(value: Any) -> Any:
                    if value.tzinfo is not UTC:
                        value = value.astimezone(UTC)
                    return value.isoformat(" ")[:-6]

        elif isinstance(field, models.BooleanField):
            if connection.vendor == "sqlite":
                # 1 and 0: sqlite3 binds a bool only after looking for an adapter, slowly.
                return lambda value: None if value is None else int(value)
            return lambda value: value

        elif isinstance(field, models.UUIDField) and not connection.features.has_native_uuid_field:

            def adapt(value: Any) -> Any:
                return value.hex

        else:

            def adapt(value: Any) -> Any:
                return field.get_db_prep_save(value, connection)

            if isinstance(field, models.JSONField):  # values may not be hashable
                return lambda value: None if value is None else adapt(value)

        # Rows often share values (a timestamp, a due day): each is prepared once.
        known: dict[Any, Any] = {}

        def prepare(value: Any) -> Any:
            if value is None:
                return None
            prepared = known.get(value)
            if prepared is None:
                if len(known) > 10_000:
                    known.clear()
                prepared = known[value] = adapt(value)
            return prepared

        return prepare

    def _prepared(self, rows: Iterable[Sequence[Any]]) -> Iterable[Sequence[Any]]:
        defaults = self.defaults
        if not self.preparers:
            return (tuple(row) + defaults for row in rows) if defaults else rows
        preparers = self.preparers

        def prepare(row: Sequence[Any]) -> tuple[Any, ...]:
            values = list(row)
            for index, prepare_value in preparers:
                values[index] = prepare_value(values[index])
            return tuple(values) + defaults

        return map(prepare, rows)

    def insert(self, rows: Iterable[Sequence[Any]]) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.columns)
        one = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
        sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES "
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.executemany(sql + one, self._prepared(rows))
                return
            rows = list(self._prepared(rows))
            per_statement = max(1, min(1000, _MAX_PARAMS // len(self.columns)))
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                params = [value for row in chunk for value in row]
                cursor.execute(sql + ", ".join([one] * len(chunk)), params)
