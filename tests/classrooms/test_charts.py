"""The retention chart's SVG: nothing without reviews, gaps where a week had none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from classrooms.charts import retention_svg
from classrooms.selectors import RetentionPoint

END = datetime(2026, 3, 11, 4, 0, tzinfo=UTC)


def weeks(*counts: tuple[int, int]) -> list[RetentionPoint]:
    points = []
    for back, (reviews, passed) in enumerate(reversed(counts)):
        ends = END - timedelta(weeks=back)
        points.insert(0, RetentionPoint(ends - timedelta(weeks=1), ends, reviews, passed))
    return points


def test_no_reviews_draw_nothing():
    assert retention_svg(weeks((0, 0), (0, 0))) == ""


def test_a_week_without_reviews_breaks_the_line():
    svg = retention_svg(weeks((10, 9), (20, 17), (0, 0), (10, 8), (10, 9)), desired_retention=0.9)
    assert svg.count("<polyline") == 2
    assert svg.count('class="dot"') == 4
    assert "desired 90%" in svg
    assert "Week to Mar 10: 90% of 10 reviews" in svg  # the last study day of the week
    assert ">70%<" in svg and ">100%<" in svg  # round ticks from below the lowest week (80%)


def test_labels_are_escaped_text_only():
    svg = retention_svg(weeks((3, 1)))
    assert "<script" not in svg
    assert svg.startswith('<svg class="chart"')
