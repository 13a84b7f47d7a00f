"""Who may see and change what: the one place object views look content up.

Each getter raises Http404 for anyone but the owner, so another user's deck,
note, note type or card looks exactly like one that does not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from classrooms.access import can_view_class_media
from flashcards.models import Card, Deck, Media, Note, NoteType


def decks_of(user: User) -> QuerySet[Deck]:
    return Deck.objects.filter(owner=user)


def get_deck_for_user(user: User, pk: int) -> Deck:
    return get_object_or_404(Deck, pk=pk, owner=user)


def get_note_for_user(user: User, pk: int) -> Note:
    return get_object_or_404(Note.objects.select_related("note_type"), pk=pk, owner=user)


def get_note_type_for_user(user: User, pk: int) -> NoteType:
    return get_object_or_404(NoteType, pk=pk, owner=user)


def get_card_for_user(user: User, pk: int) -> Card:
    return get_object_or_404(
        Card.objects.select_related("note", "note__note_type", "deck"), pk=pk, note__owner=user
    )


def can_view_media_of(user: User, owner_id: int) -> bool:
    """Media belongs to its owner's collection; only people who may see it get the bytes:
    the owner, and members of a class studying one of the owner's decks."""
    if not user.is_authenticated:
        return False
    return user.pk == owner_id or can_view_class_media(user, owner_id)


def get_media_for_user(user: User, owner_id: int, filename: str) -> Media:
    if not can_view_media_of(user, owner_id):
        raise Http404("No such media file.")
    return get_object_or_404(Media, owner_id=owner_id, filename=filename)
