"""The AnkiConnect action registry: action name -> function taking (user, params).

Each module in this package registers its actions with @action. An action is
written as a plain function with keyword parameters named as AnkiConnect names
them; the registry calls it with the request's params, so a missing or unknown
parameter gives the same TypeError text AnkiConnect gives ("addNote() missing 1
required positional argument: 'note'"). Raise ActionError with AnkiConnect's own
wording for refusals; Django ValidationErrors from the services pass through as
their message.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from accounts.models import User

API_VERSION = 6

Action = Callable[[User | None, dict[str, Any]], Any]
REGISTRY: dict[str, Action] = {}
# Actions that run without a key (the user passed to them is None).
KEYLESS_ACTIONS = {"requestPermission"}


class ActionError(Exception):
    """A refusal whose message goes into the envelope's "error" as it is."""


@dataclass(frozen=True)
class CallContext:
    """What an action may need to know about the HTTP request it came in."""

    base_url: str  # "https://cards.example.org", for links the gui* actions answer with
    origin: str  # the Origin header, or ""
    origin_allowed: bool
    key_required: bool  # False when keyless loopback requests are answered


current_call: ContextVar[CallContext | None] = ContextVar("ankiconnect_call", default=None)


def call_context() -> CallContext:
    return current_call.get() or CallContext(
        base_url="", origin="", origin_allowed=True, key_required=True
    )


def action(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `func(user, **params)` under AnkiConnect's action `name`."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(func)

        def run(user: User | None, params: dict[str, Any]) -> Any:
            try:
                bound = signature.bind(user, **params)
            except TypeError as exc:
                raise ActionError(f"{name}() {_binding_message(exc)}") from None
            return func(*bound.args, **bound.kwargs)

        run.__name__ = name
        run.__doc__ = func.__doc__
        REGISTRY[name] = run
        return func

    return register


def _binding_message(exc: TypeError) -> str:
    # inspect says "missing a required argument: 'note'"; Python's call says
    # "missing 1 required positional argument: 'note'", which is what AnkiConnect shows.
    text = str(exc)
    if text.startswith("missing a required argument: "):
        return "missing 1 required positional argument: " + text.split(": ", 1)[1]
    if text.startswith("got an unexpected keyword argument"):
        return text
    return text


def load_actions() -> None:
    """Import every action module, so REGISTRY is complete."""
    from ankiconnect.actions import cards, decks, gui, media, misc, models, notes  # noqa: F401
