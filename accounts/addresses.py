"""Which address a request came from, for per-address login limits."""

from __future__ import annotations

from django.http import HttpRequest


def client_address(request: HttpRequest, *, trusted_proxy_count: int = 0) -> str:
    """REMOTE_ADDR, or the address the outermost trusted proxy saw.

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so with N proxies the client is the N-th entry from the end;
    anything before it was written by the client and cannot be believed. If the
    header is shorter than expected the request skipped the proxies, so fall back
    to REMOTE_ADDR rather than trust a forged value.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if trusted_proxy_count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < trusted_proxy_count:
        return remote
    return hops[-trusted_proxy_count][:64]
