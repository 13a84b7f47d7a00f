"""The SQLite half of an Anki package: the collection, its defences and its rows.

A hostile collection must not run code, stall a worker or hand back values
too large to hold. The reader opens its private copy of the collection
read-only and immutable, with `trusted_schema` off, cell size checks on, no
memory mapping, a cap on the length of any value, a `quick_check` first, and a
time budget for everything SQLite does (a progress handler interrupts it). The
same defences hold while the collection is attached to the app's own SQLite
database for the import's fast path (`CollectionMixin.attached`).

Rows are read with every number cast in SQL, as plain tuples or slotted
dataclasses: a large package has hundreds of thousands of them. A current
package also carries a decoy `collection.anki2` whose only note asks to update
Anki; a decoy alone is refused. Django-free.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imports.errors import CorruptPackage, OutdatedPackage

if TYPE_CHECKING:
    from imports.apkg.package import ReaderLimits

DECOY_TEXT = "Please update to the latest Anki version"


@dataclass(slots=True)
class PackageCard:
    anki_id: int
    note_id: int
    deck_id: int  # the home deck: a card in a filtered deck is read as back home
    ord: int
    type: int  # 0 new, 1 learning, 2 review, 3 relearning
    queue: int  # -3/-2 buried, -1 suspended, 0 new, 1 learning, 2 review, 3 day-learning
    due: int
    interval: int
    ease_factor: int
    reps: int
    lapses: int
    left: int
    flags: int
    raw_data: str  # the `data` column as stored; most cards' is never needed

    @property
    def data(self) -> dict[str, Any]:
        """Anki's per-card JSON: FSRS memory state ("s", "d"), last review time ("lrt")."""
        return _card_data(self.raw_data) if self.raw_data else {}


