"""Decks, note types, notes and cards. Reads through flashcards.access/selectors,
writes through flashcards.services, as the web UI does."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from accounts.models import User
from api.main import PageQuery, paginate, user_of, with_errors
from api.schemas import (
    MAX_ID,
    CardOut,
    CardPage,
    CardPatch,
    DeckIn,
    DeckOut,
    DeckPage,
    DeckPatch,
    Me,
    NoteIn,
    NoteOut,
    NotePage,
    NotePatch,
    NoteTypeOut,
    NoteTypePage,
    ShortText,
)
from flashcards.access import (
    decks_of,
    get_card_for_user,
    get_deck_for_user,
    get_note_for_user,
    get_note_type_for_user,
)
from flashcards.models import Card, Deck, Note, NoteType
from flashcards.selectors import search_cards, search_notes
from flashcards.services.decks import create_deck, default_deck, delete_deck, rename_deck
from flashcards.services.notes import add_note, delete_notes, move_cards, update_note
from flashcards.services.notetypes import ensure_stock_note_types
from reviews.models import CardState

router = Router()

IdPath = Path(..., ge=1, le=MAX_ID)
STATE_NAMES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}


def _prepare(user: User) -> None:
    """What the deck list does on a first visit: stock note types and a Default deck."""
    if not NoteType.objects.filter(owner=user).exists():
        ensure_stock_note_types(owner=user)
    if not Deck.objects.filter(owner=user).exists():
        default_deck(owner=user)


# --- Decks -----------------------------------------------------------------------


def deck_out(deck: Deck) -> dict[str, Any]:
    return {
        "id": deck.pk,
        "name": deck.full_name,
        "description": deck.description,
        "parent_id": deck.parent_id,
    }


@router.get("/decks", response=with_errors({200: DeckPage}), tags=["decks"])
def list_decks(request: HttpRequest, pages: Query[PageQuery]) -> dict[str, Any]:
    user = user_of(request)
    _prepare(user)
    return paginate(decks_of(user).order_by("full_name", "pk"), pages, deck_out)


@router.post("/decks", response=with_errors({201: DeckOut}), tags=["decks"], summary="Create Deck")
def create_deck_endpoint(request: HttpRequest, payload: DeckIn) -> Status[dict[str, Any]]:
    deck = create_deck(
        owner=user_of(request), full_name=payload.name, description=payload.description
    )
    return Status(201, deck_out(deck))


@router.get("/decks/{deck_id}", response=with_errors({200: DeckOut}), tags=["decks"])
def get_deck(request: HttpRequest, deck_id: int = IdPath) -> dict[str, Any]:
    return deck_out(get_deck_for_user(user_of(request), deck_id))


@router.patch("/decks/{deck_id}", response=with_errors({200: DeckOut}), tags=["decks"])
def update_deck(request: HttpRequest, payload: DeckPatch, deck_id: int = IdPath) -> dict[str, Any]:
    deck = get_deck_for_user(user_of(request), deck_id)
    deck = rename_deck(
        deck=deck,
        full_name=payload.name if payload.name is not None else deck.full_name,
        description=payload.description,
    )
    return deck_out(deck)


@router.delete("/decks/{deck_id}", response=with_errors({204: None}), tags=["decks"])
def remove_deck(request: HttpRequest, deck_id: int = IdPath) -> Status[None]:
    """Deletes the deck, its subdecks and their cards; notes left without cards go too."""
    delete_deck(deck=get_deck_for_user(user_of(request), deck_id))
    return Status(204, None)


# --- Note types ------------------------------------------------------------------


def note_type_out(note_type: NoteType) -> dict[str, Any]:
    return {
        "id": note_type.pk,
        "name": note_type.name,
        "kind": note_type.kind,
        "fields": note_type.field_names,
        "templates": [
            {"name": t.get("name", ""), "qfmt": t.get("qfmt", ""), "afmt": t.get("afmt", "")}
            for t in note_type.templates
        ],
        "css": note_type.css,
        "sort_field": note_type.sort_field,
    }


@router.get("/note-types", response=with_errors({200: NoteTypePage}), tags=["note types"])
def list_note_types(request: HttpRequest, pages: Query[PageQuery]) -> dict[str, Any]:
    user = user_of(request)
    _prepare(user)
    types = NoteType.objects.filter(owner=user).order_by("name", "pk")
    return paginate(types, pages, note_type_out)


@router.get(
    "/note-types/{note_type_id}", response=with_errors({200: NoteTypeOut}), tags=["note types"]
)
def get_note_type(request: HttpRequest, note_type_id: int = IdPath) -> dict[str, Any]:
    return note_type_out(get_note_type_for_user(user_of(request), note_type_id))


# --- Notes -----------------------------------------------------------------------


def _with_cards(notes: QuerySet[Note]) -> QuerySet[Note]:
    return notes.select_related("note_type").prefetch_related(
        Prefetch("cards", queryset=Card.objects.only("id", "note_id", "ord").order_by("ord"))
    )


def note_out(note: Note) -> dict[str, Any]:
    return {
        "id": note.pk,
        "guid": note.guid,
        "note_type_id": note.note_type_id,
        "note_type": note.note_type.name,
        "fields": note.field_map(),
        "tags": note.tag_list,
        "card_ids": [card.pk for card in note.cards.all()],
        "created": note.created,
        "modified": note.modified,
    }


def _fresh_note(user: User, note_id: int) -> dict[str, Any]:
    return note_out(_with_cards(Note.objects.filter(owner=user)).get(pk=note_id))


@router.get("/notes", response=with_errors({200: NotePage}), tags=["notes"])
def list_notes(request: HttpRequest, pages: Query[PageQuery], q: ShortText = "") -> dict[str, Any]:
    """Notes matching `q`, Anki's browser search syntax (empty: every note), oldest first."""
    notes = search_notes(user=user_of(request), query=q).order_by("pk")
    return paginate(_with_cards(notes), pages, note_out)


