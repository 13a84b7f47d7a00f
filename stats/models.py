"""Excel files too large to build during a request: one row per background build."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from config import jobs
from flashcards.models import Deck


class SpreadsheetJob(models.Model):
    PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
    STATUS_CHOICES = [
        (PENDING, "Waiting"),
        (RUNNING, "Building"),
        (DONE, "Ready"),
        (FAILED, "Failed"),
    ]
    CARDS, REVIEWS = "cards", "reviews"
    DATASET_CHOICES = [(CARDS, "Cards"), (REVIEWS, "Review log")]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="spreadsheet_jobs"
    )
    # The deck (with its subdecks), or none for the whole collection.
    deck = models.ForeignKey(Deck, null=True, blank=True, on_delete=models.SET_NULL)
    whole_collection = models.BooleanField(default=False)
    title = models.CharField(max_length=1000)  # kept for the page after the deck is gone
    dataset = models.CharField(max_length=16, choices=DATASET_CHOICES)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=300, blank=True)
    file_path = models.CharField(max_length=300, blank=True)  # a name under DATA_DIR/stats
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # Set by the worker as it goes; see config.jobs.
    heartbeat = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["owner", "created"])]

    def __str__(self) -> str:
        return f"{self.title} {self.dataset} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.DONE, self.FAILED)

    def fail_if_abandoned(self) -> None:
        """Mark the job failed if its worker died running it (see config.jobs)."""
        jobs.fail_if_abandoned(self)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0
