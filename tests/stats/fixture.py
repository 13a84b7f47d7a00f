"""A small, hand-counted study history in New York (UTC-5, then UTC-4 from 10 March 2024,
07:00 UTC), with the day starting at 04:00 local time. Every figure the tests expect
is worked out by hand in the comments below, not by the code under test.

"Now" is 2024-03-12 16:00 UTC = 12:00 EDT: today's study day is 12 March, which runs
from 2024-03-12 08:00 UTC to 2024-03-13 08:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from accounts.models import User
from flashcards.models import Card, Deck
from reviews.models import CardState, DeckOptions, Preset, ReviewLog
from tests import factories

NOW = datetime(2024, 3, 12, 16, 0, tzinfo=UTC)
TODAY = date(2024, 3, 12)
LEARN, REVIEW, RELEARN, MANUAL = (
    ReviewLog.KIND_LEARN,
    ReviewLog.KIND_REVIEW,
    ReviewLog.KIND_RELEARN,
    ReviewLog.KIND_MANUAL,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# (name, UTC time, kind, rating, last interval, duration ms) -> study day, and why
REVIEWS = [
    # 12 March (today)
    ("a", utc(2024, 3, 12, 8, 0), REVIEW, 3, 5, 4000),  # 04:00 EDT: the day's first second
    ("b", utc(2024, 3, 12, 15, 0), REVIEW, 1, 30, 6000),  # 11:00 EDT, mature, failed
    ("c", utc(2024, 3, 12, 15, 10), LEARN, 3, -600, 2000),  # a 10-minute step: not counted
    ("d", utc(2024, 3, 12, 15, 20), RELEARN, 3, -86400, 3000),  # a 1-day step: young
    # 11 March
    ("f", utc(2024, 3, 12, 7, 59), REVIEW, 4, 21, 1000),  # 03:59 EDT on the 12th; 21 = mature
    ("g", utc(2024, 3, 11, 20, 0), REVIEW, 2, 20, 1000),  # 16:00 EDT, young
    # 9 March: 06:30 UTC on the 10th is 01:30 EST (before the clocks change at 07:00 UTC)
    ("h", utc(2024, 3, 10, 6, 30), REVIEW, 1, 3, 1000),
    # 8 March: 08:30 UTC on the 9th is 03:30 EST (04:30 with a fixed EDT offset: wrong day)
    ("i", utc(2024, 3, 9, 8, 30), REVIEW, 3, 40, 1000),
    ("j", utc(2024, 3, 9, 8, 30), MANUAL, 0, 40, 0),  # a manual entry: only the heatmap counts it
    # 20 February: inside the month (13 Feb - 12 Mar)
    ("k", utc(2024, 2, 20, 17, 0), REVIEW, 1, 25, 1000),
    # 1 December 2023: inside the year (14 Mar 2023 - 12 Mar 2024), outside the month
    ("l", utc(2023, 12, 1, 17, 0), REVIEW, 3, 2, 1000),
    # 1 March 2023: outside the year
    ("m", utc(2023, 3, 1, 17, 0), REVIEW, 3, 100, 1000),
]

# Reviews per study day (the heatmap): manual entries count, "m" is out of the year.
HEATMAP = {
    date(2024, 3, 12): 4,
    date(2024, 3, 11): 2,
    date(2024, 3, 9): 1,
    date(2024, 3, 8): 2,
    date(2024, 2, 20): 1,
    date(2023, 12, 1): 1,
}

# (young passed, young failed, mature passed, mature failed) per period
RETENTION = {
    "today": (2, 0, 0, 1),  # a, d pass young; b fails mature
    "yesterday": (1, 0, 1, 0),  # g young; f mature (last interval exactly 21)
    "week": (3, 1, 2, 1),  # + h fails young (9 Mar), i passes mature (8 Mar)
    "month": (3, 1, 2, 2),  # + k fails mature (20 Feb)
    "year": (4, 1, 2, 2),  # + l passes young (1 Dec)
}

# The month's answers: [again, hard, good, easy]; manual "j" has no answer.
BUTTONS = {
    "learning": [0, 0, 2, 0],  # c, d
    "young": [1, 1, 1, 0],  # h, g, a
    "mature": [2, 0, 1, 1],  # b and k, i, f
}

# Local hour -> (reviews, passed) over the month: EDT from 10 March 07:00 UTC, EST before.
HOURS = {
    1: (1, 0),  # h 01:30 EST
    3: (2, 2),  # f 03:59 EDT, i 03:30 EST
    4: (1, 1),  # a
    11: (3, 2),  # b, c, d
    12: (1, 0),  # k 12:00 EST
    16: (1, 1),  # g
}

# Card states: (name, deck, state, due, last review, stability, difficulty, lapses, suspended)
STATES = [
    ("s1", "Spanish", 2, utc(2024, 3, 11, 12), utc(2024, 2, 10, 12), 30.0, 5.0, 3, False),
    ("s2", "Spanish", 2, utc(2024, 3, 12, 20), utc(2024, 3, 2, 20), 10.0, 3.0, 0, False),
    # due 03:59 EDT on the 13th: still today's study day
    ("s3", "Spanish", 2, utc(2024, 3, 13, 7, 59), utc(2024, 3, 8, 7, 59), 5.0, 10.0, 1, False),
    # due 04:00 EDT on the 13th: tomorrow
    ("s4", "Spanish", 2, utc(2024, 3, 13, 8), utc(2024, 2, 1, 8), 50.0, 8.0, 5, False),
    ("s5", "Spanish", 1, utc(2024, 3, 12, 16, 10), utc(2024, 3, 12, 16), 0.5, 6.0, 0, False),
    ("s6", "Spanish::Verbs", 2, utc(2024, 3, 22, 12), utc(2024, 3, 1, 12), 21.0, 2.0, 0, False),
    ("s7", "Spanish::Verbs", 2, utc(2024, 4, 26, 12), utc(2024, 1, 1, 12), 100.0, 1.0, 0, False),
    ("s8", "Spanish", 2, utc(2024, 9, 28, 12), utc(2024, 3, 1, 12), 200.0, 4.0, 0, False),
    ("s9", "Spanish", 2, utc(2025, 4, 16, 12), utc(2024, 3, 11, 12), 400.0, 4.0, 0, False),
    ("s10", "Spanish", 2, utc(2024, 3, 13, 12), utc(2024, 3, 10, 12), 3.0, 7.0, 2, True),
    ("s11", "Spanish", 0, None, None, None, None, 0, False),
    ("other", "Other", 2, utc(2024, 3, 12, 12), utc(2024, 3, 1, 12), 11.0, 5.0, 0, False),
]
UNSEEN_IN_SPANISH = 2  # cards with no state at all: new too

# Deck Spanish (with Verbs): forecast by study day, today = offset 0.
FORECAST = {
    "overdue": 1,  # s1
    "today": 4,  # s1 (overdue), s2, s3, s5
    "tomorrow": 1,  # s4
    "month": 6,  # + s6 (22 Mar)
    "quarter": 7,  # + s7 (26 Apr, day 45)
    "year": 8,  # + s8 (28 Sep, day 200); s9 is 400 days out; s10 suspended; s11 new
}
COUNTS = {
    "new": 1 + UNSEEN_IN_SPANISH,  # s11 and two unseen cards
    "learning": 1,  # s5
    "young": 3,  # s2 (10 days), s3 (5), s10 (3, suspended)
    "mature": 6,  # s1 (30), s4 (41), s6 (21), s7 (116), s8 (211), s9 (401)
    "suspended": 1,  # s10
}
# Review cards by interval, in powers of two: bucket n holds 2^(n-1) to 2^n days.
INTERVAL_BUCKETS = {2: 1, 3: 1, 4: 1, 5: 2, 6: 1, 7: 1, 8: 1, 9: 1}
# s10: 3; s3: 5; s2: 10; s1: 30, s6: 21; s4: 41; s7: 116; s8: 211; s9: 401
# Stability in the same buckets: 0.5 -> 0; 3 -> 2; 5 -> 3; 10 -> 4; 21, 30 -> 5; 50 -> 6;
# 100 -> 7; 200 -> 8; 400 -> 9
STABILITY_BUCKETS = {0: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 1, 7: 1, 8: 1, 9: 1}
# Difficulty 1-10 as 0-100% in tenths: (D - 1) / 9
# 5 -> 44% (4); 3 -> 22% (2); 10 -> 100% (last, 9); 8 -> 77% (7); 6 -> 55% (5); 2 -> 11% (1);
# 1 -> 0% (0); 4 -> 33% (3) twice; 7 -> 66% (6)
DIFFICULTY_BUCKETS = {4: 1, 2: 1, 9: 1, 7: 1, 5: 1, 1: 1, 0: 1, 3: 2, 6: 1}


@dataclass
class History:
    learner: User
    spanish: Deck
    verbs: Deck
    other: Deck
    slow: Preset  # the preset Spanish::Verbs uses, with a different forgetting curve
    cards: dict[str, Card]
    states: dict[str, CardState]


def build_history(learner: User | None = None) -> History:
    learner = learner or factories.make_user(
        "nyc", timezone="America/New_York", day_starts_at_hour=4
    )
    spanish = factories.make_deck(learner, "Spanish")
    verbs = factories.make_deck(learner, "Spanish::Verbs")
    other = factories.make_deck(learner, "Other")
    default = factories.make_preset(learner, "Default", is_default=True)
    slow = factories.make_preset(
        learner, "Slow", fsrs_parameters=[*default.fsrs_parameters[:20], 0.45]
    )
    DeckOptions.objects.create(learner=learner, deck=verbs, preset=slow)
    note_type = factories.make_note_type_basic(learner)
    decks = {"Spanish": spanish, "Spanish::Verbs": verbs, "Other": other}
    cards: dict[str, Card] = {}
    states: dict[str, CardState] = {}
    for name, deck_name, state, due, last, stability, difficulty, lapses, suspended in STATES:
        note = factories.make_note(learner, note_type, decks[deck_name], (f"card {name}", "x"))
        card = note.cards.get()
        cards[name] = card
        states[name] = factories.make_card_state(
            learner,
            card,
            state=state,
            due=due,
            last_review=last,
            stability=stability,
            difficulty=difficulty,
            lapses=lapses,
            suspended=suspended,
        )
    for index in range(UNSEEN_IN_SPANISH):
        factories.make_note(learner, note_type, spanish, (f"unseen {index}", "x"))
    review_card = cards["s2"]
    for name, moment, kind, rating, last_interval, duration in REVIEWS:
        factories.make_review(
            learner,
            review_card,
            moment,
            rating=rating,
            kind=kind,
            last_interval_days=last_interval,
            duration_ms=duration,
            review_id=_uuid(name),
        )
    # A review in another deck: the deck pages leave it out, the collection counts it.
    factories.make_review(learner, cards["other"], utc(2024, 3, 12, 9), rating=3)
    return History(learner, spanish, verbs, other, slow, cards, states)


def _uuid(name: str):
    import uuid

    return uuid.uuid5(uuid.NAMESPACE_URL, f"deckhand-test-{name}")
