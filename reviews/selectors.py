"""Reads for studying: who may study what, deck counts, the daily queue.

The queue is built for speed: every lookup is an index range scan that stops at a
LIMIT, so showing the next card costs the same with a thousand cards or a hundred
thousand. A study session's deck tree and limits (the `StudyPlan`) are read once
and kept by the caller; the next card, the remaining counts and today's done
counts then come back in one statement (`next_in_queue`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from classrooms.access import may_study_class_deck
from flashcards.models import DECK_SEPARATOR, Card, Deck
from reviews import scheduling
from reviews.fastload import load_states
from reviews.models import CardState, DeckOptions, Preset, ReviewLog
from reviews.scheduling import KIND_REVIEW

# Anki's "learn ahead limit": with nothing else left, learning cards due this soon are shown.
LEARN_AHEAD = timedelta(minutes=20)
# The learning count is shown up to this many ("999+" beyond); counting stops there.
LEARNING_COUNT_CAP = 1000
LEARNING_STATES = (CardState.LEARNING, CardState.RELEARNING)
# Fields of a Preset kept in a StudyPlan (everything a grade and the queue read).
PLAN_PRESET_FIELDS = (
    "id", "owner_id", "name", "is_default", "desired_retention", "learning_steps",
    "relearning_steps", "maximum_interval", "new_per_day", "reviews_per_day", "fuzz",
    "bury_new_siblings", "bury_review_siblings", "leech_threshold", "leech_action",
    "new_card_order", "fsrs_parameters",
)  # fmt: skip


# --- Access -------------------------------------------------------------------


def learner_can_study_deck(learner: User, deck: Deck) -> bool:
    """Whether `learner` may study `deck`: the one rule every reviews view goes through.

    Their own decks, and decks assigned to a class they belong to (classrooms.access).
    Reads deck.pk, owner_id and full_name only.
    """
    if not learner.is_authenticated:
        return False
    return deck.owner_id == learner.pk or may_study_class_deck(learner, deck)


def get_deck_for_learner(learner: User, deck_id: int) -> Deck:
    deck = get_object_or_404(Deck, pk=deck_id)
    if not learner_can_study_deck(learner, deck):
        raise Http404("No such deck.")
    return deck


def get_card_for_learner(learner: User, card_id: int) -> Card:
    card = get_object_or_404(Card.objects.select_related("note__note_type", "deck"), pk=card_id)
    if not learner_can_study_deck(learner, card.deck):
        raise Http404("No such card.")
    return card


def get_study_card(learner: User, card_id: int) -> tuple[Card, CardState | None]:
    """A card the learner may study and their state for it, in one query when it exists."""
    found = load_states("s.learner_id = %s AND s.card_id = %s", [learner.pk, card_id])
    if not found:
        return get_card_for_learner(learner, card_id), None
    state = found[0][0]
    if not learner_can_study_deck(learner, state.card.deck):
        raise Http404("No such card.")
    return state.card, state


def get_preset_for_learner(learner: User, preset_id: int) -> Preset:
    return get_object_or_404(Preset, pk=preset_id, owner=learner)


# --- Days and presets -----------------------------------------------------------------


@dataclass(frozen=True)
class StudyDay:
    """The learner's study day around `now`: limits and "due today" use these bounds."""

    now: datetime
    today: date
    starts: datetime
    ends: datetime

    @classmethod
    def of(cls, learner: User, now: datetime | None = None) -> StudyDay:
        now = now or timezone.now()
        ends = learner.next_day_starts(now)
        today = learner.study_day(now)
        return cls(now=now, today=today, starts=ends - timedelta(days=1), ends=ends)


def not_buried(today: date) -> Q:
    # buried_until is the study day the card comes back on.
    return Q(buried_until__isnull=True) | Q(buried_until__lte=today)


def preset_for_deck(learner: User, deck: Deck) -> Preset:
    """The preset `learner` uses for `deck`: the one assigned, else their default.

    A learner with no presets yet gets an unsaved default (Preset's field defaults).
    """
    assigned = DeckOptions.objects.filter(learner=learner, deck=deck).values("preset_id")
    chosen = (
        Preset.objects.filter(owner=learner)
        .filter(Q(is_default=True) | Q(pk__in=Subquery(assigned)))
        .order_by("is_default")  # the assigned preset before the default
        .first()
    )
    return chosen or Preset(owner=learner, name="Default", is_default=True)


