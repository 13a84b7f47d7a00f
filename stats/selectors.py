"""Reads for the statistics page: every figure is a GROUP BY in the database.

A page is about one learner and one scope: their whole collection, or a deck with
its subdecks (their own, or a class deck they may study). It takes a fixed number of
queries, whatever the size of the collection:

- the heatmap's year of reviews by study day, and the chosen period's (a month by
  default, up to a year) as (day, kind, rating, interval class) groups, from which
  today, reviews per day by kind, answer buttons and true retention are summed; the
  year's retention before the period in the same statement (stats.review_sql);
- reviews per local hour of the period (stats.review_sql);
- the cards as one row per (due day, state, suspended, young/mature) and one row per
  (interval, stability, difficulty, recall) bucket, recall computed in SQL;
- the cards never studied, and the ten hardest cards by lapses and by difficulty.

Python never loops over reviews, only over these groups (and, on SQLite, counts the
cards' keys itself: see _key_counts). Days are the learner's study days (time zone
and day-start hour, daylight saving included: see stats.days).

What counts where:
- Reviews belong to the deck the card was in when it was reviewed (ReviewLog.deck),
  as the study screen's daily limits count them; cards to the deck they are in.
- The collection is everything the learner has studied (any deck, class decks
  included) plus the cards of their own decks they have not seen yet (new).
- True retention follows Anki (rslib stats/graphs/retention.rs): reviews with a
  rating that affect scheduling (not manual), of cards in review or of learning
  steps at least a day long; a pass is Hard, Good or Easy; mature means the
  interval before the review was at least 21 days.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from flashcards.models import Card, Deck
from reviews.models import DEFAULT_FSRS_PARAMETERS, CardState, DeckOptions, ReviewLog
from reviews.selectors import StudyDay, get_deck_for_learner, presets_of, study_plan
from stats import days as day_math
from stats.review_sql import (
    MATURE_DAYS,
    ReviewGroup,
    counted_for_retention,
    review_days,
    reviews_per_hour,
)
from stats.sql import (
    Clock,
    CountOf,
    Curve,
    Curves,
    IntervalDays,
    double,
    log2_bucket_sql,
    packed,
    share_bucket_sql,
    unpacked,
)

# Study-day windows of the true-retention table, as Anki's (today, yesterday, 7, 30, 365).
RETENTION_PERIODS = (
    ("today", "Today", 0, 0),
    ("yesterday", "Yesterday", 1, 1),
    ("week", "Last week", 0, 6),
    ("month", "Last month", 0, 29),
    ("year", "Last year", 0, 364),
)
RANGES = {"month": 30, "quarter": 90, "year": 365}
RANGE_LABELS = {"month": "1 month", "quarter": "3 months", "year": "1 year"}
DEFAULT_RANGE = "month"
HEATMAP_DAYS = 365
HARDEST_LIMIT = 10
# Buckets: days in powers of two (0: under a day ... 12: 2048 days and more).
LOG2_LAST = 12
DIFFICULTY_BUCKETS = 10
RECALL_BUCKETS = 20

KIND_NAMES = {
    ReviewLog.KIND_LEARN: "Learning",
    ReviewLog.KIND_REVIEW: "Review",
    ReviewLog.KIND_RELEARN: "Relearning",
    ReviewLog.KIND_FILTERED: "Filtered",
    ReviewLog.KIND_MANUAL: "Manual",
}
# Retention classes of a review: not counted by true retention, young, mature.
NOT_COUNTED, YOUNG, MATURE = 0, 1, 2


# --- Scope ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsScope:
    learner: User
    deck: Deck | None  # None: the whole collection
    deck_ids: tuple[int, ...] | None  # the deck and its subdecks; None for the collection
    curves: Curves

    @property
    def title(self) -> str:
        return self.deck.full_name if self.deck else "Whole collection"

    def states(self) -> QuerySet[CardState]:
        states = CardState.objects.filter(learner=self.learner)
        if self.deck_ids is not None:
            states = states.filter(deck_id__in=self.deck_ids)
        return states

    def reviews(self) -> QuerySet[ReviewLog]:
        reviews = ReviewLog.objects.filter(learner=self.learner)
        if self.deck_ids is not None:
            reviews = reviews.filter(deck_id__in=self.deck_ids)
        return reviews

    def unseen_cards(self) -> QuerySet[Card]:
        """Cards in scope the learner has no state for yet (new to them)."""
        if self.deck_ids is None:
            cards = Card.objects.filter(deck__owner=self.learner)
        else:
            cards = Card.objects.filter(deck_id__in=self.deck_ids)
        seen = CardState.objects.filter(learner=self.learner, card_id=OuterRef("pk"))
        return cards.exclude(Exists(seen))

    def card_filter(self, states_alias: str) -> Q:
        """Cards in scope, given a FilteredRelation `states_alias` to the learner's states."""
        if self.deck_ids is None:
            return Q(deck__owner=self.learner) | Q(**{f"{states_alias}__isnull": False})
        return Q(deck_id__in=self.deck_ids)


