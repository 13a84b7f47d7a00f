"""Helpers more than one module of class pages uses."""

from __future__ import annotations

from django.urls import reverse

from config.types import AuthedRequest


def _posted(request: AuthedRequest):  # noqa: ANN202
    """The POST data to bind a form to (even when empty), None for a GET."""
    return request.POST if request.method == "POST" else None


def _invite_url(request: AuthedRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("classrooms:join", args=[code]))