class SqliteBudget:
    """Time SQLite spends on our statements, so a hostile collection cannot stall a worker."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent = 0.0
        self._started: float | None = None

    def handler(self) -> int:
        if self._started is None:
            return 0
        return int(self.spent + (time.monotonic() - self._started) > self.seconds)

    @contextmanager
    def running(self) -> Iterator[None]:
        if self._started is not None:  # already counting (nested)
            yield
            return
        self._started = time.monotonic()
        try:
            yield
        finally:
            self.spent += time.monotonic() - self._started
            self._started = None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    try:
        return int(_text(value) or 0)
    except ValueError:
        return 0


def _unicase(left: str, right: str) -> int:
    a, b = left.casefold(), right.casefold()
    return (a > b) - (a < b)


def _card_data(raw: Any) -> dict[str, Any]:
    text = _text(raw)
    if not text or not text.startswith("{"):
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class CollectionMixin:
    """Reads the package's collection; mixed into imports.apkg.package.AnkiPackage,
    which copies the collection out of the zip and calls `_open_sqlite` on the copy."""

    limits: ReaderLimits
    collection_name: str  # the zip entry the collection came from
    schema: int  # col.ver
    creation_time: int
    _conn: sqlite3.Connection | None
    _db_path: Path | None
    _sqlite_budget: SqliteBudget
    _tables: set[str]
    _modern: bool  # note types and decks in tables (schema 15-18), not JSON in `col`

    def _open_sqlite(self, db_path: Path) -> None:
        uri = f"{db_path.resolve().as_uri()}?mode=ro&immutable=1"
        try:
            with open(db_path, "rb") as handle:
                header = handle.read(16)
            if header != b"SQLite format 3\x00":
                raise CorruptPackage("The package's collection is not an Anki collection.")
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._conn = conn
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.limits.max_value_bytes)
            conn.set_progress_handler(self._sqlite_budget.handler, 10_000)
            # Current collections index names with Anki's own case-insensitive collation.
            conn.create_collation("unicase", _unicase)
            conn.execute("PRAGMA trusted_schema=OFF")
            conn.execute("PRAGMA cell_size_check=ON")
            conn.execute("PRAGMA mmap_size=0")
            with self._sqlite_budget.running():
                result = conn.execute("PRAGMA quick_check").fetchone()
            if not result or result[0] != "ok":
                raise CorruptPackage(
                    "The package's collection is damaged (integrity check failed)."
                )
            tables = {
                name
                for (name,) in self._fetch("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc).lower():
                raise CorruptPackage("The package's collection took too long to read.") from None
            raise CorruptPackage("The package's collection is not a readable database.") from None
        except sqlite3.DatabaseError:
            raise CorruptPackage("The package's collection is not a readable database.") from None
        missing = {"col", "notes", "cards", "revlog"} - tables
        if missing:
            raise CorruptPackage("The package's collection is not an Anki collection.")
        self._tables = tables

    def can_attach(self, tables: tuple[str, ...] = ("notes", "cards", "revlog")) -> bool:
        """Whether `tables` are ordinary tables whose reading runs no SQL of the package's
        own: not virtual tables, no generated columns (the only schema code a read runs)."""
        for name in tables:
            row = next(self._fetch("SELECT sql FROM sqlite_master WHERE name = ?", (name,)), None)
            if row is None or not _text(row[0]).lstrip().upper().startswith("CREATE TABLE"):
                return False
            if any(_int(column[6]) for column in self._fetch(f"PRAGMA table_xinfo({name})")):
                return False
        return True

    @contextmanager
    def attached(self, conn: sqlite3.Connection, schema: str) -> Iterator[None]:
        """The collection attached to another SQLite connection as `schema`, for
        INSERT ... SELECT straight into that connection's database. Only for a
        collection that `can_attach()`.

        It is attached read-only and immutable, and while it is attached that
        connection checks cell sizes, does not memory-map it, refuses values
        longer than this reader does, and SQLite's time on that connection counts
        against this reader's budget (the collection passed its quick_check when
        it was opened). `trusted_schema` is left as the connection has it: the
        app's own tables have CHECK constraints with JSON functions that SQLite
        counts as unsafe without it, and the tables read are ordinary ones that
        run no SQL of the package's schema anyway (`can_attach`). Everything is
        put back as it was after.

        Attach and detach outside a transaction: SQLite refuses to detach a
        database that the open transaction has read.
        """
        assert self._db_path is not None
        uri = f"{self._db_path.resolve().as_uri()}?mode=ro&immutable=1"
        saved_check = conn.execute("PRAGMA cell_size_check").fetchone()[0]
        saved_length = conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
        conn.execute("PRAGMA cell_size_check=ON")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.limits.max_value_bytes)
        conn.set_progress_handler(self._sqlite_budget.handler, 10_000)
        conn.create_collation("unicase", _unicase)
        try:
            conn.execute("ATTACH DATABASE ? AS " + schema, (uri,))
            try:
                conn.execute(f"PRAGMA {schema}.mmap_size=0")
                with self._sqlite_budget.running():
                    yield
            finally:
                conn.execute(f"DETACH DATABASE {schema}")
        finally:
            conn.create_collation("unicase", None)
            conn.set_progress_handler(None, 0)
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, saved_length)
            conn.execute(f"PRAGMA cell_size_check={int(saved_check)}")

    # --- SQLite reads ---------------------------------------------------------

    def _fetch(self, sql: str, params: tuple = ()) -> Iterator[tuple]:
        assert self._conn is not None
        try:
            with self._sqlite_budget.running():
                cursor = self._conn.execute(sql, params)
            while True:
                with self._sqlite_budget.running():
                    rows = cursor.fetchmany(2000)
                if not rows:
                    return
                yield from rows
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc).lower():
                raise CorruptPackage("The package's collection took too long to read.") from None
            raise CorruptPackage("The package's collection is damaged.") from None
        except sqlite3.DatabaseError:
            raise CorruptPackage("The package's collection is damaged.") from None

    def _columns(self, table: str) -> set[str]:
        return {_text(row[1]) for row in self._fetch(f"PRAGMA table_info({table})")}

    def _read_collection_header(self) -> None:
        row = next(self._fetch("SELECT crt, ver FROM col LIMIT 1"), None)
        if row is None:
            raise CorruptPackage("The package's collection is empty.")
        self.creation_time = _int(row[0])
        self.schema = _int(row[1])
        self._modern = "notetypes" in self._tables
        if self.collection_name == "collection.anki2" and self._is_decoy():
            raise OutdatedPackage(
                "This package holds only a placeholder asking for a newer Anki: its real "
                "collection is missing. Export it again from Anki."
            )

    def _is_decoy(self) -> bool:
        rows = list(self._fetch("SELECT flds FROM notes LIMIT 2"))
        return len(rows) == 1 and DECOY_TEXT in _text(rows[0][0])

    @property
    def note_count(self) -> int:
        row = next(self._fetch("SELECT count() FROM notes"), (0,))
        return _int(row[0])

    @property
    def card_count(self) -> int:
        row = next(self._fetch("SELECT count() FROM cards"), (0,))
        return _int(row[0])

    def used_note_type_ids(self) -> set[int]:
        return {_int(row[0]) for row in self._fetch("SELECT DISTINCT mid FROM notes")}

    def used_deck_ids(self) -> set[int]:
        """Home decks of the cards (a card in a filtered deck counts for its home deck)."""
        return {
            _int(row[0])
            for row in self._fetch(
                "SELECT DISTINCT CASE WHEN odid != 0 THEN odid ELSE did END FROM cards"
            )
        }

    @property
    def has_scheduling(self) -> bool:
        """Whether any card was studied (a package exported without scheduling has none)."""
        row = next(
            self._fetch(
                "SELECT EXISTS (SELECT 1 FROM cards WHERE type != 0 OR queue != 0) "
                "OR EXISTS (SELECT 1 FROM revlog)"
            ),
            (0,),
        )
        return bool(row[0])

    # Cards' numbers are cast in SQL: a hostile collection may store text where Anki keeps
    # numbers. A card in a filtered deck is read as back in its home deck.
    _CARD_HOME = (
        "CASE WHEN ifnull(cast(odid AS INTEGER), 0) != 0 THEN ifnull(cast(odid AS INTEGER), 0) "
        "ELSE ifnull(cast(did AS INTEGER), 0) END"
    )
    CARD_STUDIED = (
        "(ifnull(cast(type AS INTEGER), 0) != 0 OR ifnull(cast(queue AS INTEGER), 0) != 0 "
        "OR ifnull(cast(flags AS INTEGER), 0) & 7 != 0)"
    )

    def notes(self) -> Iterator[tuple[int, str, int, str, str, list[tuple[int, int, int]]]]:
        """Every note as (id, guid, note type id, tags, fields joined by \\x1f, cards), in
        note id order, its cards as (card id, home deck id, ord) in ord order.

        Plain tuples, not objects: a large package has hundreds of thousands of rows.
        """
        cards = self._fetch(
            "SELECT ifnull(cast(nid AS INTEGER), 0), ifnull(cast(id AS INTEGER), 0), "
            f"{self._CARD_HOME}, ifnull(cast(ord AS INTEGER), 0) FROM cards ORDER BY 1, 4"
        )
        notes = self._fetch(
            "SELECT ifnull(cast(id AS INTEGER), 0), ifnull(cast(guid AS TEXT), ''), "
            "ifnull(cast(mid AS INTEGER), 0), ifnull(cast(tags AS TEXT), ''), "
            "ifnull(cast(flds AS TEXT), '') FROM notes ORDER BY 1"
        )
        yield from with_their_cards(notes, cards)

    def studied_card_columns(self) -> str:
        """The SELECT list of a studied card (see `studied_card`), for a query on `cards`."""
        data_column = "data" if "data" in self._columns("cards") else "''"
        numbers = ", ".join(
            f"ifnull(cast({name} AS INTEGER), 0)"
            for name in (
                "id", "nid", "ord", "type", "queue", "due", "ivl", "factor", "reps",
                "lapses", "left", "odue", "odid", "flags",
            )
        )  # fmt: skip
        return f"{self._CARD_HOME}, {numbers}, {data_column}"

    @staticmethod
    def studied_card(row: tuple) -> PackageCard:
        (did, cid, nid, ord_, type_, queue, due, ivl, factor, reps, lapses, left) = row[:12]
        odue, odid, flags, data = row[12:16]
        if odid:  # in a filtered deck: due as it was back home
            due = odue
        return PackageCard(
            cid, nid, did, ord_, type_, queue, due, ivl, factor, reps, lapses, left, flags,
            data if type(data) is str else _text(data),
        )  # fmt: skip

    def studied_cards(self) -> Iterator[PackageCard]:
        """The cards with any scheduling (not new, or suspended, buried or flagged)."""
        sql = f"SELECT {self.studied_card_columns()} FROM cards WHERE {self.CARD_STUDIED}"
        for row in self._fetch(sql):
            yield self.studied_card(row)

    def reviews(self) -> Iterator[tuple[int, int, int, int, int, int, int]]:
        """The review log in card order, oldest first for each card, as tuples of (id in
        milliseconds since the epoch, card id, ease 1-4 (0 for a manual change), interval
        (days if positive, seconds if negative), last interval, duration in milliseconds,
        kind (0 learn, 1 review, 2 relearn, 3 filtered, 4 manual, 5 rescheduled))."""
        number = "ifnull(cast({} AS INTEGER), 0)".format
        columns = ", ".join(
            [number(name) for name in ("id", "cid", "ease", "ivl", "lastIvl")]
            + [f"max({number('time')}, 0)", number("type")]
        )
        return self._fetch(f"SELECT {columns} FROM revlog ORDER BY 2, 1")

    @property
    def review_count(self) -> int:
        row = next(self._fetch("SELECT count() FROM revlog"), (0,))
        return _int(row[0])


def with_their_cards(
    notes: Iterator[tuple[int, str, int, str, str]], cards: Iterator[tuple[int, int, int, int]]
) -> Iterator[tuple[int, str, int, str, str, list[tuple[int, int, int]]]]:
    """Notes (id, guid, note type id, tags, fields) in id order, each with its cards from
    `cards` (note id, card id, home deck id, ord; in note id order), merged in one pass.
    Cards whose note is missing are skipped over."""
    pending = next(cards, None)
    for note_id, guid, mid, tags, flds in notes:
        own: list[tuple[int, int, int]] = []
        while pending is not None and pending[0] < note_id:
            pending = next(cards, None)
        while pending is not None and pending[0] == note_id:
            own.append(pending[1:])
            pending = next(cards, None)
        yield note_id, guid, mid, tags, flds, own
