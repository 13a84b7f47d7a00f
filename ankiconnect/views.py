"""The AnkiConnect HTTP endpoint: body limits, JSON, CORS, the key, the rate limit.

`POST /ankiconnect` (key in the body), `POST /ankiconnect/<key>` (for clients that
take only a URL), and JSON POSTs to `/` (for clients that take only a host and
port; see ankiconnect.middleware) all land in `endpoint`. Replies are HTTP 200
with AnkiConnect's envelope, errors included, as AnkiConnect answers; the one
exception is a browser origin that is not on the allowlist (403, as AnkiConnect).
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.addresses import client_address
from accounts.models import User
from ankiconnect.actions import API_VERSION, CallContext, current_call
from ankiconnect.protocol import error_reply, request_shape_error, run_request
from api.keys import take_from_budget, user_for_api_key
from flashcards.models import Deck, NoteType
from flashcards.services.decks import default_deck
from flashcards.services.notetypes import ensure_stock_note_types

_FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def origin_allowed(origin: str | None, patterns: list[str]) -> tuple[bool, str]:
    """(allowed, the Access-Control-Allow-Origin value), as AnkiConnect decides them.

    A request without an Origin header is not from a web page and is allowed.
    """
    if "*" in patterns:
        return True, "*"
    if not origin:
        return True, "http://localhost"
    for pattern in patterns:
        if pattern.endswith("*"):
            if origin.startswith(pattern[:-1]) and len(origin) > len(pattern) - 1:
                return True, origin
        elif origin == pattern:
            return True, origin
    return False, "http://localhost"


def _cors_headers(response: HttpResponse, request: HttpRequest, allow_origin: str) -> None:
    response["Access-Control-Allow-Origin"] = allow_origin
    response["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", "*"
    )
    response["Access-Control-Allow-Methods"] = "POST, GET, OPTIONS"
    response["Vary"] = "Origin"


def _json(request: HttpRequest, payload: Any, allow_origin: str, status: int = 200) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False, default=str).encode()
    response = HttpResponse(body, status=status, content_type="application/json")
    _cors_headers(response, request, allow_origin)
    return response


def from_loopback(request: HttpRequest) -> bool:
    """Whether the client is on this machine.

    With no trusted proxy configured, a request that carries forwarding headers
    came through a proxy we were not told about: it is not taken for local, since
    a proxy on the same machine makes every request look like loopback.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies == 0 and any(header in request.META for header in _FORWARDING_HEADERS):
        return False
    address = client_address(request, trusted_proxy_count=proxies)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def loopback_user() -> User | None:
    username = settings.ANKICONNECT_LOOPBACK_USER
    if not username:
        return None
    return User.objects.filter(username=username, is_active=True).first()


def _read_body(request: HttpRequest, limit: int) -> bytes | None:
    """The raw body, or None when it is over `limit` bytes (read from the stream, so
    Django's form-data limit does not apply: media arrives as base64 in JSON)."""
    peeked = getattr(request, "ankiconnect_body", None)
    if peeked is not None:
        return peeked if len(peeked) <= limit else None
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    data = request.read(limit + 1)
    return data if len(data) <= limit else None


def _prepare_collection(user: User) -> None:
    """What the deck list does on a first visit: stock note types and a Default deck."""
    if not NoteType.objects.filter(owner=user).exists():
        ensure_stock_note_types(owner=user)
    if not Deck.objects.filter(owner=user).exists():
        default_deck(owner=user)


def _action_cost(request_obj: dict[str, Any]) -> int:
    if request_obj.get("action") == "multi":
        actions = (request_obj.get("params") or {}).get("actions")
        if isinstance(actions, list):
            return max(1, len(actions))
    return 1


@csrf_exempt
def endpoint(request: HttpRequest, key: str | None = None) -> HttpResponse:
    request.get_host()  # ALLOWED_HOSTS applies here too (DNS rebinding against loopback)
    origin = request.headers.get("Origin")
    allowed, allow_origin = origin_allowed(origin, list(settings.ANKICONNECT_CORS_ORIGINS))

    if request.method == "OPTIONS":
        response = HttpResponse(b"", content_type="application/json")
        _cors_headers(response, request, allow_origin)
        if allowed:
            # Chrome's Private Network Access: a public page may call a local server.
            response["Access-Control-Allow-Private-Network"] = "true"
            response["Access-Control-Max-Age"] = "600"
        return response
    if request.method not in {"GET", "POST"}:
        return _json(request, error_reply("only POST requests are answered"), allow_origin, 405)

    limit_mb = settings.ANKICONNECT_MAX_BODY_MB
    body = _read_body(request, limit_mb * 1024 * 1024)
    if body is None:
        return _json(
            request, error_reply(f"request body is larger than {limit_mb} MB"), allow_origin
        )
    if not body.strip():
        if not allowed:
            return _json(request, error_reply("origin not allowed"), allow_origin, 403)
        return _json(request, {"apiVersion": f"AnkiConnect v.{API_VERSION}"}, allow_origin)

    try:
        request_obj = json.loads(body.decode("utf-8"))
        problem = request_shape_error(request_obj)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        request_obj, problem = None, str(exc) or "request is not valid JSON"
    if problem is not None:
        if not allowed:
            return _json(request, error_reply("origin not allowed"), allow_origin, 403)
        return _json(request, error_reply(problem), allow_origin)
    assert isinstance(request_obj, dict)

    name = request_obj["action"]
    if not allowed and name != "requestPermission":
        return _json(request, error_reply("origin not allowed"), allow_origin, 403)
    if name == "requestPermission" and not allowed and origin:
        allow_origin = origin  # so the page can read that it was denied, as AnkiConnect

    keyless_user = loopback_user() if from_loopback(request) else None
    given_key = request_obj.get("key")
    if given_key is None:
        given_key = key
    user = user_for_api_key(given_key) if given_key is not None else keyless_user

    if user is not None and name != "requestPermission":
        decision = take_from_budget(user, _action_cost(request_obj))
        if not decision.allowed:
            response = _json(
                request,
                error_reply(
                    f"too many requests for this key: try again in {decision.retry_after} seconds"
                ),
                allow_origin,
            )
            response["Retry-After"] = str(decision.retry_after)
            return response
        _prepare_collection(user)

    token = current_call.set(
        CallContext(
            base_url=f"{request.scheme}://{request.get_host()}",
            origin=origin or "",
            origin_allowed=allowed,
            key_required=keyless_user is None,
        )
    )
    try:
        reply = run_request(user, request_obj)
    finally:
        current_call.reset(token)
    return _json(request, reply, allow_origin)
