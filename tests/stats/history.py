"""A year of plausible study history for one learner, for screenshots and larger checks."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from accounts.models import User
from flashcards.models import Card, Deck, Note
from reviews.models import CardState, ReviewLog
from tests import factories

WORDS = [
    "la maison", "le chien", "un arbre", "la voiture", "le soleil", "une fleur", "le pain",
    "la plage", "un livre", "la mer", "le fromage", "une pomme", "le train", "la lune",
]  # fmt: skip


def fill_history(learner: User, deck: Deck, *, cards: int, now: datetime, seed: int = 7) -> None:
    """`cards` Basic notes in `deck`, most of them studied over the last year: states with
    FSRS memory, and review logs whose pace grows over the year with a few days off."""
    rng = random.Random(seed)
    note_type = factories.make_note_type_basic(learner, name=f"Basic {deck.pk}")
    notes = [
        Note(
            owner=learner,
            note_type=note_type,
            flds=f"{WORDS[i % len(WORDS)]} {i}\x1fmeaning {i}",
            sort_value=f"{WORDS[i % len(WORDS)]} {i}",
            first_field=f"{WORDS[i % len(WORDS)]} {i}",
            tags=" vocab " if i % 3 else " vocab hard ",
        )
        for i in range(cards)
    ]
    Note.objects.bulk_create(notes)
    Card.objects.bulk_create(Card(note=note, deck=deck, ord=0) for note in notes)
    card_rows = list(Card.objects.filter(deck=deck).order_by("pk"))
    states, logs = [], []
    for index, card in enumerate(card_rows):
        if index % 10 == 9:
            continue  # never studied: new
        started = now - timedelta(days=rng.randint(5, 360), hours=rng.randint(0, 12))
        moment, stability, lapses, reps = started, rng.uniform(0.5, 3), 0, 0
        kind = ReviewLog.KIND_LEARN
        last_interval = 0
        while moment < now:
            rating = rng.choices([1, 2, 3, 4], weights=[1, 1, 6, 1])[0]
            if kind == ReviewLog.KIND_REVIEW and rating == 1:
                lapses += 1
            logs.append(
                ReviewLog(
                    learner=learner, card=card, deck=deck, rating=rating, kind=kind,
                    reviewed_at=moment, duration_ms=rng.randint(2000, 15000),
                    last_interval_days=last_interval,
                    interval_days=max(1, round(stability)),
                )
            )  # fmt: skip
            reps += 1
            if rating == 1:
                stability = max(0.5, stability * 0.4)
                kind = ReviewLog.KIND_RELEARN if kind != ReviewLog.KIND_LEARN else kind
            else:
                stability *= rng.uniform(1.8, 3.2)
                kind = ReviewLog.KIND_REVIEW
            last_interval = max(1, round(stability))
            step = timedelta(days=last_interval, hours=rng.randint(-3, 3))
            if moment + step >= now:
                break
            moment += step
        state = CardState.REVIEW if rng.random() < 0.9 else CardState.RELEARNING
        states.append(
            CardState(
                learner=learner, card=card, deck=deck, state=state, stability=stability,
                difficulty=rng.uniform(1, 10), last_review=moment,
                due=moment + timedelta(days=max(1, round(stability))), reps=reps,
                lapses=lapses, suspended=index % 37 == 0,
            )
        )  # fmt: skip
    # And a short session earlier today.
    for minutes, card in enumerate(card_rows[:15]):
        logs.append(
            ReviewLog(
                learner=learner, card=card, deck=deck, rating=1 if minutes % 6 == 0 else 3,
                kind=ReviewLog.KIND_REVIEW, reviewed_at=now - timedelta(minutes=minutes + 1),
                duration_ms=rng.randint(3000, 9000), last_interval_days=rng.randint(2, 60),
            )
        )  # fmt: skip
    CardState.objects.bulk_create(states)
    ReviewLog.objects.bulk_create(logs, batch_size=1000)
