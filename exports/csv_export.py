"""Notes as CSV/TSV with the file headers Anki reads (Django-free).

Columns are the ones Anki's own "Notes in Plain Text" export writes: guid,
note type, deck, the fields (padded to the widest note type), tags. The
headers tell Anki's importer which column is which, so the file imports as is:
existing notes with the same GUID are updated, new ones added to the named
deck (created if missing). A CSV file carries no note types: the names must
exist in the Anki collection it goes into (Anki's stock types always do).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TextIO

from exports.records import ExportNote, ExportNoteType

SEPARATORS = {",": "comma", "\t": "tab", ";": "semicolon"}


def _quote(value: str, separator: str, first: bool) -> str:
    # Quote only what needs it, as the csv crate Anki uses does; a record that
    # starts with "#" would otherwise be read as a comment.
    if (
        separator in value
        or '"' in value
        or "\n" in value
        or "\r" in value
        or (first and value.startswith("#"))
    ):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_notes_csv(
    out: TextIO,
    *,
    note_types: Sequence[ExportNoteType],
    deck_names: Mapping[int, str],
    notes: Iterable[ExportNote],
    separator: str = "\t",
) -> int:
    """Write the notes to `out`; return how many. `deck_names` maps deck anki ids to names.

    A note goes to the deck of its first card: a line holds one deck.
    """
    if separator not in SEPARATORS:
        raise ValueError(f"Unsupported separator {separator!r}.")
    names = {note_type.anki_id: note_type.name for note_type in note_types}
    field_columns = max((len(nt.fields) for nt in note_types), default=1)
    tags_column = 3 + field_columns + 1
    out.write(
        f"#separator:{SEPARATORS[separator]}\n#html:true\n"
        "#guid column:1\n#notetype column:2\n#deck column:3\n"
        f"#tags column:{tags_column}\n"
    )
    count = 0
    for note in notes:
        first_card = min(note.cards, key=lambda card: card.ord)
        fields = list(note.fields)[:field_columns]
        fields += [""] * (field_columns - len(fields))
        values = [
            note.guid,
            names[note.note_type_id],
            deck_names[first_card.deck_anki_id],
            *fields,
            " ".join(note.tags),
        ]
        out.write(
            separator.join(_quote(value, separator, i == 0) for i, value in enumerate(values))
        )
        out.write("\n")
        count += 1
    return count
