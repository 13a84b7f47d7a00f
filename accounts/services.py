from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import LoginFailure, User
from accounts.selectors import normalize_login_name


@transaction.atomic
def record_login_failure(*, username: str, address: str) -> None:
    """Count one failed login against the account name and the address, pruning old rows."""
    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    LoginFailure.objects.filter(failed_at__lte=now - window).delete()
    LoginFailure.objects.create(
        username=normalize_login_name(username), address=address[:64], failed_at=now
    )


@transaction.atomic
def clear_login_failures(*, username: str) -> None:
    """Forget an account's failures after it logs in; its address's failures stay counted."""
    LoginFailure.objects.filter(username=normalize_login_name(username)).delete()


@transaction.atomic
def sign_up(*, username: str, password: str, email: str = "", timezone_name: str = "UTC") -> User:
    return User.objects.create_user(
        username=username, password=password, email=email, timezone=timezone_name
    )


@transaction.atomic
def update_account_settings(
    *, user: User, email: str, timezone_name: str, day_starts_at_hour: int
) -> User:
    user.email = email
    user.timezone = timezone_name
    user.day_starts_at_hour = day_starts_at_hour
    user.full_clean(exclude=["password", "username", "api_key"])
    user.save(update_fields=["email", "timezone", "day_starts_at_hour"])
    return user


@transaction.atomic
def rotate_api_key(*, user: User) -> str:
    """Give the user a new API key; the old one stops working at once."""
    user.rotate_api_key()
    return user.api_key
