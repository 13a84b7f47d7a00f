"""Hostile uploads are refused with a clear message, and leave nothing behind."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
import zstandard
from anki.import_export_pb2 import MediaEntries, PackageMetadata
from django.conf import settings

from accounts.models import User
from flashcards.models import Card, Deck, Media, Note, NoteType
from imports.errors import (
    CorruptPackage,
    ImportError_,
    NotAnAnkiPackage,
    OutdatedPackage,
    PackageTooLarge,
    UnsafePackage,
)
from imports.services import import_package
from reviews.models import CardState, ReviewLog
from tests.imports.anki_builder import PNG_BYTES


def _rewrite(source: Path, target: Path, *, replace: dict[str, bytes | None]) -> Path:
    """A copy of a package with some entries replaced (bytes) or dropped (None)."""
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            if info.filename in replace:
                continue
            new.writestr(info.filename, old.read(info.filename))
        for name, data in replace.items():
            if data is not None:
                new.writestr(name, data)
    return target


def _media_map(*entries: tuple[str, int]) -> bytes:
    message = MediaEntries()
    for name, size in entries:
        message.entries.add(name=name, size=size)
    return zstandard.ZstdCompressor().compress(message.SerializeToString())


@pytest.fixture(autouse=True)
def _own_temp_and_media(tmp_path, settings, monkeypatch):
    """This test's own temp and media folders: with two workers, the other one's
    imports would otherwise come and go in the folders these tests watch."""
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    settings.MEDIA_ROOT = tmp_path / "media"


def _files_under(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {str(path) for path in folder.rglob("*") if path.is_file()}


def _import_temp_dirs() -> set[str]:
    prefixes = ("deckhand-import-", "deckhand-media-")
    return {name for name in os.listdir(tempfile.gettempdir()) if name.startswith(prefixes)}


def _assert_refused(user: User, path: Path, error: type[ImportError_]) -> str:
    media_before = _files_under(Path(settings.MEDIA_ROOT))
    temp_before = _import_temp_dirs()
    with pytest.raises(error) as caught:
        import_package(user=user, path=path)
    message = str(caught.value)
    assert message and "\n" not in message and "Traceback" not in message
    assert Note.objects.count() == Card.objects.count() == 0
    assert Media.objects.count() == Deck.objects.count() == 0
    assert NoteType.objects.filter(owner=user).count() == 0
    assert ReviewLog.objects.count() == CardState.objects.count() == 0
    assert _files_under(Path(settings.MEDIA_ROOT)) == media_before
    assert _import_temp_dirs() == temp_before
    return message


def test_it_refuses_a_png_renamed_apkg(owner, tmp_path):
    path = tmp_path / "picture.apkg"
    path.write_bytes(PNG_BYTES)

    message = _assert_refused(owner, path, NotAnAnkiPackage)

    assert "not an Anki package" in message


def test_it_refuses_a_zip_without_a_collection(owner, tmp_path):
    path = tmp_path / "empty.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("media", "{}")
        archive.writestr("notes.txt", "hello")

    message = _assert_refused(owner, path, NotAnAnkiPackage)

    assert "no Anki collection" in message


def test_it_refuses_a_truncated_package(owner, scheduled, tmp_path):
    data = scheduled.packages["current"].read_bytes()
    path = tmp_path / "truncated.apkg"
    path.write_bytes(data[: len(data) // 2])

    _assert_refused(owner, path, CorruptPackage)


def test_it_refuses_a_package_cut_inside_the_collection(owner, scheduled, tmp_path):
    """The zip directory survives but the collection's bytes are damaged."""
    source = scheduled.packages["legacy"]
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo("collection.anki21")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 50, start + 150):
        data[offset] ^= 0xFF
    path = tmp_path / "damaged.apkg"
    path.write_bytes(bytes(data))

    _assert_refused(owner, path, CorruptPackage)


def test_it_refuses_a_corrupt_sqlite_collection(owner, scheduled, tmp_path):
    with zipfile.ZipFile(scheduled.packages["legacy"]) as archive:
        collection = bytearray(archive.read("collection.anki21"))
    # Keep the SQLite header, scramble the pages after it.
    for offset in range(4096, len(collection), 7):
        collection[offset] = (collection[offset] * 31 + 7) % 256
    path = _rewrite(
        scheduled.packages["legacy"],
        tmp_path / "corrupt.apkg",
        replace={"collection.anki21": bytes(collection)},
    )

    message = _assert_refused(owner, path, CorruptPackage)

    assert "damaged" in message or "readable" in message


def test_it_refuses_a_collection_that_is_not_sqlite(owner, scheduled, tmp_path):
    path = _rewrite(
        scheduled.packages["legacy"],
        tmp_path / "garbage.apkg",
        replace={"collection.anki21": os.urandom(8192)},
    )

    _assert_refused(owner, path, CorruptPackage)


def test_it_refuses_a_collection_whose_tables_are_views(owner, tmp_path):
    """A crafted database where `notes` is an endless recursive view is never queried."""
    db = tmp_path / "evil.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript(
        """
        CREATE TABLE col (crt INTEGER, ver INTEGER, models TEXT, decks TEXT);
        INSERT INTO col VALUES (0, 11, '{}', '{}');
        CREATE TABLE cards (id INTEGER);
        CREATE TABLE revlog (id INTEGER);
        CREATE VIEW notes AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)
            SELECT x AS id, '' AS guid, 0 AS mid, 0 AS mod, '' AS tags, '' AS flds FROM n;
        """
    )
    conn.close()
    path = tmp_path / "views.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(db, "collection.anki2")
        archive.writestr("media", "{}")

    _assert_refused(owner, path, CorruptPackage)


