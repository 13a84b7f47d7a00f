"""The study plan and the daily queue: what to show next, and what is left today.

The queue is built for speed: every lookup is an index range scan that stops at a
LIMIT, so showing the next card costs the same with a thousand cards or a hundred
thousand. A study session's deck tree and limits (the `StudyPlan`) are read once
and kept by the caller; the next card, the remaining counts and today's done
counts then come back in one statement (`next_in_queue`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from flashcards.models import DECK_SEPARATOR, Card, Deck
from reviews import scheduling
from reviews.fastload import StateRow, load_state_rows
from reviews.models import CardState, DeckOptions, Preset, ReviewLog
from reviews.scheduling import KIND_REVIEW
from reviews.selectors.counts import (
    LEARNING_STATES,
    Counts,
    StudyDay,
    _default_of,
    _link,
    _Node,
    _settle,
    presets_of,
)

# Anki's "learn ahead limit": with nothing else left, learning cards due this soon are shown.
LEARN_AHEAD = timedelta(minutes=20)
# The learning count is shown up to this many ("999+" beyond); counting stops there.
LEARNING_COUNT_CAP = 1000
# Fields of a Preset kept in a StudyPlan (everything a grade and the queue read).
PLAN_PRESET_FIELDS = (
    "id", "owner_id", "name", "is_default", "desired_retention", "learning_steps",
    "relearning_steps", "maximum_interval", "new_per_day", "reviews_per_day", "fuzz",
    "bury_new_siblings", "bury_review_siblings", "leech_threshold", "leech_action",
    "new_card_order", "fsrs_parameters",
)  # fmt: skip


# --- The study plan: a session's decks and their presets ---------------------------------


@dataclass(frozen=True)
class PlanDeck:
    id: int
    parent_id: int | None
    preset_id: int | None  # None: the learner's default preset (maybe not saved yet)


@dataclass(frozen=True)
class StudyPlan:
    """The decks a study session draws from (the opened deck first) and their presets.

    Plain data, so a view can keep it in the session and skip re-reading the deck
    tree and presets on every grade.
    """

    root_id: int
    decks: tuple[PlanDeck, ...]
    presets: dict[int | None, dict[str, Any]]  # preset id -> PLAN_PRESET_FIELDS values
    built_at: str = ""
    root_name: str = ""
    root_owner_id: int = 0

    def root_deck(self) -> Deck:
        """The opened deck as the plan saw it (id, owner and name; not re-read)."""
        return Deck(pk=self.root_id, owner_id=self.root_owner_id, full_name=self.root_name)

    @property
    def deck_ids(self) -> list[int]:
        return [deck.id for deck in self.decks]

    def preset(self, preset_id: int | None) -> Preset:
        values = dict(self.presets.get(preset_id) or self.presets[None])
        return Preset(**values)

    def preset_for_deck_id(self, deck_id: int) -> Preset | None:
        for deck in self.decks:
            if deck.id == deck_id:
                return self.preset(deck.preset_id)
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "root_id": self.root_id,
            "decks": [asdict(deck) for deck in self.decks],
            "presets": [[key, values] for key, values in self.presets.items()],
            "built_at": self.built_at,
            "root_name": self.root_name,
            "root_owner_id": self.root_owner_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StudyPlan:
        return cls(
            root_id=data["root_id"],
            decks=tuple(PlanDeck(**deck) for deck in data["decks"]),
            presets=dict(data["presets"]),
            built_at=data.get("built_at", ""),
            root_name=data.get("root_name", ""),
            root_owner_id=data.get("root_owner_id", 0),
        )


def _preset_values(preset: Preset) -> dict[str, Any]:
    return {name: getattr(preset, name) for name in PLAN_PRESET_FIELDS}


def study_plan(learner: User, root: Deck, now: datetime | None = None) -> StudyPlan:
    """The opened deck, every deck below it, and the preset each one uses. Two queries."""
    presets = presets_of(learner)
    assigned = DeckOptions.objects.filter(learner=learner, deck=OuterRef("pk")).values("preset_id")[
        :1
    ]
    prefix = root.full_name + DECK_SEPARATOR
    rows = (
        Deck.objects.filter(Q(pk=root.pk) | Q(owner_id=root.owner_id, full_name__startswith=prefix))
        .annotate(preset_id=Subquery(assigned))
        .values_list("id", "parent_id", "full_name", "preset_id")
    )
    # SQLite's LIKE ignores ASCII case; keep only the real subtree, opened deck first.
    rows = sorted(
        (row for row in rows if row[0] == root.pk or row[2].startswith(prefix)),
        key=lambda row: (row[0] != root.pk, row[2]),
    )
    by_id = {preset.pk: preset for preset in presets}
    values: dict[int | None, dict[str, Any]] = {None: _preset_values(_default_of(presets))}
    decks = []
    for deck_id, parent_id, _, preset_id in rows:
        if preset_id not in by_id:
            preset_id = None
        else:
            values.setdefault(preset_id, _preset_values(by_id[preset_id]))
        decks.append(PlanDeck(deck_id, parent_id if deck_id != root.pk else None, preset_id))
    return StudyPlan(
        root_id=root.pk,
        decks=tuple(decks),
        presets=values,
        built_at=(now or timezone.now()).isoformat(),
        root_name=root.full_name,
        root_owner_id=root.owner_id,
    )


# --- The next card ---------------------------------------------------------------------


@dataclass
class Queue:
    """What to show next in a study session, and what is left today."""

    state: CardState | None  # the next card's state, its card, note and note type loaded
    kind: str  # "learning", "review", "new" or "" when nothing is due
    counts: Counts
    # When nothing is due now but a learning card is due later today: when it is.
    waiting_until: datetime | None = None

    @property
    def card(self) -> Card | None:
        return self.state.card if self.state else None


class _QueueSql:
    """SQL for the queue's lookups, written out by hand.

    The ORM would say the same, but building and compiling some thirty subqueries
    cost about fifteen times what the database then spends answering them, on every
    grade. Values are bound parameters, adapted the way the ORM adapts them.
    """

    def __init__(self, learner: User, day: StudyDay) -> None:
        ops = connection.ops
        self.states = ops.quote_name(CardState._meta.db_table)
        self.logs = ops.quote_name(ReviewLog._meta.db_table)
        self.position = ops.quote_name("position")
        self.ends = ops.adapt_datetimefield_value(day.ends)
        self.starts = ops.adapt_datetimefield_value(day.starts)
        self.in_queue = (
            "learner_id = %s AND suspended = %s AND (buried_until IS NULL OR buried_until <= %s)"
        )
        self.in_queue_params: list[Any] = [learner.pk, False, ops.adapt_datefield_value(day.today)]
        self.learner_id = learner.pk

    def due(self, deck_ids: Sequence[int], state: int) -> tuple[str, list[Any]]:
        """A state's cards in these decks that are due today (one range scan per deck)."""
        decks = ", ".join(["%s"] * len(deck_ids))
        sql = (
            f"SELECT id FROM {self.states} WHERE {self.in_queue} AND deck_id IN ({decks}) "
            f"AND state = %s AND due < %s"
        )
        return sql, [*self.in_queue_params, *deck_ids, state, self.ends]

    def new(self, deck_id: int) -> tuple[str, list[Any]]:
        sql = f"SELECT id FROM {self.states} WHERE {self.in_queue} AND deck_id = %s AND state = %s"
        return sql, [*self.in_queue_params, deck_id, CardState.NEW]

    def first(self, query: tuple[str, list[Any]], order: str) -> tuple[str, list[Any]]:
        return f"{query[0]} ORDER BY {order} LIMIT 1", query[1]

    def count(self, query: tuple[str, list[Any]], cap: int) -> tuple[str, list[Any]]:
        if cap <= 0:
            return "SELECT 0", []
        return f"SELECT COUNT(*) FROM ({query[0]} LIMIT {int(cap)}) counted", query[1]

    def done_today(self, deck_id: int, condition: str, value: Any) -> tuple[str, list[Any]]:
        sql = (
            f"SELECT COUNT(*) FROM {self.logs} WHERE learner_id = %s AND deck_id = %s "
            f"AND reviewed_at >= %s AND {condition} = %s"
        )
        return sql, [self.learner_id, deck_id, self.starts, value]


