"""Deck actions."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from ankiconnect.actions import ActionError, action
from ankiconnect.lookups import a_str, find_deck, int_list
from flashcards.models import Card, Deck
from flashcards.services.decks import create_deck, delete_deck
from flashcards.services.notes import move_cards


@action("deckNames")
def deck_names(user: User) -> list[str]:
    return list(Deck.objects.filter(owner=user).values_list("full_name", flat=True))


@action("deckNamesAndIds")
def deck_names_and_ids(user: User) -> dict[str, int]:
    return dict(Deck.objects.filter(owner=user).values_list("full_name", "pk"))


@action("createDeck")
def create_deck_action(user: User, deck: Any) -> int:
    """The deck's id; an existing deck of that name is returned as it is, as in Anki."""
    return create_deck(owner=user, full_name=a_str(deck, "deck")).pk


@action("changeDeck")
def change_deck(user: User, cards: Any, deck: Any) -> None:
    """Move cards to a deck, creating the deck if it does not exist (as Anki does)."""
    card_ids = int_list(cards, "cards")
    target = find_deck(user, deck) or create_deck(owner=user, full_name=a_str(deck, "deck"))
    move_cards(owner=user, card_ids=card_ids, deck=target)
    return None


@action("getDecks")
def get_decks(user: User, cards: Any) -> dict[str, list[int]]:
    card_ids = int_list(cards, "cards")
    rows = Card.objects.filter(note__owner=user, pk__in=card_ids).values_list(
        "pk", "deck__full_name"
    )
    by_card = dict(rows)
    result: dict[str, list[int]] = {}
    for card_id in card_ids:
        if card_id in by_card:
            result.setdefault(by_card[card_id], []).append(card_id)
    return result


@action("deckNameFromId")
def deck_name_from_id(user: User, deckId: Any) -> str:
    deck = Deck.objects.filter(owner=user, pk=deckId if isinstance(deckId, int) else -1).first()
    if deck is None:
        raise ActionError(f"deck was not found: {deckId}")
    return deck.full_name


@action("deleteDecks")
def delete_decks(user: User, decks: Any, cardsToo: Any = False) -> None:
    if not cardsToo:
        raise ActionError(
            "Since Anki 2.1.28 it's not possible to delete decks without deleting cards as well"
        )
    if not isinstance(decks, list):
        raise ActionError('"decks" must be a list of deck names')
    for name in decks:
        deck = find_deck(user, name)
        if deck is not None and Deck.objects.filter(pk=deck.pk).exists():
            delete_deck(deck=deck)
    return None
