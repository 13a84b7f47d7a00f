from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def signup_closed(settings):
    settings.SIGNUP_ENABLED = False


def test_the_sign_up_page_says_sign_up_is_closed_with_404(anon_client):
    response = anon_client.get(reverse("accounts:signup"))
    assert response.status_code == 404
    assert "Sign-up is closed on this server" in response.content.decode()


def test_posting_a_sign_up_creates_no_account(anon_client):
    response = anon_client.post(
        reverse("accounts:signup"),
        {
            "username": "sneaky",
            "password1": "a-long-fresh-passphrase",
            "password2": "a-long-fresh-passphrase",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="sneaky").exists()


def test_the_sign_up_links_are_hidden(anon_client):
    html = anon_client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:signup") not in html
    assert "Sign up" not in html
