from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "newlearner",
        "email": "",
        "password1": "a-long-fresh-passphrase",
        "password2": "a-long-fresh-passphrase",
        "timezone": "Europe/Berlin",
    }
    data.update(overrides)
    return data


def test_the_sign_up_page_offers_time_zones_with_utc_chosen_until_the_browser_says_otherwise(
    anon_client,
):
    response = anon_client.get(reverse("accounts:signup"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="UTC" selected>' in html
    assert '<option value="America/New_York">America/New York</option>' in html
    assert "data-browser-timezone" in html
    assert "js/timezone-default.js" in html
    assert "<script>" not in html  # the CSP forbids inline script


def test_it_creates_the_account_logs_in_and_lands_on_the_deck_list(anon_client):
    response = anon_client.post(SIGNUP_URL, signup_data(email="new@example.com"))
    assert response.status_code == 302
    assert response["Location"] == reverse("flashcards:deck_list")
    user = User.objects.get(username="newlearner")
    assert user.email == "new@example.com"
    assert user.timezone == "Europe/Berlin"
    assert user.day_starts_at_hour == 4
    assert user.check_password("a-long-fresh-passphrase")
    assert anon_client.session["_auth_user_id"] == str(user.pk)


def test_email_is_optional(anon_client):
    response = anon_client.post(SIGNUP_URL, signup_data())
    assert response.status_code == 302
    assert User.objects.get(username="newlearner").email == ""


def test_it_rerenders_with_422_when_the_passwords_differ(anon_client):
    response = anon_client.post(SIGNUP_URL, signup_data(password2="something-else-entirely"))
    assert response.status_code == 422
    assert "didn’t match" in response.content.decode()
    assert not User.objects.filter(username="newlearner").exists()


def test_it_refuses_a_weak_password_with_422(anon_client):
    response = anon_client.post(SIGNUP_URL, signup_data(password1="password", password2="password"))
    assert response.status_code == 422
    assert "too common" in response.content.decode()


def test_it_refuses_a_time_zone_the_server_does_not_know(anon_client):
    response = anon_client.post(SIGNUP_URL, signup_data(timezone="Mars/Olympus_Mons"))
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(username="newlearner").exists()


def test_it_refuses_a_taken_username_whatever_its_case(anon_client):
    factories.make_user("newlearner")
    response = anon_client.post(SIGNUP_URL, signup_data(username="NewLearner"))
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert User.objects.filter(username__iexact="newlearner").count() == 1


def test_a_failed_form_keeps_what_was_typed_but_not_the_passwords(anon_client):
    response = anon_client.post(
        SIGNUP_URL, signup_data(password2="nope-nope-nope", email="kept@example.com")
    )
    html = response.content.decode()
    assert 'value="kept@example.com"' in html
    assert "a-long-fresh-passphrase" not in html
    assert '<option value="Europe/Berlin" selected>' in html
    # A bound form keeps the learner's choice instead of the browser default.
    assert "data-browser-timezone" not in html


def test_a_signed_in_user_is_sent_to_the_deck_list(owner_client):
    response = owner_client.get(SIGNUP_URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("flashcards:deck_list")


def test_the_login_page_links_to_sign_up_when_it_is_open(anon_client):
    html = anon_client.get(reverse("accounts:login")).content.decode()
    assert f'href="{SIGNUP_URL}"' in html
