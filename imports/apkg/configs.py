"""Decks and note types of an Anki collection, from either of its schemas.

Collections of schema 11 keep note types and decks as JSON in `col`; newer
ones (schema 15-18) keep them in tables with protobuf configs. Either way they
come out as `PackageDeck` and `PackageNoteType`, with note type fields and
templates as Deckhand's NoteType stores them. Django-free.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from imports.apkg import protobuf_wire as wire
from imports.apkg.collection import _int, _text
from imports.errors import CorruptPackage


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


class ConfigsMixin:
    """Reads decks and note types; mixed into imports.apkg.package.AnkiPackage, whose
    collection part (imports.apkg.collection.CollectionMixin) provides the reads below."""

    _modern: bool  # note types and decks in tables (schema 15-18), not JSON in `col`
    _fetch: Callable[..., Iterator[tuple]]
    _columns: Callable[[str], set[str]]

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
