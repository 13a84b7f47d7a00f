"""Who may see which statistics and downloads: the owner, another user, anonymous,
and a student of a class the deck is assigned to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def deck(owner):
    deck = factories.make_deck(owner, "French")
    cards = factories.make_cards(owner, deck, 3)
    factories.make_card_state(
        owner,
        cards[0],
        state=2,
        stability=5.0,
        difficulty=9.0,
        lapses=2,
        due=timezone.now() + timedelta(days=2),
        last_review=timezone.now() - timedelta(days=3),
    )
    factories.make_review(owner, cards[0], timezone.now() - timedelta(hours=1))
    return deck


def deck_urls(deck) -> list[str]:
    urls = [reverse("stats:deck", args=[deck.pk])]
    for dataset in ("cards", "reviews"):
        for fmt in ("csv", "json", "xlsx"):
            urls.append(reverse("stats:deck_export", args=[deck.pk, dataset, fmt]))
    return urls


def own_urls() -> list[str]:
    urls = [reverse("stats:collection")]
    for dataset in ("cards", "reviews"):
        for fmt in ("csv", "json", "xlsx"):
            urls.append(reverse("stats:export", args=[dataset, fmt]))
    return urls


def test_the_owner_sees_their_deck_and_collection(owner_client, deck):
    for url in deck_urls(deck) + own_urls():
        assert owner_client.get(url).status_code == 200, url


def test_another_user_gets_404_for_the_deck(other_client, deck):
    for url in deck_urls(deck):
        assert other_client.get(url).status_code == 404, url


def test_another_users_collection_holds_only_their_own_cards(other_client, deck):
    response = other_client.get(reverse("stats:collection"))
    assert response.status_code == 200
    assert b"front 0" not in response.content
    cards = b"".join(
        other_client.get(reverse("stats:export", args=["cards", "csv"])).streaming_content
    )
    assert cards.decode("utf-8-sig").strip().count("\n") == 0  # the header only


def test_anonymous_visitors_are_sent_to_log_in(anon_client, deck):
    login = resolve_url(settings.LOGIN_URL)
    for url in deck_urls(deck) + own_urls():
        response = anon_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url


def test_the_page_only_answers_get(owner_client, deck):
    assert owner_client.post(reverse("stats:deck", args=[deck.pk])).status_code == 405


def test_a_student_sees_their_own_statistics_of_a_class_deck(owner, other_user, deck, client):
    factories.make_classroom(owner, students=[other_user], decks=[deck])
    card = deck.cards.order_by("pk").first()
    factories.make_card_state(
        other_user,
        card,
        state=2,
        stability=2.0,
        difficulty=7.0,
        lapses=4,
        due=timezone.now() + timedelta(days=1),
        last_review=timezone.now() - timedelta(days=1),
    )
    client.force_login(other_user)
    response = client.get(reverse("stats:deck", args=[deck.pk]))
    assert response.status_code == 200
    page = response.context["page"]
    # The student's own state (4 lapses), not the teacher's (2); a link they may open.
    assert [card.lapses for card in page.hardest_by_lapses] == [4]
    link = page.hardest_by_lapses[0].url
    assert link == reverse("stats:card_preview", args=[card.pk])
    preview = client.get(link)
    assert preview.status_code == 200
    assert b"front 0" in preview.content
    assert page.today.reviews == 0  # the teacher's review is not theirs
    assert page.counts.new == 2
    rows = b"".join(
        client.get(reverse("stats:deck_export", args=[deck.pk, "reviews", "csv"])).streaming_content
    )
    assert rows.decode("utf-8-sig").strip().count("\n") == 0  # no reviews of theirs yet


def test_a_student_of_another_class_gets_404(owner, other_user, deck, client):
    stranger = factories.make_user("stranger")
    factories.make_classroom(owner, students=[other_user], decks=[deck])
    client.force_login(stranger)
    card = deck.cards.order_by("pk").first()
    assert client.get(reverse("stats:deck", args=[deck.pk])).status_code == 404
    assert client.get(reverse("stats:card_preview", args=[card.pk])).status_code == 404


def test_the_card_preview_follows_the_deck_rule(owner_client, other_client, anon_client, deck):
    url = reverse("stats:card_preview", args=[deck.cards.order_by("pk").first().pk])
    assert owner_client.get(url).status_code == 200
    assert other_client.get(url).status_code == 404
    assert anon_client.get(url).status_code == 302
