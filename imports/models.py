"""Imports run in the background: one row per upload, polled by the progress page."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    MAPPING = "mapping"  # a text file waiting for its columns to be chosen
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STATUS_CHOICES = [
        (MAPPING, "Choosing columns"),
        (PENDING, "Waiting"),
        (RUNNING, "Importing"),
        (DONE, "Done"),
        (FAILED, "Failed"),
    ]
    PACKAGE = "package"  # .apkg / .colpkg
    TEXT = "text"  # CSV/TSV file or pasted text
    KIND_CHOICES = [(PACKAGE, "Anki package"), (TEXT, "Text")]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    kind = models.CharField(max_length=16, choices=KIND_CHOICES, default=PACKAGE)
    # The name the file was uploaded under (or "Pasted text"), for the pages only.
    source_name = models.CharField(max_length=255)
    # The upload, under DATA_DIR/imports/, until the job ends (then removed).
    file_path = models.CharField(max_length=300, blank=True)
    deck_name = models.CharField(max_length=1000, blank=True)
    # Text imports: separator, note type, deck, column mapping (imports.text_import).
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=PENDING)
    report = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # When the worker started it; the progress file's time is its heartbeat after
    # that (an import runs in one transaction, so it can't write this row as it goes).
    heartbeat = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["owner", "created"])]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.DONE, self.FAILED)
