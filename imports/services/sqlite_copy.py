"""The SQLite fast path of a package import: rows copied by INSERT ... SELECT.

Reading a package's 100,000 notes into Python and handing them back to SQLite
costs several times what SQLite takes to copy them itself. So when the app's
database is SQLite and the import owns its transaction, the package's
collection is attached to the app's connection (read-only and immutable, with
the reader's defences on the connection while attached: see
AnkiPackage.attached), and:

- notes that pass every rule of the Python path unchanged ("plain" notes: a
  usable note type, exactly its number of fields, a printable ASCII GUID that
  no other note in the package or the collection has, cards for distinct
  existing templates, nothing over-long, no NUL) are copied with their cards by
  INSERT ... SELECT. Python reads only their fields and tags, once, to work out
  sort_value, first_field and the tags with the Python path's own functions
  (reading them also refuses text that is not UTF-8);
- every other note goes through the Python path as before: the rules for odd
  notes live in one place;
- the review log of every imported card is copied by INSERT ... SELECT.

A package whose tables hold values of other types than Anki writes (text where
Anki keeps numbers, repeated ids) is left to the Python path entirely, which
casts every value.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from typing import Any

from django.db import connection

from flashcards.models import NoteType
from flashcards.services.notes import MAX_FIELD_LENGTH
from imports.apkg import AnkiPackage, CorruptPackage, PackageCard
from imports.apkg.collection import with_their_cards
from imports.bulk import BulkInserter

SCHEMA = "deckhand_package"
_P = SCHEMA  # the attached package, in SQL below
_T = "temp.deckhand_import"  # prefix of this import's temporary tables

# A plain note's card set: `n` cards, as many distinct ords, all in [lo, hi].
_CARD_STATS = f"""
    SELECT nid, count(*) AS n, count(DISTINCT ord) AS ords, min(ord) AS lo, max(ord) AS hi
    FROM {_P}.cards GROUP BY nid
