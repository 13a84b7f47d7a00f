"""The zip half of an Anki package: checked entries, bounded reads, the media list.

Every package is hostile until proven otherwise. Here the reader:
- refuses anything that is not a zip, a zip with too many entries, entries whose
  declared sizes add up past the limit, unsafe entry names, encrypted entries or
  compression methods Anki never writes;
- streams every entry it reads (zstd or not) through a byte counter with a hard
  cap, so a zip or zstd bomb stops at the cap instead of filling the disk;
- refuses media names with folders, "..", absolute paths or control characters.

A legacy package holds `collection.anki2` or `collection.anki21`, a JSON `media`
map and media entries "0", "1", ...; a current one has a `meta` entry saying
version 3, a zstd-compressed `collection.anki21b`, a zstd-compressed protobuf
media map and zstd-compressed media. The newest collection in the package is
the one read. Django-free.
"""

from __future__ import annotations

import json
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import zstandard

from imports.apkg import protobuf_wire as wire
from imports.errors import (
    CorruptPackage,
    NotAnAnkiPackage,
    OutdatedPackage,
    PackageTooLarge,
    UnsafePackage,
)

if TYPE_CHECKING:
    from imports.apkg.package import ReaderLimits

CHUNK = 1024 * 1024
# Versions in a current package's `meta` (PackageMetadata.Version).
VERSION_LEGACY_1, VERSION_LEGACY_2, VERSION_LATEST = 1, 2, 3
# zstd's own default limit: a frame asking for a larger window is refused, not obeyed.
MAX_ZSTD_WINDOW = 1 << 27
# Small entries that are read whole into memory.
MAX_META_BYTES = 1024
MAX_MEDIA_MAP_BYTES = 64 * 1024 * 1024


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


class ArchiveMixin:
    """Reads the package's zip; mixed into imports.apkg.package.AnkiPackage, which opens
    the zip, checks its entries and sets the state below before anything is read."""

    limits: ReaderLimits
    version: int  # VERSION_*
    media: list[PackageMedia]
    _zip: zipfile.ZipFile | None
    _entries: dict[str, zipfile.ZipInfo]  # by name
    # Bytes all entries read may still unpack to (ReaderLimits.max_uncompressed_bytes).
    _budget_left: int

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
