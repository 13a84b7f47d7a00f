"""The statistics page's charts and tables, drawn from a StatsPage (no queries here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils.safestring import SafeString

from reviews.charts import Series, bar_chart_svg, heatmap_svg
from reviews.models import ReviewLog
from stats import days as day_math
from stats.selectors import (
    DIFFICULTY_BUCKETS,
    HEATMAP_DAYS,
    KIND_NAMES,
    LOG2_LAST,
    RANGE_LABELS,
    RECALL_BUCKETS,
    StatsPage,
)

KIND_CLASSES = {
    ReviewLog.KIND_LEARN: "fill-learn",
    ReviewLog.KIND_REVIEW: "fill-due",
    ReviewLog.KIND_RELEARN: "fill-again",
    ReviewLog.KIND_FILTERED: "fill-new",
    ReviewLog.KIND_MANUAL: "fill-muted",
}
BUTTON_NAMES = ("Again", "Hard", "Good", "Easy")
BUTTON_CLASSES = ("fill-again", "fill-hard", "fill-good", "fill-easy")


@dataclass
class Chart:
    """An SVG and the same numbers as a table (shown on request, and for screen readers)."""

    svg: SafeString
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def log2_labels() -> list[str]:
    """Labels of the power-of-two day buckets: "<1d", "1d", "2d", "4d", ..."""
    return ["<1d"] + [_days_label(2 ** (index - 1)) for index in range(1, LOG2_LAST + 1)]


def log2_ranges() -> list[str]:
    ranges = ["under 1 day"]
    for index in range(1, LOG2_LAST + 1):
        low = 2 ** (index - 1)
        ranges.append(f"{low} days or more" if index == LOG2_LAST else f"{low} to {2 * low} days")
    return ranges


def _days_label(days: int) -> str:
    if days < 30:
        return f"{days}d"
    if days < 365:
        return f"{days / 30:.0f}mo" if days >= 60 else f"{days}d"
    return f"{days / 365:.1f}y"


def _short(day_number: int) -> str:
    day = day_math.day_from_number(day_number)
    return f"{day.day} {day:%b}"


# Past this many days a bar is a week, so a year's chart stays readable (53 bars, not 365).
DAILY_BARS_UP_TO = 120


def _bins(days: int) -> int:
    return 1 if days <= DAILY_BARS_UP_TO else 7


def _binned(values: list[int] | tuple[int, ...], size: int) -> list[int]:
    return [sum(values[start : start + size]) for start in range(0, len(values), size)]


def forecast_chart(page: StatsPage) -> Chart:
    per_day = list(page.forecast.per_day)
    size = _bins(len(per_day))
    values = _binned(per_day, size)
    if size == 1:
        labels = ["Today", "Tomorrow"] + [
            _short(page.today_number + offset) for offset in range(2, len(per_day))
        ]
    else:
        labels = [_short(page.today_number + start) for start in range(0, len(per_day), size)]
    unit = "day" if size == 1 else "week"
    svg = bar_chart_svg(
        chart_id="forecast",
        title=f"Cards due per {unit}, the next {RANGE_LABELS[page.range_key]}",
        description=(
            f"{sum(per_day):,} cards due in the next {len(per_day)} days; "
            f"{page.forecast.today:,} today (with {page.forecast.overdue:,} overdue), "
            f"{page.forecast.tomorrow:,} tomorrow, busiest {unit} {max(values, default=0):,}."
        ),
        labels=labels,
        series=[Series("Due", values, "fill-due")],
        unit="cards",
        label_every=_label_every(len(values)),
    )
    heading = "Day" if size == 1 else "Week from"
    rows = [[label, f"{n:,}"] for label, n in zip(labels, values, strict=True)]
    return Chart(svg, [heading, "Cards due"], rows)


def _label_every(count: int) -> int:
    return 1 if count <= 12 else 7 if count <= 120 else 30


def reviews_chart(page: StatsPage) -> Chart:
    kinds = [
        kind for kind in KIND_NAMES if any(counts.get(kind) for _, counts in page.per_day)
    ] or [ReviewLog.KIND_REVIEW]
    days = len(page.per_day)
    size = _bins(days)
    # Bins end today: the oldest one may be shorter.
    first_bin = days % size or size
    starts = [0, *range(first_bin, days, size)]
    ends = [*starts[1:], days]
    labels = [_short(page.per_day[start][0]) for start in starts]

    def per_bin(values: list[int]) -> list[int]:
        return [sum(values[a:b]) for a, b in zip(starts, ends, strict=True)]

    series = [
        Series(
            KIND_NAMES[kind],
            per_bin([counts.get(kind, 0) for _, counts in page.per_day]),
            KIND_CLASSES[kind],
        )
        for kind in kinds
    ]
    daily_totals = [sum(counts.values()) for _, counts in page.per_day]
    totals = per_bin(daily_totals)
    seconds = per_bin(page.per_day_seconds)
    days_studied = sum(1 for total in daily_totals if total)
    unit = "day" if size == 1 else "week"
    svg = bar_chart_svg(
        chart_id="reviews",
        title=f"Reviews per {unit} by kind, the last {RANGE_LABELS[page.range_key]}",
        description=(
            f"{sum(totals):,} reviews on {days_studied} of {days} days: "
            + ", ".join(f"{sum(s.values):,} {s.name.lower()}" for s in series)
            + "."
        ),
        labels=labels,
        series=series,
        unit="reviews",
        label_every=_label_every(len(labels)),
    )
    rows = [
        [label, *(f"{s.values[i]:,}" for s in series), f"{totals[i]:,}", _minutes(seconds[i])]
        for i, label in enumerate(labels)
        if totals[i]
    ]
    heading = "Day" if size == 1 else "Week from"
    return Chart(svg, [heading, *(s.name for s in series), "Total", "Time"], rows)


def heatmap_chart(page: StatsPage) -> Chart:
    first = page.today_date - timedelta(days=HEATMAP_DAYS - 1)
    counts = {day_math.day_from_number(n): c for n, c in page.heatmap.items()}
    studied = sum(1 for c in page.heatmap.values() if c)
    total = sum(page.heatmap.values())
    busiest = max(page.heatmap.items(), key=lambda item: (item[1], item[0]), default=None)
    busiest_text = (
        f" The busiest day was {day_math.day_from_number(busiest[0]):%A %d %B %Y} "
        f"with {busiest[1]:,} reviews."
        if busiest and busiest[1]
        else ""
    )
    svg = heatmap_svg(
        chart_id="heatmap",
        title="Reviews per day over the last year",
        description=(
            f"{total:,} reviews on {studied} of the last {HEATMAP_DAYS} days.{busiest_text}"
        ),
        counts=counts,
        first_day=first,
        last_day=page.today_date,
    )
    return Chart(svg)


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds} s"


def _histogram(
    chart_id: str,
    title: str,
    noun: str,
    labels: list[str],
    ranges: list[str],
    counts: list[int],
    css: str,
    x_label: str,
) -> Chart:
    total = sum(counts)
    if total:
        top = max(range(len(counts)), key=lambda i: counts[i])
        description = f"{total:,} {noun}; the most ({counts[top]:,}) in {ranges[top]}."
    else:
        description = f"No {noun} yet."
    svg = bar_chart_svg(
        chart_id=chart_id,
        title=title,
        description=description,
        labels=labels,
        series=[Series(noun.capitalize(), counts, css)],
        unit=noun,
        x_label=x_label,
        width=460,
        height=200,
    )
    rows = [[rng, f"{n:,}"] for rng, n in zip(ranges, counts, strict=True) if n]
    return Chart(svg, [x_label.capitalize(), noun.capitalize()], rows)


def interval_chart(page: StatsPage) -> Chart:
    return _histogram(
        "intervals", "Review intervals", "cards", log2_labels(), log2_ranges(),
        page.intervals, "fill-due", "interval",
    )  # fmt: skip


def stability_chart(page: StatsPage) -> Chart:
    return _histogram(
        "stability", "Stability (days until recall falls to 90%)", "cards", log2_labels(),
        log2_ranges(), page.stability, "fill-new", "stability",
    )  # fmt: skip


def difficulty_chart(page: StatsPage) -> Chart:
    step = 100 // DIFFICULTY_BUCKETS
    labels = [f"{i * step}%" for i in range(DIFFICULTY_BUCKETS)]
    ranges = [f"{i * step}–{(i + 1) * step}%" for i in range(DIFFICULTY_BUCKETS)]
    return _histogram(
        "difficulty", "Difficulty", "cards", labels, ranges, page.difficulty, "fill-learn",
        "difficulty",
    )  # fmt: skip


def recall_chart(page: StatsPage) -> Chart:
    step = 100 // RECALL_BUCKETS
    labels = [f"{i * step}%" if i % 2 == 0 else "" for i in range(RECALL_BUCKETS)]
    ranges = [f"{i * step}–{(i + 1) * step}%" for i in range(RECALL_BUCKETS)]
    return _histogram(
        "recall", "Current retrievability (chance of recall now)", "cards", labels, ranges,
        page.recall, "fill-good", "retrievability",
    )  # fmt: skip


def buttons_chart(page: StatsPage) -> Chart:
    groups = [("learning", "Learning"), ("young", "Young"), ("mature", "Mature")]
    series = [
        Series(name, [page.buttons[key][index] for key, _ in groups], css)
        for index, (name, css) in enumerate(zip(BUTTON_NAMES, BUTTON_CLASSES, strict=True))
    ]
    rows = []
    parts = []
    for key, label in groups:
        counts = page.buttons[key]
        total = sum(counts)
        correct = (total - counts[0]) / total if total else None
        rows.append([label, *(f"{n:,}" for n in counts), f"{total:,}", percent(correct)])
        if total:
            parts.append(f"{label}: {total:,} answers, {percent(correct)} correct")
    svg = bar_chart_svg(
        chart_id="buttons",
        title=f"Answer buttons, the last {RANGE_LABELS[page.range_key]}",
        description=("; ".join(parts) or "No answers in this period") + ".",
        labels=[label for _, label in groups],
        series=series,
        stacked=False,
        unit="answers",
        width=460,
        height=200,
    )
    return Chart(svg, ["Cards", *BUTTON_NAMES, "Total", "Correct"], rows)


def hours_chart(page: StatsPage) -> Chart:
    labels = [f"{hour}" for hour in range(24)]
    reviews = [n for n, _ in page.hours]
    busiest = max(range(24), key=lambda h: reviews[h])
    total = sum(reviews)
    description = (
        f"{total:,} reviews; most at {busiest}:00 ({reviews[busiest]:,})."
        if total
        else "No reviews in this period."
    )
    svg = bar_chart_svg(
        chart_id="hours",
        title=f"Reviews by hour of the day, the last {RANGE_LABELS[page.range_key]}",
        description=description,
        labels=labels,
        series=[Series("Reviews", reviews, "fill-accent")],
        unit="reviews",
        label_every=3,
        x_label="hour",
        width=460,
        height=200,
    )
    rows = [
        [f"{hour}:00–{hour}:59", f"{n:,}", percent(passed / n if n else None)]
        for hour, (n, passed) in enumerate(page.hours)
        if n
    ]
    return Chart(svg, ["Hour", "Reviews", "Correct"], rows)


def page_charts(page: StatsPage) -> dict[str, Chart]:
    return {
        "forecast": forecast_chart(page),
        "heatmap": heatmap_chart(page),
        "reviews": reviews_chart(page),
        "intervals": interval_chart(page),
        "stability": stability_chart(page),
        "difficulty": difficulty_chart(page),
        "recall": recall_chart(page),
        "buttons": buttons_chart(page),
        "hours": hours_chart(page),
    }
