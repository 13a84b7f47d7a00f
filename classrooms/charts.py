"""The class's retention over time as a small server-side SVG (no JavaScript, no library).

Drawn with the same classes as reviews.charts (.chart, .axis, .grid, .tick, .series,
.dot, .current), so it follows the stylesheet's light and dark colours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from classrooms.selectors import RetentionPoint

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 28, 16, 40


def _day(ends) -> str:  # noqa: ANN001
    """A week's label: its last study day (the week ends when the next day starts)."""
    return formats.date_format(timezone.localtime(ends - timedelta(days=1)), "M j")


def retention_svg(
    points: Sequence[RetentionPoint], *, desired_retention: float | None = None
) -> SafeString:
    """Weekly true retention as a line (weeks without reviews leave a gap), the desired
    retention as a dashed line. Empty when no week has reviews."""
    if not any(point.reviews for point in points):
        return mark_safe("")
    values = [point.retention for point in points if point.retention is not None]
    low = min([*values, desired_retention or 1.0])
    # The axis starts at a round tenth below the lowest value, so differences show;
    # ticks every 10% (every 20% when the axis starts below 50%).
    y_min = min(0.8, math.floor((low - 0.02) * 10) / 10)
    step = 0.1 if y_min >= 0.5 else 0.2
    y_min = math.floor(round(y_min / step, 6)) * step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slots = max(1, len(points) - 1)

    def x_at(index: int) -> float:
        return LEFT + index / slots * plot_w

    def y_at(value: float) -> float:
        return TOP + plot_h - (value - y_min) / (1 - y_min) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="retention-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="retention-title">True retention of the class, week by week</title>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" '
        f'y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
    ]
    for tick in range(round((1 - y_min) / step) + 1):
        value = y_min + tick * step
        y = y_at(value)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{value:.0%}</text>"
        )
    label_every = max(1, len(points) // 6)
    for index, point in enumerate(points):
        if (len(points) - 1 - index) % label_every == 0:
            parts.append(
                f'<text class="tick" x="{x_at(index):.1f}" y="{TOP + plot_h + 16}" '
                f'text-anchor="middle">{escape(_day(point.ends))}</text>'
            )
    if desired_retention is not None and desired_retention >= y_min:
        y = y_at(desired_retention)
        parts.append(
            f'<line class="current" x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT + plot_w}" y="{y - 5:.1f}" text-anchor="end">'
            f"desired {desired_retention:.0%}</text>"
        )
    # One polyline per run of weeks with reviews.
    run: list[str] = []
    for index, point in enumerate([*points, None]):
        if point is not None and point.retention is not None:
            run.append(f"{x_at(index):.1f},{y_at(point.retention):.1f}")
            continue
        if len(run) > 1:
            parts.append(f'<polyline class="series" points="{" ".join(run)}"/>')
        run = []
    for index, point in enumerate(points):
        if point.retention is None:
            continue
        label = escape(
            f"Week to {_day(point.ends)}: {point.retention:.0%} of {point.reviews} reviews"
        )
        parts.append(
            f'<circle class="dot" cx="{x_at(index):.1f}" cy="{y_at(point.retention):.1f}" '
            f'r="4"><title>{label}</title></circle>'
        )
    parts.append(
        f'<text class="axis-label" x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 4}" '
        f'text-anchor="middle">Week ending</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built from numbers and escaped text only
