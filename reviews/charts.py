"""A small server-side SVG chart for "Help me decide" (no JavaScript, no library)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 520, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36


def workload_svg(points: Sequence[dict[str, Any]], *, current: float | None = None) -> SafeString:
    """Minutes of study per day against desired retention, the current retention marked."""
    if not points:
        return mark_safe("")
    xs = [float(point["retention"]) for point in points]
    ys = [float(point["minutes"]) for point in points]
    x_min, x_max = min(xs), max(xs)
    y_max = max(max(ys), 1.0) * 1.1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    # Points are spread evenly (the retentions are not), so every label has room.
    def x_at(value: float) -> float:
        slots = max(1, len(xs) - 1)
        for index in range(len(xs) - 1):
            low, high = xs[index], xs[index + 1]
            if low <= value <= high:
                part = (value - low) / ((high - low) or 1.0)
                return LEFT + (index + part) / slots * plot_w
        return LEFT + (0 if value <= x_min else plot_w)

    def y_at(value: float) -> float:
        return TOP + plot_h - value / y_max * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="workload-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="workload-title">Minutes of study per day at each desired retention</title>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" '
        f'y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
    ]
    for step in range(5):
        value = y_max * step / 4
        y = y_at(value)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{value:.0f}</text>"
        )
    for value in xs:
        parts.append(
            f'<text class="tick" x="{x_at(value):.1f}" y="{TOP + plot_h + 16}" '
            f'text-anchor="middle">{value:.0%}</text>'
        )
    if current is not None and x_min <= current <= x_max:
        x = x_at(current)
        parts.append(
            f'<line class="current" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}"/>'
            f'<text class="tick" x="{x + 4:.1f}" y="{TOP + 12}">now</text>'
        )
    line = " ".join(f"{x_at(x):.1f},{y_at(y):.1f}" for x, y in zip(xs, ys, strict=True))
    parts.append(f'<polyline class="series" points="{line}"/>')
    for x, y in zip(xs, ys, strict=True):
        label = escape(f"{x:.0%}: {y:.1f} min/day")
        parts.append(
            f'<circle class="dot" cx="{x_at(x):.1f}" cy="{y_at(y):.1f}" r="4">'
            f"<title>{label}</title></circle>"
        )
    parts.append(
        f'<text class="axis-label" x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 4}" '
        f'text-anchor="middle">Desired retention</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built from numbers and escaped text only
