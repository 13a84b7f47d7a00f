"""The learner's study day, presets, and deck counts with Anki v3 limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from flashcards.models import Card, Deck
from reviews.models import CardState, DeckOptions, Preset, ReviewLog
from reviews.scheduling import KIND_REVIEW

LEARNING_STATES = (CardState.LEARNING, CardState.RELEARNING)


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
