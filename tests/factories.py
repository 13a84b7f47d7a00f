"""Plain factory functions for tests: real rows in the real database."""

from __future__ import annotations

from accounts.models import User


def make_user(username: str = "learner", *, password: str = "correct-horse-9", **extra) -> User:
    return User.objects.create_user(username=username, password=password, **extra)
