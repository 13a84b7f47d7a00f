from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import LoginFailure


def normalize_login_name(username: str) -> str:
    return username.strip().lower()[:150]


def _locked_until(
    failures_newest_first: list[datetime], *, limit: int, window: timedelta
) -> datetime | None:
    # Locked while `limit` failures sit inside the window; the lock lifts when the
    # limit-th newest one ages out and only limit - 1 remain.
    if len(failures_newest_first) < limit:
        return None
    return failures_newest_first[limit - 1] + window


def login_retry_after(*, username: str, address: str) -> int | None:
    """Seconds until this username or address may try to log in again, or None if it may now."""
    limit = settings.LOGIN_FAILURE_LIMIT
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    now = timezone.now()
    recent = LoginFailure.objects.filter(failed_at__gt=now - window).order_by("-failed_at")
    name = normalize_login_name(username)
    candidates = []
    if name:
        candidates.append(recent.filter(username=name))
    candidates.append(recent.filter(address=address))
    until = None
    for failures in candidates:
        times = list(failures.values_list("failed_at", flat=True)[:limit])
        locked = _locked_until(times, limit=limit, window=window)
        if locked is not None and locked > now and (until is None or locked > until):
            until = locked
    if until is None:
        return None
    return max(1, math.ceil((until - now).total_seconds()))
