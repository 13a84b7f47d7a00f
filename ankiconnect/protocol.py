"""AnkiConnect's request and reply shapes, and running one request.

Django-aware but HTTP-free: ankiconnect.views reads the HTTP request and calls
run_request(); `multi` calls it again for each of its actions.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from ankiconnect.actions import KEYLESS_ACTIONS, REGISTRY, ActionError, load_actions
from flashcards.search import SearchError

logger = logging.getLogger(__name__)

# Requests that name no version are version 4, as AnkiConnect reads them.
DEFAULT_REQUEST_VERSION = 4

load_actions()


def success_reply(version: int, result: Any) -> Any:
    """Versions 4 and below get the bare result; 5 and up the envelope."""
    if version <= 4:
        return result
    return {"result": result, "error": None}


def error_reply(message: str) -> dict[str, Any]:
    """Errors always come in the envelope, whatever the version."""
    return {"result": None, "error": message}


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def request_shape_error(request: Any) -> str | None:
    """What is wrong with a decoded request, worded as AnkiConnect's schema check words it."""
    if not isinstance(request, dict):
        return f"{_show(request)} is not of type 'object'"
    if "action" not in request:
        return "'action' is a required property"
    name = request["action"]
    if not isinstance(name, str):
        return f"{_show(name)} is not of type 'string'"
    if not name:
        return "'' is too short"
    version = request.get("version", DEFAULT_REQUEST_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        return f"{_show(version)} is not of type 'integer'"
    params = request.get("params", {})
    if params is not None and not isinstance(params, dict):
        return f"{_show(params)} is not of type 'object'"
    return None


def _has_nul(value: Any, depth: int = 0) -> bool:
    """Whether a NUL character hides anywhere in the params (Postgres cannot store one)."""
    if isinstance(value, str):
        return "\x00" in value
    if depth > 50:
        return False
    if isinstance(value, dict):
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item, depth + 1) for item in value)
    return False


def request_version(request: Any) -> int:
    version = request.get("version") if isinstance(request, dict) else None
    if isinstance(version, int) and not isinstance(version, bool):
        return version
    return DEFAULT_REQUEST_VERSION


def run_request(user: User | None, request: Any) -> Any:
    """The reply to one decoded AnkiConnect request, for `user` (None: no valid key)."""
    problem = request_shape_error(request)
    if problem:
        return error_reply(problem)
    name = request["action"]
    version = request_version(request)
    params = request.get("params") or {}
    if user is None and name not in KEYLESS_ACTIONS:
        return error_reply("valid api key must be provided")
    func = REGISTRY.get(name)
    if func is None:
        return error_reply("unsupported action")
    if _has_nul(params):
        return error_reply("requests can't contain NUL (\\u0000) characters")
    try:
        # One transaction per action: a failed action leaves nothing half-written,
        # and on Postgres it does not poison the next action of a `multi`.
        with transaction.atomic():
            result = func(user, params)
    except ActionError as exc:
        return error_reply(str(exc))
    except ValidationError as exc:
        return error_reply(" ".join(exc.messages))
    except SearchError as exc:
        return error_reply(exc.message)
    except Exception:
        logger.exception("AnkiConnect action %s failed", name)
        return error_reply(f"{name} failed because of an error in Deckhand")
    return success_reply(version, result)
