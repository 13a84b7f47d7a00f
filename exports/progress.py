"""A learner's progress in Anki's terms, written into a package's collection.

genanki writes every card as new. With "Include my progress" the exporter
calls `write_progress` on the finished collection before it is zipped: it
fills in the scheduling columns of `cards` (type, queue, due, ivl, factor,
reps, lapses, left, flags and the FSRS memory state in `data`), the `revlog`
table, and the collection settings Anki needs to read the due days the way
they were meant.

Django-free: it takes plain rows (CardProgress, ReviewEntry) and a clock.

How Anki counts days: a review card's `due` is a day number counted from the
day of the collection's creation (`col.crt`), where days start at the
"rollover" hour. On import Anki shifts those numbers by the difference
between the package's "today" and its own, so what survives is "due in N days
from today". We set `crt` to the start of a study day R in the learner's time
zone (with `creationOffset`, `rollover` = the learner's day start) and write
due = study day of the due date - R. Intraday learning cards use epoch
seconds, which need no shifting.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

# CardState.state values (and Anki's card types, which use the same numbers).
NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3

# Anki's queues.
QUEUE_SUSPENDED = -1
QUEUE_MANUALLY_BURIED = -3
QUEUE_NEW, QUEUE_LEARN, QUEUE_REVIEW, QUEUE_DAY_LEARN = 0, 1, 2, 3

# Anki keeps an SM-2 ease even under FSRS; these are its defaults.
INITIAL_EASE = 2500
LAPSE_EASE_PENALTY = 200
MINIMUM_EASE = 1300


@dataclass(frozen=True)
class ProgressClock:
    """The learner's calendar: time zone, day-start hour, and the export moment."""

    zone: tzinfo
    day_start_hour: int
    now: datetime

    def study_day(self, moment: datetime) -> date:
        return (moment.astimezone(self.zone) - timedelta(hours=self.day_start_hour)).date()

    @property
    def today(self) -> date:
        return self.study_day(self.now)

    def day_start(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, self.day_start_hour, tzinfo=self.zone)

    @property
    def next_day_starts(self) -> datetime:
        return self.day_start(self.today + timedelta(days=1))


@dataclass(frozen=True)
class CardProgress:
    card_id: int  # the card's id in the package
    state: int
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    buried: bool = False
    flag: int = 0
    # The interval the latest review gave, for relearning cards (Anki keeps it).
    last_interval_days: int | None = None
    # How many (re)learning steps the card's preset has for its current state.
    steps_count: int = 0
    desired_retention: float | None = None
    decay: float | None = None


@dataclass(frozen=True)
class ReviewEntry:
    card_id: int  # the card's id in the package
    reviewed_at: datetime
    rating: int  # 1..4
    kind: int  # 0 learn, 1 review, 2 relearn, 3 filtered, 4 manual (Anki's revlog types)
    interval_days: int = 0
    last_interval_days: int = 0
    difficulty_after: float | None = None
    duration_ms: int = 0


def revlog_factor(difficulty: float | None) -> int:
    """Anki's revlog `factor` under FSRS: difficulty 1..10 mapped onto 100..1100."""
    if difficulty is None:
        return 0
    return round((difficulty - 1) / 9 * 1000) + 100


def _card_data(card: CardProgress) -> str:
    data: dict[str, float | int] = {}
    if card.stability is not None and card.difficulty is not None:
        data["s"] = round(card.stability, 4)
        data["d"] = round(card.difficulty, 3)
    if card.desired_retention is not None:
        data["dr"] = round(card.desired_retention, 2)
    if card.decay is not None:
        data["decay"] = round(card.decay, 3)
    if card.last_review is not None:
        data["lrt"] = int(card.last_review.timestamp())
    return json.dumps(data, separators=(",", ":")) if data else ""


def _ease(card: CardProgress) -> int:
    if card.state in (NEW, LEARNING):
        return 0
    return max(MINIMUM_EASE, INITIAL_EASE - LAPSE_EASE_PENALTY * card.lapses)


def _review_interval(card: CardProgress, clock: ProgressClock) -> int:
    if card.due is not None and card.last_review is not None:
        return max(1, (clock.study_day(card.due) - clock.study_day(card.last_review)).days)
    return max(1, card.last_interval_days or 1)


