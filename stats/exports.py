"""Cards and reviews as flat tables for pandas: CSV, JSON and Excel.

The only module that imports openpyxl. Tables are streamed from the database
(`.iterator()`), so a million reviews never sit in memory at once; CSV and JSON go
out as they are written, Excel is written to a temporary file first (openpyxl's
write-only mode) because an .xlsx is a zip that is finished at the end.

Times are UTC (columns end in `_utc`); `study_day` is the learner's own study day
(their time zone and day-start hour), as the statistics page counts days.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from django.db.models import FilteredRelation, Min, Q, QuerySet
from django.utils import timezone

from flashcards.models import FIELD_SEPARATOR, Card, NoteType
from reviews.models import CardState, ReviewLog
from stats import days as day_math
from stats.selectors import KIND_NAMES, StatsScope
from stats.sql import Clock

DATASETS = ("cards", "reviews")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ROWS_PER_FETCH = 5000
# An Excel sheet holds 1,048,576 rows; the header takes one. Longer tables go on to more sheets.
XLSX_ROWS_PER_SHEET = 1_048_575
# Excel files up to this many rows are built during the request (openpyxl: ~10 s);
# bigger ones in the background.
XLSX_IN_REQUEST_ROWS = 50_000
PROGRESS_EVERY = 5000
STATE_NAMES = {value: str(label).lower() for value, label in CardState.STATE_CHOICES}
RATING_NAMES = {value: str(label) for value, label in ReviewLog.RATING_CHOICES}
CARD_COLUMNS_BEFORE = ["card_id", "note_id", "deck", "note_type", "card_type"]
CARD_COLUMNS_AFTER = [
    "tags", "state", "due_utc", "last_review_utc", "interval_days", "stability", "difficulty",
    "retrievability", "reps", "lapses", "suspended", "flag",
]  # fmt: skip
REVIEW_COLUMNS = [
    "review_id", "card_id", "note_id", "deck", "reviewed_at_utc", "study_day", "rating",
    "answer", "kind", "duration_ms", "interval_days", "last_interval_days", "stability_after",
    "difficulty_after",
]  # fmt: skip


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: Iterator[list[Any]]  # str, int, float, bool, None, aware datetime, date


# --- Tables ------------------------------------------------------------------------------


def _field_columns(note_types: Iterable[NoteType]) -> tuple[list[str], dict[int, list[int]]]:
    """One column per field name (note types sharing "Front" share the column), and for
    each note type the column of each of its fields. A field named like a fixed column
    gets a "field_" prefix."""
    reserved = set(CARD_COLUMNS_BEFORE) | set(CARD_COLUMNS_AFTER)
    columns: list[str] = []
    positions: dict[int, list[int]] = {}
    for note_type in note_types:
        places = []
        for name in note_type.field_names:
            column = f"field_{name}" if name in reserved else name
            if column not in columns:
                columns.append(column)
            places.append(columns.index(column))
        positions[note_type.pk] = places
    return columns, positions


def _card_type_name(note_type: NoteType, ord_: int) -> str:
    if note_type.is_cloze:
        return f"Cloze {ord_ + 1}"
    templates = note_type.templates
    return templates[ord_]["name"] if ord_ < len(templates) else f"Card {ord_ + 1}"


def _cards(scope: StatsScope) -> QuerySet[Card]:
    """The cards in scope, each joined to the learner's own state as `own_state`."""
    return Card.objects.annotate(
        own_state=FilteredRelation("states", condition=Q(states__learner=scope.learner))
    ).filter(scope.card_filter("own_state"))


def count_rows(dataset: str, scope: StatsScope) -> int:
    if dataset == "cards":
        return _cards(scope).count()
    if dataset == "reviews":
        return scope.reviews().count()
    raise ValueError(f"Unknown dataset {dataset!r}")


def cards_table(scope: StatsScope, now: datetime | None = None) -> Table:
    """Every card in scope with its fields, tags, deck and the learner's FSRS state."""
    now = now or timezone.now()
    cards = _cards(scope).annotate(recall=scope.curves.recall(now, prefix="own_state__"))
    note_types = list(
        NoteType.objects.filter(pk__in=cards.values("note__note_type_id")).order_by("name", "pk")
    )
    by_id = {note_type.pk: note_type for note_type in note_types}
    field_columns, positions = _field_columns(note_types)
    width = len(field_columns)
    rows = (
        cards.order_by("pk")
        .values_list(
            "pk",
            "note_id",
            "note__note_type_id",
            "note__flds",
            "note__tags",
            "deck__full_name",
            "ord",
            "own_state__state",
            "own_state__due",
            "own_state__last_review",
            "own_state__stability",
            "own_state__difficulty",
            "own_state__reps",
            "own_state__lapses",
            "own_state__suspended",
            "own_state__flag",
            "recall",
        )  # fmt: skip
        .iterator(chunk_size=ROWS_PER_FETCH)
    )

    def generate() -> Iterator[list[Any]]:
        for (
            card_id, note_id, type_id, flds, tags, deck, ord_, state, due, last_review,
            stability, difficulty, reps, lapses, suspended, flag, recall,
        ) in rows:  # fmt: skip
            note_type = by_id[type_id]
            fields: list[Any] = [None] * width
            for column, value in zip(positions[type_id], flds.split(FIELD_SEPARATOR), strict=False):
                fields[column] = value
            interval = None
            if state == CardState.REVIEW and due and last_review:
                interval = max(1, round((due - last_review).total_seconds() / 86400))
            yield [
                card_id, note_id, deck, note_type.name, _card_type_name(note_type, ord_),
                *fields,
                tags.strip(), STATE_NAMES.get(state if state is not None else CardState.NEW),
                due, last_review, interval, stability, difficulty,
                recall if stability is not None and last_review is not None else None,
                reps or 0, lapses or 0, bool(suspended), flag or 0,
            ]  # fmt: skip

    return Table("cards", CARD_COLUMNS_BEFORE + field_columns + CARD_COLUMNS_AFTER, generate())


