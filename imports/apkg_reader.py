"""Read Anki packages (.apkg, .colpkg) as plain data. Django-free, and never imports `anki`.

Every package is hostile until proven otherwise. The reader:
- refuses anything that is not a zip, a zip with too many entries, entries whose
  declared sizes add up past the limit, unsafe entry names, encrypted entries or
  compression methods Anki never writes;
- streams every entry it reads (zstd or not) through a byte counter with a hard
  cap, so a zip or zstd bomb stops at the cap instead of filling the disk;
- copies the collection to a private temporary file and opens it read-only and
  immutable, with `trusted_schema` off, a `quick_check` first and a time budget
  for everything SQLite does (a progress handler interrupts it);
- refuses media names with folders, "..", absolute paths or control characters.

Formats: the legacy package (`collection.anki2` or `collection.anki21`, a JSON
`media` map, media entries "0", "1", ...) and the current one (`meta` says
version 3, zstd-compressed `collection.anki21b`, a zstd-compressed protobuf
media map, zstd-compressed media). A current package also carries a decoy
`collection.anki2` whose only note asks to update Anki: the newest collection
in the package is read, and a decoy alone is refused. Collections of schema 11
keep note types and decks as JSON in `col`; newer ones (schema 15-18) keep them
in tables with protobuf configs.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import zstandard

from imports import protobuf_wire as wire
from imports.errors import (
    CorruptPackage,
    ImportError_,
    NotAnAnkiPackage,
    OutdatedPackage,
    PackageTooLarge,
    UnsafePackage,
)

__all__ = [
    "AnkiPackage",
    "CorruptPackage",
    "ImportError_",
    "NotAnAnkiPackage",
    "OutdatedPackage",
    "PackageTooLarge",
    "ReaderLimits",
    "UnsafePackage",
    "open_package",
]

CHUNK = 1024 * 1024
# Versions in a current package's `meta` (PackageMetadata.Version).
VERSION_LEGACY_1, VERSION_LEGACY_2, VERSION_LATEST = 1, 2, 3
DECOY_TEXT = "Please update to the latest Anki version"
# zstd's own default limit: a frame asking for a larger window is refused, not obeyed.
MAX_ZSTD_WINDOW = 1 << 27
# Small entries that are read whole into memory.
MAX_META_BYTES = 1024
MAX_MEDIA_MAP_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ReaderLimits:
    max_file_bytes: int = 500 * 1024 * 1024
    max_entries: int = 100_000
    max_uncompressed_bytes: int = 2 * 1024 * 1024 * 1024
    # Seconds SQLite may spend on the collection, quick_check included.
    sqlite_seconds: float = 300.0
    # Longest string or blob SQLite may hand back (a field, a config blob).
    max_value_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class PackageDeck:
    anki_id: int
    full_name: str  # "Parent::Child"
    description: str = ""
    filtered: bool = False


@dataclass(frozen=True)
class PackageNoteType:
    anki_id: int
    name: str
    kind: str  # "standard" or "cloze"
    fields: list[dict[str, Any]]
    templates: list[dict[str, str]]
    css: str = ""
    sort_field: int = 0
    latex_pre: str = ""
    latex_post: str = ""


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


@dataclass(frozen=True)
class PackageMedia:
    name: str
    zip_name: str
    size: int  # uncompressed size, as the package declares it


def check_media_name(name: str) -> str:
    """A bare file name: no folders, no "..", no absolute path, no control characters."""
    if not isinstance(name, str):
        raise UnsafePackage("The package's media list is malformed.")
    normalized = unicodedata.normalize("NFC", name)
    if (
        not normalized.strip()
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in normalized)
        or "/" in normalized
        or "\\" in normalized
        or normalized in {".", ".."}
        or ".." in PurePosixPath(normalized).parts
        or (len(normalized) > 1 and normalized[1] == ":")
    ):
        raise UnsafePackage(
            f"The package names a media file “{name[:80]}” that is not a plain file name."
        )
    if len(normalized.encode()) > 255:
        raise UnsafePackage("The package names a media file with an over-long name.")
    return normalized


def _check_entry_name(name: str) -> None:
    if (
        "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or ".." in PurePosixPath(name).parts
        or (len(name) > 1 and name[1] == ":")
    ):
        raise UnsafePackage("The package contains a file with an unsafe name.")


class _SqliteBudget:
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


class AnkiPackage:
    """An opened package. Use as a context manager; `close()` removes its temporary files."""

    def __init__(self, path: str | os.PathLike[str], limits: ReaderLimits | None = None) -> None:
        self.limits = limits or ReaderLimits()
        self._budget_left = self.limits.max_uncompressed_bytes
        self._tmpdir: str | None = None
        self._zip: zipfile.ZipFile | None = None
        self._conn: sqlite3.Connection | None = None
        self._db_path: Path | None = None
        self._sqlite_budget = _SqliteBudget(self.limits.sqlite_seconds)
        self.version = VERSION_LEGACY_1
        self.collection_name = ""
        self.schema = 0
        self.creation_time = 0  # col.crt: seconds, the start of the collection's first day
        try:
            self._open(Path(path))
        except BaseException:
            self.close()
            raise

    # --- lifecycle ------------------------------------------------------------

    def __enter__(self) -> AnkiPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    # --- opening --------------------------------------------------------------

    def _open(self, path: Path) -> None:
        try:
            size = path.stat().st_size
        except OSError:
            raise NotAnAnkiPackage("The uploaded file could not be read.") from None
        if size > self.limits.max_file_bytes:
            raise PackageTooLarge(
                f"The file is larger than the {self.limits.max_file_bytes // (1024 * 1024)} MB "
                "import limit."
            )
        with open(path, "rb") as handle:
            magic = handle.read(4)
        if magic[:2] != b"PK":
            raise NotAnAnkiPackage("This file is not an Anki package (.apkg or .colpkg).")
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise CorruptPackage(
                "The package is damaged or incomplete (it is not a readable zip file)."
            ) from None
        self._check_entries(infos)
        self._entries = {info.filename: info for info in infos}
        self.version = self._read_version()
        self.collection_name = self._choose_collection()
        self._tmpdir = tempfile.mkdtemp(prefix="deckhand-import-")
        db_path = Path(self._tmpdir) / "collection.sqlite"
        compressed = self.collection_name == "collection.anki21b"
        with open(db_path, "wb") as out:
            for chunk in self._stream_entry(
                self.collection_name, zstd=compressed, cap=self._budget_left
            ):
                out.write(chunk)
        self._open_sqlite(db_path)
        self._db_path = db_path
        self._read_collection_header()
        self.media = self._read_media_map()

    def _check_entries(self, infos: list[zipfile.ZipInfo]) -> None:
        if len(infos) > self.limits.max_entries:
            raise PackageTooLarge(
                f"The package has {len(infos):,} files; the limit is {self.limits.max_entries:,}."
            )
        declared = 0
        seen: set[str] = set()
        for info in infos:
            _check_entry_name(info.filename)
            if info.filename in seen:
                raise UnsafePackage("The package lists the same file twice.")
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise UnsafePackage("The package is encrypted.")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise UnsafePackage("The package uses a compression method Anki does not use.")
            declared += info.file_size
        if declared > self.limits.max_uncompressed_bytes:
            raise PackageTooLarge(
                "The package would unpack to more than "
                f"{self.limits.max_uncompressed_bytes // (1024 * 1024)} MB."
            )

    def _stream_entry(self, name: str, *, zstd: bool, cap: int) -> Iterator[bytes]:
        """Bytes of one entry, decompressed, stopping with an error past `cap` or the budget."""
        assert self._zip is not None
        produced = 0
        try:
            with self._zip.open(self._entries[name]) as raw:
                source: Any = raw
                if zstd:
                    source = zstandard.ZstdDecompressor(
                        max_window_size=MAX_ZSTD_WINDOW
                    ).stream_reader(raw, read_size=CHUNK)
                try:
                    while True:
                        chunk = source.read(CHUNK)
                        if not chunk:
                            break
                        produced += len(chunk)
                        if produced > cap or produced > self._budget_left:
                            raise PackageTooLarge(
                                "The package unpacks to more data than it declares or than "
                                "the import limit allows."
                            )
                        yield chunk
                finally:
                    if zstd:
                        source.close()
        except (
            zipfile.BadZipFile,
            zlib.error,
            zstandard.ZstdError,
            struct.error,
            EOFError,
            OSError,
            ValueError,
            NotImplementedError,
        ) as exc:
            raise CorruptPackage(
                f"The package is damaged or incomplete (reading {name} failed)."
            ) from exc
        finally:
            self._budget_left -= produced

    def _read_small(self, name: str, cap: int, *, zstd: bool = False) -> bytes:
        return b"".join(self._stream_entry(name, zstd=zstd, cap=cap))

    def _read_version(self) -> int:
        if "meta" not in self._entries:
            return VERSION_LEGACY_2 if "collection.anki21" in self._entries else VERSION_LEGACY_1
        try:
            fields = wire.parse(self._read_small("meta", MAX_META_BYTES))
        except wire.WireError:
            raise CorruptPackage("The package's metadata is damaged.") from None
        except PackageTooLarge:
            raise CorruptPackage("The package's metadata is damaged.") from None
        version = wire.first_int(fields, 1, 0)
        if version > VERSION_LATEST:
            raise OutdatedPackage(
                "This package was made by a newer version of Anki than Deckhand understands."
            )
        return version or VERSION_LEGACY_1

    def _choose_collection(self) -> str:
        if self.version >= VERSION_LATEST and "collection.anki21b" not in self._entries:
            raise CorruptPackage("The package has no collection (collection.anki21b is missing).")
        for name in ("collection.anki21b", "collection.anki21", "collection.anki2"):
            if name in self._entries:
                return name
        raise NotAnAnkiPackage("This zip file is not an Anki package: it holds no Anki collection.")

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

    def decks(self) -> list[PackageDeck]:
        return self._modern_decks() if self._modern else self._legacy_decks()

    def note_types(self) -> list[PackageNoteType]:
        return self._modern_note_types() if self._modern else self._legacy_note_types()

    def _col_json(self, column: str) -> dict[str, Any]:
        if column not in self._columns("col"):
            return {}
        row = next(self._fetch(f"SELECT {column} FROM col LIMIT 1"), None)
        try:
            value = json.loads(_text(row[0])) if row else {}
        except ValueError:
            raise CorruptPackage("The package's collection is damaged (bad JSON).") from None
        return value if isinstance(value, dict) else {}

    def _legacy_decks(self) -> list[PackageDeck]:
        decks = []
        for key, value in self._col_json("decks").items():
            if not isinstance(value, dict):
                continue
            decks.append(
                PackageDeck(
                    anki_id=_int(value.get("id", key)),
                    full_name=_text(value.get("name")),
                    description=_text(value.get("desc")),
                    filtered=bool(value.get("dyn")),
                )
            )
        return decks

    def _legacy_note_types(self) -> list[PackageNoteType]:
        note_types = []
        for key, value in self._col_json("models").items():
            if not isinstance(value, dict):
                continue
            fields = [
                {
                    "name": _text(f.get("name")),
                    "font": _text(f.get("font") or "Arial"),
                    "size": _int(f.get("size") or 20),
                    "rtl": bool(f.get("rtl")),
                    "sticky": bool(f.get("sticky")),
                    **({"description": _text(f["description"])} if f.get("description") else {}),
                }
                for f in sorted(
                    (f for f in value.get("flds") or [] if isinstance(f, dict)),
                    key=lambda f: _int(f.get("ord")),
                )
            ]
            templates = [
                {
                    "name": _text(t.get("name")),
                    "qfmt": _text(t.get("qfmt")),
                    "afmt": _text(t.get("afmt")),
                }
                for t in sorted(
                    (t for t in value.get("tmpls") or [] if isinstance(t, dict)),
                    key=lambda t: _int(t.get("ord")),
                )
            ]
            note_types.append(
                PackageNoteType(
                    anki_id=_int(value.get("id", key)),
                    name=_text(value.get("name")),
                    kind="cloze" if _int(value.get("type")) == 1 else "standard",
                    fields=fields,
                    templates=templates,
                    css=_text(value.get("css")),
                    sort_field=_int(value.get("sortf")),
                    latex_pre=_text(value.get("latexPre")),
                    latex_post=_text(value.get("latexPost")),
                )
            )
        return note_types

    def _modern_decks(self) -> list[PackageDeck]:
        decks = []
        for deck_id, name, kind in self._fetch("SELECT id, name, kind FROM decks"):
            try:
                container = wire.parse(kind if isinstance(kind, bytes) else b"")
                normal = wire.first_bytes(container, 1)
                description = ""
                if normal is not None:
                    description = wire.first_str(wire.parse(normal), 4)
            except wire.WireError:
                raise CorruptPackage("The package's deck list is damaged.") from None
            decks.append(
                PackageDeck(
                    anki_id=_int(deck_id),
                    full_name=_text(name).replace("\x1f", "::"),
                    description=description,
                    filtered=wire.first_bytes(container, 2) is not None,
                )
            )
        return decks

    def _modern_note_types(self) -> list[PackageNoteType]:
        fields: dict[int, list[dict[str, Any]]] = {}
        templates: dict[int, list[dict[str, str]]] = {}
        try:
            for ntid, _ord, name, config in self._fetch(
                "SELECT ntid, ord, name, config FROM fields ORDER BY ntid, ord"
            ):
                parsed = wire.parse(config if isinstance(config, bytes) else b"")
                entry: dict[str, Any] = {
                    "name": _text(name),
                    "font": wire.first_str(parsed, 3) or "Arial",
                    "size": wire.first_int(parsed, 4, 20) or 20,
                    "rtl": bool(wire.first_int(parsed, 2, 0)),
                    "sticky": bool(wire.first_int(parsed, 1, 0)),
                }
                description = wire.first_str(parsed, 5)
                if description:
                    entry["description"] = description
                fields.setdefault(_int(ntid), []).append(entry)
            for ntid, _ord, name, config in self._fetch(
                "SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord"
            ):
                parsed = wire.parse(config if isinstance(config, bytes) else b"")
                templates.setdefault(_int(ntid), []).append(
                    {
                        "name": _text(name),
                        "qfmt": wire.first_str(parsed, 1),
                        "afmt": wire.first_str(parsed, 2),
                    }
                )
            note_types = []
            for ntid, name, config in self._fetch("SELECT id, name, config FROM notetypes"):
                parsed = wire.parse(config if isinstance(config, bytes) else b"")
                note_types.append(
                    PackageNoteType(
                        anki_id=_int(ntid),
                        name=_text(name),
                        kind="cloze" if wire.first_int(parsed, 1, 0) == 1 else "standard",
                        fields=fields.get(_int(ntid), []),
                        templates=templates.get(_int(ntid), []),
                        css=wire.first_str(parsed, 3),
                        sort_field=wire.first_int(parsed, 2, 0),
                        latex_pre=wire.first_str(parsed, 5),
                        latex_post=wire.first_str(parsed, 6),
                    )
                )
        except wire.WireError:
            raise CorruptPackage("The package's note types are damaged.") from None
        return note_types

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
        pending = next(cards, None)
        for note_id, guid, mid, tags, flds in self._fetch(
            "SELECT ifnull(cast(id AS INTEGER), 0), ifnull(cast(guid AS TEXT), ''), "
            "ifnull(cast(mid AS INTEGER), 0), ifnull(cast(tags AS TEXT), ''), "
            "ifnull(cast(flds AS TEXT), '') FROM notes ORDER BY 1"
        ):
            own: list[tuple[int, int, int]] = []
            # Cards whose note is missing are skipped over.
            while pending is not None and pending[0] < note_id:
                pending = next(cards, None)
            while pending is not None and pending[0] == note_id:
                own.append(pending[1:])
                pending = next(cards, None)
            yield note_id, guid, mid, tags, flds, own

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

    # --- media ----------------------------------------------------------------

    def _read_media_map(self) -> list[PackageMedia]:
        if "media" not in self._entries:
            return []
        latest = self.version >= VERSION_LATEST
        try:
            raw = self._read_small("media", MAX_MEDIA_MAP_BYTES, zstd=latest)
        except PackageTooLarge:
            raise PackageTooLarge("The package's media list is too large.") from None
        media: list[PackageMedia] = []
        if latest:
            try:
                entries = wire.parse(raw).get(1, [])
                for index, entry in enumerate(entries):
                    if not isinstance(entry, bytes):
                        raise wire.WireError("entry is not a message")
                    parsed = wire.parse(entry)
                    zip_index = wire.first_int(parsed, 255, -1)
                    media.append(
                        PackageMedia(
                            name=wire.first_str(parsed, 1),
                            zip_name=str(zip_index if zip_index >= 0 else index),
                            size=wire.first_int(parsed, 2, 0),
                        )
                    )
            except wire.WireError:
                raise CorruptPackage("The package's media list is damaged.") from None
        else:
            try:
                mapping = json.loads(raw.decode("utf-8") or "{}")
            except (ValueError, UnicodeDecodeError):
                raise CorruptPackage("The package's media list is damaged.") from None
            if not isinstance(mapping, dict):
                raise CorruptPackage("The package's media list is damaged.")
            for zip_name, name in mapping.items():
                info = self._entries.get(str(zip_name))
                media.append(
                    PackageMedia(
                        name=name,  # checked below
                        zip_name=str(zip_name),
                        size=info.file_size if info else 0,
                    )
                )
        checked = []
        for item in media:
            name = check_media_name(item.name)
            checked.append(PackageMedia(name=name, zip_name=item.zip_name, size=item.size))
        return checked

    def has_media_file(self, item: PackageMedia) -> bool:
        return item.zip_name in self._entries and item.zip_name not in {
            "meta",
            "media",
            "collection.anki2",
            "collection.anki21",
            "collection.anki21b",
        }

    def media_chunks(self, item: PackageMedia) -> Iterator[bytes]:
        """A media file's bytes, decompressed; more than it declares is refused."""
        info = self._entries[item.zip_name]
        latest = self.version >= VERSION_LATEST
        declared = item.size if latest else info.file_size
        return self._stream_entry(item.zip_name, zstd=latest, cap=declared)


def open_package(path: str | os.PathLike[str], limits: ReaderLimits | None = None) -> AnkiPackage:
    """Open and check a package; raises an ImportError_ with a message for the user."""
    return AnkiPackage(path, limits)
