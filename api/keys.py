"""Who a per-user API key belongs to, and the per-key request budget.

Both the AnkiConnect endpoint and /api/v1 authenticate with the key that
accounts.User.api_key holds (shown and rotated on the settings page), and
share one budget per key: API_RATE_LIMIT requests per API_RATE_WINDOW_SECONDS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from accounts.models import User

# secrets.token_urlsafe(32) gives 43 characters; anything far off is not a key.
_MAX_KEY_LENGTH = 64


def user_for_api_key(key: object) -> User | None:
    """The active user whose key this is, or None."""
    if not isinstance(key, str) or not key or len(key) > _MAX_KEY_LENGTH:
        return None
    return User.objects.filter(api_key=key, is_active=True).first()


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int  # seconds until the window resets (0 when allowed)


def take_from_budget(user: User, cost: int = 1) -> RateDecision:
    """Count `cost` requests against the user's key in the current fixed window.

    Kept in the cache (Redis when REDIS_URL is set, so every app server shares it;
    the in-process default is per worker). The key id is in the cache key, so a
    rotated key does not reset the budget of the account.
    """
    window = settings.API_RATE_WINDOW_SECONDS
    now = time.time()
    bucket = int(now // window)
    name = f"api-rate:{user.pk}:{bucket}"
    cache.add(name, 0, timeout=window + 5)
    try:
        used = cache.incr(name, cost)
    except ValueError:  # expired between add and incr
        cache.set(name, cost, timeout=window + 5)
        used = cost
    if used > settings.API_RATE_LIMIT:
        return RateDecision(False, max(1, int((bucket + 1) * window - now) + 1))
    return RateDecision(True, 0)
