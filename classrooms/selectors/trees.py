"""The decks each assignment covers: the assigned deck and its subdecks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from classrooms.models import Assignment, Classroom
from classrooms.selectors.lists import assignments_of
from flashcards.models import DECK_SEPARATOR, Card, Deck


@dataclass
class AssignedTree:
    """An assignment, the decks it covers (the deck and its subdecks) and its card count."""

    assignment: Assignment
    deck_ids: list[int]
    card_total: int = 0


def assigned_trees(classroom: Classroom) -> list[AssignedTree]:
    """Each assignment with its decks and card count. Three queries."""
    assignments = assignments_of(classroom)
    if not assignments:
        return []
    decks = Deck.objects.filter(
        owner_id__in={assignment.deck.owner_id for assignment in assignments}
    ).values_list("id", "owner_id", "full_name")
    by_owner: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for deck_id, owner_id, full_name in decks:
        by_owner[owner_id].append((deck_id, full_name))
    trees = []
    for assignment in assignments:
        prefix = assignment.deck.full_name + DECK_SEPARATOR
        ids = [assignment.deck_id] + [
            deck_id
            for deck_id, full_name in by_owner[assignment.deck.owner_id]
            if full_name.startswith(prefix)
        ]
        trees.append(AssignedTree(assignment, ids))
    all_ids = {deck_id for tree in trees for deck_id in tree.deck_ids}
    per_deck = dict(
        Card.objects.filter(deck_id__in=all_ids)
        .values("deck_id")
        .annotate(count=Count("id"))
        .values_list("deck_id", "count")
    )
    for tree in trees:
        tree.card_total = sum(per_deck.get(deck_id, 0) for deck_id in tree.deck_ids)
    return trees


def _all_deck_ids(trees: Iterable[AssignedTree]) -> list[int]:
    return sorted({deck_id for tree in trees for deck_id in tree.deck_ids})