@router.post("/notes", response=with_errors({201: NoteOut}), tags=["notes"])
def create_note(request: HttpRequest, payload: NoteIn) -> Status[dict[str, Any]]:
    user = user_of(request)
    _prepare(user)
    note = add_note(
        owner=user,
        note_type=get_note_type_for_user(user, payload.note_type_id),
        deck=get_deck_for_user(user, payload.deck_id),
        fields=dict(payload.fields),
        tags=payload.tags,
    )
    return Status(201, _fresh_note(user, note.pk))


@router.get("/notes/{note_id}", response=with_errors({200: NoteOut}), tags=["notes"])
def get_note(request: HttpRequest, note_id: int = IdPath) -> dict[str, Any]:
    user = user_of(request)
    return _fresh_note(user, get_note_for_user(user, note_id).pk)


@router.patch("/notes/{note_id}", response=with_errors({200: NoteOut}), tags=["notes"])
def patch_note(request: HttpRequest, payload: NotePatch, note_id: int = IdPath) -> dict[str, Any]:
    user = user_of(request)
    note = get_note_for_user(user, note_id)
    fields = note.field_map()
    if payload.fields is not None:
        fields.update(payload.fields)
    deck = get_deck_for_user(user, payload.deck_id) if payload.deck_id is not None else None
    update_note(note=note, fields=fields, tags=payload.tags, deck=deck)
    return _fresh_note(user, note.pk)


@router.delete("/notes/{note_id}", response=with_errors({204: None}), tags=["notes"])
def remove_note(request: HttpRequest, note_id: int = IdPath) -> Status[None]:
    user = user_of(request)
    delete_notes(owner=user, note_ids=[get_note_for_user(user, note_id).pk])
    return Status(204, None)


# --- Cards -----------------------------------------------------------------------


def _cards_with_state(cards: QuerySet[Card], user: User) -> QuerySet[Card]:
    return cards.select_related("deck", "note__note_type").prefetch_related(
        Prefetch("states", queryset=CardState.objects.filter(learner=user), to_attr="mine")
    )


def card_out(card: Card) -> dict[str, Any]:
    states = getattr(card, "mine", [])
    state = states[0] if states else None
    note_type = card.note.note_type
    if note_type.is_cloze:
        template = f"Cloze {card.ord + 1}"
    else:
        templates = note_type.templates
        template = templates[card.ord].get("name", "") if card.ord < len(templates) else ""
    return {
        "id": card.pk,
        "note_id": card.note_id,
        "deck_id": card.deck_id,
        "deck": card.deck.full_name,
        "ord": card.ord,
        "template": template,
        "state": STATE_NAMES.get(state.state if state else 0, "new"),
        "due": state.due if state else None,
        "suspended": bool(state and state.suspended),
        "flag": state.flag if state else 0,
    }


def _fresh_card(user: User, card_id: int) -> dict[str, Any]:
    return card_out(_cards_with_state(Card.objects.filter(note__owner=user), user).get(pk=card_id))


@router.get("/cards", response=with_errors({200: CardPage}), tags=["cards"])
def list_cards(request: HttpRequest, pages: Query[PageQuery], q: ShortText = "") -> dict[str, Any]:
    """Cards matching `q`, Anki's browser search syntax (empty: every card)."""
    user = user_of(request)
    cards = search_cards(user=user, query=q).order_by("note_id", "ord", "pk")
    return paginate(_cards_with_state(cards, user), pages, card_out)


@router.get("/cards/{card_id}", response=with_errors({200: CardOut}), tags=["cards"])
def get_card(request: HttpRequest, card_id: int = IdPath) -> dict[str, Any]:
    user = user_of(request)
    return _fresh_card(user, get_card_for_user(user, card_id).pk)


@router.patch("/cards/{card_id}", response=with_errors({200: CardOut}), tags=["cards"])
def patch_card(request: HttpRequest, payload: CardPatch, card_id: int = IdPath) -> dict[str, Any]:
    user = user_of(request)
    card = get_card_for_user(user, card_id)
    if payload.deck_id is not None:
        move_cards(owner=user, card_ids=[card.pk], deck=get_deck_for_user(user, payload.deck_id))
    if payload.suspended is not None:
        from reviews.services import set_suspended

        set_suspended(learner=user, card_ids=[card.pk], suspended=payload.suspended)
    return _fresh_card(user, card.pk)


@router.get("/me", response=with_errors({200: Me}, 401, 429), tags=["account"])
def me(request: HttpRequest) -> dict[str, Any]:
    user = user_of(request)
    return {
        "id": user.pk,
        "username": user.username,
        "timezone": user.timezone,
        "day_starts_at_hour": user.day_starts_at_hour,
    }
