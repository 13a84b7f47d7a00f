"""Deck options: presets shared by decks, validation, Optimize and Help me decide."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from reviews import optimizer
from reviews.forms import format_steps, parse_steps
from reviews.models import DeckOptions, OptimizerRun, Preset, ReviewLog
from reviews.selectors import preset_for_deck
from tests import factories

pytestmark = pytest.mark.django_db


def preset_data(preset: Preset, **changes) -> dict:
    data = {
        "action": "save",
        "name": preset.name,
        "new_per_day": preset.new_per_day,
        "reviews_per_day": preset.reviews_per_day,
        "learning_steps": format_steps(preset.learning_steps),
        "relearning_steps": format_steps(preset.relearning_steps),
        "desired_retention": preset.desired_retention,
        "maximum_interval": preset.maximum_interval,
        "new_card_order": preset.new_card_order,
        "leech_threshold": preset.leech_threshold,
        "leech_action": preset.leech_action,
        "fuzz": "on",
        "fsrs_parameters": ", ".join(str(value) for value in preset.fsrs_parameters),
    }
    data.update(changes)
    return data


def options_url(deck) -> str:
    return reverse("reviews:deck_options", args=[deck.pk])


def test_the_options_page_shows_the_default_preset(owner_client, owner, deck):
    response = owner_client.get(options_url(deck))
    assert response.status_code == 200
    assert "Default" in response.content.decode()
    assert Preset.objects.filter(owner=owner, is_default=True).count() == 1


def test_saving_the_preset_changes_every_deck_that_uses_it(owner_client, owner, deck):
    other = factories.make_deck(owner, "French")
    owner_client.get(options_url(deck))
    preset = Preset.objects.get(owner=owner, is_default=True)
    response = owner_client.post(
        options_url(deck), preset_data(preset, new_per_day=7, learning_steps="2m 1h 1d")
    )
    assert response.status_code == 302
    assert preset_for_deck(owner, other).new_per_day == 7
    assert preset_for_deck(owner, deck).learning_steps == [120, 3600, 86400]


@pytest.mark.parametrize("retention", ["0.69", "0.995", "1.2"])
def test_it_refuses_a_desired_retention_outside_70_to_99_percent(
    owner_client, owner, deck, retention
):
    owner_client.get(options_url(deck))
    preset = Preset.objects.get(owner=owner, is_default=True)
    data = preset_data(preset, desired_retention=retention)
    response = owner_client.post(options_url(deck), data)
    assert response.status_code == 422
    assert Preset.objects.get(pk=preset.pk).desired_retention == 0.9


@pytest.mark.parametrize("retention", ["0.7", "0.99"])
def test_it_accepts_the_ends_of_the_retention_range(owner_client, owner, deck, retention):
    owner_client.get(options_url(deck))
    preset = Preset.objects.get(owner=owner, is_default=True)
    data = preset_data(preset, desired_retention=retention)
    response = owner_client.post(options_url(deck), data)
    assert response.status_code == 302
    assert Preset.objects.get(pk=preset.pk).desired_retention == float(retention)


def test_it_refuses_bad_steps_and_out_of_range_parameters(owner_client, owner, deck):
    owner_client.get(options_url(deck))
    preset = Preset.objects.get(owner=owner, is_default=True)
    bad_steps = owner_client.post(options_url(deck), preset_data(preset, learning_steps="1m ten"))
    assert bad_steps.status_code == 422
    assert "is not a step" in bad_steps.content.decode()
    params = list(preset.fsrs_parameters)
    params[4] = 99
    bad_params = owner_client.post(
        options_url(deck), preset_data(preset, fsrs_parameters=", ".join(map(str, params)))
    )
    assert bad_params.status_code == 422
    assert "Parameter 5" in bad_params.content.decode()


def test_a_new_preset_is_cloned_and_assigned_and_can_be_deleted(owner_client, owner, deck):
    owner_client.get(options_url(deck))
    default = Preset.objects.get(owner=owner, is_default=True)
    default.new_per_day = 33
    default.save()
    response = owner_client.post(options_url(deck), {"action": "create", "name": "Exam"})
    assert response.status_code == 302
    exam = Preset.objects.get(owner=owner, name="Exam")
    assert exam.new_per_day == 33 and not exam.is_default
    assert DeckOptions.objects.get(learner=owner, deck=deck).preset == exam
    owner_client.post(options_url(deck), {"action": "delete"})
    assert not Preset.objects.filter(pk=exam.pk).exists()
    assert preset_for_deck(owner, deck).pk == default.pk


def test_choosing_another_preset_for_the_deck(owner_client, owner, deck):
    exam = factories.make_preset(owner, "Exam", new_per_day=50)
    response = owner_client.post(options_url(deck), {"action": "choose", "preset": exam.pk})
    assert response.status_code == 302
    assert preset_for_deck(owner, deck) == exam


def test_someone_elses_preset_cannot_be_chosen(owner_client, other_user, deck):
    theirs = factories.make_preset(other_user, "Theirs")
    response = owner_client.post(options_url(deck), {"action": "choose", "preset": theirs.pk})
    assert response.status_code == 422


def test_the_default_preset_cannot_be_deleted(owner_client, owner, deck):
    owner_client.get(options_url(deck))
    owner_client.post(options_url(deck), {"action": "delete"})
    assert Preset.objects.filter(owner=owner, is_default=True).exists()


def test_steps_read_and_write_like_ankis():
    assert parse_steps("1m 10m 1h 2d 30s 5") == [60, 600, 3600, 172800, 30, 300]
    assert format_steps([60, 600, 3600, 172800, 30]) == "1m 10m 1h 2d 30s"
    assert parse_steps("") == []


def test_optimize_says_how_many_more_reviews_it_needs(owner_client, owner, deck, cards):
    response = owner_client.post(reverse("reviews:optimize", args=[deck.pk]))
    assert response.status_code == 302
    run = OptimizerRun.objects.get(owner=owner)
    assert run.status == OptimizerRun.DONE
    assert run.result == {"enough": False, "reviews": 0, "missing": optimizer.MIN_REVIEWS}
    page = owner_client.get(options_url(deck)).content.decode()
    assert f"{optimizer.MIN_REVIEWS} more are needed" in page


def synthetic_history(learner, deck, cards: int, seed: int = 7) -> None:
    """Reviews a real learner might have made: intervals grow on success, reset on a lapse."""
    rng = random.Random(seed)
    logs = []
    for card in factories.make_cards(learner, deck, cards):
        moment = datetime(2025, 1, 1, 9, tzinfo=UTC) + timedelta(hours=rng.randrange(0, 2000))
        interval = 1.0
        for index in range(8):
            recalled = rng.random() < 0.9 ** (interval / 10)
            rating = rng.choice([2, 3, 3, 3, 4]) if recalled or index == 0 else 1
            logs.append(
                ReviewLog(
                    learner=learner,
                    card=card,
                    deck=deck,
                    rating=rating,
                    kind=ReviewLog.KIND_LEARN if index == 0 else ReviewLog.KIND_REVIEW,
                    reviewed_at=moment,
                )
            )
            interval = 1.0 if rating == 1 else interval * (2.5 if rating >= 3 else 1.2)
            moment += timedelta(days=max(1, round(interval)))
    ReviewLog.objects.bulk_create(logs)


def test_optimize_fits_parameters_to_a_real_history_and_they_can_be_used(owner_client, owner, deck):
    synthetic_history(owner, deck, cards=80)
    response = owner_client.post(
        reverse("reviews:optimize", args=[deck.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    run = OptimizerRun.objects.get(owner=owner)
    assert run.status == OptimizerRun.DONE, run.message
    assert run.result["enough"] is True
    assert run.result["reviews"] >= optimizer.MIN_REVIEWS
    assert len(run.result["parameters"]) == 21
    assert run.result["parameters"] != [round(v, 4) for v in run.preset.fsrs_parameters]
    assert run.result["after"]["log_loss"] <= run.result["before"]["log_loss"]
    html = response.content.decode()
    assert "Log loss" in html and "Use the optimized parameters" in html
    applied = owner_client.post(options_url(deck), {"action": "apply", "run": run.pk})
    assert applied.status_code == 302
    assert Preset.objects.get(pk=run.preset_id).fsrs_parameters == run.result["parameters"]


def test_help_me_decide_draws_a_workload_chart(owner_client, owner, deck, cards):
    response = owner_client.post(
        reverse("reviews:simulate", args=[deck.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    run = OptimizerRun.objects.get(owner=owner, kind=OptimizerRun.SIMULATE)
    assert run.status == OptimizerRun.DONE
    points = run.result["points"]
    assert [point["retention"] for point in points] == list(optimizer.RETENTIONS)
    assert points[-1]["minutes"] > points[0]["minutes"]  # more retention, more work
    html = response.content.decode()
    assert "<svg" in html and "<polyline" in html


def test_a_running_job_is_polled_and_shows_its_progress(owner_client, owner, deck):
    preset = factories.make_preset(owner, "Default", is_default=True)
    run = OptimizerRun.objects.create(
        owner=owner, preset=preset, kind=OptimizerRun.OPTIMIZE,
        status=OptimizerRun.RUNNING, progress=40, message="Optimizing",
    )  # fmt: skip
    html = owner_client.get(reverse("reviews:run_status", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert 'value="40"' in html
