"""The session store and auth backend read their rows by raw SQL: they must decide
exactly what Django's own database sessions and ModelBackend decide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.backends import AccountBackend
from accounts.sessions import SessionStore
from tests import factories

pytestmark = pytest.mark.django_db


def _deck_list_status(client: Client) -> int:
    return client.get(reverse("flashcards:deck_list")).status_code


def test_a_signed_in_learner_gets_the_same_user_back(owner_client, owner):
    response = owner_client.get(reverse("flashcards:deck_list"))
    assert response.status_code == 200
    user = response.wsgi_request.user
    assert user.pk == owner.pk
    assert user.username == owner.username
    assert user.date_joined == owner.date_joined  # datetimes converted as the ORM does
    assert user.is_active is True


def test_logging_in_through_the_form_uses_the_account_backend(anon_client, owner):
    anon_client.post(
        reverse("accounts:login"), {"username": "owner", "password": "correct-horse-9"}
    )
    session = anon_client.session
    assert session[SESSION_KEY] == str(owner.pk)
    assert session["_auth_user_backend"] == "accounts.backends.AccountBackend"
    assert _deck_list_status(anon_client) == 200


def test_an_expired_session_signs_the_learner_out(owner_client):
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert _deck_list_status(owner_client) == 302


def test_a_deleted_session_signs_the_learner_out(owner_client):
    Session.objects.all().delete()
    assert _deck_list_status(owner_client) == 302


def test_a_deactivated_learner_is_signed_out(owner_client, owner):
    owner.is_active = False
    owner.save()
    assert _deck_list_status(owner_client) == 302


def test_a_password_change_elsewhere_signs_this_session_out(owner_client, owner):
    owner.set_password("a-new-password-1")
    owner.save()
    assert _deck_list_status(owner_client) == 302


def test_a_session_key_that_does_not_exist_loads_as_empty():
    store = SessionStore(session_key="x" * 32)
    assert store.load() == {}
    assert store.session_key is None


def test_a_tampered_session_loads_as_empty(owner_client):
    Session.objects.update(session_data="not-a-signed-value")
    assert _deck_list_status(owner_client) == 302


def test_the_backend_treats_an_id_that_is_not_a_number_as_nobody():
    assert AccountBackend().get_user("not-a-number") is None
    assert AccountBackend().get_user(None) is None


def test_the_backend_returns_none_for_a_missing_user():
    user = factories.make_user("gone")
    pk = user.pk
    user.delete()
    assert AccountBackend().get_user(pk) is None
    assert not isinstance(AccountBackend().get_user(pk), AnonymousUser)
