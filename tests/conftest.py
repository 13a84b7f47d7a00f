"""Shared fixtures: the three standard users (owner, another user, anonymous)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories


@pytest.fixture
def owner(db):
    return factories.make_user("owner")


@pytest.fixture
def other_user(db):
    return factories.make_user("other")


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def other_client(other_user) -> Client:
    client = Client()
    client.force_login(other_user)
    return client


@pytest.fixture
def anon_client() -> Client:
    return Client()


@pytest.fixture(autouse=True)
def _fast_and_self_contained(settings):
    """No collectstatic manifest in tests, and a fast hasher: the real one is slow by design."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
