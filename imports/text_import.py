"""Reading CSV/TSV files and pasted text into rows of fields. Django-free.

Anki's text files may start with header lines that say how to read them
(https://docs.ankiweb.net/importing/text-files.html#file-headers):

    #separator:Tab          Comma, Semicolon, Tab, Space, Pipe, Colon or the character
    #html:true              fields are HTML (otherwise they are plain text)
    #tags:tag1 tag2         tags for every note
    #columns:Front	Back	Tags    column names, split by the separator
    #notetype:Basic         #deck:Spanish
    #notetype column:1      #deck column:2      #tags column:3      #guid column:4

Without headers the separator is guessed as Anki guesses it, and the user maps
columns to fields on a preview. Pasted text (Quizlet's export, for one) is split
by the separators the user picks: term/definition and row.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from imports.errors import TextFormatError

SEPARATOR_NAMES = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "space": " ",
    "pipe": "|",
    "colon": ":",
}
# Anki's guess: the first of these that appears in the first line.
_GUESS_ORDER = ["\t", "|", ";", ":", ",", " "]
TAGS = "_tags"  # a column mapped to the note's tags
IGNORE = ""  # a column left out
MAX_PREVIEW_ROWS = 5
_HTML_TAG = re.compile(
    r"<(?:[a-zA-Z][a-zA-Z0-9]*\b[^>]*|/[a-zA-Z][a-zA-Z0-9]*\s*)>|&[a-zA-Z]+;|&#\d+;"
)


@dataclass
class TextHeader:
    """What a file's `#key:value` header lines said (None: not said)."""

    separator: str | None = None
    html: bool | None = None
    tags: list[str] = field(default_factory=list)
    columns: list[str] | None = None
    notetype: str | None = None
    deck: str | None = None
    notetype_column: int | None = None  # 0-based
    deck_column: int | None = None
    tags_column: int | None = None
    guid_column: int | None = None

    @property
    def is_complete(self) -> bool:
        """Enough to import without asking: Anki's headers name where notes go."""
        return (self.notetype is not None or self.notetype_column is not None) and (
            self.deck is not None or self.deck_column is not None
        )

    @property
    def present(self) -> bool:
        return any(value not in (None, []) for value in asdict(self).values())


@dataclass
class TextImportSpec:
    """Everything an import of rows needs; stored as JSON on the import job."""

    separator: str = "\t"
    html: bool = False
    note_type: str = "Basic"  # a note type name, unless note_type_column is set
    deck: str = "Default"
    # Per column: a field name, TAGS, or IGNORE. Columns past the end are ignored.
    columns: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notetype_column: int | None = None
    deck_column: int | None = None
    tags_column: int | None = None
    guid_column: int | None = None
    first_row_is_header: bool = False
    # Pasted text: split by these instead of CSV rules.
    pasted: bool = False
    row_separator: str = "\n"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextImportSpec:
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


def _separator_value(raw: str) -> str:
    value = raw.strip()
    named = SEPARATOR_NAMES.get(value.lower())
    if named:
        return named
    if raw == "\t" or value == "\\t":
        return "\t"
    if len(value) == 1:
        return value
    if raw == " ":
        return " "
    raise TextFormatError(f"“#separator:{raw}” is not a separator Anki knows.")


def _bool(raw: str) -> bool:
    return raw.strip().lower() in {"true", "1", "yes", "on"}


def _column(raw: str) -> int | None:
    try:
        number = int(raw.strip())
    except ValueError:
        return None
    return number - 1 if number >= 1 else None


def split_header(text: str) -> tuple[TextHeader, str]:
    """The file's header lines, and the rest of the text."""
    header = TextHeader()
    raw_columns: str | None = None
    lines = text.splitlines(keepends=True)
    index = 0
    for index, line in enumerate(lines):  # noqa: B007 (index is used after the loop)
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].rstrip("\r\n").partition(":")
        if not sep:
            continue  # a comment
        key = key.strip().lower()
        if key == "separator":
            header.separator = _separator_value(value)
        elif key == "html":
            header.html = _bool(value)
        elif key == "tags":
            header.tags = value.split()
        elif key == "columns":
            raw_columns = value
        elif key == "notetype":
            header.notetype = value.strip()
        elif key == "deck":
            header.deck = value.strip()
        elif key == "notetype column":
            header.notetype_column = _column(value)
        elif key == "deck column":
            header.deck_column = _column(value)
        elif key == "tags column":
            header.tags_column = _column(value)
        elif key == "guid column":
            header.guid_column = _column(value)
    else:
        index = len(lines)
    if raw_columns is not None:
        separator = header.separator or guess_separator(raw_columns)
        header.columns = [
            name.strip() for name in next(csv.reader([raw_columns], delimiter=separator))
        ]
    return header, "".join(lines[index:])