def next_in_queue(*, learner: User, plan: StudyPlan, now: datetime | None = None) -> Queue:
    """The next card to study in the plan's decks, with the remaining counts. One query.

    Order: learning cards due now, then reviews due today, then new cards, within
    what today's limits leave; then learning cards due within the learn-ahead limit.
    Each deck offers its first card of each kind (an index range scan ending in
    LIMIT 1) and its counts (scans that stop at the deck's limit); _choose() picks.
    Cards the learner has never opened a study session on (no CardState row) are
    not seen here: services.ensure_card_states() gives them rows when a session starts.
    """
    day = StudyDay.of(learner, now)
    sql = _QueueSql(learner, day)
    candidates: list[tuple[str, list[Any]]] = []
    stats: list[tuple[str, list[Any]]] = []
    for state in LEARNING_STATES:
        stats.append(sql.count(sql.due(plan.deck_ids, state), LEARNING_COUNT_CAP))
    for deck in plan.decks:
        preset = plan.presets.get(deck.preset_id) or plan.presets[None]
        # One equality per state, so each lookup walks the (learner, deck, state, due)
        # index from its start: an IN over states lets SQLite prefer (learner, due) and
        # walk every card due today.
        for state in (*LEARNING_STATES, CardState.REVIEW):
            candidates.append(sql.first(sql.due([deck.id], state), "due"))
        candidates.append(sql.first(sql.new(deck.id), f"{sql.position}, id"))
        # Counting stops at the deck's limit, so it never walks more rows than that.
        stats.append(sql.count(sql.due([deck.id], CardState.REVIEW), preset["reviews_per_day"]))
        stats.append(sql.count(sql.new(deck.id), preset["new_per_day"]))
        stats.append(sql.done_today(deck.id, "was_new", True))
        stats.append(sql.done_today(deck.id, "kind", KIND_REVIEW))
    # One IN over a UNION ALL of the candidates, not an OR of INs: Postgres answers an
    # OR of INs by scanning every state row and hashing whole tables for the joins
    # (140 ms at 100,000 cards), while the union's handful of ids are looked up by key.
    # Each candidate is wrapped in a subquery so SQLite accepts its ORDER BY and LIMIT.
    where = "s.id IN ({})".format(
        " UNION ALL ".join(
            f"SELECT id FROM ({candidate}) AS candidate{index}"
            for index, (candidate, _) in enumerate(candidates)
        )
    )
    params = [param for _, candidate_params in candidates for param in candidate_params]
    rows = load_state_rows(where, params, stats)
    if not rows:
        return Queue(state=None, kind="", counts=Counts())
    queue = _choose(plan, rows, day)
    if queue.state is not None:  # only the card shown gets its card, note and deck built
        queue.state = next(row.full() for row in rows if row.state is queue.state)
    return queue