def presets_of(learner: User) -> list[Preset]:
    return list(Preset.objects.filter(owner=learner))


# --- Counts and limits ----------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    new: int = 0
    learning: int = 0
    review: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass
class _Node:
    """One deck in a limits tree (Anki v3: a deck's limits cap everything below it)."""

    id: int
    parent_id: int | None
    new_limit: int
    review_limit: int
    own_new: int = 0
    own_learning: int = 0
    own_review: int = 0
    done_new: int = 0
    done_review: int = 0
    children: list[_Node] = field(default_factory=list)
    # Filled by _settle(): today's counts in the subtree, and what is left of the limits.
    subtree_done_new: int = 0
    subtree_done_review: int = 0
    new: int = 0
    learning: int = 0
    review: int = 0

    @property
    def new_left(self) -> int:
        return max(0, self.new_limit - self.subtree_done_new)

    @property
    def reviews_left(self) -> int:
        return max(0, self.review_limit - self.subtree_done_review)


def _link(nodes: dict[int, _Node]) -> list[_Node]:
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


def _settle(node: _Node) -> None:
    """Counts as Anki's v3 deck list shows them: each deck capped by its own limits."""
    node.subtree_done_new, node.subtree_done_review = node.done_new, node.done_review
    new, learning, review = node.own_new, node.own_learning, node.own_review
    for child in node.children:
        _settle(child)
        node.subtree_done_new += child.subtree_done_new
        node.subtree_done_review += child.subtree_done_review
        new += child.new
        learning += child.learning
        review += child.review
    node.new = min(node.new_left, new)
    node.review = min(node.reviews_left, review)
    node.learning = learning


def _default_of(presets: Iterable[Preset]) -> Preset:
    for preset in presets:
        if preset.is_default:
            return preset
    return Preset(name="Default", is_default=True)


def deck_counts(
    *, learner: User, decks: Sequence[Deck], now: datetime | None = None
) -> dict[int, Counts]:
    """New / learning / due counts for each deck as if it were opened to study.

    Daily limits apply as in Anki's v3 scheduler: new cards per day less those
    introduced today, reviews per day less those done today, and a deck's limits
    cap the sum of its subdecks. Six queries whatever the number of decks or cards.
    """
    if not decks:
        return {}
    day = StudyDay.of(learner, now)
    owners = {deck.owner_id for deck in decks}
    tree = list(Deck.objects.filter(owner_id__in=owners).values_list("id", "parent_id"))
    tree_ids = [deck_id for deck_id, _ in tree]
    presets = {preset.pk: preset for preset in presets_of(learner)}
    default = _default_of(presets.values())
    chosen = dict(
        DeckOptions.objects.filter(learner=learner, deck_id__in=tree_ids).values_list(
            "deck_id", "preset_id"
        )
    )
    nodes: dict[int, _Node] = {}
    for deck_id, parent_id in tree:
        preset = presets.get(chosen.get(deck_id), default)
        nodes[deck_id] = _Node(deck_id, parent_id, preset.new_per_day, preset.reviews_per_day)

    started = (
        CardState.objects.filter(learner=learner, card__deck_id__in=tree_ids, suspended=False)
        .filter(not_buried(day.today))
        .values("card__deck_id")
        .annotate(
            new=Count("id", filter=Q(state=CardState.NEW)),
            learning=Count("id", filter=Q(state__in=LEARNING_STATES, due__lt=day.ends)),
            review=Count("id", filter=Q(state=CardState.REVIEW, due__lt=day.ends)),
        )
    )
    for row in started:
        node = nodes[row["card__deck_id"]]
        node.own_new, node.own_learning = row["new"], row["learning"]
        node.own_review = row["review"]
    # Cards the learner has never been shown have no CardState row: they are new.
    unseen = (
        Card.objects.filter(deck_id__in=tree_ids)
        .exclude(Exists(CardState.objects.filter(learner=learner, card=OuterRef("pk"))))
        .values("deck_id")
        .annotate(count=Count("id"))
    )
    for row in unseen:
        nodes[row["deck_id"]].own_new += row["count"]
    done = (
        ReviewLog.objects.filter(learner=learner, deck_id__in=tree_ids, reviewed_at__gte=day.starts)
        .values("deck_id")
        .annotate(
            new=Count("id", filter=Q(was_new=True)),
            review=Count("id", filter=Q(kind=KIND_REVIEW)),
        )
    )
    for row in done:
        node = nodes[row["deck_id"]]
        node.done_new, node.done_review = row["new"], row["review"]

    for root in _link(nodes):
        _settle(root)
    return {
        deck.pk: Counts(nodes[deck.pk].new, nodes[deck.pk].learning, nodes[deck.pk].review)
        for deck in decks
        if deck.pk in nodes
    }


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
    where = " OR ".join(f"s.id IN ({candidate})" for candidate, _ in candidates)
    params = [param for _, candidate_params in candidates for param in candidate_params]
    rows = load_states(where, params, stats)
    if not rows:
        return Queue(state=None, kind="", counts=Counts())
    return _choose(plan, rows, day)


