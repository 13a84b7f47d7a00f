"""Helpers for export tests: a fresh Anki collection (the real `anki` package) to import into."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest


@pytest.fixture
def anki_col(tmp_path):
    from anki.collection import Collection

    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


def import_apkg(col, path: Path | str, *, with_scheduling: bool = False):
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    request = ImportAnkiPackageRequest(
        package_path=str(path),
        options=ImportAnkiPackageOptions(with_scheduling=with_scheduling),
    )
    return col.import_anki_package(request)


def import_csv(col, path: Path | str):
    from anki.import_export_pb2 import ImportCsvRequest

    metadata = col.get_csv_metadata(str(path), None)
    return col.import_csv(ImportCsvRequest(path=str(path), metadata=metadata))


def anki_notes_by_guid(col) -> dict:
    """Anki's Note objects by GUID (a guid: search would trip on GUIDs with * or _)."""
    notes = (col.get_note(note_id) for note_id in col.find_notes(""))
    return {note.guid: note for note in notes}


def anki_notes(col) -> dict[str, dict]:
    """Every note in the collection by GUID: type, fields, tags and its cards' (ord, deck)."""
    result = {}
    for guid, note in anki_notes_by_guid(col).items():
        result[guid] = {
            "type_id": note.mid,
            "type": note.note_type()["name"],
            "fields": dict(note.items()),
            "tags": sorted(note.tags),
            "cards": sorted((card.ord, col.decks.name(card.did)) for card in note.cards()),
        }
    return result


def package_members(data: bytes) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: info for info in archive.infolist()}
