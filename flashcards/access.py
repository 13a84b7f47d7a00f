"""Who may see and change what: the one place object views look content up.

Each getter raises Http404 for anyone but the owner, so another user's deck,
note, note type or card looks exactly like one that does not exist.
"""

from __future__ import annotations

from urllib.parse import quote

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.html import escape

from accounts.models import User
from classrooms.access import can_view_class_media, class_decks
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


def can_view_media_of(user: User, owner_id: int, filename: str) -> bool:
    """Media belongs to its owner's collection; only people who may see it get the bytes:
    the owner, and members of a class for the files that the decks shared with them use
    (named in a note's fields, or in its note type's templates or styling)."""
    if not user.is_authenticated:
        return False
    if user.pk == owner_id:
        return True
    # Two or three queries, once a day per file and browser (the response may be kept
    # that long): the files' names are searched in the shared decks' notes.
    return can_view_class_media(user, owner_id) and _used_by_class_decks(user, owner_id, filename)


def _spellings(filename: str) -> set[str]:
    """How card HTML may name a file: as it is, HTML-escaped, or URL-quoted."""
    return {filename, escape(filename), quote(filename)}


def _used_by_class_decks(user: User, owner_id: int, filename: str) -> bool:
    names = _spellings(filename)
    notes = Note.objects.filter(
        owner_id=owner_id, cards__deck__in=class_decks(user).filter(owner_id=owner_id)
    )
    named = Q()
    for name in names:
        named |= Q(flds__contains=name)
    if notes.filter(named).exists():
        return True
    # Note types name few files (fonts, a shared background), and a class's decks use
    # few note types: their templates and CSS are read and searched here.
    note_types = NoteType.objects.filter(
        pk__in=notes.values("note_type_id"), owner_id=owner_id
    ).values_list("css", "templates")
    for css, templates in note_types:
        text = css + "".join(
            str(template.get("qfmt", "")) + str(template.get("afmt", ""))
            for template in templates
            if isinstance(template, dict)
        )
        if any(name in text for name in names):
            return True
    return False


def get_media_for_user(user: User, owner_id: int, filename: str) -> Media:
    if not can_view_media_of(user, owner_id, filename):
        raise Http404("No such media file.")
    return get_object_or_404(Media, owner_id=owner_id, filename=filename)