def _curve(parameters: Sequence[float] | None) -> Curve:
    return Curve.of(parameters or DEFAULT_FSRS_PARAMETERS)


def _group_curves(default: Curve, by_deck: dict[int, Curve]) -> Curves:
    grouped: dict[Curve, list[int]] = defaultdict(list)
    for deck_id, curve in sorted(by_deck.items()):
        if curve != default:
            grouped[curve].append(deck_id)
    return Curves(default, tuple((curve, tuple(ids)) for curve, ids in grouped.items()))


def collection_scope(learner: User) -> StatsScope:
    """The learner's whole collection. Two queries (presets, deck options)."""
    presets = {preset.pk: preset for preset in presets_of(learner)}
    default = next((p for p in presets.values() if p.is_default), None)
    default_curve = _curve(default.fsrs_parameters if default else None)
    by_deck = {
        deck_id: _curve(presets[preset_id].fsrs_parameters)
        for deck_id, preset_id in DeckOptions.objects.filter(learner=learner).values_list(
            "deck_id", "preset_id"
        )
        if preset_id in presets
    }
    return StatsScope(learner, None, None, _group_curves(default_curve, by_deck))


def deck_scope(learner: User, deck_id: int) -> StatsScope:
    """A deck the learner may study (404 otherwise) with its subdecks. Three queries
    (the deck, the learner's presets, the subdecks with their presets), one more for
    a class deck."""
    deck = get_deck_for_learner(learner, deck_id)
    plan = study_plan(learner, deck)
    curves = {key: _curve(values["fsrs_parameters"]) for key, values in plan.presets.items()}
    by_deck = {d.id: curves[d.preset_id] for d in plan.decks}
    return StatsScope(learner, deck, tuple(plan.deck_ids), _group_curves(curves[None], by_deck))


# --- Figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    passed: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed

    @property
    def rate(self) -> float | None:
        return self.passed / self.total if self.total else None

    @property
    def percent(self) -> str:
        return "–" if self.rate is None else f"{self.rate:.1%}"

    def __add__(self, other: Retention) -> Retention:
        return Retention(self.passed + other.passed, self.failed + other.failed)


@dataclass(frozen=True)
class RetentionRow:
    key: str
    label: str
    young: Retention
    mature: Retention

    @property
    def total(self) -> Retention:
        return self.young + self.mature


@dataclass(frozen=True)
class Today:
    reviews: int
    seconds: int
    retention: Retention  # young and mature together, as Anki's "today" line
    again: int


@dataclass(frozen=True)
class Forecast:
    overdue: int  # due before today (included in today)
    today: int
    tomorrow: int
    month: int  # due within the next 30 study days, today (and overdue) included
    quarter: int  # ... 90
    year: int  # ... 365
    per_day: tuple[int, ...]  # today, tomorrow, ... for the chosen range


