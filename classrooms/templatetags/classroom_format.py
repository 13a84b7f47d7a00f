from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.873 -> "87%"; None (nothing to measure yet) -> "–"."""
    if value is None:
        return "–"
    return f"{value * 100:.{int(digits)}f}%"
