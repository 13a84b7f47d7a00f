"""Study fixtures: a learner (the standard owner) with a deck of basic cards."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def learner(owner):
    return owner


@pytest.fixture
def deck(owner):
    return factories.make_deck(owner, "Spanish")


@pytest.fixture
def cards(owner, deck):
    return factories.make_cards(owner, deck, 5)
