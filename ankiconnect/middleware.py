"""Send AnkiConnect requests POSTed to the site root to the AnkiConnect endpoint.

Some tools take only a host and a port and POST to "/". The site root is also
the deck list, whose form POSTs there too, so the request is told apart by its
body: a JSON content type, or a body that is a JSON object with an "action".
The deck form sends `application/x-www-form-urlencoded` fields, which never
parse as a JSON object. A CORS preflight (OPTIONS with
Access-Control-Request-Method) to "/" is answered by the endpoint as well; the
deck list has no OPTIONS of its own.

A middleware rather than a wrapper around the root view, so flashcards' URLs
stay as they are and the request skips CSRF and session handling, which the
key-authenticated endpoint does not use.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

_JSON_TYPES = {"application/json", "text/json"}


def is_ankiconnect_request(request: HttpRequest) -> bool:
    if request.method == "OPTIONS":
        return "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META
    if request.method != "POST":
        return False
    content_type = (request.content_type or "").lower()
    if content_type in _JSON_TYPES:
        return True
    if content_type.startswith("multipart/"):
        return False
    try:
        body = request.body  # cached: the deck form still reads request.POST afterwards
    except RequestDataTooBig:
        return False
    if not body.lstrip().startswith(b"{"):
        return False
    try:
        decoded = json.loads(body)
    except ValueError:
        return False
    if isinstance(decoded, dict) and "action" in decoded:
        request.ankiconnect_body = body  # type: ignore[attr-defined]
        return True
    return False


class AnkiConnectRootMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/" and is_ankiconnect_request(request):
            from ankiconnect.views import endpoint

            return endpoint(request)
        return self.get_response(request)
