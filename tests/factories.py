"""Plain factory functions for tests: real rows in the real database."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence

from accounts.models import User
from flashcards.models import DECK_SEPARATOR, Card, Deck, Note, NoteType, format_tags
from flashcards.stock import STOCK_NOTE_TYPES
from reviews.models import CardState, Preset, ReviewLog


def make_user(username: str = "learner", *, password: str = "correct-horse-9", **extra) -> User:
    return User.objects.create_user(username=username, password=password, **extra)


# --- Content: decks, note types, notes and cards, per-learner state ---------------
# Rows are created directly (no services), so tests of services can use them too.


def make_deck(owner: User, full_name: str = "Default") -> Deck:
    """The deck at `full_name` ("A::B"), creating missing parents; an existing one is reused."""
    parent: Deck | None = None
    parts = full_name.split(DECK_SEPARATOR)
    for depth, name in enumerate(parts):
        path = DECK_SEPARATOR.join(parts[: depth + 1])
        parent, _ = Deck.objects.get_or_create(
            owner=owner, full_name=path, defaults={"parent": parent, "name": name}
        )
    assert parent is not None
    return parent


def make_note_type(owner: User, stock_kind: str = "basic", *, name: str = "", **extra) -> NoteType:
    """A note type shaped like one of Anki's stock types (flashcards.stock keys)."""
    stock = STOCK_NOTE_TYPES[stock_kind]
    values = {
        "name": name or stock["name"],
        "kind": stock["kind"],
        "fields": copy.deepcopy(stock["fields"]),
        "templates": copy.deepcopy(stock["templates"]),
        "css": stock["css"],
        "stock_kind": stock_kind,
    }
    values.update(extra)
    return NoteType.objects.create(owner=owner, **values)


def make_note_type_basic(owner: User, *, name: str = "Basic") -> NoteType:
    return make_note_type(owner, "basic", name=name)


def make_note_type_reversed(owner: User, *, name: str = "Basic (and reversed card)") -> NoteType:
    return make_note_type(owner, "basic_reversed", name=name)


def make_note_type_cloze(owner: User, *, name: str = "Cloze") -> NoteType:
    return make_note_type(owner, "cloze", name=name)


def make_note(
    owner: User,
    note_type: NoteType,
    deck: Deck,
    fields: Sequence[str] | dict[str, str] = ("front", "back"),
    *,
    tags: Iterable[str] = (),
    ords: Iterable[int] | None = None,
) -> Note:
    """A note and its Card rows in `deck`: one per template, or `ords` (cloze: [0])."""
    if isinstance(fields, dict):
        values = [fields.get(name, "") for name in note_type.field_names]
    else:
        values = list(fields) + [""] * (len(note_type.field_names) - len(fields))
    note = Note(owner=owner, note_type=note_type, tags=format_tags(tags))
    note.fields = values
    note.sort_value = values[note_type.sort_field][:255] if values else ""
    note.first_field = values[0][:255] if values else ""
    note.save()
    if ords is None:
        ords = [0] if note_type.is_cloze else range(len(note_type.templates))
    Card.objects.bulk_create(Card(note=note, deck=deck, ord=ord_) for ord_ in ords)
    return note


def make_card_state(learner: User, card: Card, **fields) -> CardState:
    """A learner's scheduling row for a card (state, due, suspended, buried_until, flag...)."""
    return CardState.objects.create(learner=learner, card=card, deck_id=card.deck_id, **fields)


def make_review(learner: User, card: Card, reviewed_at, *, rating: int = 3, **fields) -> ReviewLog:
    """One review-log row (kind Review unless given), in the card's deck."""
    fields.setdefault("kind", ReviewLog.KIND_REVIEW)
    fields.setdefault("deck_id", card.deck_id)
    return ReviewLog.objects.create(
        learner=learner, card=card, reviewed_at=reviewed_at, rating=rating, **fields
    )


def make_cards(
    owner: User, deck: Deck, count: int, *, note_type: NoteType | None = None
) -> list[Card]:
    """`count` one-card Basic notes in `deck` ("front 0" / "back 0", ...), in order added."""
    note_type = note_type or (
        NoteType.objects.filter(owner=owner, stock_kind="basic").first()
        or make_note_type_basic(owner)
    )
    notes = [make_note(owner, note_type, deck, (f"front {i}", f"back {i}")) for i in range(count)]
    return list(Card.objects.filter(note__in=notes).order_by("pk"))


def make_preset(owner: User, name: str = "Preset", **fields) -> Preset:
    """A deck-options preset (reviews.Preset); `is_default=True` for the learner's default."""
    return Preset.objects.create(owner=owner, name=name, **fields)


# --- Media ------------------------------------------------------------------------


def make_png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (30, 120, 220)) -> bytes:
    """A real, valid solid-colour PNG, so browsers and Anki can decode it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    pixels = zlib.compress((b"\x00" + bytes(rgb) * width) * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --- Classes ----------------------------------------------------------------------


def make_classroom(
    teacher: User,
    name: str = "Spanish 2B",
    *,
    students: Iterable[User] = (),
    co_teachers: Iterable[User] = (),
    decks: Iterable[Deck] = (),
):
    """A class taught by `teacher` (its creator), with an invite code and these members/decks."""
    from classrooms.models import Assignment, Classroom, Invite, Membership

    classroom = Classroom.objects.create(name=name, created_by=teacher)
    Membership.objects.create(classroom=classroom, user=teacher, role=Membership.TEACHER)
    for user in co_teachers:
        Membership.objects.create(classroom=classroom, user=user, role=Membership.TEACHER)
    for user in students:
        Membership.objects.create(classroom=classroom, user=user, role=Membership.STUDENT)
    for deck in decks:
        Assignment.objects.create(classroom=classroom, deck=deck, assigned_by=deck.owner)
    Invite.objects.create(classroom=classroom)
    return classroom
