"""What an export is made of, as plain data (Django-free, genanki-free).

The selectors turn database rows into these; the package and CSV writers
take nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

STANDARD = "standard"
CLOZE = "cloze"


@dataclass(frozen=True)
class ExportDeck:
    anki_id: int
    full_name: str  # "Parent::Child"
    description: str = ""


@dataclass(frozen=True)
class ExportNoteType:
    anki_id: int
    name: str
    kind: str  # STANDARD or CLOZE
    fields: Sequence[Mapping[str, Any]]  # [{"name": "Front", "font": ..., ...}]
    templates: Sequence[Mapping[str, Any]]  # [{"name": ..., "qfmt": ..., "afmt": ...}]
    css: str = ""
    sort_field: int = 0
    latex_pre: str = ""
    latex_post: str = ""

    @property
    def field_names(self) -> list[str]:
        return [str(f["name"]) for f in self.fields]


# The two records made once per card and note are plain slotted classes: a frozen
# dataclass costs twice as much to create, which shows on a 100,000-note export.
@dataclass(slots=True)
class ExportCard:
    ord: int
    deck_anki_id: int
    anki_id: int
    # The caller's own handle on the card (Deckhand: the Card pk), used to report
    # a card whose id was already taken in the package and had to change.
    key: Any = None


@dataclass(slots=True)
class ExportNote:
    anki_id: int
    guid: str
    note_type_id: int  # an ExportNoteType.anki_id
    fields: Sequence[str]
    tags: Sequence[str]
    modified: int  # seconds since the epoch
    cards: Sequence[ExportCard]
    # Where new cards of this note go in Anki's new-card order.
    position: int = 0
