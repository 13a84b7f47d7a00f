"""Studying: the next card, grading it, undoing the last grade."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["study"])
