from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.addresses import client_address
from accounts.models import LoginFailure

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
PASSWORD = "correct-horse-9"  # tests.factories.make_user's default
LIMIT = 3
WINDOW = 600


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_FAILURE_WINDOW_SECONDS = WINDOW


class FixedClock:
    """Stands in for django.utils.timezone.now; tests move it forward by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    fixed = FixedClock(timezone.now())
    with mock.patch("django.utils.timezone.now", fixed):
        yield fixed


def attempt(username: str, password: str, *, address: str = "203.0.113.1", **extra):
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN_URL, {"username": username, "password": password, **extra})
    return client, response


def fail(username: str, times: int, *, address: str = "203.0.113.1") -> None:
    for _ in range(times):
        _, response = attempt(username, "wrong-password", address=address)
        assert response.status_code == 422


def test_the_right_password_logs_in_and_lands_on_the_deck_list(owner):
    client, response = attempt("owner", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("flashcards:deck_list")
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_it_returns_to_a_local_next_page(owner):
    _, response = attempt("owner", PASSWORD, next="/accounts/settings/")
    assert response["Location"] == "/accounts/settings/"


def test_it_ignores_a_next_page_on_another_site(owner):
    _, response = attempt("owner", PASSWORD, next="https://evil.example/")
    assert response["Location"] == reverse("flashcards:deck_list")


def test_a_wrong_password_rerenders_with_422_and_counts_one_failure(owner):
    client, response = attempt("owner", "wrong-password")
    assert response.status_code == 422
    assert "correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session
    failure = LoginFailure.objects.get()
    assert (failure.username, failure.address) == ("owner", "203.0.113.1")


def test_an_empty_form_is_not_counted_as_a_failed_attempt(owner):
    _, response = attempt("owner", "")
    assert response.status_code == 422
    assert not LoginFailure.objects.exists()


def test_it_refuses_an_account_after_too_many_failures_even_with_the_right_password(owner, clock):
    for number in range(LIMIT):
        fail("owner", 1, address=f"198.51.100.{number}")
    client, response = attempt("owner", PASSWORD, address="192.0.2.77")
    assert response.status_code == 429
    assert "Too many failed attempts. Try again in 10 minutes." in response.content.decode()
    assert int(response["Retry-After"]) == WINDOW
    assert "_auth_user_id" not in client.session


def test_the_account_limit_ignores_the_case_of_the_username(owner):
    fail("OWNER", 1)
    fail("Owner", 1, address="198.51.100.9")
    fail("owner", 1, address="198.51.100.10")
    _, response = attempt("owner", PASSWORD, address="192.0.2.77")
    assert response.status_code == 429


def test_it_refuses_an_address_after_too_many_failures_across_accounts(owner, other_user):
    for number in range(LIMIT):
        fail(f"guess{number}", 1, address="203.0.113.50")
    _, refused = attempt("owner", PASSWORD, address="203.0.113.50")
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.content.decode()
    # The same account from somewhere else is not held up by that address.
    _, allowed = attempt("owner", PASSWORD, address="203.0.113.51")
    assert allowed.status_code == 302


def test_refused_attempts_are_not_counted_and_do_not_check_the_password(owner):
    fail("owner", LIMIT)
    with mock.patch("django.contrib.auth.forms.authenticate") as authenticate:
        _, response = attempt("owner", "wrong-password")
    assert response.status_code == 429
    authenticate.assert_not_called()
    assert LoginFailure.objects.count() == LIMIT


def test_one_failure_short_of_the_limit_still_lets_the_right_password_in(owner):
    fail("owner", LIMIT - 1)
    _, response = attempt("owner", PASSWORD)
    assert response.status_code == 302


def test_a_successful_login_clears_the_accounts_failures(owner):
    for number in range(LIMIT - 1):
        fail("owner", 1, address=f"198.51.100.{number}")
    _, response = attempt("owner", PASSWORD, address="192.0.2.1")
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username="owner").exists()
    for number in range(LIMIT - 1):
        fail("owner", 1, address=f"198.51.100.{100 + number}")
    _, response = attempt("owner", PASSWORD, address="192.0.2.2")
    assert response.status_code == 302


def test_the_lock_lifts_when_the_window_has_passed(owner, clock):
    fail("owner", LIMIT)
    clock.advance(seconds=WINDOW - 30)
    _, still_locked = attempt("owner", PASSWORD)
    assert still_locked.status_code == 429
    assert "Try again in 1 minute." in still_locked.content.decode()
    clock.advance(seconds=31)
    _, response = attempt("owner", PASSWORD)
    assert response.status_code == 302


def test_only_failures_inside_the_window_count(owner, clock):
    fail("owner", LIMIT - 1)
    clock.advance(seconds=WINDOW + 1)
    fail("owner", 1)
    _, response = attempt("owner", PASSWORD)
    assert response.status_code == 302


def test_the_waiting_time_counts_from_the_failure_that_must_expire(owner, clock):
    fail("owner", 1)
    clock.advance(seconds=300)
    fail("owner", LIMIT - 1)
    # Unlocks once the first failure is WINDOW old: 300 s from now, so 5 minutes.
    _, response = attempt("owner", PASSWORD)
    assert "Try again in 5 minutes." in response.content.decode()
    assert int(response["Retry-After"]) == WINDOW - 300


def test_recording_a_failure_prunes_rows_older_than_the_window(owner, clock):
    fail("owner", 2)
    clock.advance(seconds=WINDOW + 1)
    fail("someone", 1, address="198.51.100.200")
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["someone"]


def test_the_login_page_renders_for_anyone(anon_client):
    response = anon_client.get(LOGIN_URL)
    assert response.status_code == 200
    assert 'class="panel auth-card"' in response.content.decode()


def test_a_signed_in_user_visiting_login_is_sent_on(owner_client):
    response = owner_client.get(LOGIN_URL)
    assert response.status_code == 302


def test_logout_needs_a_post(owner_client):
    response = owner_client.get(reverse("accounts:logout"))
    assert response.status_code == 405
    assert "_auth_user_id" in owner_client.session


def test_logout_signs_out_and_returns_to_the_login_page(owner_client):
    response = owner_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in owner_client.session


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_the_client_address_ignores_x_forwarded_for_without_trusted_proxies():
    request = request_from("10.0.0.5", "1.2.3.4")
    assert client_address(request, trusted_proxy_count=0) == "10.0.0.5"


def test_the_client_address_is_the_entry_the_outermost_trusted_proxy_added():
    request = request_from("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9")
    assert client_address(request, trusted_proxy_count=1) == "10.0.0.9"
    assert client_address(request, trusted_proxy_count=2) == "1.2.3.4"


def test_a_forwarded_header_shorter_than_the_proxy_chain_falls_back_to_remote_addr():
    assert client_address(request_from("10.0.0.5", "1.2.3.4"), trusted_proxy_count=2) == "10.0.0.5"
    assert client_address(request_from("10.0.0.5"), trusted_proxy_count=1) == "10.0.0.5"


def test_the_address_limit_follows_the_forwarded_address_behind_a_trusted_proxy(owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(LIMIT):
        client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66")
        client.post(LOGIN_URL, {"username": f"guess{number}", "password": "nope"})
    blocked = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert blocked.post(LOGIN_URL, {"username": "owner", "password": PASSWORD}).status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.67")
    assert elsewhere.post(LOGIN_URL, {"username": "owner", "password": PASSWORD}).status_code == 302