@dataclass(frozen=True)
class CardCounts:
    new: int
    learning: int
    young: int
    mature: int
    suspended: int  # also counted in their state above

    @property
    def total(self) -> int:
        return self.new + self.learning + self.young + self.mature


@dataclass(frozen=True)
class Knowledge:
    """Anki's "estimated total knowledge": the sum of every card's predicted recall."""

    total: float
    cards: int  # cards with a memory state (reviewed at least once)

    @property
    def average(self) -> float | None:
        return self.total / self.cards if self.cards else None


@dataclass(frozen=True)
class HardCard:
    card_id: int
    text: str
    deck_name: str
    lapses: int
    difficulty: float | None
    recall: float | None
    url: str

    @property
    def difficulty_percent(self) -> int | None:
        """FSRS difficulty (1-10) as Anki shows it, 0-100%."""
        if self.difficulty is None:
            return None
        return round((min(max(self.difficulty, 1.0), 10.0) - 1) / 9 * 100)

    @property
    def recall_percent(self) -> int | None:
        return None if self.recall is None else round(self.recall * 100)


@dataclass
class StatsPage:
    scope: StatsScope
    range_key: str
    today_date: date
    today: Today
    counts: CardCounts
    forecast: Forecast
    knowledge: Knowledge
    retention: list[RetentionRow]
    # day number -> reviews, for the heatmap (a year back)
    heatmap: dict[int, int]
    # the chosen range's days, oldest first: (day number, {kind: count})
    per_day: list[tuple[int, dict[int, int]]]
    per_day_seconds: list[int]
    # "learning" / "young" / "mature" -> [again, hard, good, easy] over the chosen range
    buttons: dict[str, list[int]]
    hours: list[tuple[int, int]]  # (reviews, passed) per local hour over the chosen range
    intervals: list[int]  # review cards per log2-days bucket
    stability: list[int]
    difficulty: list[int]
    recall: list[int]
    hardest_by_lapses: list[HardCard] = field(default_factory=list)
    hardest_by_difficulty: list[HardCard] = field(default_factory=list)

    @property
    def today_number(self) -> int:
        return day_math.day_number(self.today_date)

    @property
    def range_days(self) -> int:
        return RANGES[self.range_key]


def _clock(learner: User, now: datetime, back_days: int, ahead_days: int) -> Clock:
    spans = day_math.offset_spans(
        learner.zone, now - timedelta(days=back_days), now + timedelta(days=ahead_days)
    )
    return Clock(learner.zone, learner.day_starts_at_hour, tuple(spans))


def day_starts(learner: User, first_day: date, days: int) -> list[datetime]:
    """When each of `days` study days from `first_day` starts, and when the last one ends,
    as UTC instants: the exact bounds User.study_day() puts days between (DST included)."""
    hour = learner.day_starts_at_hour
    bounds = []
    for offset in range(days + 1):
        day = first_day + timedelta(days=offset)
        local = datetime(day.year, day.month, day.day, hour, tzinfo=learner.zone)
        bounds.append(local.astimezone(UTC))
    return bounds


# --- Reviews -------------------------------------------------------------------------


@dataclass
class _ReviewGroups:
    """Reviews of the chosen period by study day, from (kind, rating, interval class) groups."""

    kinds: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    seconds: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    totals: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    again: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    # day -> YOUNG / MATURE -> Retention
    retention: dict[int, dict[int, Retention]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Retention))
    )
    # "learning" / "young" / "mature" -> [again, hard, good, easy]
    buttons: dict[str, list[int]] = field(
        default_factory=lambda: {group: [0, 0, 0, 0] for group in ("learning", "young", "mature")}
    )


