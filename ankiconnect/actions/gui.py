"""Graphical actions, answered as a web app can.

Deckhand has no window to open on the caller's screen. What each action answers:

- guiBrowse: the ids of the cards the query finds (what AnkiConnect returns too);
  the browser page is /browse/?q=<query>.
- guiEditNote: the address of the note's editor page (AnkiConnect returns null;
  tools ignore the answer, and a person or a script can open the link).
- guiAddCards: the address of the Add page with the note's note type and deck
  chosen (AnkiConnect returns the id of the unsaved note, which has no meaning here).
- guiSelectedNotes: [] (nothing is selected in a window Deckhand does not have).
- guiSelectCard, guiReviewActive, guiStartCardTimer, guiShowQuestion,
  guiShowAnswer, guiAnswerCard, guiUndo, guiDeckOverview, guiDeckReview:
  false, as AnkiConnect answers when no review is on screen.
- guiCurrentCard: AnkiConnect's error for "no review on screen".
- guiDeckBrowser, guiExitAnki: null. guiCheckDatabase: true (nothing to check).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from accounts.models import User
from ankiconnect.actions import ActionError, action, call_context
from ankiconnect.actions.cards import find_cards
from ankiconnect.lookups import a_dict, find_deck, find_note_type, note_or_error


@action("guiBrowse")
def gui_browse(user: User, query: Any = None, reorderCards: Any = None) -> list[int]:
    return find_cards(user, query)


@action("guiEditNote")
def gui_edit_note(user: User, note: Any) -> str:
    found = note_or_error(user, note)
    return call_context().base_url + reverse("flashcards:note_edit", args=[found.pk])


@action("guiAddCards")
def gui_add_cards(user: User, note: Any = None) -> str:
    url = call_context().base_url + reverse("flashcards:note_add")
    if note is None:
        return url
    note = a_dict(note, "note")
    deck = find_deck(user, note.get("deckName"))
    if deck is None:
        raise ActionError(f"deck was not found: {note.get('deckName')}")
    note_type = find_note_type(user, note.get("modelName"))
    if note_type is None:
        raise ActionError(f"model was not found: {note.get('modelName')}")
    return f"{url}?{urlencode({'note_type': note_type.pk, 'deck': deck.pk})}"


@action("guiSelectedNotes")
def gui_selected_notes(user: User) -> list[int]:
    return []


@action("guiCurrentCard")
def gui_current_card(user: User) -> None:
    raise ActionError("Gui review is not currently active.")


def _register_false(name: str, *params: str) -> None:
    def answer(user: User, **kwargs: Any) -> bool:
        return False

    answer.__doc__ = "No review or browser window is on screen in a web app."
    action(name)(answer)


for _name in (
    "guiSelectCard",
    "guiSelectNote",
    "guiReviewActive",
    "guiStartCardTimer",
    "guiShowQuestion",
    "guiShowAnswer",
    "guiAnswerCard",
    "guiUndo",
    "guiDeckOverview",
    "guiDeckReview",
):
    _register_false(_name)


@action("guiDeckBrowser")
def gui_deck_browser(user: User) -> None:
    return None


@action("guiExitAnki")
def gui_exit_anki(user: User) -> None:
    return None


@action("guiCheckDatabase")
def gui_check_database(user: User) -> bool:
    return True
