"""What every import shares: the report, progress callbacks, batching."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

BATCH = 500
# Progress callbacks: (done, total).
Progress = Callable[[int, int], None]


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class ImportReport:
    decks: list[str] = field(default_factory=list)  # decks that received cards
    decks_created: int = 0
    note_types_created: int = 0
    notes_added: int = 0
    notes_updated: int = 0
    notes_unchanged: int = 0
    notes_skipped: int = 0
    cards: int = 0  # cards added
    media: int = 0  # media files taken from the package
    reviews: int = 0  # review log entries added
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})

    def lines(self) -> list[str]:
        """The report as plain lines (the command prints these)."""
        lines = [
            f"Decks: {len(self.decks)} ({self.decks_created} new)",
            f"Notes added: {self.notes_added}",
            f"Notes updated: {self.notes_updated}",
            f"Notes unchanged: {self.notes_unchanged}",
        ]
        if self.notes_skipped:
            lines.append(f"Notes skipped: {self.notes_skipped}")
        lines += [
            f"Cards added: {self.cards}",
            f"Media files: {self.media}",
            f"Reviews: {self.reviews}",
        ]
        lines += [f"Warning: {warning}" for warning in self.warnings]
        return lines
