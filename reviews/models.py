"""Per-learner scheduling: every learner has their own state for every card.

A teacher's deck studied by forty students has one Card row per card and up
to forty CardState rows per card, created lazily on the first review (a card
with no state row is new for that learner).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from config import jobs
from flashcards.models import Card, Deck
from reviews import scheduling

# FSRS-6 default parameters (21 values), as fsrs.Scheduler ships them.
DEFAULT_FSRS_PARAMETERS = [
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
]  # fmt: skip


def _default_parameters() -> list[float]:
    return list(DEFAULT_FSRS_PARAMETERS)


def _default_learning_steps() -> list[int]:
    return [60, 600]


def _default_relearning_steps() -> list[int]:
    return [600]


class Preset(models.Model):
    """Deck options shared by decks, as Anki's option presets."""

    ORDER_ADDED = "added"
    ORDER_RANDOM = "random"
    ORDER_CHOICES = [(ORDER_ADDED, "In order added"), (ORDER_RANDOM, "Random")]
    LEECH_SUSPEND = "suspend"
    LEECH_TAG = "tag"
    LEECH_CHOICES = [(LEECH_SUSPEND, "Tag and suspend"), (LEECH_TAG, "Tag only")]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presets"
    )
    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False)
    desired_retention = models.FloatField(
        default=0.9, validators=[MinValueValidator(0.70), MaxValueValidator(0.99)]
    )
    learning_steps = models.JSONField(default=_default_learning_steps)  # seconds
    relearning_steps = models.JSONField(default=_default_relearning_steps)  # seconds
    maximum_interval = models.PositiveIntegerField(
        default=36500, validators=[MinValueValidator(1), MaxValueValidator(36500)]
    )
    new_per_day = models.PositiveIntegerField(default=20, validators=[MaxValueValidator(9999)])
    reviews_per_day = models.PositiveIntegerField(
        default=200, validators=[MaxValueValidator(99999)]
    )
    fuzz = models.BooleanField(default=True)
    bury_new_siblings = models.BooleanField(default=False)
    bury_review_siblings = models.BooleanField(default=False)
    leech_threshold = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    leech_action = models.CharField(max_length=16, choices=LEECH_CHOICES, default=LEECH_SUSPEND)
    new_card_order = models.CharField(max_length=16, choices=ORDER_CHOICES, default=ORDER_ADDED)
    fsrs_parameters = models.JSONField(default=_default_parameters)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=models.Q(is_default=True), name="preset_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def scheduler_config(self) -> scheduling.SchedulerConfig:
        return scheduling.SchedulerConfig(
            parameters=tuple(self.fsrs_parameters),
            desired_retention=self.desired_retention,
            learning_steps=tuple(self.learning_steps),
            relearning_steps=tuple(self.relearning_steps),
            maximum_interval=self.maximum_interval,
            fuzz=self.fuzz,
        )

    def is_leech(self, lapses: int) -> bool:
        """Anki's rule: a leech at the threshold, and again every half threshold after it."""
        if lapses < self.leech_threshold:
            return False
        return (lapses - self.leech_threshold) % max(1, self.leech_threshold // 2) == 0


class DeckOptions(models.Model):
    """Which preset a learner uses for a deck; absent means the learner's default."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deck_options"
    )
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="learner_options")
    preset = models.ForeignKey(Preset, on_delete=models.CASCADE, related_name="deck_options")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "deck"], name="deckoptions_unique"),
        ]


class CardState(models.Model):
    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3
    STATE_CHOICES = [
        (NEW, "New"),
        (LEARNING, "Learning"),
        (REVIEW, "Review"),
        (RELEARNING, "Relearning"),
    ]

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="card_states"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="states")
    # Denormalized from card.deck so the daily queue is one indexed range scan.
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+")
    state = models.PositiveSmallIntegerField(choices=STATE_CHOICES, default=NEW)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField(null=True, blank=True)
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    suspended = models.BooleanField(default=False)
    buried_until = models.DateField(null=True, blank=True)
    flag = models.PositiveSmallIntegerField(default=0)
    # Bumped on every change, so a grade from a stale tab can be told apart.
    version = models.PositiveIntegerField(default=0)
    # Where a new card stands in the new-card queue (Anki's `due` of a new card):
    # the card id for "in order added", a shuffled key for "random".
    position = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "card"], name="cardstate_unique"),
        ]
        indexes = [
            # The daily queue: each lookup is one range scan ending in LIMIT 1, and
            # each count a scan of at most the day's limit. Carrying `suspended` and
            # `buried_until` lets both read the index alone, not a row per entry.
            models.Index(
                fields=["learner", "deck", "state", "due", "suspended", "buried_until"],
                name="cardstate_due_queue",
            ),
            models.Index(
                fields=["learner", "deck", "state", "position"], name="cardstate_new_queue"
            ),
            models.Index(fields=["learner", "due"]),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}/{self.card_id} {self.get_state_display()}"

    def schedule(self) -> scheduling.Schedule:
        return scheduling.Schedule(
            state=self.state,
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
            reps=self.reps,
            lapses=self.lapses,
        )

    def apply_schedule(self, schedule: scheduling.Schedule) -> None:
        for name in SCHEDULE_FIELDS:
            setattr(self, name, getattr(schedule, name))

    def snapshot(self) -> dict[str, Any]:
        """Every field a review or undo may change, as JSON (ReviewLog.state_before)."""
        return {
            "state": self.state,
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat() if self.due else None,
            "last_review": self.last_review.isoformat() if self.last_review else None,
            "reps": self.reps,
            "lapses": self.lapses,
            "suspended": self.suspended,
            "buried_until": self.buried_until.isoformat() if self.buried_until else None,
            "flag": self.flag,
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name in ("state", "step", "stability", "difficulty", "reps", "lapses", "flag"):
            setattr(self, name, snapshot[name])
        self.suspended = snapshot["suspended"]
        self.due = _parse_datetime(snapshot["due"])
        self.last_review = _parse_datetime(snapshot["last_review"])
        buried = snapshot["buried_until"]
        self.buried_until = date.fromisoformat(buried) if buried else None


SCHEDULE_FIELDS = (
    "state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses",
)  # fmt: skip


def _parse_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class ReviewLog(models.Model):
    AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
    RATING_CHOICES = [(AGAIN, "Again"), (HARD, "Hard"), (GOOD, "Good"), (EASY, "Easy")]
    KIND_LEARN, KIND_REVIEW, KIND_RELEARN, KIND_FILTERED, KIND_MANUAL = 0, 1, 2, 3, 4
    KIND_CHOICES = [
        (KIND_LEARN, "Learning"),
        (KIND_REVIEW, "Review"),
        (KIND_RELEARN, "Relearning"),
        (KIND_FILTERED, "Filtered"),
        (KIND_MANUAL, "Manual"),
    ]

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_logs"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="review_logs")
    # The card's deck when it was reviewed: today's per-deck limits count these.
    deck = models.ForeignKey(
        Deck, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The review introduced a new card (counts against "new cards per day").
    was_new = models.BooleanField(default=False)
    review_id = models.UUIDField(default=uuid.uuid4)
    rating = models.PositiveSmallIntegerField(choices=RATING_CHOICES)
    kind = models.PositiveSmallIntegerField(choices=KIND_CHOICES, default=KIND_REVIEW)
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    # The CardState fields before this review (None when the card was new), for undo.
    state_before = models.JSONField(null=True, blank=True)
    # Interval in days after the review and before it (Anki's ivl / lastIvl).
    interval_days = models.IntegerField(default=0)
    last_interval_days = models.IntegerField(default=0)
    stability_after = models.FloatField(null=True, blank=True)
    difficulty_after = models.FloatField(null=True, blank=True)
    # Imported reviews keep Anki's revlog id so re-imports do not duplicate them.
    anki_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "review_id"], name="reviewlog_unique_id"),
        ]
        indexes = [
            # The statistics page reads a learner's reviews by time and needs only
            # these columns of them: it reads the index alone, never the table.
            models.Index(
                fields=[
                    "learner",
                    "reviewed_at",
                    "kind",
                    "rating",
                    "last_interval_days",
                    "duration_ms",
                ],
                name="reviewlog_learner_day_stats",
            ),
            models.Index(fields=["card", "learner", "reviewed_at"]),
            # The daily limits' index; kind and rating ride along so the class dashboard
            # counts a deck's reviews and passes from the index alone, reading no rows.
            models.Index(
                fields=["learner", "deck", "reviewed_at", "kind", "rating"],
                name="reviewlog_deck_day_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}/{self.card_id} {self.get_rating_display()}"


class OptimizerRun(models.Model):
    """One background "Optimize" or "Help me decide" job and its progress, polled by the page."""

    OPTIMIZE = "optimize"
    SIMULATE = "simulate"
    KIND_CHOICES = [(OPTIMIZE, "Optimize"), (SIMULATE, "Help me decide")]
    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUS_CHOICES = [
        (QUEUED, "Queued"),
        (RUNNING, "Running"),
        (DONE, "Done"),
        (FAILED, "Failed"),
    ]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="optimizer_runs"
    )
    preset = models.ForeignKey(Preset, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    message = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # Set by the worker as it goes; see config.jobs.
    heartbeat = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.preset_id} ({self.status})"

    def fail_if_abandoned(self) -> None:
        """Mark the run failed if its worker died running it (see config.jobs), so it
        no longer stands in the way of a new one."""
        jobs.fail_if_abandoned(self, note_field="message")

    @property
    def is_active(self) -> bool:
        return self.status in {self.QUEUED, self.RUNNING}
