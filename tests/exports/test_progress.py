""" "Include my progress": Anki continues where the browser left off."""

from __future__ import annotations

import json
import sqlite3
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from exports.progress import (
    LEARNING,
    REVIEW,
    CardProgress,
    ProgressClock,
    anki_card_row,
    revlog_factor,
    write_progress,
)
from exports.selectors import ExportScope
from exports.services import build_export_file
from flashcards.models import Card
from flashcards.services.decks import create_deck
from flashcards.services.notes import add_note
from flashcards.services.notetypes import ensure_stock_note_types
from reviews.models import CardState, ReviewLog
from tests.exports.conftest import anki_notes_by_guid, import_apkg


def _review_history(learner, card, *, count: int, last: datetime, interval: int) -> None:
    for index in range(count):
        ReviewLog.objects.create(
            learner=learner,
            card=card,
            rating=ReviewLog.GOOD if index else ReviewLog.AGAIN,
            kind=ReviewLog.KIND_LEARN if index == 0 else ReviewLog.KIND_REVIEW,
            reviewed_at=last - timedelta(days=count - 1 - index, minutes=index),
            duration_ms=4000 + index,
            interval_days=interval if index == count - 1 else index,
            last_interval_days=index - 1 if index else 0,
            stability_after=2.0 + index,
            difficulty_after=5.0 + index / 10,
        )


@pytest.fixture
def studied(owner):
    """A deck with cards in every state, studied by its owner (UTC, day starts at 4)."""
    owner.timezone = "UTC"
    owner.day_starts_at_hour = 4
    owner.save()
    types = {nt.stock_kind: nt for nt in ensure_stock_note_types(owner=owner)}
    deck = create_deck(owner=owner, full_name="Studied")
    now = timezone.now()
    notes = {
        name: add_note(owner=owner, note_type=types["basic"], deck=deck, fields=[name, "back"])
        for name in ("review", "overdue", "learning", "relearning", "suspended", "new")
    }
    cards = {name: note.cards.get() for name, note in notes.items()}

    def state(name, **fields):
        return CardState.objects.create(learner=owner, card=cards[name], deck=deck, **fields)

    state(
        "review",
        state=CardState.REVIEW,
        stability=15.2,
        difficulty=4.3,
        due=now + timedelta(days=5),
        last_review=now - timedelta(days=10),
        reps=4,
        lapses=1,
        flag=3,
    )
    _review_history(owner, cards["review"], count=4, last=now - timedelta(days=10), interval=15)
    state(
        "overdue",
        state=CardState.REVIEW,
        stability=3.1,
        difficulty=6.0,
        due=now - timedelta(days=3),
        last_review=now - timedelta(days=7),
        reps=2,
    )
    _review_history(owner, cards["overdue"], count=2, last=now - timedelta(days=7), interval=4)
    state(
        "learning",
        state=CardState.LEARNING,
        step=1,
        stability=0.5,
        difficulty=6.4,
        due=now + timedelta(minutes=10),
        last_review=now - timedelta(minutes=1),
        reps=2,
    )
    _review_history(owner, cards["learning"], count=2, last=now - timedelta(minutes=1), interval=0)
    state(
        "relearning",
        state=CardState.RELEARNING,
        step=0,
        stability=1.1,
        difficulty=8.8,
        due=now + timedelta(days=2),
        last_review=now - timedelta(hours=1),
        reps=6,
        lapses=2,
    )
    _review_history(owner, cards["relearning"], count=6, last=now - timedelta(hours=1), interval=1)
    state(
        "suspended",
        state=CardState.REVIEW,
        stability=30.0,
        difficulty=3.0,
        due=now + timedelta(days=20),
        last_review=now - timedelta(days=20),
        reps=3,
        suspended=True,
    )
    return deck, notes, cards


def _import_with_progress(deck, anki_col):
    built = build_export_file(scope=ExportScope.for_deck(deck), fmt="apkg", with_progress=True)
    import_apkg(anki_col, built.path, with_scheduling=True)
    by_guid = anki_notes_by_guid(anki_col)
    return built, by_guid


def test_review_cards_arrive_with_the_same_due_dates_intervals_and_counts(owner, studied, anki_col):
    deck, notes, cards = studied
    _, by_guid = _import_with_progress(deck, anki_col)
    today = anki_col.sched.today

    for name, due_in, interval in (("review", 5, 15), ("overdue", -3, 4)):
        state = CardState.objects.get(card=cards[name])
        (card,) = by_guid[notes[name].guid].cards()
        assert card.type == 2 and card.queue == 2
        assert card.due - today == due_in
        assert card.due - today == (owner.study_day(state.due) - owner.study_day()).days
        assert card.ivl == interval
        assert card.reps == state.reps
        assert card.lapses == state.lapses
        assert card.memory_state.stability == pytest.approx(state.stability, abs=1e-3)
        assert card.memory_state.difficulty == pytest.approx(state.difficulty, abs=1e-3)
        reviews = anki_col.db.scalar("SELECT count() FROM revlog WHERE cid = ?", card.id)
        assert reviews == ReviewLog.objects.filter(card=cards[name]).count()


