from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from flashcards.models import Card, Deck, Note, NoteType, format_tags
from flashcards.services.decks import delete_notes_without_cards
from flashcards.templating import nonempty_card_ords
from flashcards.text import strip_html
from reviews.models import CardState

MAX_FIELD_LENGTH = 1_000_000


def normalize_fields(note_type: NoteType, values: Sequence[str] | dict[str, str]) -> list[str]:
    """Field values in the note type's order; a dict may name a subset of fields."""
    names = note_type.field_names
    if isinstance(values, dict):
        unknown = set(values) - set(names)
        if unknown:
            raise ValidationError(f"{note_type.name} has no field called {sorted(unknown)[0]!r}.")
        result = [values.get(name, "") or "" for name in names]
    else:
        if len(values) > len(names):
            raise ValidationError(f"{note_type.name} has only {len(names)} fields.")
        result = [*values, *[""] * (len(names) - len(values))]
    for value in result:
        if len(value) > MAX_FIELD_LENGTH:
            raise ValidationError("A field is too long (over a million characters).")
        if "\x1f" in value:
            raise ValidationError("Fields can't contain the U+001F separator character.")
    return [str(value) for value in result]


def card_ords_for(note_type: NoteType, fields: list[str], tags: Iterable[str] = ()) -> list[int]:
    field_map = dict(zip(note_type.field_names, fields, strict=False))
    return nonempty_card_ords(
        templates=note_type.templates,
        fields=field_map,
        is_cloze=note_type.is_cloze,
        tags=list(tags),
        ensure_one=False,
    )


def refresh_derived_columns(note: Note) -> None:
    values = note.fields
    sort_index = min(note.note_type.sort_field, len(values) - 1)
    note.sort_value = strip_html(values[sort_index])[:255]
    note.first_field = strip_html(values[0])[:255]


def _no_cards_error(note_type: NoteType) -> ValidationError:
    if note_type.is_cloze:
        return ValidationError(
            "This note would make no cards: add a cloze deletion such as {{c1::answer}}."
        )
    return ValidationError(
        "This note would make no cards: the front of every card template is empty."
    )


@transaction.atomic
def add_note(
    *,
    owner: User,
    note_type: NoteType,
    deck: Deck,
    fields: Sequence[str] | dict[str, str],
    tags: Iterable[str] = (),
    guid: str | None = None,
) -> Note:
    """Add a note and the cards it makes, as Anki's Add dialog does."""
    values = normalize_fields(note_type, fields)
    tags = list(tags)
    ords = card_ords_for(note_type, values, tags)
    if not ords:
        raise _no_cards_error(note_type)
    note = Note(owner=owner, note_type=note_type, tags=format_tags(tags))
    if guid:
        note.guid = guid
    note.fields = values
    refresh_derived_columns(note)
    note.save()
    Card.objects.bulk_create(Card(note=note, deck=deck, ord=ord_) for ord_ in ords)
    return note


@transaction.atomic
def update_note(
    *,
    note: Note,
    fields: Sequence[str] | dict[str, str],
    tags: Iterable[str] | None = None,
    deck: Deck | None = None,
) -> Note:
    """Change a note's fields and tags; cards appear and go as its fields now ask.

    Learners' progress on the cards that stay is untouched: it lives on CardState.
    """
    values = normalize_fields(note.note_type, fields)
    tags = note.tag_list if tags is None else list(tags)
    ords = card_ords_for(note.note_type, values, tags)
    if not ords:
        raise _no_cards_error(note.note_type)
    note.fields = values
    note.tags = format_tags(tags)
    refresh_derived_columns(note)
    note.save()
    sync_note_cards(note=note, wanted_ords=ords, deck=deck)
    return note


def sync_note_cards(*, note: Note, wanted_ords: list[int], deck: Deck | None = None) -> None:
    existing = {card.ord: card for card in note.cards.select_related("deck")}
    missing = [ord_ for ord_ in wanted_ords if ord_ not in existing]
    if missing:
        # New cards go to the deck the note's first card is in, as Anki does.
        home = deck or (existing[min(existing)].deck if existing else None)
        if home is None:
            raise ValidationError("Choose a deck for the new cards.")
        Card.objects.bulk_create(Card(note=note, deck=home, ord=ord_) for ord_ in missing)
    gone = [card.pk for ord_, card in existing.items() if ord_ not in wanted_ords]
    if gone:
        Card.objects.filter(pk__in=gone).delete()
    if deck is not None:
        moving = list(note.cards.exclude(deck=deck).values_list("pk", flat=True))
        _move(moving, deck)


@transaction.atomic
def delete_notes(*, owner: User, note_ids: Iterable[int]) -> int:
    deleted, _ = Note.objects.filter(owner=owner, pk__in=list(note_ids)).delete()
    return deleted


@transaction.atomic
def delete_cards(*, owner: User, card_ids: Iterable[int]) -> int:
    count, _ = Card.objects.filter(note__owner=owner, pk__in=list(card_ids)).delete()
    delete_notes_without_cards(owner_id=owner.pk)
    return count


@transaction.atomic
def move_cards(*, owner: User, card_ids: Iterable[int], deck: Deck) -> int:
    if deck.owner_id != owner.pk:
        raise ValidationError("That deck is not yours.")
    ids = list(
        Card.objects.filter(note__owner=owner, pk__in=list(card_ids)).values_list("pk", flat=True)
    )
    return _move(ids, deck)


def _move(card_ids: list[int], deck: Deck) -> int:
    """Cards and every learner's state row move together (the queue reads the state's deck)."""
    for start in range(0, len(card_ids), 1000):
        chunk = card_ids[start : start + 1000]
        Card.objects.filter(pk__in=chunk).update(deck=deck, modified=timezone.now())
        CardState.objects.filter(card_id__in=chunk).update(deck=deck)
    return len(card_ids)


@transaction.atomic
def change_tags(
    *, owner: User, note_ids: Iterable[int], add: Iterable[str] = (), remove: Iterable[str] = ()
) -> int:
    """Add and remove tags on several notes; tag matching ignores case, as in Anki."""
    add_list = [tag for value in add for tag in str(value).split()]
    remove_lower = {tag.lower() for value in remove for tag in str(value).split()}
    notes = list(Note.objects.filter(owner=owner, pk__in=list(note_ids)))
    changed = []
    for note in notes:
        tags = [tag for tag in note.tag_list if tag.lower() not in remove_lower] + add_list
        new_tags = format_tags(tags)
        if new_tags != note.tags:
            note.tags = new_tags
            note.modified = timezone.now()
            changed.append(note)
    Note.objects.bulk_update(changed, ["tags", "modified"])
    return len(changed)
