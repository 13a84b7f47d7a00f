"""Server-side SVG charts (no JavaScript, no library): "Help me decide" and statistics."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
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


# --- Generic charts (the statistics page) -----------------------------------------------
# Colours come from CSS classes (static/css/app.css: .chart .fill-*, .heat-*), so the
# charts follow the light and dark palettes. Each chart is an <svg role="img"> named by
# its <title> and described by its <desc>; every bar and cell has its own <title> too.


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    css_class: str = "fill-accent"  # .chart .fill-accent, .fill-new, .fill-again, ...


def nice_axis(tallest: float, *, whole: bool = True, ticks: int = 5) -> tuple[float, float]:
    """(top, step) of a value axis from 0: the step is 1, 2 or 5 times a power of ten,
    whole numbers for counts, and the top the first step at or above `tallest`."""
    if tallest <= 0:
        return 1.0, 1.0 if whole else 0.25
    raw = tallest / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if raw <= m * power + 1e-12)
    if whole:
        step = max(1.0, step)
    return step * math.ceil(tallest / step - 1e-9), step


def _number(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _open_svg(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    chart_id = escape(chart_id)
    return [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def bar_chart_svg(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    stacked: bool = True,
    x_label: str = "",
    unit: str = "",
    label_every: int = 1,
    value_format: Callable[[float], str] = _number,
    width: int = 640,
    height: int = 220,
) -> SafeString:
    """Bars per label, several series stacked (or side by side), with a legend if several.

    `labels[i]` names slot i; `series[k].values[i]` is its height. Only every
    `label_every`th label is written under the axis; every bar's <title> has its own.
    """
    if not labels or not series:
        return mark_safe("")
    left, right, bottom = 48, 12, 40 if x_label else 24
    top = 28 if len(series) > 1 else 12
    plot_w, plot_h = width - left - right, height - top - bottom
    if stacked:
        tallest = max(sum(s.values[i] for s in series) for i in range(len(labels)))
    else:
        tallest = max(max(s.values) for s in series)
    whole = all(float(value).is_integer() for one in series for value in one.values)
    y_max, y_step = nice_axis(tallest, whole=whole)
    slot = plot_w / len(labels)
    bar_w = max(1.0, slot * (0.8 if slot > 4 else 1.0))

    def y_at(value: float) -> float:
        return top + plot_h - value / y_max * plot_h

    parts = _open_svg(chart_id, title, description, width, height)
    for step in range(round(y_max / y_step) + 1):
        value = y_step * step
        y = y_at(value)
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(value_format(value))}</text>"
        )
    for index, label in enumerate(labels):
        x0 = left + index * slot + (slot - bar_w) / 2
        base = 0.0
        for position, one in enumerate(series):
            value = float(one.values[index])
            if not value:
                continue
            name = f"{label}: {one.name + ' ' if len(series) > 1 else ''}"
            tip = escape(f"{name}{value_format(value)}{' ' + unit if unit else ''}")
            if stacked:
                y_top, y_bottom = y_at(base + value), y_at(base)
                x, w = x0, bar_w
                base += value
            else:
                w = bar_w / len(series)
                x, y_top, y_bottom = x0 + position * w, y_at(value), y_at(0)
            parts.append(
                f'<rect class="bar {escape(one.css_class)}" x="{x:.1f}" y="{y_top:.1f}" '
                f'width="{w:.1f}" height="{max(0.5, y_bottom - y_top):.1f}">'
                f"<title>{tip}</title></rect>"
            )
        if index % max(1, label_every) == 0:
            parts.append(
                f'<text class="tick" x="{left + (index + 0.5) * slot:.1f}" y="{top + plot_h + 15}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append(
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" '
        f'x2="{left + plot_w}" y2="{top + plot_h}"/>'
    )
    if x_label:
        parts.append(
            f'<text class="axis-label" x="{left + plot_w / 2:.0f}" y="{height - 6}" '
            f'text-anchor="middle">{escape(x_label)}</text>'
        )
    if len(series) > 1:
        x = float(left)
        for one in series:
            parts.append(
                f'<rect class="{escape(one.css_class)}" x="{x:.1f}" y="6" '
                f'width="10" height="10" rx="2"/>'
                f'<text class="legend" x="{x + 14:.1f}" y="15">{escape(one.name)}</text>'
            )
            x += 24 + 7 * len(one.name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built from numbers and escaped text only


def heatmap_svg(
    *,
    chart_id: str,
    title: str,
    description: str,
    counts: Mapping[date, int],
    first_day: date,
    last_day: date,
    unit: str = "review",
) -> SafeString:
    """A calendar: one column per week (Monday first), one cell per day, darker for more."""
    cell, gap, left, top = 11, 2, 30, 16
    start = first_day - timedelta(days=first_day.weekday())
    weeks = (last_day - start).days // 7 + 1
    width = left + weeks * (cell + gap) + 4
    height = top + 7 * (cell + gap) + 22
    busiest = max((n for day, n in counts.items() if first_day <= day <= last_day), default=0)
    parts = _open_svg(chart_id, title, description, width, height)
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
        parts.append(
            f'<text class="tick" x="{left - 4}" y="{top + row * (cell + gap) + cell - 1}" '
            f'text-anchor="end">{name}</text>'
        )
    for week in range(weeks):
        monday = start + timedelta(days=7 * week)
        x = left + week * (cell + gap)
        firsts = [
            monday + timedelta(days=d) for d in range(7) if (monday + timedelta(days=d)).day == 1
        ]
        # A month's name over the week it starts in; the first column's only if there is room.
        if (firsts and firsts[0] >= first_day) or (week == 0 and first_day.day < 20):
            month = firsts[0] if firsts and firsts[0] >= first_day else first_day
            if week < weeks - 2:
                parts.append(f'<text class="tick" x="{x}" y="{top - 5}">{month:%b}</text>')
        for weekday in range(7):
            day = monday + timedelta(days=weekday)
            if day < first_day or day > last_day:
                continue
            n = counts.get(day, 0)
            level = 0 if not n else min(4, 1 + (4 * n - 1) // max(busiest, 1))
            tip = escape(f"{day:%a} {day.day} {day:%b %Y}: {n:,} {unit}{'' if n == 1 else 's'}")
            parts.append(
                f'<rect class="heat-{level}" x="{x}" y="{top + weekday * (cell + gap)}" '
                f'width="{cell}" height="{cell}" rx="2"><title>{tip}</title></rect>'
            )
    legend_y = top + 7 * (cell + gap) + 6
    x = width - 5 * (cell + gap) - 40
    parts.append(
        f'<text class="tick" x="{x - 4}" y="{legend_y + cell - 1}" text-anchor="end">Less</text>'
    )
    for level in range(5):
        parts.append(
            f'<rect class="heat-{level}" x="{x + level * (cell + gap)}" y="{legend_y}" '
            f'width="{cell}" height="{cell}" rx="2"/>'
        )
    parts.append(
        f'<text class="tick" x="{x + 5 * (cell + gap) + 2}" y="{legend_y + cell - 1}">More</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built from numbers and escaped text only
