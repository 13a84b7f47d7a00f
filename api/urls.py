from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from api.main import api


def not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """Any other address under /api/v1/ answers as the API's own 404s do: JSON."""
    return JsonResponse({"detail": "Not Found"}, status=404)


urlpatterns = [path("", api.urls), path("<path:rest>", not_found)]