@pytest.mark.parametrize(
    "name", ["../../evil.png", "/etc/passwd", "a/b.png", "..\\evil.png", "nul\x00.png", ".."]
)
def test_it_refuses_traversal_names_in_a_legacy_media_map(owner, scheduled, tmp_path, name):
    path = _rewrite(
        scheduled.packages["legacy"],
        tmp_path / "traversal.apkg",
        replace={"media": json.dumps({"0": "cat.png", "1": name}).encode(), "1": b"evil"},
    )

    message = _assert_refused(owner, path, UnsafePackage)

    assert "not a plain file name" in message


def test_it_refuses_traversal_names_in_a_current_media_list(owner, scheduled, tmp_path):
    path = _rewrite(
        scheduled.packages["current"],
        tmp_path / "traversal.apkg",
        replace={"media": _media_map(("../../../tmp/evil.png", 4))},
    )

    _assert_refused(owner, path, UnsafePackage)


def test_it_refuses_a_zip_entry_with_a_traversal_name(owner, scheduled, tmp_path):
    path = _rewrite(
        scheduled.packages["legacy"], tmp_path / "slip.apkg", replace={"../../evil.sh": b"x"}
    )

    _assert_refused(owner, path, UnsafePackage)


def test_it_refuses_a_zip_bomb_by_its_declared_size(owner, scheduled, tmp_path, settings):
    settings.MAX_IMPORT_UNCOMPRESSED_MB = 1
    path = _rewrite(
        scheduled.packages["legacy"], tmp_path / "bomb.apkg", replace={"0": bytes(5 * 1024 * 1024)}
    )
    assert path.stat().st_size < 100 * 1024

    message = _assert_refused(owner, path, PackageTooLarge)

    assert "1 MB" in message


def test_it_refuses_a_zip_that_lies_about_its_sizes(owner, scheduled, tmp_path):
    """Declared sizes patched small: reading stops at the declared size and the CRC fails."""
    path = _rewrite(
        scheduled.packages["legacy"], tmp_path / "liar.apkg", replace={"collection.anki21": None}
    )
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("collection.anki21", bytes(4 * 1024 * 1024), zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("collection.anki21")
    real = (4 * 1024 * 1024).to_bytes(4, "little")
    small = (1000).to_bytes(4, "little")
    assert data.count(real) == 2  # the local header and the central directory
    patched = bytes(data).replace(real, small)
    path.write_bytes(patched)
    assert info.file_size == 4 * 1024 * 1024

    _assert_refused(owner, path, CorruptPackage)


def test_it_refuses_too_many_entries(owner, scheduled, tmp_path, settings):
    settings.MAX_IMPORT_ENTRIES = 10
    extra = {f"extra-{index}": b"x" for index in range(20)}
    path = _rewrite(scheduled.packages["legacy"], tmp_path / "many.apkg", replace=extra)

    _assert_refused(owner, path, PackageTooLarge)


def test_it_refuses_an_upload_over_the_size_limit(owner, scheduled, tmp_path, settings):
    settings.MAX_IMPORT_UPLOAD_MB = 1
    path = tmp_path / "large.apkg"
    path.write_bytes(scheduled.packages["legacy"].read_bytes() + os.urandom(2 * 1024 * 1024))

    _assert_refused(owner, path, PackageTooLarge)


def test_it_refuses_a_zstd_bomb_collection_while_streaming(owner, scheduled, tmp_path, settings):
    settings.MAX_IMPORT_UNCOMPRESSED_MB = 2
    bomb = zstandard.ZstdCompressor(level=19).compress(bytes(64 * 1024 * 1024))
    assert len(bomb) < 64 * 1024
    path = _rewrite(
        scheduled.packages["current"], tmp_path / "zstd.apkg", replace={"collection.anki21b": bomb}
    )

    _assert_refused(owner, path, PackageTooLarge)


def test_it_refuses_a_zstd_bomb_media_file_and_removes_files_already_written(
    owner, scheduled, tmp_path
):
    """The first media file is written before the second turns out to be a bomb."""
    fresh = os.urandom(64)  # bytes no earlier test stored
    bomb = zstandard.ZstdCompressor(level=19).compress(bytes(16 * 1024 * 1024))
    path = _rewrite(
        scheduled.packages["current"],
        tmp_path / "media-bomb.apkg",
        replace={
            "media": _media_map(("fresh.png", len(fresh)), ("bomb.png", 100)),
            "0": zstandard.ZstdCompressor().compress(fresh),
            "1": bomb,
        },
    )

    _assert_refused(owner, path, PackageTooLarge)


def test_it_refuses_a_package_holding_only_the_decoy(owner, scheduled, tmp_path):
    path = _rewrite(
        scheduled.packages["current"],
        tmp_path / "decoy.apkg",
        replace={"collection.anki21b": None, "meta": None, "media": b"{}"},
    )

    message = _assert_refused(owner, path, OutdatedPackage)

    assert "newer Anki" in message


def test_a_current_package_with_a_missing_collection_is_refused(owner, scheduled, tmp_path):
    path = _rewrite(
        scheduled.packages["current"], tmp_path / "nocol.apkg", replace={"collection.anki21b": None}
    )

    _assert_refused(owner, path, CorruptPackage)


def test_it_refuses_a_package_from_a_future_anki(owner, scheduled, tmp_path):
    path = _rewrite(
        scheduled.packages["current"],
        tmp_path / "future.apkg",
        replace={"meta": PackageMetadata(version=7).SerializeToString()},
    )

    _assert_refused(owner, path, OutdatedPackage)


def test_the_decoy_is_never_imported_from_a_current_package(owner, scheduled):
    import_package(user=owner, path=scheduled.packages["current"])

    assert not Note.objects.filter(flds__contains="Please update").exists()
