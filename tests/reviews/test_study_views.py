"""The study screen over HTTP: plain forms, htmx fragments, 409 for stale pages, undo."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from reviews.models import CardState, ReviewLog

pytestmark = pytest.mark.django_db


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)


def open_deck(client, deck):
    response = client.get(reverse("reviews:study", args=[deck.pk]))
    assert response.status_code == 200
    return response


def show_answer(client, deck, card_id, **extra):
    url = reverse("reviews:answer", args=[deck.pk, card_id])
    response = client.get(url, extra)
    assert response.status_code == 200
    return response


def current_card_id(response) -> int:
    match = re.search(r"/cards/(\d+)/answer/", response.content.decode())
    assert match, "no card on the page"
    return int(match.group(1))


def grade_data(answer_html: str, rating: int = 3) -> dict:
    return {
        "rating": rating,
        "review_id": hidden(answer_html, "review_id"),
        "shown_version": hidden(answer_html, "shown_version"),
        "shown_at": hidden(answer_html, "shown_at"),
    }


def test_the_study_page_shows_the_first_new_card_and_the_counts(owner_client, deck, cards):
    response = open_deck(owner_client, deck)
    html = response.content.decode()
    assert current_card_id(response) == cards[0].pk
    assert "front 0" in html
    assert "back 0" not in html
    assert 'data-key="show"' in html
    assert re.search(r'count-new current"[^>]*>5<', html)


def test_show_answer_gives_four_buttons_with_their_intervals(owner_client, deck, cards):
    open_deck(owner_client, deck)
    html = show_answer(owner_client, deck, cards[0].pk).content.decode()
    assert "back 0" in html
    for name, interval in [("Again", "1m"), ("Hard", "6m"), ("Good", "10m")]:
        assert re.search(rf"{interval}</span>\s*<span class=\"grade-name\">{name}", html)
    assert 'name="rating" value="4"' in html


def test_grading_shows_the_next_card_with_an_undo_button(owner_client, owner, deck, cards):
    open_deck(owner_client, deck)
    answer = show_answer(owner_client, deck, cards[0].pk).content.decode()
    response = owner_client.post(
        reverse("reviews:grade", args=[deck.pk, cards[0].pk]), grade_data(answer, 4)
    )
    assert response.status_code == 200
    assert current_card_id(response) == cards[1].pk
    log = ReviewLog.objects.get(learner=owner)
    assert hidden(response.content.decode(), "review_id") == str(log.review_id)


def test_it_records_one_review_for_a_repeated_post_and_shows_the_same_next_card(
    owner_client, owner, deck, cards
):
    open_deck(owner_client, deck)
    answer = show_answer(owner_client, deck, cards[0].pk).content.decode()
    url = reverse("reviews:grade", args=[deck.pk, cards[0].pk])
    data = grade_data(answer, 4)
    first = owner_client.post(url, data, HTTP_HX_REQUEST="true")
    again = owner_client.post(url, data, HTTP_HX_REQUEST="true")
    assert first.status_code == again.status_code == 200
    assert ReviewLog.objects.filter(learner=owner, card=cards[0]).count() == 1
    assert current_card_id(first) == current_card_id(again) == cards[1].pk


def test_a_grade_from_a_stale_tab_gets_409_and_the_fresh_card(owner_client, owner, deck, cards):
    open_deck(owner_client, deck)
    tab_one = show_answer(owner_client, deck, cards[0].pk).content.decode()
    tab_two = show_answer(owner_client, deck, cards[0].pk).content.decode()
    url = reverse("reviews:grade", args=[deck.pk, cards[0].pk])
    assert owner_client.post(url, grade_data(tab_one, 1)).status_code == 200
    state = CardState.objects.get(learner=owner, card=cards[0])
    response = owner_client.post(url, grade_data(tab_two, 4), HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed since it was shown" in html
    assert 'id="study"' in html and "<html" not in html  # the fragment, for htmx to swap
    assert current_card_id(response) == cards[1].pk  # the queue as it is now
    assert ReviewLog.objects.filter(learner=owner).count() == 1
    assert CardState.objects.get(pk=state.pk).version == state.version


def test_an_invalid_grade_is_422_with_the_answer_again(owner_client, deck, cards):
    open_deck(owner_client, deck)
    answer = show_answer(owner_client, deck, cards[0].pk).content.decode()
    data = grade_data(answer)
    data["rating"] = 9
    response = owner_client.post(reverse("reviews:grade", args=[deck.pk, cards[0].pk]), data)
    assert response.status_code == 422
    assert 'name="rating" value="1"' in response.content.decode()


def test_undo_over_http_shows_the_card_again_and_a_second_undo_does_nothing(
    owner_client, owner, deck, cards
):
    open_deck(owner_client, deck)
    answer = show_answer(owner_client, deck, cards[0].pk).content.decode()
    before = CardState.objects.get(learner=owner, card=cards[0])
    graded = owner_client.post(
        reverse("reviews:grade", args=[deck.pk, cards[0].pk]), grade_data(answer, 3)
    )
    review_id = hidden(graded.content.decode(), "review_id")
    undo_url = reverse("reviews:undo", args=[deck.pk])
    response = owner_client.post(undo_url, {"review_id": review_id})
    assert response.status_code == 200
    assert current_card_id(response) == cards[0].pk
    after = CardState.objects.get(pk=before.pk)
    assert after.schedule() == before.schedule()
    assert not ReviewLog.objects.filter(learner=owner).exists()
    again = owner_client.post(undo_url, {"review_id": review_id})
    assert "Nothing to undo" in again.content.decode()
    assert CardState.objects.get(pk=before.pk).version == after.version


def test_htmx_requests_get_the_study_fragment(owner_client, deck, cards):
    response = owner_client.get(
        reverse("reviews:answer", args=[deck.pk, cards[0].pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="study"')


def test_suspend_and_bury_move_on_to_the_next_card(owner_client, owner, deck, cards):
    open_deck(owner_client, deck)
    response = owner_client.post(reverse("reviews:suspend", args=[deck.pk, cards[0].pk]))
    assert current_card_id(response) == cards[1].pk
    response = owner_client.post(reverse("reviews:bury", args=[deck.pk, cards[1].pk]))
    assert current_card_id(response) == cards[2].pk
    assert CardState.objects.get(learner=owner, card=cards[0]).suspended
    assert CardState.objects.get(learner=owner, card=cards[1]).buried_until is not None


def test_flag_with_htmx_redraws_only_the_flag_button(owner_client, owner, deck, cards):
    response = owner_client.post(
        reverse("reviews:flag", args=[deck.pk, cards[0].pk]), {"flag": 1}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="flag-form"')
    assert "Unflag" in html
    assert CardState.objects.get(learner=owner, card=cards[0]).flag == 1


def test_a_typed_answer_is_compared_on_the_back(owner_client, owner, deck):
    from tests import factories

    note_type = factories.make_note_type(owner, "basic_typing")
    note = factories.make_note(owner, note_type, deck, ("capital of France", "Paris"))
    card = note.cards.get()
    question = open_deck(owner_client, deck).content.decode()
    assert 'name="typed_answer"' in question
    back = show_answer(owner_client, deck, card.pk, typed_answer="Parsi").content.decode()
    assert "typeans-compare" in back
    assert "typeBad" in back


def test_finishing_shows_the_summary(owner_client, owner, deck):
    from tests import factories

    (card,) = factories.make_cards(owner, deck, 1)
    open_deck(owner_client, deck)
    answer = show_answer(owner_client, deck, card.pk).content.decode()
    response = owner_client.post(
        reverse("reviews:grade", args=[deck.pk, card.pk]), grade_data(answer, 4)
    )
    html = response.content.decode()
    assert "finished this deck for now" in html
    assert re.search(r"Cards studied today</dt><dd>1<", html)


@pytest.mark.parametrize("size", [3, 40])
def test_study_page_and_grade_take_a_fixed_number_of_queries(
    owner_client, owner, size, django_assert_num_queries
):
    from tests import factories

    deck = factories.make_deck(owner, "Big")
    cards = factories.make_cards(owner, deck, size // 2)
    factories.make_cards(owner, factories.make_deck(owner, "Big::Child"), size - size // 2)
    open_deck(owner_client, deck)  # the first time, the cards get state rows
    with django_assert_num_queries(12):
        # session, user, deck, presets, plan; cards and state rows counted per deck (equal:
        # nothing to add); next card + counts; undo button; the plan saved in the session
        open_deck(owner_client, deck)
    answer = show_answer(owner_client, deck, cards[0].pk).content.decode()
    url = reverse("reviews:grade", args=[deck.pk, cards[0].pk])
    with django_assert_num_queries(8):
        # session, user, card + state; savepoint, update, insert, release; next card + counts
        response = owner_client.post(url, grade_data(answer, 4), HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_preview_changes_no_state(owner_client, owner, deck, cards):
    from datetime import timedelta

    from django.utils import timezone

    open_deck(owner_client, deck)
    tomorrow = timezone.now() + timedelta(days=2)
    CardState.objects.filter(learner=owner, card=cards[0]).update(
        state=CardState.REVIEW, stability=5.0, difficulty=5.0, due=tomorrow,
        last_review=timezone.now(), reps=2,
    )  # fmt: skip
    before = list(CardState.objects.filter(learner=owner).values())
    url = reverse("reviews:preview", args=[deck.pk])
    question = owner_client.get(url, {"mode": "ahead", "days": 3})
    assert question.status_code == 200
    assert "front 0" in question.content.decode()
    answer = owner_client.get(url, {"mode": "ahead", "days": 3, "side": "answer"})
    assert "back 0" in answer.content.decode()
    done = owner_client.get(url, {"mode": "ahead", "days": 3, "after": cards[0].pk})
    assert "That was the last card" in done.content.decode()
    assert list(CardState.objects.filter(learner=owner).values()) == before
    assert not ReviewLog.objects.filter(learner=owner).exists()


def test_preview_of_todays_forgotten_cards(owner_client, owner, deck, cards):
    open_deck(owner_client, deck)
    answer = show_answer(owner_client, deck, cards[0].pk).content.decode()
    owner_client.post(reverse("reviews:grade", args=[deck.pk, cards[0].pk]), grade_data(answer, 1))
    url = reverse("reviews:preview", args=[deck.pk])
    html = owner_client.get(url, {"mode": "forgotten", "days": 1}).content.decode()
    assert "front 0" in html


def test_custom_study_refuses_a_bad_mode(owner_client, deck):
    response = owner_client.get(reverse("reviews:preview", args=[deck.pk]), {"mode": "cram"})
    assert response.status_code == 422


def test_a_review_id_that_is_not_a_uuid_is_422(owner_client, deck, cards):
    response = owner_client.post(
        reverse("reviews:grade", args=[deck.pk, cards[0].pk]),
        {"rating": 3, "review_id": "nope", "shown_version": "0"},
    )
    assert response.status_code == 422
    assert uuid  # keeps the import honest for readers: review ids are UUIDs


def test_the_review_time_counts_from_when_the_question_was_shown(owner_client, owner, deck, cards):
    question = open_deck(owner_client, deck).content.decode()
    shown_at = int(hidden(question, "shown_at")) - 7000  # the question came up 7 s ago
    answer = show_answer(owner_client, deck, cards[0].pk, shown_at=shown_at).content.decode()
    assert int(hidden(answer, "shown_at")) == shown_at
    owner_client.post(reverse("reviews:grade", args=[deck.pk, cards[0].pk]), grade_data(answer))
    duration = ReviewLog.objects.get(learner=owner).duration_ms
    assert 7000 <= duration < 30000
