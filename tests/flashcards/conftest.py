from __future__ import annotations

import pytest

from flashcards.services.decks import create_deck
from flashcards.services.notes import add_note
from flashcards.services.notetypes import ensure_stock_note_types


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def note_types(owner):
    return {nt.stock_kind: nt for nt in ensure_stock_note_types(owner=owner)}


@pytest.fixture
def deck(owner):
    return create_deck(owner=owner, full_name="Languages::Spanish")


@pytest.fixture
def note(owner, deck, note_types):
    return add_note(
        owner=owner,
        note_type=note_types["basic_reversed"],
        deck=deck,
        fields=["el perro", "the dog"],
        tags=["animals"],
    )
