"""Who may study what: the one place reviews checks access."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from classrooms.access import may_study_class_deck
from flashcards.models import Card, Deck
from reviews.fastload import load_states
from reviews.models import CardState, Preset


def learner_can_study_deck(learner: User, deck: Deck) -> bool:
    """Whether `learner` may study `deck`: the one rule every reviews view goes through.

    Their own decks, and decks assigned to a class they belong to (classrooms.access).
    Reads deck.pk, owner_id and full_name only.
    """
    if not learner.is_authenticated:
        return False
    return deck.owner_id == learner.pk or may_study_class_deck(learner, deck)


def get_deck_for_learner(learner: User, deck_id: int) -> Deck:
    deck = get_object_or_404(Deck, pk=deck_id)
    if not learner_can_study_deck(learner, deck):
        raise Http404("No such deck.")
    return deck


def get_card_for_learner(learner: User, card_id: int) -> Card:
    card = get_object_or_404(Card.objects.select_related("note__note_type", "deck"), pk=card_id)
    if not learner_can_study_deck(learner, card.deck):
        raise Http404("No such card.")
    return card


def get_study_card(learner: User, card_id: int) -> tuple[Card, CardState | None]:
    """A card the learner may study and their state for it, in one query when it exists."""
    found = load_states("s.learner_id = %s AND s.card_id = %s", [learner.pk, card_id])
    if not found:
        return get_card_for_learner(learner, card_id), None
    state = found[0][0]
    if not learner_can_study_deck(learner, state.card.deck):
        raise Http404("No such card.")
    return state.card, state


def get_preset_for_learner(learner: User, preset_id: int) -> Preset:
    return get_object_or_404(Preset, pk=preset_id, owner=learner)