def test_the_review_history_and_flags_come_along(owner, studied, anki_col):
    deck, notes, cards = studied
    _import_with_progress(deck, anki_col)

    (card,) = anki_notes_by_guid(anki_col)[notes["review"].guid].cards()
    assert card.user_flag() == 3
    rows = anki_col.db.all(
        "SELECT id, ease, ivl, type, time, factor FROM revlog WHERE cid = ? ORDER BY id", card.id
    )
    logs = list(ReviewLog.objects.filter(card=cards["review"]).order_by("reviewed_at"))
    assert [row[0] for row in rows] == [int(log.reviewed_at.timestamp() * 1000) for log in logs]
    assert [row[1:5] for row in rows] == [
        [log.rating, log.interval_days, log.kind, log.duration_ms] for log in logs
    ]
    assert [row[5] for row in rows] == [revlog_factor(log.difficulty_after) for log in logs]
    assert anki_col.db.scalar("SELECT count() FROM revlog") == ReviewLog.objects.count()


def test_learning_relearning_suspended_and_new_cards_keep_their_queues(owner, studied, anki_col):
    deck, notes, cards = studied
    _, by_guid = _import_with_progress(deck, anki_col)
    today = anki_col.sched.today

    (learning,) = by_guid[notes["learning"].guid].cards()
    state = CardState.objects.get(card=cards["learning"])
    assert (learning.type, learning.queue) == (1, 1)
    assert learning.due == int(state.due.timestamp())
    assert learning.left % 1000 == 1  # one of the two default steps to go

    (relearning,) = by_guid[notes["relearning"].guid].cards()
    assert (relearning.type, relearning.queue) == (3, 3)  # due on a later day
    assert relearning.due - today == 2
    assert relearning.lapses == 2

    (suspended,) = by_guid[notes["suspended"].guid].cards()
    assert (suspended.type, suspended.queue) == (2, -1)

    (new,) = by_guid[notes["new"].guid].cards()
    assert (new.type, new.queue, new.reps) == (0, 0, 0)


def test_without_the_option_every_card_arrives_new(owner, studied, anki_col):
    deck, notes, _ = studied
    built = build_export_file(scope=ExportScope.for_deck(deck), fmt="apkg", with_progress=False)
    import_apkg(anki_col, built.path, with_scheduling=True)

    assert anki_col.db.scalar("SELECT count() FROM revlog") == 0
    assert anki_col.db.list("SELECT DISTINCT queue FROM cards") == [0]


# --- The pure part: day numbers in another time zone ------------------------------


def test_due_days_count_from_the_learners_day_start_in_their_zone():
    zone = zoneinfo.ZoneInfo("Pacific/Auckland")
    # 02:30 in Auckland: before the 4 o'clock day start, so still "yesterday".
    now = datetime(2025, 3, 10, 2, 30, tzinfo=zone)
    clock = ProgressClock(zone=zone, day_start_hour=4, now=now)
    creation_day = clock.today
    card = CardProgress(
        card_id=1,
        state=REVIEW,
        due=datetime(2025, 3, 12, 3, 0, tzinfo=zone),  # before 4: study day 11 March
        last_review=datetime(2025, 3, 1, 12, 0, tzinfo=zone),
        reps=3,
    )

    ctype, queue, due, ivl, *_ = anki_card_row(card, clock, creation_day)

    assert creation_day.isoformat() == "2025-03-09"
    assert (ctype, queue, due, ivl) == (2, 2, 2, 10)


def test_the_collection_is_marked_v3_with_the_learners_rollover(tmp_path):
    zone = zoneinfo.ZoneInfo("America/New_York")
    clock = ProgressClock(zone=zone, day_start_hour=6, now=datetime(2025, 7, 1, 12, tzinfo=zone))
    path = tmp_path / "col.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE col (crt integer, conf text)")
    conn.execute("CREATE TABLE cards (id integer, type, queue, due, ivl, factor, reps, lapses,"
                 " left, flags, data)")  # fmt: skip
    conn.execute("CREATE TABLE revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)")
    conn.execute("INSERT INTO col VALUES (0, '{}')")
    conn.execute("INSERT INTO cards VALUES (7, 0, 0, 1, 0, 0, 0, 0, 0, 0, '')")
    learning = CardProgress(
        card_id=7, state=LEARNING, step=0, due=clock.now + timedelta(minutes=5), steps_count=2
    )

    write_progress(conn, cards=[learning], reviews=[], clock=clock)

    crt, conf = conn.execute("SELECT crt, conf FROM col").fetchone()
    conf = json.loads(conf)
    assert crt == int(datetime(2025, 7, 1, 6, tzinfo=zone).timestamp())
    assert conf["schedVer"] == 2 and conf["sched2021"] is True
    assert conf["rollover"] == 6 and conf["creationOffset"] == 240
    assert conn.execute("SELECT type, queue, left FROM cards").fetchone() == (1, 1, 2)


def test_progress_follows_a_card_whose_id_had_to_change(owner, studied, anki_col):
    deck, notes, cards = studied
    Card.objects.filter(pk=cards["overdue"].pk).update(anki_id=cards["review"].anki_id)
    _, by_guid = _import_with_progress(deck, anki_col)
    today = anki_col.sched.today

    for name, due_in, reviews in (("review", 5, 4), ("overdue", -3, 2)):
        (card,) = by_guid[notes[name].guid].cards()
        assert card.due - today == due_in
        assert anki_col.db.scalar("SELECT count() FROM revlog WHERE cid = ?", card.id) == reviews
