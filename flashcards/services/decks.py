from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef

from accounts.models import User
from flashcards.models import DECK_SEPARATOR, Card, Deck, Note

DEFAULT_DECK_NAME = "Default"


def split_deck_name(full_name: str) -> list[str]:
    """'A :: B' -> ['A', 'B'], refusing empty parts and over-long names."""
    parts = [part.strip() for part in full_name.split(DECK_SEPARATOR)]
    if not full_name.strip() or any(not part for part in parts):
        raise ValidationError("A deck name can't be empty or have an empty part between '::'.")
    if any(len(part) > 200 for part in parts) or len(full_name) > 1000:
        raise ValidationError("That deck name is too long.")
    if any(ch in full_name for ch in '"\x1f\n\r\t'):
        raise ValidationError("Deck names can't contain double quotes, tabs or line breaks.")
    return parts


@transaction.atomic
def create_deck(*, owner: User, full_name: str, description: str = "") -> Deck:
    """Create a deck and any missing parents ("A::B::C"); return the leaf.

    An existing deck of that name is returned unchanged, as Anki does.
    """
    parts = split_deck_name(full_name)
    parent: Deck | None = None
    for depth in range(len(parts)):
        path = DECK_SEPARATOR.join(parts[: depth + 1])
        deck = Deck.objects.filter(owner=owner, full_name=path).first()
        if deck is None:
            deck = Deck.objects.create(
                owner=owner, parent=parent, name=parts[depth], full_name=path
            )
        parent = deck
    assert parent is not None
    if description and not parent.description:
        parent.description = description
        parent.save(update_fields=["description", "modified"])
    return parent


def default_deck(*, owner: User) -> Deck:
    deck = Deck.objects.filter(owner=owner).order_by("id").first()
    return deck or create_deck(owner=owner, full_name=DEFAULT_DECK_NAME)


@transaction.atomic
def rename_deck(*, deck: Deck, full_name: str, description: str | None = None) -> Deck:
    """Rename or move a deck (a new path moves it under another parent)."""
    parts = split_deck_name(full_name)
    new_path = DECK_SEPARATOR.join(parts)
    if new_path == deck.full_name or new_path.startswith(deck.full_name + DECK_SEPARATOR):
        if new_path != deck.full_name:
            raise ValidationError("A deck can't be moved inside itself.")
    elif Deck.objects.filter(owner=deck.owner, full_name=new_path).exists():
        raise ValidationError(f"There is already a deck called “{new_path}”.")
    if description is not None:
        deck.description = description
    if new_path != deck.full_name:
        parent = None
        if len(parts) > 1:
            parent = create_deck(owner=deck.owner, full_name=DECK_SEPARATOR.join(parts[:-1]))
        old_prefix = deck.full_name + DECK_SEPARATOR
        descendants = list(Deck.objects.filter(owner=deck.owner, full_name__startswith=old_prefix))
        deck.parent = parent
        deck.name = parts[-1]
        deck.full_name = new_path
        for child in descendants:
            child.full_name = new_path + DECK_SEPARATOR + child.full_name[len(old_prefix) :]
        Deck.objects.bulk_update(descendants, ["full_name"])
    deck.save()
    return deck


def descendant_ids(deck: Deck) -> list[int]:
    """The deck and every deck below it."""
    below = Deck.objects.filter(
        owner_id=deck.owner_id, full_name__startswith=deck.full_name + DECK_SEPARATOR
    ).values_list("id", flat=True)
    return [deck.id, *below]


@dataclass(frozen=True)
class DeckDeletionSummary:
    subdecks: int
    cards: int
    notes: int


def deletion_summary(deck: Deck) -> DeckDeletionSummary:
    ids = descendant_ids(deck)
    cards = Card.objects.filter(deck_id__in=ids)
    return DeckDeletionSummary(
        subdecks=len(ids) - 1,
        cards=cards.count(),
        notes=cards.values("note_id").distinct().count(),
    )


@transaction.atomic
def delete_deck(*, deck: Deck) -> DeckDeletionSummary:
    """Delete a deck, its subdecks and their cards; notes left without cards go too."""
    summary = deletion_summary(deck)
    ids = descendant_ids(deck)
    Card.objects.filter(deck_id__in=ids).delete()
    Deck.objects.filter(id__in=ids).delete()
    delete_notes_without_cards(owner_id=deck.owner_id)
    return summary


def delete_notes_without_cards(*, owner_id: int) -> int:
    """Anki keeps no note without a card: remove the ones a deletion left behind."""
    orphans = Note.objects.filter(owner_id=owner_id).exclude(
        Exists(Card.objects.filter(note_id=OuterRef("pk")))
    )
    deleted, _ = orphans.delete()
    return deleted