def _choose(plan: StudyPlan, loaded: list[StateRow], day: StudyDay) -> Queue:
    rows = [row.state for row in loaded]
    stats = iter(loaded[0].extra)  # the same on every row, in next_in_queue's order
    learning_total = sum(next(stats) for _ in LEARNING_STATES)
    nodes: dict[int, _Node] = {}
    for deck in plan.decks:
        preset = plan.presets.get(deck.preset_id) or plan.presets[None]
        own_review, own_new, done_new, done_review = (next(stats) for _ in range(4))
        nodes[deck.id] = _Node(
            deck.id,
            deck.parent_id,
            preset["new_per_day"],
            preset["reviews_per_day"],
            own_new=own_new,
            own_review=own_review,
            done_new=done_new,
            done_review=done_review,
        )
    root = nodes[plan.root_id]
    _link(nodes)
    _settle(root)
    counts = Counts(new=root.new, learning=learning_total, review=root.review)

    def open_along_path(deck_id: int, left: str) -> bool:
        node: _Node | None = nodes.get(deck_id)
        while node is not None:
            if getattr(node, left) <= 0:
                return False
            node = nodes.get(node.parent_id) if node.id != plan.root_id else None
        return True

    learning = sorted((row for row in rows if row.state in LEARNING_STATES), key=lambda r: r.due)
    reviews = sorted(
        (
            row
            for row in rows
            if row.state == CardState.REVIEW and open_along_path(row.deck_id, "reviews_left")
        ),
        key=lambda row: row.due,
    )
    new = sorted(
        (
            row
            for row in rows
            if row.state == CardState.NEW and open_along_path(row.deck_id, "new_left")
        ),
        key=lambda row: (row.position, row.card_id),
    )
    if learning and learning[0].due <= day.now:
        return Queue(learning[0], "learning", counts)
    if reviews:
        return Queue(reviews[0], "review", counts)
    if new:
        return Queue(new[0], "new", counts)
    if learning and learning[0].due <= day.now + LEARN_AHEAD:
        return Queue(learning[0], "learning", counts)
    return Queue(None, "", counts, waiting_until=learning[0].due if learning else None)


# --- The answer buttons ----------------------------------------------------------------


@dataclass(frozen=True)
class AnswerButton:
    rating: int
    name: str  # "Again", "Hard", "Good", "Easy"
    interval: str  # what this grade schedules, as Anki labels it: "10m", "3d"


def answer_buttons(
    *,
    learner: User,
    card: Card,
    state: CardState | None,
    preset: Preset,
    now: datetime | None = None,
) -> list[AnswerButton]:
    """The four grades with the interval each one gives (the same the grade will give)."""
    schedule = state.schedule() if state else scheduling.Schedule()
    seed = scheduling.fuzz_seed(learner.pk, card.pk, schedule.reps)
    outcomes = scheduling.next_states(
        schedule, now or timezone.now(), preset.scheduler_config(), seed
    )
    return [
        AnswerButton(rating, str(name), outcomes[rating].label)
        for rating, name in ReviewLog.RATING_CHOICES
    ]
