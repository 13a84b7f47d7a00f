from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.873 -> "87%"; None (nothing to measure yet) -> "–"."""
    if value is None:
        return "–"
    return f"{value * 100:.{int(digits)}f}%"


@register.filter
def ago(moment: datetime | None) -> str:
    """How long ago, in words: "just now", "5 minutes ago", "2 days ago"."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"