"""
_HOME_DECK = "CASE WHEN c.odid != 0 THEN c.odid ELSE c.did END"
# A GUID SQL can copy as it is: printable ASCII, no spaces (so nothing to trim).
_PLAIN_GUID = re.compile(r"[!-~]{1,64}")


def can_copy() -> bool:
    """Whether this import may take the fast path: SQLite, and no transaction open yet
    (the package is attached before the import's transaction and detached after it)."""
    return connection.vendor == "sqlite" and not connection.in_atomic_block


class SqliteCopy:
    """The package attached to the app's SQLite connection, and what is copied through it."""

    def __init__(self, conn: sqlite3.Connection, package: AnkiPackage) -> None:
        self.conn = conn
        self.package = package

    @classmethod
    @contextmanager
    def attach(cls, package: AnkiPackage) -> Iterator[SqliteCopy | None]:
        """Attach the package for the import's duration; None when it cannot be attached
        (its text encoding differs from the app database's, say): then use the Python path."""
        if not package.can_attach():
            yield None
            return
        connection.ensure_connection()
        conn = connection.connection
        with ExitStack() as stack:
            try:
                stack.enter_context(package.attached(conn, SCHEMA))
            except sqlite3.Error:
                yield None
                return
            yield cls(conn, package)

    # --- running SQL on hostile data ------------------------------------------------

    def _execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc).lower():
                raise CorruptPackage("The package's collection took too long to read.") from None
            raise CorruptPackage("The package's collection is damaged.") from None
        except sqlite3.DatabaseError:
            raise CorruptPackage("The package's collection is damaged.") from None

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Iterator[tuple]:
        cursor = self._execute(sql, params)
        try:
            while True:
                try:
                    rows = cursor.fetchmany(2000)
                except sqlite3.OperationalError as exc:
                    if "interrupt" in str(exc).lower():
                        raise CorruptPackage(
                            "The package's collection took too long to read."
                        ) from None
                    # Text that is not UTF-8, for one.
                    raise CorruptPackage("The package's collection is damaged.") from None
                if not rows:
                    return
                yield from rows
        finally:
            cursor.close()  # no statement left running on the package

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self._execute(sql, params)
        try:
            return cursor.fetchone()[0]
        finally:
            cursor.close()

    # --- whether the package's tables are as Anki writes them ------------------------

    def notes_are_plain(self) -> bool:
        """Numbers stored as integers, text as text, note and card ids unique."""
        if self._scalar(
            f"""SELECT
                EXISTS (SELECT 1 FROM {_P}.notes WHERE typeof(id) != 'integer'
                    OR typeof(mid) != 'integer' OR typeof(guid) != 'text'
                    OR typeof(flds) != 'text' OR typeof(tags) != 'text')
                OR EXISTS (SELECT 1 FROM {_P}.cards WHERE typeof(id) != 'integer'
                    OR typeof(nid) != 'integer' OR typeof(did) != 'integer'
                    OR typeof(odid) != 'integer' OR typeof(ord) != 'integer')"""
        ):
            return False
        return all(
            self._id_is_rowid(table)
            or not self._scalar(f"SELECT count(*) - count(DISTINCT id) FROM {_P}.{table}")
            for table in ("notes", "cards")
        )

    def _id_is_rowid(self, table: str) -> bool:
        """Whether `id` is the table's INTEGER PRIMARY KEY, so unique (as Anki makes it)."""
        keys = list(
            self._rows("SELECT name, type FROM pragma_table_info(?, ?) WHERE pk", [table, _P])
        )
        return len(keys) == 1 and keys[0][0] == "id" and keys[0][1].upper() == "INTEGER"

    def reviews_are_plain(self) -> bool:
        return not self._scalar(
            f"""SELECT EXISTS (SELECT 1 FROM {_P}.revlog WHERE typeof(id) != 'integer'
                OR typeof(cid) != 'integer' OR typeof(ease) != 'integer'
                OR typeof(ivl) != 'integer' OR typeof(lastIvl) != 'integer'
                OR typeof(time) != 'integer' OR typeof(type) != 'integer')"""
        )

    # --- notes and cards ----------------------------------------------------------

    def copy_plain_notes(
        self,
        *,
        owner_pk: int,
        note_types: dict[int, NoteType],
        deck_pks: dict[int, int],
        may_have_guids: bool,
        notes: BulkInserter,
        cards: BulkInserter,
        first_note_id: int,
        first_card_id: int,
        derive: Callable[[str, str, int], tuple[str, str, str]],
    ) -> int:
        """Copy the plain notes and their cards; the number of notes copied.

        `notes` and `cards` are the Python path's inserters (their columns and
        defaults); new ids start at `first_note_id` and `first_card_id`.
        `derive(fields, tags, sort field)` gives a note's sort_value, first_field
        and tags as the Python path stores them.
        """
        fallback = next(iter(deck_pks.values()))
        self._execute(
            f"CREATE TABLE {_T}_types (mid INTEGER PRIMARY KEY, pk INTEGER, "
            "field_count INTEGER, card_limit INTEGER, sort_field INTEGER)"
        )
        self.conn.executemany(
            f"INSERT INTO {_T}_types VALUES (?, ?, ?, ?, ?)",
            [
                (
                    mid,
                    note_type.pk,
                    len(note_type.fields),
                    500 if note_type.is_cloze else len(note_type.templates),
                    note_type.sort_field,
                )
                for mid, note_type in note_types.items()
            ],
        )
        self._execute(f"CREATE TABLE {_T}_decks (did INTEGER PRIMARY KEY, pk INTEGER)")
        self.conn.executemany(f"INSERT INTO {_T}_decks VALUES (?, ?)", list(deck_pks.items()))
        self._execute(
            f"CREATE TABLE {_T}_notes (anki_id INTEGER PRIMARY KEY, note_id INTEGER, "
            "sort_value TEXT, first_field TEXT, tags TEXT)"
        )
        self._execute(
            f"CREATE TABLE {_T}_cards (anki_id INTEGER PRIMARY KEY, card_id INTEGER, "
            "deck_id INTEGER, existed INTEGER)"
        )
        not_here = (
            """AND NOT EXISTS (SELECT 1 FROM main.flashcards_note e
                               WHERE e.owner_id = :owner AND e.guid = n.guid)"""
            if may_have_guids
            else ""
        )
        # SQL picks the notes whose note type and cards fit; Python, reading each of
        # them once, checks the rest (cheaper there) and works out the plain text of the
        # sort and first fields and the tags. Reading also refuses text that is not UTF-8.
        candidates = self._rows(
            f"""SELECT n.id, n.guid, n.flds, n.tags, t.field_count, t.sort_field
            FROM {_P}.notes n
            JOIN {_T}_types t ON t.mid = n.mid
            JOIN ({_CARD_STATS}) s ON s.nid = n.id
            WHERE s.n = s.ords AND s.lo >= 0 AND s.hi < t.card_limit
              {not_here}""",
            {"owner": owner_pk},
        )
        plain: dict[str, tuple] = {}  # by GUID
        repeated: set[str] = set()
        for anki_id, guid, flds, tags, field_count, sort_field in candidates:
            if (
                not _PLAIN_GUID.fullmatch(guid)
                or len(flds) > MAX_FIELD_LENGTH
                or flds.count("\x1f") != field_count - 1
                or "\x00" in flds
                or "\x00" in tags
            ):
                continue
            if guid in plain:
                repeated.add(guid)
            plain[guid] = (anki_id, *derive(flds, tags, sort_field))
        for guid in repeated:
            del plain[guid]  # the Python path keeps the first of them
        self.conn.executemany(
            f"INSERT INTO {_T}_notes VALUES (?, ?, ?, ?, ?)",
            [
                (anki_id, note_id, sort_value, first_field, tags)
                for note_id, (anki_id, sort_value, first_field, tags) in enumerate(
                    plain.values(), first_note_id
                )
            ],
        )
        self._leave_odd_guids_to_python(plain)
        copied = self._scalar(f"SELECT count(*) FROM {_T}_notes")
        if not copied:
            return 0
        self._insert_select(
            notes,
            f"""SELECT m.note_id, ?, t.pk, n.guid, n.flds, m.tags, m.sort_value,
                m.first_field, n.id
            FROM {_T}_notes m
            JOIN {_P}.notes n ON n.id = m.anki_id
            JOIN {_T}_types t ON t.mid = n.mid""",
            [owner_pk],
        )
        # The cards take the next ids (AUTOINCREMENT), from first_card_id on.
        self._insert_select(
            cards,
            f"""SELECT NULL, m.note_id, ifnull(d.pk, ?), c.ord, c.id
            FROM {_T}_notes m
            JOIN {_P}.cards c ON c.nid = m.anki_id
            LEFT JOIN {_T}_decks d ON d.did = {_HOME_DECK}""",
            [fallback],
        )
        self._execute(
            f"""INSERT INTO {_T}_cards (anki_id, card_id, deck_id, existed)
            SELECT anki_id, id, deck_id, 0 FROM main.flashcards_card WHERE id >= ?""",
            [first_card_id],
        )
        return copied

    def _leave_odd_guids_to_python(self, plain: dict[str, tuple]) -> None:
        """A plain note whose GUID an odd note has too (once trimmed) goes the Python way
        with it, and the Python path keeps the first of the two (in note id order)."""
        if not plain:
            return
        taken = {
            stripped
            for (guid,) in self._rows(
                f"SELECT guid FROM {_P}.notes WHERE id NOT IN (SELECT anki_id FROM {_T}_notes)"
            )
            if (stripped := guid.strip()) in plain
        }
        self.conn.executemany(
            f"DELETE FROM {_T}_notes WHERE anki_id = ?", [(plain[guid][0],) for guid in taken]
        )

    def odd_notes(self) -> Iterator[tuple[int, str, int, str, str, list[tuple[int, int, int]]]]:
        """The notes not copied, as AnkiPackage.notes() gives them."""
        cards = self._rows(
            f"""SELECT c.nid, c.id, {_HOME_DECK}, c.ord FROM {_P}.cards c
            WHERE c.nid NOT IN (SELECT anki_id FROM {_T}_notes) ORDER BY 1, 4"""
        )
        notes = self._rows(
            f"""SELECT id, guid, mid, tags, flds FROM {_P}.notes
            WHERE id NOT IN (SELECT anki_id FROM {_T}_notes) ORDER BY 1"""
        )
        with closing(cards), closing(notes):
            yield from with_their_cards(notes, cards)

    def copied_cards(self) -> int:
        return self._scalar(f"SELECT count(*) FROM {_T}_cards")

    def copied_card_map(self) -> dict[int, tuple[int, int, bool]]:
        """Package card id -> (Card pk, deck pk, False) of the cards copied."""
        return {
            anki_id: (card_id, deck_id, False)
            for anki_id, card_id, deck_id in self._rows(
                f"SELECT anki_id, card_id, deck_id FROM {_T}_cards WHERE NOT existed"
            )
        }

    def studied_cards(self) -> Iterator[tuple[PackageCard, tuple[int, int, bool]]]:
        """The imported cards that have been studied (AnkiPackage.studied_cards), each with
        its (Card pk, deck pk, whether it was here before)."""
        for row in self._rows(
            f"""SELECT {self.package.studied_card_columns()}, k.card_id, k.deck_id, k.existed
            FROM {_P}.cards JOIN {_T}_cards k ON k.anki_id = cards.id
            WHERE {AnkiPackage.CARD_STUDIED}"""
        ):
            yield AnkiPackage.studied_card(row), (row[-3], row[-2], bool(row[-1]))

    def add_cards(self, entries: Sequence[tuple[int, tuple[int, int, bool]]]) -> None:
        """Cards the Python path imported or found, so their reviews are copied too."""
        self.conn.executemany(
            f"INSERT INTO {_T}_cards (anki_id, card_id, deck_id, existed) VALUES (?, ?, ?, ?)",
            [
                (anki_id, card_id, deck_id, int(existed))
                for anki_id, (card_id, deck_id, existed) in entries
            ],
        )

    # --- review log ------------------------------------------------------------------

    def copy_reviews(
        self, *, learner_pk: int, reviews: BulkInserter, kind_cap: int, last_millisecond: int
    ) -> int:
        """Copy the review log of the imported cards, as the Python path writes it; the
        number of reviews added. `reviews` is the Python path's inserter."""
        valid = "ease BETWEEN 1 AND 4 AND id BETWEEN 0 AND :last"
        if self._scalar(
            f"SELECT EXISTS (SELECT 1 FROM {_P}.revlog WHERE ease = 0 AND type = 4 AND ivl = 0)"
        ):
            # Forgotten cards start again: the first review since the last "forget".
            first = f"""SELECT cid, era, min(id) AS id FROM (
                    SELECT cid, id, ease, sum(ease = 0 AND type = 4 AND ivl = 0) OVER (
                        PARTITION BY cid ORDER BY id ROWS UNBOUNDED PRECEDING) AS era
                    FROM {_P}.revlog
                ) WHERE {valid} GROUP BY cid, era"""
        else:
            first = f"SELECT cid, min(id) AS id FROM {_P}.revlog WHERE {valid} GROUP BY cid"
        cursor = self._insert_select(
            reviews,
            f"""SELECT :learner, k.card_id, printf('%016x%016x', k.card_id, r.id), r.ease,
                CASE WHEN r.type < 0 THEN 0 WHEN r.type > :kind_cap THEN :kind_cap
                     ELSE r.type END,
                datetime(r.id / 1000, 'unixepoch')
                    || CASE WHEN r.id % 1000 != 0 THEN printf('.%03d000', r.id % 1000)
                            ELSE '' END,
                min(max(r.time, 0), 2147483647), max(r.ivl, 0), max(r.lastIvl, 0), r.id,
                k.deck_id,
                -- a learning review that is the card's first (since it was last forgotten)
                r.type = 0 AND f.id IS NOT NULL
            FROM {_P}.revlog r
            JOIN {_T}_cards k ON k.anki_id = r.cid
            LEFT JOIN ({first}) f ON f.cid = r.cid AND f.id = r.id
            WHERE r.ease BETWEEN 1 AND 4 AND r.id BETWEEN 0 AND :last
              AND NOT (k.existed AND EXISTS (
                SELECT 1 FROM main.reviews_reviewlog x
                WHERE x.card_id = k.card_id AND x.learner_id = :learner AND x.anki_id = r.id))""",
            {"learner": learner_pk, "kind_cap": kind_cap, "last": last_millisecond},
        )
        return cursor.rowcount

    def bad_review_times(self, last_millisecond: int) -> int:
        """Reviews of imported cards that copy_reviews left out for their impossible dates."""
        return self._scalar(
            f"""SELECT count(*) FROM {_P}.revlog r JOIN {_T}_cards k ON k.anki_id = r.cid
            WHERE r.ease BETWEEN 1 AND 4 AND NOT r.id BETWEEN 0 AND ?""",
            [last_millisecond],
        )

    def studied_reviews(
        self, last_millisecond: int
    ) -> Iterator[tuple[int, int, int, int, int, int, int]]:
        """The review log of the imported cards that have been studied, as
        AnkiPackage.reviews() gives it, less the reviews with impossible dates."""
        return self._rows(
            f"""SELECT r.id, r.cid, r.ease, r.ivl, r.lastIvl, max(r.time, 0), r.type
            FROM {_P}.revlog r
            JOIN {_T}_cards k ON k.anki_id = r.cid
            JOIN (SELECT id FROM {_P}.cards WHERE {AnkiPackage.CARD_STUDIED}) c ON c.id = r.cid
            WHERE NOT (r.ease BETWEEN 1 AND 4 AND NOT r.id BETWEEN 0 AND ?)
            ORDER BY r.cid, r.id""",
            [last_millisecond],
        )

    # --- writing --------------------------------------------------------------------

    def _insert_select(
        self, inserter: BulkInserter, select: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> sqlite3.Cursor:
        """INSERT the rows of `select` (values of the inserter's given columns, in order),
        the inserter's constants and defaults added."""
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in inserter.columns)
        if isinstance(params, dict):
            names = [f"default_{i}" for i in range(len(inserter.defaults))]
            extra = "".join(f", :{name}" for name in names)
            params = {**params, **dict(zip(names, inserter.defaults, strict=True))}
        else:
            extra = ", ?" * len(inserter.defaults)
            params = [*inserter.defaults, *params]  # the defaults come first in the SQL
        return self._execute(
            f"INSERT INTO main.{quote(inserter.table)} ({columns}) SELECT *{extra} FROM ({select})",
            params,
        )

    def drop_tables(self) -> None:
        for name in ("types", "decks", "notes", "cards"):
            self._execute(f"DROP TABLE IF EXISTS {_T}_{name}")
