"""Every study URL for the three standard users: the owner, another user, anonymous."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from reviews.models import OptimizerRun, Preset
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(owner):
    preset = factories.make_preset(owner, "Default", is_default=True)
    return OptimizerRun.objects.create(owner=owner, preset=preset, kind=OptimizerRun.SIMULATE)


def urls(deck, card, run):
    d, c = deck.pk, card.pk
    return [
        ("get", reverse("reviews:study", args=[d]), {}),
        ("get", reverse("reviews:answer", args=[d, c]), {}),
        ("post", reverse("reviews:grade", args=[d, c]), {"rating": 3}),
        ("post", reverse("reviews:suspend", args=[d, c]), {}),
        ("post", reverse("reviews:bury", args=[d, c]), {}),
        ("post", reverse("reviews:flag", args=[d, c]), {"flag": 1}),
        ("post", reverse("reviews:undo", args=[d]), {}),
        ("get", reverse("reviews:custom_study", args=[d]), {}),
        ("get", reverse("reviews:preview", args=[d]), {"mode": "ahead", "days": 2}),
        ("get", reverse("reviews:deck_options", args=[d]), {}),
        ("post", reverse("reviews:deck_options", args=[d]), {"action": "delete"}),
        ("post", reverse("reviews:optimize", args=[d]), {}),
        ("post", reverse("reviews:simulate", args=[d]), {}),
        ("get", reverse("reviews:run_status", args=[run.pk]), {}),
    ]


def test_the_owner_can_use_every_study_url(owner_client, deck, cards, run):
    for method, url, data in urls(deck, cards[0], run):
        response = getattr(owner_client, method)(url, data)
        assert response.status_code in (200, 302, 422), (method, url, response.status_code)


def test_another_user_gets_404_on_every_study_url(other_client, other_user, deck, cards, run):
    for method, url, data in urls(deck, cards[0], run):
        response = getattr(other_client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert not Preset.objects.filter(owner=other_user).exclude(name="Default").exists()


def test_anonymous_is_sent_to_log_in_from_every_study_url(anon_client, deck, cards, run):
    login = resolve_url(settings.LOGIN_URL)
    for method, url, data in urls(deck, cards[0], run):
        response = getattr(anon_client, method)(url, data)
        assert response.status_code == 302, (method, url, response.status_code)
        assert response["Location"].startswith(login), (method, url)


def test_another_users_card_cannot_be_graded_inside_my_own_deck(owner_client, other_user, deck):
    theirs = factories.make_cards(other_user, factories.make_deck(other_user, "Theirs"), 1)[0]
    for name in ("answer", "grade", "suspend", "bury", "flag"):
        method = "get" if name == "answer" else "post"
        url = reverse(f"reviews:{name}", args=[deck.pk, theirs.pk])
        assert getattr(owner_client, method)(url, {"rating": 3, "flag": 1}).status_code == 404


def test_a_session_plan_for_my_deck_does_not_open_someone_elses(owner_client, other_user, deck):
    owner_client.get(reverse("reviews:study", args=[deck.pk]))
    theirs = factories.make_deck(other_user, "Theirs")
    card = factories.make_cards(other_user, theirs, 1)[0]
    url = reverse("reviews:grade", args=[theirs.pk, card.pk])
    assert owner_client.post(url, {"rating": 3}).status_code == 404
