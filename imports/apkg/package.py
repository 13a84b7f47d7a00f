"""An opened Anki package: the zip and its collection, read as plain data. Django-free.

`open_package` opens and checks a package and gives an `AnkiPackage`, which
reads the zip through imports.apkg.archive, then copies the collection out of
it into a private temporary folder and reads that through
imports.apkg.collection and imports.apkg.configs. Closing the package removes
the copy.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from imports.apkg.archive import VERSION_LEGACY_1, ArchiveMixin
from imports.apkg.collection import CollectionMixin, SqliteBudget
from imports.apkg.configs import ConfigsMixin
from imports.errors import CorruptPackage, NotAnAnkiPackage, PackageTooLarge


@dataclass(frozen=True)
class ReaderLimits:
    max_file_bytes: int = 500 * 1024 * 1024
    max_entries: int = 100_000
    max_uncompressed_bytes: int = 2 * 1024 * 1024 * 1024
    # Seconds SQLite may spend on the collection, quick_check included.
    sqlite_seconds: float = 300.0
    # Longest string or blob SQLite may hand back (a field, a config blob).
    max_value_bytes: int = 64 * 1024 * 1024


class AnkiPackage(ArchiveMixin, CollectionMixin, ConfigsMixin):
    """An opened package. Use as a context manager; `close()` removes its temporary files."""

    def __init__(self, path: str | os.PathLike[str], limits: ReaderLimits | None = None) -> None:
        self.limits = limits or ReaderLimits()
        self._budget_left = self.limits.max_uncompressed_bytes
        self._tmpdir: str | None = None
        self._zip: zipfile.ZipFile | None = None
        self._conn: sqlite3.Connection | None = None
        self._db_path: Path | None = None
        self._sqlite_budget = SqliteBudget(self.limits.sqlite_seconds)
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


def open_package(path: str | os.PathLike[str], limits: ReaderLimits | None = None) -> AnkiPackage:
    """Open and check a package; raises an ImportError_ with a message for the user."""
    return AnkiPackage(path, limits)
