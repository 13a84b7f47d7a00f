from __future__ import annotations

import secrets
import zoneinfo
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


def _new_api_key() -> str:
    return secrets.token_urlsafe(32)


class User(AbstractUser):
    """A Deckhand account: learner, teacher or both."""

    timezone = models.CharField(max_length=64, default="UTC")
    # Anki's "next day starts at": reviews before this hour count for the previous day.
    day_starts_at_hour = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(0), MaxValueValidator(23)]
    )
    api_key = models.CharField(max_length=64, unique=True, default=_new_api_key)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def study_day(self, moment: datetime | None = None) -> date:
        """The learner's study day that `moment` falls in (day-start hour applied)."""
        local = (moment or timezone.now()).astimezone(self.zone)
        return (local - timedelta(hours=self.day_starts_at_hour)).date()

    def next_day_starts(self, moment: datetime | None = None) -> datetime:
        """When the study day containing `moment` ends, as an aware datetime."""
        day = self.study_day(moment)
        start = datetime(day.year, day.month, day.day, self.day_starts_at_hour, tzinfo=self.zone)
        return start + timedelta(days=1)

    def rotate_api_key(self) -> None:
        self.api_key = _new_api_key()
        self.save(update_fields=["api_key"])


class LoginFailure(models.Model):
    """One failed sign-in, kept in the database so every app server sees the same count.

    Rows older than the failure window are pruned whenever a new failure is recorded.
    """

    # Lower-cased as typed, so "Alice" and "alice" share one counter.
    username = models.CharField(max_length=150)
    address = models.CharField(max_length=64)
    failed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["username", "failed_at"], name="loginfailure_user_time"),
            models.Index(fields=["address", "failed_at"], name="loginfailure_addr_time"),
            models.Index(fields=["failed_at"], name="loginfailure_time"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.failed_at:%Y-%m-%d %H:%M:%S}"
