"""How long the card browser's searches take on a 100,000-card collection.

    SECRET_KEY=x .venv/bin/python -m benchmarks.search_cards            # SQLite
    SECRET_KEY=x DATABASE_URL=postgres://... .venv/bin/python -m benchmarks.search_cards

Builds a throwaway test database, fills it, then times what the browser does
per page: count() and the first page of 50 cards, newest first, fetched two
ways (ids first then rows, or whole rows in one query). Nothing here asserts.
"""

from __future__ import annotations

import functools
import os
import random
import sys
import time
from datetime import timedelta

CARDS = int(os.environ.get("BENCH_CARDS", "100000"))
QUERIES = [
    "",
    "dog",
    "élan",
    "d*g",
    '"the dog"',
    "front:dog*",
    '"back:the dog*"',
    "deck:French",
    "tag:animals",
    "tag:anim*",
    "note:Basic",
    "card:2",
    "is:due",
    "is:new",
    "-is:suspended deck:French (dog or cat)",
    "nid:1,2,3",
]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, keepdb=False, serialize=False)
    try:
        fill()
        run()
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def fill() -> None:
    from django.db import transaction
    from django.utils import timezone

    from flashcards.models import Card, Note
    from reviews.models import CardState
    from tests import factories

    rng = random.Random(1)
    owner = factories.make_user("bench")
    other = factories.make_user("other")
    basic = factories.make_note_type_basic(owner)
    reverse = factories.make_note_type_reversed(owner)
    decks = [
        factories.make_deck(owner, name)
        for name in ["French", "French::Verbs", "French::Nouns", "Spanish", "Élan vital"]
    ]
    words = ["dog", "cat", "chien", "chat", "ÉLAN", "straße", "привет", "house", "tree", "sun"]
    started = time.perf_counter()
    with transaction.atomic():
        notes = []
        for i in range(CARDS // 2):
            note_type = reverse if i % 4 == 0 else basic
            front = f"{rng.choice(words)} {rng.choice(words)} word{i}"
            note = Note(owner=owner, note_type=note_type, sort_value=front, first_field=front)
            note.fields = [front, f"the {rng.choice(words)} {i}"]
            note.tags = rng.choice([" animals ", " animals::pets ", " verbs ", ""])
            notes.append(note)
        Note.objects.bulk_create(notes, batch_size=2000)
        cards = []
        for note in Note.objects.filter(owner=owner).order_by("pk").only("pk", "note_type_id"):
            deck = rng.choice(decks)
            cards.append(Card(note_id=note.pk, deck=deck, ord=0))
            if note.note_type_id == reverse.pk or len(cards) % 2:
                cards.append(Card(note_id=note.pk, deck=deck, ord=1))
            if len(cards) >= CARDS:
                break
        Card.objects.bulk_create(cards[:CARDS], batch_size=2000)
        now = timezone.now()
        states = [
            CardState(
                learner=owner,
                card_id=card.pk,
                deck_id=card.deck_id,
                state=rng.choice([1, 2, 2, 2, 3]),
                due=now + timedelta(days=rng.randint(-5, 30)),
                suspended=rng.random() < 0.05,
            )
            for card in Card.objects.filter(note__owner=owner)
            .order_by("pk")
            .only("pk", "deck_id")[: CARDS // 2]
        ]
        CardState.objects.bulk_create(states, batch_size=2000)
        other_deck = factories.make_deck(other, "French")
        factories.make_note(other, factories.make_note_type_basic(other), other_deck)
    took = time.perf_counter() - started
    print(f"filled {Card.objects.count()} cards in {took:.1f}s", file=sys.stderr)


def run() -> None:
    from django.db import connection

    from accounts.models import User
    from flashcards.selectors import search_cards

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    owner = User.objects.get(username="bench")
    print(f"{connection.vendor}: {CARDS} cards; best of 3, in ms")
    print("  count  ids-page  rows-page  matches  query")
    for query in QUERIES:
        cards = search_cards(user=owner, query=query)
        count_ms, count = _best(cards.count)
        # The page as ids first, then the rows for those ids: what stays fast.
        ids_ms, _ = _best(functools.partial(_ids_then_rows, cards))
        # The page as one query carrying whole rows through the sort.
        rows_ms, _ = _best(functools.partial(_whole_rows, cards))
        print(f"  {count_ms:5.0f}  {ids_ms:8.0f}  {rows_ms:9.0f}  {count:7d}  {query!r}")


def _best(fn):
    timings, result = [], None
    for _ in range(3):
        started = time.perf_counter()
        result = fn()
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000, result


def _whole_rows(cards):
    return list(cards.select_related("note", "deck").order_by("-id")[:50])


def _ids_then_rows(cards):
    from flashcards.models import Card

    ids = list(cards.order_by("-id").values_list("id", flat=True)[:50])
    return list(Card.objects.filter(pk__in=ids).select_related("note", "deck").order_by("-id"))


if __name__ == "__main__":
    main()
