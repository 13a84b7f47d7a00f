"""Miscellaneous actions: version, permission, multi, reflection, statistics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

from accounts.models import User
from ankiconnect.actions import API_VERSION, REGISTRY, ActionError, action, call_context
from reviews.models import ReviewLog


@action("version")
def version(user: User) -> int:
    return API_VERSION


@action("requestPermission")
def request_permission(user: User | None) -> dict[str, Any]:
    """Granted for origins on the CORS allowlist (and for clients that send none).

    Deckhand cannot show a prompt as desktop Anki does: the allowlist
    (ANKICONNECT_CORS_ORIGINS) is the admin's standing answer. `requireApikey`
    is false only where keyless loopback requests are answered.
    """
    context = call_context()
    if not context.origin_allowed:
        return {"permission": "denied"}
    return {
        "permission": "granted",
        "requireApikey": context.key_required,
        "version": API_VERSION,
    }


@action("multi")
def multi(user: User, actions: Any) -> list[Any]:
    """Run several actions; each reply is shaped by that action's own version."""
    from ankiconnect.protocol import run_request

    if not isinstance(actions, list):
        raise ActionError('"actions" must be a list of requests')
    limit = settings.ANKICONNECT_MAX_MULTI_ACTIONS
    if len(actions) > limit:
        raise ActionError(f"multi accepts at most {limit} actions per request")
    if any(isinstance(item, dict) and item.get("action") == "multi" for item in actions):
        raise ActionError("multi cannot contain another multi")
    return [run_request(user, item) for item in actions]


@action("sync")
def sync(user: User) -> None:
    """Nothing to do: Deckhand is the server, every change is saved as it is made."""
    return None


@action("getProfiles")
def get_profiles(user: User) -> list[str]:
    return [user.username]


@action("getNumCardsReviewedToday")
def get_num_cards_reviewed_today(user: User) -> int:
    """Reviews since the start of the user's study day (their time zone and day-start hour)."""
    day_start = user.next_day_starts() - timedelta(days=1)
    return ReviewLog.objects.filter(learner=user, reviewed_at__gte=day_start).count()


@action("apiReflect")
def api_reflect(user: User, scopes: Any = None, actions: Any = None) -> dict[str, Any]:
    if not isinstance(scopes, list):
        raise ActionError("scopes has invalid value")
    if not (actions is None or isinstance(actions, list)):
        raise ActionError("actions has invalid value")
    result: dict[str, Any] = {"scopes": []}
    if "actions" in scopes:
        names = sorted(REGISTRY) if actions is None else actions
        result["scopes"].append("actions")
        result["actions"] = [name for name in names if isinstance(name, str) and name in REGISTRY]
    return result
