"""Shapes of the JSON API's requests and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

# Ids are 64-bit database keys; a bigger number is a client error, not a database one.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
StrictBool = Annotated[bool, Field(strict=True)]


def _true_or_false(value: Any) -> Any:
    """Form fields arrive as text: take "true"/"false" only, not "0", "yes" or "on"."""
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


FormBool = Annotated[bool, BeforeValidator(_true_or_false)]
# No NUL characters: Postgres cannot store them in text.
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=1_000_000)]
ShortText = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=1000)]
Tag = Annotated[str, StringConstraints(pattern=r"^[^\x00\s]+$", max_length=200)]


class Input(BaseModel):
    """A request body: a JSON object with only the documented keys.

    Plain pydantic rather than ninja's Schema, which reads attributes off any value
    and so would take a JSON list for a body whose fields are all optional.
    """

    model_config = ConfigDict(extra="forbid")


class Error(Schema):
    detail: str = Field(description="What went wrong, for a person to read.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="Which inputs were refused (validation errors only)."
    )


class Me(Schema):
    id: int
    username: str
    timezone: str
    day_starts_at_hour: int


class DeckOut(Schema):
    id: int
    name: str = Field(description='The full name, "Parent::Child".')
    description: str
    parent_id: int | None


class DeckIn(Input):
    name: ShortText = Field(description='The full name; missing parents are created ("A::B").')
    description: Text = ""


class DeckPatch(Input):
    name: ShortText | None = Field(None, description="A new full name moves the deck.")
    description: Text | None = None


class TemplateOut(Schema):
    name: str
    qfmt: str
    afmt: str


class NoteTypeOut(Schema):
    id: int
    name: str
    kind: str = Field(description='"standard" or "cloze".')
    fields: list[str]
    templates: list[TemplateOut]
    css: str
    sort_field: int


class NoteOut(Schema):
    id: int
    guid: str
    note_type_id: int
    note_type: str
    fields: dict[str, str]
    tags: list[str]
    card_ids: list[int]
    created: datetime
    modified: datetime


class NoteIn(Input):
    note_type_id: Id
    deck_id: Id
    fields: dict[ShortText, Text] = Field(
        description="Field values by field name; fields left out are empty."
    )
    tags: list[Tag] = Field(default_factory=list, max_length=1000)


class NotePatch(Input):
    fields: dict[ShortText, Text] | None = Field(
        None, description="Field values by name; fields left out keep their value."
    )
    tags: list[Tag] | None = Field(None, max_length=1000, description="Replaces all tags.")
    deck_id: Id | None = Field(None, description="Moves every card of the note.")


class CardOut(Schema):
    id: int
    note_id: int
    deck_id: int
    deck: str
    ord: int
    template: str
    state: str = Field(description='"new", "learning", "review" or "relearning".')
    due: datetime | None
    suspended: bool
    flag: int


class CardPatch(Input):
    deck_id: Id | None = Field(None, description="Move the card to this deck.")
    suspended: StrictBool | None = None


class MediaOut(Schema):
    filename: str
    size: int
    content_type: str
    sha256: str


class StudyCard(Schema):
    id: int
    note_id: int
    deck: str
    question: str = Field(description="The front, as HTML (not sanitized: the caller's own card).")
    answer: str
    css: str


class StudyCounts(Schema):
    new: int
    learning: int
    review: int


class StudyNext(Schema):
    card: StudyCard | None = Field(description="Nothing is due when this is null.")
    kind: str = Field(description='"new", "learning", "review", or "" when nothing is due.')
    counts: StudyCounts
    shown_version: str = Field(
        description="Send this back with the grade: a grade for a card that was graded or "
        "edited since it was fetched is refused (409)."
    )


class GradeIn(Input):
    card_id: Id
    rating: int = Field(ge=1, le=4, strict=True, description="1 Again, 2 Hard, 3 Good, 4 Easy.")
    shown_version: ShortText = Field(description="From the next-card answer.")
    review_id: UUID = Field(
        description="Made by the client once per answer; a repeated grade with the same id "
        "is recorded once."
    )
    duration_ms: int = Field(0, ge=0, le=3_600_000, strict=True)


class GradeOut(Schema):
    review_id: UUID
    card_id: int
    rating: int
    reviewed_at: datetime
    interval_days: int


class UndoIn(Input):
    review_id: UUID | None = Field(
        None, description="The review to take back; without it, the latest review."
    )


class UndoOut(Schema):
    undone: bool
    review_id: UUID | None
    card_id: int | None


class DeckPage(Schema):
    items: list[DeckOut]
    count: int


class NoteTypePage(Schema):
    items: list[NoteTypeOut]
    count: int


class NotePage(Schema):
    items: list[NoteOut]
    count: int


class CardPage(Schema):
    items: list[CardOut]
    count: int


class MediaPage(Schema):
    items: list[MediaOut]
    count: int


class ImportJobOut(Schema):
    id: int
    kind: str = Field(description='"package" (.apkg/.colpkg) or "text" (CSV/TSV).')
    source_name: str
    status: str = Field(description='"pending", "running", "done" or "failed".')
    percent: int
    report: dict[str, Any] | None = Field(
        description="When done: decks, notes added/updated/unchanged, cards, media, reviews, "
        "warnings."
    )
    error: str
    created: datetime
    finished: datetime | None


class ImportJobPage(Schema):
    items: list[ImportJobOut]
    count: int


class ExportIn(Input):
    deck_id: Id = Field(description="Exported with its subdecks.")
    format: Literal["apkg", "csv", "tsv"] = "apkg"
    with_progress: StrictBool = Field(
        False, description="Include your scheduling and review history (apkg only)."
    )


class ExportJobOut(Schema):
    id: int
    title: str
    format: str
    status: str = Field(description='"pending", "running", "done" or "failed".')
    percent: int
    filename: str
    file_size: int
    missing_media: list[str]
    error: str
    created: datetime
    finished: datetime | None
    download: str | None = Field(description="Where to GET the file once it is done.")


class ExportJobPage(Schema):
    items: list[ExportJobOut]
    count: int