def _choose(plan: StudyPlan, loaded: list[tuple[CardState, list[Any]]], day: StudyDay) -> Queue:
    rows = [state for state, _ in loaded]
    stats = iter(loaded[0][1])  # the same on every row, in next_in_queue's order
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


# --- Optimizer -------------------------------------------------------------------------


def review_history_size(*, learner: User, deck_ids: Sequence[int]) -> int:
    """How many reviews of review-state cards the learner has in these decks."""
    return ReviewLog.objects.filter(
        learner=learner, card__deck_id__in=list(deck_ids), kind=KIND_REVIEW
    ).count()


# --- After the session ------------------------------------------------------------------


@dataclass(frozen=True)
class DaySummary:
    reviewed: int
    seconds: int
    retention: float | None  # share of review-state cards remembered today; None if none


def today_summary(
    *, learner: User, deck_ids: Sequence[int], now: datetime | None = None
) -> DaySummary:
    """Cards reviewed today in these decks, time spent, and today's true retention."""
    day = StudyDay.of(learner, now)
    totals = ReviewLog.objects.filter(
        learner=learner, deck_id__in=list(deck_ids), reviewed_at__gte=day.starts
    ).aggregate(
        reviewed=Count("id"),
        milliseconds=Sum("duration_ms"),
        reviews=Count("id", filter=Q(kind=KIND_REVIEW)),
        passed=Count("id", filter=Q(kind=KIND_REVIEW, rating__gt=ReviewLog.AGAIN)),
    )
    retention = totals["passed"] / totals["reviews"] if totals["reviews"] else None
    return DaySummary(
        reviewed=totals["reviewed"],
        seconds=round((totals["milliseconds"] or 0) / 1000),
        retention=retention,
    )


def last_review_today(
    *, learner: User, deck_ids: Sequence[int], now: datetime | None = None
) -> ReviewLog | None:
    """The learner's latest review of the day in these decks, which Undo takes back."""
    day = StudyDay.of(learner, now)
    return (
        ReviewLog.objects.filter(
            learner=learner, deck_id__in=list(deck_ids), reviewed_at__gte=day.starts
        )
        .order_by("-reviewed_at", "-pk")
        .only("review_id", "card_id", "reviewed_at")
        .first()
    )


# --- Custom study (preview: nothing is rescheduled) --------------------------------------


PREVIEW_AHEAD = "ahead"
PREVIEW_FORGOTTEN = "forgotten"


def preview_states(
    *, learner: User, deck_ids: Sequence[int], mode: str, days: int = 1, now: datetime | None = None
) -> QuerySet[CardState]:
    """Cards for a custom-study preview, in the order they are shown (by card id).

    "ahead": review cards due in the next `days` days (after today).
    "forgotten": cards answered Again today.
    """
    day = StudyDay.of(learner, now)
    states = CardState.objects.filter(learner=learner, deck_id__in=list(deck_ids), suspended=False)
    if mode == PREVIEW_AHEAD:
        states = states.filter(
            state=CardState.REVIEW,
            due__gte=day.ends,
            due__lt=day.ends + timedelta(days=days),
        )
    elif mode == PREVIEW_FORGOTTEN:
        forgotten = ReviewLog.objects.filter(
            learner=learner, card=OuterRef("card_id"), reviewed_at__gte=day.starts, rating=1
        )
        states = states.filter(Exists(forgotten))
    else:
        return states.none()
    return states.select_related("card__note__note_type", "card__deck").order_by("card_id")
