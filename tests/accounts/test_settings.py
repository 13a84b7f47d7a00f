from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/accounts/settings/"


def settings_data(**overrides: str) -> dict[str, str]:
    data = {"timezone": "Asia/Tokyo", "day_starts_at_hour": "6", "email": "me@example.com"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("method", "url_name"),
    [
        ("get", "accounts:settings"),
        ("post", "accounts:settings"),
        ("get", "accounts:password_change"),
        ("post", "accounts:rotate_api_key"),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(anon_client, method, url_name):
    url = reverse(url_name)
    response = getattr(anon_client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_the_page_shows_the_current_choices_and_the_api_key(owner_client, owner):
    owner.timezone = "Europe/Paris"
    owner.day_starts_at_hour = 2
    owner.save()
    response = owner_client.get(SETTINGS_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="Europe/Paris" selected>' in html
    assert '<option value="2" selected>02:00</option>' in html
    assert owner.api_key in html


def test_each_learner_sees_only_their_own_api_key(other_client, owner, other_user):
    html = other_client.get(SETTINGS_URL).content.decode()
    assert other_user.api_key in html
    assert owner.api_key not in html


def test_it_saves_the_time_zone_day_start_and_email(owner_client, owner):
    response = owner_client.post(SETTINGS_URL, settings_data())
    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    owner.refresh_from_db()
    assert (owner.timezone, owner.day_starts_at_hour, owner.email) == (
        "Asia/Tokyo",
        6,
        "me@example.com",
    )
    assert "Settings saved." in owner_client.get(SETTINGS_URL).content.decode()


def test_midnight_is_a_valid_day_start(owner_client, owner):
    owner_client.post(SETTINGS_URL, settings_data(day_starts_at_hour="0"))
    owner.refresh_from_db()
    assert owner.day_starts_at_hour == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Atlantis/Capital"),
        ("timezone", ""),
        ("day_starts_at_hour", "24"),
        ("day_starts_at_hour", "-1"),
        ("day_starts_at_hour", "four"),
        ("email", "not-an-email"),
    ],
)
def test_an_invalid_value_rerenders_with_422_and_saves_nothing(owner_client, owner, field, value):
    response = owner_client.post(SETTINGS_URL, settings_data(**{field: value}))
    assert response.status_code == 422
    assert 'class="errorlist' in response.content.decode()
    owner.refresh_from_db()
    assert (owner.timezone, owner.day_starts_at_hour, owner.email) == ("UTC", 4, "")


def test_rotating_the_api_key_replaces_it(owner_client, owner):
    old_key = owner.api_key
    response = owner_client.post(reverse("accounts:rotate_api_key"))
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.api_key != old_key
    html = owner_client.get(SETTINGS_URL).content.decode()
    assert owner.api_key in html
    assert old_key not in html


def test_rotating_needs_a_post(owner_client, owner):
    old_key = owner.api_key
    assert owner_client.get(reverse("accounts:rotate_api_key")).status_code == 405
    owner.refresh_from_db()
    assert owner.api_key == old_key


def test_rotating_one_key_leaves_other_learners_alone(owner_client, other_user):
    before = other_user.api_key
    owner_client.post(reverse("accounts:rotate_api_key"))
    other_user.refresh_from_db()
    assert other_user.api_key == before


def test_changing_the_password_keeps_this_session_signed_in(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-9",
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a-brand-new-passphrase")
    assert owner_client.get(SETTINGS_URL).status_code == 200


def test_a_wrong_old_password_rerenders_with_422(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "not-my-password",
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 422
    assert "old password was entered incorrectly" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password("correct-horse-9")


def test_other_sessions_are_signed_out_by_a_password_change(owner_client, owner):
    elsewhere = Client()
    elsewhere.force_login(User.objects.get(pk=owner.pk))
    owner_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-9",
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
    )
    assert elsewhere.get(SETTINGS_URL).status_code == 302