def reviews_table(scope: StatsScope, now: datetime | None = None) -> Table:
    """Every review in scope, oldest first (Anki's revlog, with names instead of codes)."""
    now = now or timezone.now()
    reviews = scope.reviews()
    earliest = reviews.aggregate(first=Min("reviewed_at"))["first"] or now
    spans = day_math.offset_spans(scope.learner.zone, earliest - timedelta(days=1), now)
    clock = Clock(scope.learner.zone, scope.learner.day_starts_at_hour, tuple(spans))
    rows = (
        reviews.annotate(day=clock.study_day("reviewed_at"))
        .order_by("reviewed_at", "pk")
        .values_list(
            "review_id",
            "card_id",
            "card__note_id",
            "deck__full_name",
            "reviewed_at",
            "day",
            "rating",
            "kind",
            "duration_ms",
            "interval_days",
            "last_interval_days",
            "stability_after",
            "difficulty_after",
        )  # fmt: skip
        .iterator(chunk_size=ROWS_PER_FETCH)
    )

    def generate() -> Iterator[list[Any]]:
        for (
            review_id, card_id, note_id, deck, reviewed_at, day, rating, kind, duration,
            interval, last_interval, stability, difficulty,
        ) in rows:  # fmt: skip
            yield [
                str(review_id), card_id, note_id, deck, reviewed_at,
                day_math.day_from_number(int(day)), rating, RATING_NAMES.get(rating, ""),
                KIND_NAMES.get(kind, "").lower(), duration, interval, last_interval,
                stability, difficulty,
            ]  # fmt: skip

    return Table("reviews", list(REVIEW_COLUMNS), generate())


def build_table(dataset: str, scope: StatsScope, now: datetime | None = None) -> Table:
    if dataset == "cards":
        return cards_table(scope, now)
    if dataset == "reviews":
        return reviews_table(scope, now)
    raise ValueError(f"Unknown dataset {dataset!r}")


# --- Formats -----------------------------------------------------------------------------


def _text(value: Any) -> Any:
    """A value for CSV and JSON: times as ISO 8601 in UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Line:
    """A file-like object csv.writer writes one line into, handed straight back."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(table: Table) -> Iterator[str]:
    """The table as CSV, a few hundred rows per chunk (for StreamingHttpResponse)."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(table.columns)  # the BOM tells Excel it is UTF-8
    batch: list[str] = []
    for row in table.rows:
        batch.append(writer.writerow(["" if v is None else _text(v) for v in row]))
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def json_chunks(table: Table) -> Iterator[str]:
    """The table as a JSON array of objects, one per row (pandas: orient="records")."""
    columns = table.columns
    yield "["
    first = True
    batch: list[str] = []
    for row in table.rows:
        record = json.dumps(
            dict(zip(columns, (_text(v) for v in row), strict=True)), ensure_ascii=False
        )
        batch.append(("\n" if first else ",\n") + record)
        first = False
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    batch.append("\n]\n")
    yield "".join(batch)


def write_xlsx(table: Table, out: IO[bytes], progress: Callable[[int], None] | None = None) -> int:
    """The table as an Excel workbook (more sheets past Excel's row limit). Returns rows.

    openpyxl writes some 5,000 rows a second, so big tables go to a background job
    (stats.services), which follows along through `progress(rows so far)`."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = None
    count = 0

    def new_sheet(number: int):  # noqa: ANN202
        made = book.create_sheet(table.name if number == 1 else f"{table.name} {number}")
        made.append(table.columns)
        return made

    def cell_value(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):
                # Text, never a formula: a field may start with "=".
                text = WriteOnlyCell(sheet, value=value)
                text.data_type = "s"
                return text
        return value

    for row in table.rows:
        if count % XLSX_ROWS_PER_SHEET == 0:
            sheet = new_sheet(count // XLSX_ROWS_PER_SHEET + 1)
        sheet.append([cell_value(value) for value in row])
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    if sheet is None:
        new_sheet(1)
    book.save(out)
    return count
