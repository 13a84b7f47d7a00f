"""The page as HTML: charts a screen reader can name, colours from the stylesheet, links."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.charts import Series, bar_chart_svg, heatmap_svg, nice_axis
from tests import factories
from tests.stats.history import fill_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def html(owner, owner_client) -> str:
    deck = factories.make_deck(owner, "French")
    fill_history(owner, deck, cards=60, now=timezone.now())
    response = owner_client.get(reverse("stats:deck", args=[deck.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_every_chart_is_an_image_named_by_its_title_and_described(html):
    charts = re.findall(r'<svg class="chart"[^>]*>', html)
    assert len(charts) == 9
    for tag in charts:
        assert 'role="img"' in tag
        title_id, desc_id = re.search(r'aria-labelledby="([^"]+)"', tag).group(1).split()
        assert f'<title id="{title_id}">' in html
        assert f'<desc id="{desc_id}">' in html


def test_charts_take_their_colours_from_the_stylesheet(html):
    svg = "".join(re.findall(r"<svg.*?</svg>", html, flags=re.S))
    assert not re.search(r'(fill|stroke)="#', svg)
    assert 'class="bar fill-due"' in svg
    assert 'class="heat-' in svg


def test_the_numbers_behind_charts_are_also_tables(html):
    assert html.count("Show as a table") >= 6
    assert '<th scope="row">Last week</th>' in html


def test_the_page_links_its_periods_downloads_and_cards(html):
    assert 'href="?range=quarter"' in html
    assert "/export/cards.csv" in html and "/export/reviews.xlsx" in html
    assert re.search(r'<a href="/notes/\d+/">', html)


def test_an_unknown_period_falls_back_to_a_month(owner_client):
    response = owner_client.get(reverse("stats:collection") + "?range=decade")
    assert response.status_code == 200
    assert response.context["page"].range_key == "month"


def test_the_deck_page_and_the_nav_link_to_the_statistics(owner, owner_client):
    deck = factories.make_deck(owner, "French")
    html = owner_client.get(reverse("flashcards:deck_detail", args=[deck.pk])).content.decode()
    assert f'href="{reverse("stats:deck", args=[deck.pk])}"' in html
    assert f'href="{reverse("stats:collection")}"' in html


def test_bar_charts_escape_labels_and_stack_series():
    svg = bar_chart_svg(
        chart_id="c<1>",
        title="A & B",
        description="<script>",
        labels=["<b>", "two"],
        series=[Series("Learn", [1, 2], "fill-learn"), Series("Review", [3, 0], "fill-due")],
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "&lt;b&gt;" in svg and "A &amp; B" in svg
    assert svg.count('class="bar ') == 3  # the zero is not drawn
    assert "<title>two: Learn 2</title>" in svg
    assert "Learn</text>" in svg  # a legend for two series


def test_the_heatmap_has_a_cell_per_day_and_a_legend():
    svg = heatmap_svg(
        chart_id="h",
        title="t",
        description="d",
        counts={date(2024, 3, 1): 10, date(2024, 3, 2): 1},
        first_day=date(2024, 1, 1),
        last_day=date(2024, 3, 31),
    )
    cells = re.findall(r'<rect class="heat-(\d)"[^>]*><title>([^<]+)</title>', svg)
    assert len(cells) == 91
    assert ("4", "Fri 1 Mar 2024: 10 reviews") in cells
    assert ("1", "Sat 2 Mar 2024: 1 review") in cells
    assert "Less" in svg and "More" in svg


def test_value_axes_step_in_whole_numbers_for_counts():
    assert nice_axis(9) == (10, 2)
    assert nice_axis(3) == (3, 1)
    assert nice_axis(1234) == (1500, 500)
    assert nice_axis(0.37, whole=False) == pytest.approx((0.4, 0.1))


def test_a_years_charts_have_a_bar_per_week(owner, owner_client):
    deck = factories.make_deck(owner, "French")
    fill_history(owner, deck, cards=40, now=timezone.now())
    response = owner_client.get(reverse("stats:deck", args=[deck.pk]) + "?range=year")
    charts = response.context["charts"]
    page = response.context["page"]
    reviews_svg = str(charts["reviews"].svg)
    assert "Reviews per week by kind" in reviews_svg
    assert len(charts["reviews"].rows) <= 53
    total = sum(int(row[-2].replace(",", "")) for row in charts["reviews"].rows)
    assert total == sum(sum(kinds.values()) for _, kinds in page.per_day)
    forecast_rows = charts["forecast"].rows
    assert len(forecast_rows) == 53
    assert sum(int(n.replace(",", "")) for _, n in forecast_rows) == sum(page.forecast.per_day)
