"""A learner opens the statistics of their collection and of a deck, light and dark,
switches the period, reads a chart as a table and downloads their cards."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_deck, make_user
from tests.stats.history import fill_history

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "correct-horse-9")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()


def _close_up(page, selector: str, name: str) -> None:
    """A screenshot of one part of the page at full size, to look at the charts' details."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # The sticky top bar would cover the part scrolled into view.
    page.locator(".topbar").evaluate("bar => { bar.style.position = 'static'; }")
    page.locator(selector).first.screenshot(path=str(ARTIFACTS / f"test_stats__{name}.png"))


def test_a_learner_reads_their_statistics(page, shot):
    learner = make_user("ada")
    deck = make_deck(learner, "French::Vocabulary")
    fill_history(learner, deck, cards=240, now=timezone.now())
    _log_in(page)

    page.click("nav.mainnav >> text=Stats")
    expect(page.get_by_role("heading", name="Statistics")).to_be_visible()
    expect(page.locator("svg#heatmap, svg[aria-labelledby^='heatmap']")).to_be_visible()
    expect(page.get_by_role("img", name="Reviews per day over the last year")).to_be_visible()
    shot("collection-light")
    _close_up(page, ".stats-cards", "figures")
    _close_up(page, "section[aria-labelledby=forecast-heading]", "forecast")
    _close_up(page, ".stats-pair", "distributions")

    page.emulate_media(color_scheme="dark")
    shot("collection-dark")
    _close_up(page, ".stats-pair", "distributions-dark")
    _close_up(page, "section[aria-labelledby=heatmap-heading]", "heatmap-dark")
    page.emulate_media(color_scheme="light")

    page.click(".range-switch >> text=1 year")
    expect(page.locator(".range-switch a[aria-current]")).to_have_text("1 year")
    expect(page.get_by_role("img", name="Answer buttons, the last 1 year")).to_be_visible()
    page.locator("#hours-heading + figure summary").click()
    expect(page.locator("#hours-heading + figure table")).to_be_visible()
    shot("collection-year")
    _close_up(page, "section[aria-labelledby=reviews-heading]", "reviews-year")

    page.goto(f"/decks/{deck.pk}/")
    page.click(".page-head >> text=Stats")
    expect(page.get_by_role("heading", name="Statistics: Vocabulary")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 800})
    shot("deck-phone")
    _close_up(page, "section[aria-labelledby=hardest-heading]", "hardest-phone")
    _close_up(page, ".stats-cards", "figures-phone")
    page.set_viewport_size({"width": 1280, "height": 860})

    with page.expect_download() as download_info:
        page.click(".downloads li:first-child >> text=CSV")
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 240
    assert {"Front", "Back", "retrievability", "stability"} <= set(rows[0])

    page.locator(".hardest-table a").first.click()
    expect(page.locator("textarea").first).to_be_visible()
