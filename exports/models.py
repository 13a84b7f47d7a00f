"""Exports too large to build during a request: one row per background export."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from config import jobs
from flashcards.models import Deck


class ExportJob(models.Model):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STATUS_CHOICES = [
        (PENDING, "Waiting"),
        (RUNNING, "Building"),
        (DONE, "Ready"),
        (FAILED, "Failed"),
    ]
    APKG, CSV, TSV = "apkg", "csv", "tsv"
    FORMAT_CHOICES = [
        (APKG, "Anki package (.apkg)"),
        (CSV, "Notes as CSV (comma-separated)"),
        (TSV, "Notes as TSV (tab-separated)"),
    ]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    # The deck exported with its subdecks; empty for a selection of cards.
    deck = models.ForeignKey(Deck, null=True, blank=True, on_delete=models.SET_NULL)
    card_ids = models.JSONField(default=list, blank=True)
    # What the export is of, kept for the page after the deck is gone.
    title = models.CharField(max_length=1000)
    format = models.CharField(max_length=8, choices=FORMAT_CHOICES, default=APKG)
    with_progress = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=PENDING)
    notes_total = models.PositiveIntegerField(default=0)
    notes_done = models.PositiveIntegerField(default=0)
    # The download's name, and where the file is under DATA_DIR/exports/.
    filename = models.CharField(max_length=300, blank=True)
    file_path = models.CharField(max_length=300, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    missing_media = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # Set by the worker as it goes; see config.jobs.
    heartbeat = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["owner", "created"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.format}, {self.status})"

    def fail_if_abandoned(self) -> None:
        """Mark the job failed if its worker died running it (see config.jobs)."""
        jobs.fail_if_abandoned(self)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.DONE, self.FAILED)

    @property
    def format_name(self) -> str:
        return {self.APKG: "an Anki package", self.CSV: "CSV", self.TSV: "TSV"}[self.format]

    @property
    def percent(self) -> int:
        if self.status == self.DONE:
            return 100
        if not self.notes_total:
            return 0
        return min(99, self.notes_done * 100 // self.notes_total)
