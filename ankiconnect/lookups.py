"""Finding a user's content by the names and ids AnkiConnect requests use,
and checking the loosely typed params clients send.

Ids in the AnkiConnect protocol are Deckhand's primary keys (the same ids the
web UI's URLs and the search syntax's nid:/cid: use). Every lookup is limited
to the requesting user's own rows: another user's id reads as "not found".
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User
from ankiconnect.actions import ActionError
from flashcards.models import DECK_SEPARATOR, Card, Deck, Note, NoteType
from flashcards.services.decks import split_deck_name


def int_list(value: Any, name: str) -> list[int]:
    if not isinstance(value, list):
        raise ActionError(f'"{name}" must be a list of ids')
    result = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise ActionError(f'"{name}" must be a list of ids')
        try:
            result.append(int(item))
        except ValueError:
            raise ActionError(f'"{name}" must be a list of ids') from None
    return result


def an_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ActionError(f'"{name}" must be an id')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ActionError(f'"{name}" must be an id') from None


def a_dict(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ActionError(f'"{name}" must be an object')
    return value


def a_str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ActionError(f'"{name}" must be a string')
    return value


def tag_list(value: Any) -> list[str]:
    """Tags as AnkiConnect takes them: a list of strings, or one space-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return [part for tag in value for part in tag.split()]
    raise ActionError("Must provide tags as a list of strings")


def normalize_deck_name(name: str) -> str:
    try:
        return DECK_SEPARATOR.join(split_deck_name(name))
    except ValidationError:
        return name


def find_deck(user: User, name: Any) -> Deck | None:
    """The user's deck called `name` ("A::B"); like Anki, case does not matter."""
    if not isinstance(name, str):
        return None
    full_name = normalize_deck_name(name)
    decks = Deck.objects.filter(owner=user)
    return (
        decks.filter(full_name=full_name).first()
        or decks.filter(full_name__iexact=full_name).order_by("pk").first()
    )


def find_note_type(user: User, name: Any) -> NoteType | None:
    if not isinstance(name, str):
        return None
    types = NoteType.objects.filter(owner=user)
    return types.filter(name=name).order_by("pk").first()


def note_type_or_error(user: User, name: Any) -> NoteType:
    note_type = find_note_type(user, name)
    if note_type is None:
        raise ActionError(f"model was not found: {name}")
    return note_type


def note_or_error(user: User, note_id: Any) -> Note:
    nid = an_int(note_id, "id")
    note = Note.objects.select_related("note_type").filter(owner=user, pk=nid).first()
    if note is None:
        raise ActionError(f"Note was not found: {nid}")
    return note


def notes_by_id(user: User, ids: list[int]) -> dict[int, Note]:
    notes = Note.objects.select_related("note_type").filter(owner=user, pk__in=ids)
    return {note.pk: note for note in notes}


def cards_by_id(user: User, ids: list[int]) -> dict[int, Card]:
    cards = Card.objects.select_related("note", "note__note_type", "deck").filter(
        note__owner=user, pk__in=ids
    )
    return {card.pk: card for card in cards}


def note_fields_info(note: Note) -> dict[str, dict[str, Any]]:
    """{"Front": {"value": "...", "order": 0}, ...}, as notesInfo and cardsInfo give them."""
    values = note.fields
    return {
        name: {"value": values[order] if order < len(values) else "", "order": order}
        for order, name in enumerate(note.note_type.field_names)
    }


def epoch_seconds(moment: Any) -> int:
    return int(moment.timestamp()) if moment is not None else 0
