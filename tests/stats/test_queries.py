"""The page costs the same few queries whatever the size of the collection."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.stats.history import fill_history

pytestmark = pytest.mark.django_db

# Session and user, then the scope (presets, deck options), then the figures: the year's
# reviews by study day (grouped over the period), reviews by hour, cards by state and due
# day, unseen cards, the memory distributions, and the hardest cards (both lists).
COLLECTION_QUERIES = 2 + 2 + 6
# A deck: the deck itself, then study_plan's presets and subdecks, instead of the scope's two.
DECK_QUERIES = 2 + 3 + 6


@pytest.mark.parametrize("cards", [5, 120])
def test_the_collection_page_takes_a_fixed_number_of_queries(
    owner, owner_client, django_assert_num_queries, cards
):
    deck = factories.make_deck(owner, "Vocabulary::Nouns")
    fill_history(owner, deck, cards=cards, now=timezone.now())
    with django_assert_num_queries(COLLECTION_QUERIES):
        response = owner_client.get(reverse("stats:collection"))
    assert response.status_code == 200
    with django_assert_num_queries(COLLECTION_QUERIES):
        owner_client.get(reverse("stats:collection") + "?range=year")


@pytest.mark.parametrize("cards", [5, 120])
def test_a_deck_page_takes_a_fixed_number_of_queries(
    owner, owner_client, django_assert_num_queries, cards
):
    parent = factories.make_deck(owner, "Vocabulary")
    fill_history(
        owner, factories.make_deck(owner, "Vocabulary::Nouns"), cards=cards, now=timezone.now()
    )
    with django_assert_num_queries(DECK_QUERIES):
        response = owner_client.get(reverse("stats:deck", args=[parent.pk]))
    assert response.status_code == 200
    assert response.context["page"].counts.total == cards