def _review_groups(groups: Sequence[ReviewGroup], first_number: int) -> _ReviewGroups:
    """Per-day figures, answer buttons and retention from the period's groups
    (day index `n` of a group is study day `first_number + n`)."""
    result = _ReviewGroups()
    for group in groups:
        day, kind, rating, count = first_number + group.day, group.kind, group.rating, group.reviews
        result.totals[day] += count
        result.kinds[day][kind] = result.kinds[day].get(kind, 0) + count
        result.seconds[day] += group.milliseconds / 1000
        if rating == ReviewLog.AGAIN:
            result.again[day] += count
        rated = ReviewLog.AGAIN <= rating <= ReviewLog.EASY and kind != ReviewLog.KIND_MANUAL
        if not rated:
            continue
        passed = rating > ReviewLog.AGAIN
        age = MATURE if group.interval_class == 2 else YOUNG
        if counted_for_retention(kind, rating, group.interval_class):
            result.retention[day][age] += Retention(count if passed else 0, 0 if passed else count)
        if kind in (ReviewLog.KIND_LEARN, ReviewLog.KIND_RELEARN):
            button_group = "learning"
        else:
            button_group = "mature" if age == MATURE else "young"
        result.buttons[button_group][rating - 1] += count
    return result


def _retention_table(
    groups: _ReviewGroups, today: int, before: tuple[int, int, int, int]
) -> list[RetentionRow]:
    """Anki's true-retention table: each row sums the period's days it covers, and the
    year's row also what came before the period (`before`: young passed, young failed,
    mature passed, mature failed)."""
    rows = []
    for key, label, newest, oldest in RETENTION_PERIODS:
        young, mature = Retention(), Retention()
        if key == "year":
            young, mature = Retention(*before[:2]), Retention(*before[2:])
        for day in range(today - oldest, today - newest + 1):
            ages = groups.retention.get(day)
            if ages:
                young += ages.get(YOUNG, Retention())
                mature += ages.get(MATURE, Retention())
        rows.append(RetentionRow(key, label, young, mature))
    return rows


# --- Cards ---------------------------------------------------------------------------


def _states_sql(states: QuerySet[CardState]) -> tuple[str, list]:
    """A values() queryset of states as a subquery the database keeps apart (LIMIT -1 /
    OFFSET 0), so what it works out per card is worked out once.

    On SQLite in table order: the figures read every state in scope, and without
    statistics (the app runs no ANALYZE) SQLite walks the (learner, due) index and
    fetches the rows in due order, a B-tree search each. Ordered by id it walks the
    learner index instead, whose entries are in table order: two to four times
    cheaper for a whole collection."""
    if connection.vendor == "sqlite":
        sql, params = states.order_by("pk").query.sql_with_params()
        return f"({sql} LIMIT -1)", list(params)
    sql, params = states.order_by().query.sql_with_params()
    return f"({sql} OFFSET 0)", list(params)


def _key_counts(
    keyed: str, params: Sequence, summed: str | None = None
) -> tuple[Counter[int], float]:
    """How many rows of `keyed` (SQL selecting an integer column card_key) have each key,
    and the total of its column `summed`. One query.

    Postgres hashes the keys itself. SQLite has no hash aggregate: its GROUP BY sorts
    every row, half a microsecond each, where a few thousand keys cover a hundred
    thousand cards. So SQLite returns the keys as one comma-separated string (some
    600 kB for 100,000 cards) for Python's Counter, a C hash table, to count: a third
    of the time."""
    total_sql = f"SUM({summed})" if summed else "0"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT group_concat(card_key), {total_sql} FROM ({keyed})", params)
            keys, total = cursor.fetchone()
            counts = Counter(keys.split(",")) if keys else Counter()
            # A key a REAL expression produced reads "12.0".
            return Counter({int(float(key)): n for key, n in counts.items()}), total or 0.0
        cursor.execute(
            f"SELECT card_key, COUNT(*), {total_sql} FROM ({keyed}) keyed GROUP BY card_key",
            params,
        )
        counts, total = Counter(), 0.0
        for key, count, part in cursor.fetchall():
            if key is not None:  # as group_concat leaves out NULL keys
                counts[int(key)] += count
                total += part or 0.0
        return counts, total