def guess_separator(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    for candidate in _GUESS_ORDER:
        if candidate in first:
            return candidate
    return "\t"


def read_rows(text: str, separator: str, *, limit: int | None = None) -> list[list[str]]:
    """CSV rows (quotes allowed, as Anki writes them); blank rows are left out."""
    if len(separator) != 1:
        raise TextFormatError("The separator must be one character.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"')
    rows = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error as exc:
        raise TextFormatError(f"The file could not be read as text rows: {exc}.") from None
    return rows


def split_pasted(text: str, term_separator: str, row_separator: str) -> list[list[str]]:
    """Pasted text: one row per row separator, the term before the first term separator.

    Quizlet's export ("between term and definition: tab", "between rows: new line")
    reads as it is; a definition may itself hold the term separator.
    """
    if not term_separator:
        raise TextFormatError("Choose what separates a term from its definition.")
    if not row_separator:
        raise TextFormatError("Choose what separates one row from the next.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    rows = []
    for chunk in text.split(row_separator):
        if not chunk.strip():
            continue
        term, sep, definition = chunk.partition(term_separator)
        rows.append([term.strip(), definition.strip()] if sep else [chunk.strip()])
    return rows


def looks_like_html(rows: list[list[str]]) -> bool:
    return any(_HTML_TAG.search(cell) for row in rows[:200] for cell in row)


def field_html(value: str, *, is_html: bool) -> str:
    """A cell as field HTML: plain text is escaped and its line breaks kept."""
    if is_html:
        return value
    return html.escape(value, quote=False).replace("\r\n", "\n").replace("\n", "<br>")


def decode_text(data: bytes) -> str:
    """Bytes of an uploaded text file as text (UTF-8 with or without BOM, else Latin-1)."""
    if b"\x00" in data[:4096]:
        # UTF-16 exports (Excel "Unicode text") carry a BOM; anything else with NULs is binary.
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16")
        raise TextFormatError("This file is not a text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def default_columns(field_names: list[str], column_count: int) -> list[str]:
    """Columns map to fields in order; one more column than fields holds the tags."""
    columns = [field_names[i] if i < len(field_names) else IGNORE for i in range(column_count)]
    if column_count == len(field_names) + 1:
        columns[-1] = TAGS
    return columns


def spec_for_file(text: str, *, deck: str | None = None) -> tuple[TextImportSpec, TextHeader]:
    """How to import a text file as its headers say, with Anki's guesses for the rest."""
    header, body = split_header(text)
    separator = header.separator or guess_separator(body)
    rows = read_rows(body, separator, limit=200)
    spec = TextImportSpec(
        separator=separator,
        html=header.html if header.html is not None else looks_like_html(rows),
        note_type=header.notetype or "Basic",
        deck=deck or header.deck or "Default",
        tags=header.tags,
        notetype_column=header.notetype_column,
        deck_column=None if deck else header.deck_column,
        tags_column=header.tags_column,
        guid_column=header.guid_column,
    )
    if header.columns:
        spec.columns = _columns_from_names(header)
    return spec, header


def _columns_from_names(header: TextHeader) -> list[str]:
    """`#columns:` names as a mapping: special columns and "Tags" are not fields."""
    special = {
        header.notetype_column,
        header.deck_column,
        header.tags_column,
        header.guid_column,
    }
    columns = []
    for index, name in enumerate(header.columns or []):
        if index in special:
            columns.append(IGNORE)
        elif name.casefold() == "tags":
            columns.append(TAGS)
        else:
            columns.append(name)
    return columns
