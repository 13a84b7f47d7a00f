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

The reader is split by what it reads: imports.apkg.archive reads the zip (its
entries, the package's version, the media list and files),
imports.apkg.collection the SQLite collection (its defences, the notes, cards
and review log), imports.apkg.configs the decks and note types in either
schema; imports.apkg.package puts them together as `AnkiPackage`.
"""

from __future__ import annotations

from imports.apkg.archive import PackageMedia, check_media_name
from imports.apkg.collection import PackageCard
from imports.apkg.configs import PackageDeck, PackageNoteType
from imports.apkg.package import AnkiPackage, ReaderLimits, open_package
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
    "PackageCard",
    "PackageDeck",
    "PackageMedia",
    "PackageNoteType",
    "PackageTooLarge",
    "ReaderLimits",
    "UnsafePackage",
    "check_media_name",
    "open_package",
]