def _unseen_cards(scope: StatsScope) -> int:
    """Cards in scope the learner has no state for: cards in scope minus their states.
    One query of two index counts (a card's state is kept in the card's deck)."""
    if scope.deck_ids is None:
        cards = Card.objects.filter(deck__owner=scope.learner)
        states = CardState.objects.filter(learner=scope.learner, deck__owner=scope.learner)
    else:
        cards = Card.objects.filter(deck_id__in=scope.deck_ids)
        states = CardState.objects.filter(learner=scope.learner, deck_id__in=scope.deck_ids)
    row = (
        User.objects.filter(pk=scope.learner.pk)
        .values(cards=CountOf(cards), states=CountOf(states))
        .get()
    )
    return max(0, row["cards"] - row["states"])


def _card_counts_and_forecast(
    scope: StatsScope, clock: Clock, day: StudyDay, range_days: int
) -> tuple[CardCounts, Forecast]:
    """Cards by state and due day (clamped to a year ahead). Two queries."""
    today = day_math.day_number(day.today)
    horizon = day.ends + timedelta(days=RANGES["year"])
    due_day = Case(
        When(due__isnull=True, then=Value(-1)),
        When(due__lt=day.starts, then=Value(today - 1)),
        When(due__gte=horizon, then=Value(today + RANGES["year"] + 1)),
        default=clock.study_day("due"),
        output_field=IntegerField(),
    )
    mature = Case(
        When(
            Q(state=CardState.REVIEW, due__isnull=False, last_review__isnull=False)
            & Q(GreaterThanOrEqual(IntervalDays(), Value(MATURE_DAYS))),
            then=Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    suspended_flag = Case(When(suspended=True, then=Value(1)), default=Value(0))
    sizes = (4, 2, 2)  # state, suspended, mature
    key = packed(
        due_day + Value(1),  # -1 (no due date) and up: never negative
        (F("state"), sizes[0]),
        (suspended_flag, sizes[1]),
        (mature, sizes[2]),
    )
    keys, _ = _key_counts(*_states_sql(scope.states().annotate(card_key=key).values("card_key")))
    new = learning = young = mature_count = suspended = 0
    overdue = 0
    due_by_offset: dict[int, int] = defaultdict(int)
    for card_key, count in keys.items():
        due_plus_one, state, is_suspended, is_mature = unpacked(card_key, sizes)
        if is_suspended:
            suspended += count
        if state == CardState.NEW:
            new += count
        elif state in (CardState.LEARNING, CardState.RELEARNING):
            learning += count
        elif is_mature:
            mature_count += count
        else:
            young += count
        if state == CardState.NEW or is_suspended or due_plus_one == 0:
            continue
        offset = due_plus_one - 1 - today
        if offset < 0:
            overdue += count
            offset = 0
        due_by_offset[offset] += count
    new += _unseen_cards(scope)

    def within(days: int) -> int:
        return sum(count for offset, count in due_by_offset.items() if offset < days)

    forecast = Forecast(
        overdue=overdue,
        today=due_by_offset.get(0, 0),
        tomorrow=due_by_offset.get(1, 0),
        month=within(30),
        quarter=within(90),
        year=within(365),
        per_day=tuple(due_by_offset.get(offset, 0) for offset in range(range_days)),
    )
    counts = CardCounts(new, learning, young, mature_count, suspended)
    return counts, forecast


def _memory(
    scope: StatsScope, now: datetime
) -> tuple[list[int], list[int], list[int], list[int], Knowledge]:
    """Distributions of interval, stability, difficulty and recall, and their sum. One query.

    Each card's interval, difficulty share and recall are worked out once in a subquery
    (_states_sql: otherwise both databases would copy the expressions into every place
    the outer query names them, and recall is a power), and bucketed by comparisons
    around it."""
    per_card = (
        scope.states()
        # A state without a positive stability has no memory to predict.
        .filter(stability__gt=0, last_review__isnull=False)
        .exclude(state=CardState.NEW)
        .annotate(
            in_review=Case(
                When(state=CardState.REVIEW, due__isnull=False, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            interval_days=IntervalDays(),
            # Clamped to FSRS's 1-10 first: an imported 1e308 would overflow Postgres.
            difficulty_scaled=Coalesce(
                (Least(Greatest(F("difficulty"), double(1.0)), double(10.0)) - double(1.0))
                / double(9.0),
                double(0.0),
            )
            * double(DIFFICULTY_BUCKETS),
            recall=scope.curves.recall(now),
        )
        .values("in_review", "interval_days", "stability", "difficulty_scaled", "recall")
    )
    inner, params = _states_sql(per_card)
    interval = (
        f"CASE WHEN in_review = 1 THEN {log2_bucket_sql('interval_days', LOG2_LAST)} + 1 ELSE 0 END"
    )
    sizes = (LOG2_LAST + 1, DIFFICULTY_BUCKETS, RECALL_BUCKETS)
    key = (
        f"((({interval}) * {sizes[0]} + {log2_bucket_sql('stability', LOG2_LAST)}) * {sizes[1]}"
        f" + {share_bucket_sql('difficulty_scaled', DIFFICULTY_BUCKETS)}) * {sizes[2]}"
        f" + {share_bucket_sql(f'recall * {RECALL_BUCKETS}.0', RECALL_BUCKETS)}"
    )
    keyed = f"SELECT {key} AS card_key, recall FROM {inner} per_card"
    keys, total = _key_counts(keyed, params, summed="recall")
    intervals = [0] * (LOG2_LAST + 1)
    stability = [0] * (LOG2_LAST + 1)
    difficulty = [0] * DIFFICULTY_BUCKETS
    recalls = [0] * RECALL_BUCKETS
    for card_key, count in keys.items():
        interval_plus_one, stability_bucket, difficulty_bucket, recall_bucket = unpacked(
            card_key, sizes
        )
        if interval_plus_one > 0:
            intervals[interval_plus_one - 1] += count
        stability[stability_bucket] += count
        difficulty[difficulty_bucket] += count
        recalls[recall_bucket] += count
    cards = sum(keys.values())
    return intervals, stability, difficulty, recalls, Knowledge(total, cards)


BY_LAPSES = ("-lapses", "-difficulty", "card_id")
BY_DIFFICULTY = ("-difficulty", "-lapses", "card_id")


def _hardest_cards(scope: StatsScope, now: datetime) -> tuple[list[HardCard], list[HardCard]]:
    """The ten cards with the most lapses, and the ten with the highest difficulty (of
    those studied), each picked from the states alone; then the (up to) twenty read with
    their note and deck, so the joins and the recall only touch those. One query."""
    states = scope.states()
    tops, params = [], []
    for order, picked in (
        (BY_LAPSES, states.filter(lapses__gt=0)),
        (BY_DIFFICULTY, states.filter(difficulty__isnull=False).exclude(state=CardState.NEW)),
    ):
        inner, inner_params = _states_sql(picked.values("id", "lapses", "difficulty", "card_id"))
        ordering = ", ".join(
            f"s.{name.lstrip('-')} {'DESC' if name.startswith('-') else 'ASC'}" for name in order
        )
        tops.append(
            f"SELECT picked.id FROM (SELECT s.id FROM {inner} s ORDER BY {ordering} "
            f"LIMIT {HARDEST_LIMIT}) picked"
        )
        params += inner_params
    read = list(
        CardState.objects.filter(pk__in=RawSQL(" UNION ".join(tops), params))
        .select_related("card__note", "card__deck")
        .annotate(recall=scope.curves.recall(now))
        .order_by(*BY_LAPSES)
    )
    # In the database's own order (its NULL difficulties included), the first ten with
    # lapses are the ten it picked; difficulties of the second list are never NULL.
    by_lapses = [state for state in read if state.lapses > 0][:HARDEST_LIMIT]
    by_difficulty = sorted(
        (s for s in read if s.difficulty is not None and s.state != CardState.NEW),
        key=lambda state: (-state.difficulty, -state.lapses, state.card_id),
    )[:HARDEST_LIMIT]
    return _hard_cards(scope, by_lapses), _hard_cards(scope, by_difficulty)


def _hard_cards(scope: StatsScope, states: Sequence[CardState]) -> list[HardCard]:
    cards = []
    for state in states:
        note = state.card.note
        if note.owner_id == scope.learner.pk:
            url = reverse("flashcards:note_edit", args=[note.pk])
        else:
            url = reverse("stats:card_preview", args=[state.card_id])
        has_memory = state.stability is not None and state.last_review is not None
        cards.append(
            HardCard(
                card_id=state.card_id,
                text=note.sort_value or note.first_field or f"Card {state.card_id}",
                deck_name=state.card.deck.full_name,
                lapses=state.lapses,
                difficulty=state.difficulty,
                recall=state.recall if has_memory else None,
                url=url,
            )
        )
    return cards


# --- The page ------------------------------------------------------------------------


def stats_page(
    scope: StatsScope, *, range_key: str = DEFAULT_RANGE, now: datetime | None = None
) -> StatsPage:
    """Every figure of the statistics page, in a fixed number of queries (six)."""
    now = now or timezone.now()
    if range_key not in RANGES:
        range_key = DEFAULT_RANGE
    learner = scope.learner
    day = StudyDay.of(learner, now)
    today = day_math.day_number(day.today)
    clock = _clock(learner, now, 2, RANGES["year"] + 2)

    heatmap_first = day.today - timedelta(days=HEATMAP_DAYS - 1)
    heatmap_bounds = day_starts(learner, heatmap_first, HEATMAP_DAYS)
    first_number = day_math.day_number(heatmap_first)
    range_days = RANGES[range_key]
    range_from = HEATMAP_DAYS - range_days  # the period's first day among the heatmap's
    days = review_days(
        scope.reviews(), [int(moment.timestamp()) for moment in heatmap_bounds], range_from
    )
    heatmap = {first_number + index: count for index, count in enumerate(days.counts) if count}
    groups = _review_groups(days.groups, first_number)

    retention_today = groups.retention.get(today, {})
    today_figures = Today(
        reviews=groups.totals.get(today, 0),
        seconds=round(groups.seconds.get(today, 0.0)),
        retention=retention_today.get(YOUNG, Retention())
        + retention_today.get(MATURE, Retention()),
        again=groups.again.get(today, 0),
    )
    range_numbers = range(first_number + range_from, today + 1)
    hours = reviews_per_hour(
        scope.reviews(),
        *day_math.local_hour_bounds(learner.zone, heatmap_bounds[range_from], day.ends),
    )
    counts, forecast = _card_counts_and_forecast(scope, clock, day, range_days)
    intervals, stability, difficulty, recall, knowledge = _memory(scope, now)
    hardest_by_lapses, hardest_by_difficulty = _hardest_cards(scope, now)
    return StatsPage(
        scope=scope,
        range_key=range_key,
        today_date=day.today,
        today=today_figures,
        counts=counts,
        forecast=forecast,
        knowledge=knowledge,
        retention=_retention_table(groups, today, days.retention_before),
        heatmap=heatmap,
        per_day=[(number, dict(groups.kinds.get(number, {}))) for number in range_numbers],
        per_day_seconds=[round(groups.seconds.get(number, 0.0)) for number in range_numbers],
        buttons=groups.buttons,
        hours=hours,
        intervals=intervals,
        stability=stability,
        difficulty=difficulty,
        recall=recall,
        hardest_by_lapses=hardest_by_lapses,
        hardest_by_difficulty=hardest_by_difficulty,
    )