def anki_card_row(card: CardProgress, clock: ProgressClock, creation_day: date) -> tuple:
    """(type, queue, due, ivl, factor, reps, lapses, left, flags, data) for one card.

    New cards are not passed here: genanki already wrote them with their position.
    """
    ctype = card.state
    due_moment = card.due or clock.now
    ivl = 0
    left = 0
    if card.state == REVIEW:
        queue = QUEUE_REVIEW
        due = (clock.study_day(due_moment) - creation_day).days
        ivl = _review_interval(card, clock)
    else:  # learning or relearning
        left = max(1, card.steps_count - (card.step or 0))
        if card.state == RELEARNING:
            ivl = max(1, card.last_interval_days or 1)
        if due_moment >= clock.next_day_starts:
            queue = QUEUE_DAY_LEARN
            due = (clock.study_day(due_moment) - creation_day).days
        else:
            queue = QUEUE_LEARN
            due = int(due_moment.timestamp())
    if card.suspended:
        queue = QUEUE_SUSPENDED
    elif card.buried:
        queue = QUEUE_MANUALLY_BURIED
    return (
        ctype,
        queue,
        due,
        ivl,
        _ease(card),
        card.reps,
        card.lapses,
        left,
        card.flag & 0b111,
        _card_data(card),
    )


def creation_day_for(cards: Sequence[CardProgress], clock: ProgressClock) -> date:
    """The study day to count due days from: today, or earlier if a card was due earlier,
    so no day number is negative."""
    days = [clock.study_day(c.due) for c in cards if c.due is not None and c.state != NEW]
    return min([clock.today, *days])


def _set_collection_timing(conn: sqlite3.Connection, clock: ProgressClock, day: date) -> None:
    crt_moment = clock.day_start(day)
    offset = crt_moment.utcoffset() or timedelta(0)
    (conf_json,) = conn.execute("SELECT conf FROM col").fetchone()
    conf = json.loads(conf_json)
    conf.update(
        {
            # The v3 scheduler; without schedVer Anki would take the package for a
            # v1 collection and "upgrade" (reset) its learning cards on import.
            "schedVer": 2,
            "sched2021": True,
            "rollover": clock.day_start_hour,
            "creationOffset": -int(offset.total_seconds() // 60),
        }
    )
    conn.execute(
        "UPDATE col SET crt = ?, conf = ?", (int(crt_moment.timestamp()), json.dumps(conf))
    )


def _revlog_rows(entries: Iterable[ReviewEntry]) -> Iterable[tuple]:
    used: set[int] = set()
    for entry in entries:
        # Revlog ids are millisecond timestamps and must be unique.
        revlog_id = int(entry.reviewed_at.timestamp() * 1000)
        while revlog_id in used:
            revlog_id += 1
        used.add(revlog_id)
        yield (
            revlog_id,
            entry.card_id,
            -1,
            entry.rating,
            entry.interval_days,
            entry.last_interval_days,
            revlog_factor(entry.difficulty_after),
            min(max(entry.duration_ms, 0), 2**31 - 1),
            entry.kind,
        )


def write_progress(
    conn: sqlite3.Connection,
    *,
    cards: Sequence[CardProgress],
    reviews: Iterable[ReviewEntry],
    clock: ProgressClock,
) -> None:
    """Fill in scheduling and review history in a collection genanki wrote."""
    day = creation_day_for(cards, clock)
    _set_collection_timing(conn, clock, day)
    rows = []
    for card in cards:
        if card.state == NEW:
            if card.suspended or card.buried or card.flag:
                queue = (
                    QUEUE_SUSPENDED
                    if card.suspended
                    else QUEUE_MANUALLY_BURIED
                    if card.buried
                    else QUEUE_NEW
                )
                conn.execute(
                    "UPDATE cards SET queue = ?, flags = ? WHERE id = ?",
                    (queue, card.flag & 0b111, card.card_id),
                )
            continue
        rows.append((*anki_card_row(card, clock, day), card.card_id))
    conn.executemany(
        "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?,"
        " lapses = ?, left = ?, flags = ?, data = ? WHERE id = ?",
        rows,
    )
    conn.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", _revlog_rows(reviews))
