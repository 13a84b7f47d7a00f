"""The /api/v1 NinjaAPI: bearer-key auth, error shapes, pagination.

Every error answers with a 4xx status and {"detail": "..."} (validation errors
add "errors"). The key is the same per-user key the AnkiConnect endpoint takes,
sent as `Authorization: Bearer KEY`; requests count against the key's budget.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from accounts.models import User
from api.keys import take_from_budget, user_for_api_key
from flashcards.search import SearchError

logger = logging.getLogger(__name__)


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class ApiKey(HttpBearer):
    """`Authorization: Bearer KEY`, the key from the account's settings page."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_api_key(token)
        if user is None:
            return None
        decision = take_from_budget(user)
        if not decision.allowed:
            raise RateLimited(decision.retry_after)
        return user


api = NinjaAPI(
    title="Deckhand API",
    version="1",
    description=(
        "Decks, note types, notes, cards, media and studying in your Deckhand collection. "
        "Authenticate with your API key (Settings) as `Authorization: Bearer KEY`. "
        "Notes and cards are searched with Anki's browser syntax (`q=deck:French tag:verb`)."
    ),
    auth=ApiKey(),
    urls_namespace="api_v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def user_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _error(request: HttpRequest, detail: str, status: int, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(NinjaValidationError)
def _invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {key: value for key, value in error.items() if key in {"loc", "msg", "type"}}
        for error in exc.errors
    ]
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", []))
    detail = f"{where}: {first.get('msg', 'invalid input')}" if where else "Invalid input."
    return _error(request, detail, 422, errors=errors)


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _error(request, " ".join(exc.messages), 400)


@api.exception_handler(SearchError)
def _bad_search(request: HttpRequest, exc: SearchError) -> HttpResponse:
    return _error(request, exc.message, 400)


@api.exception_handler(DataError)
def _bad_data(request: HttpRequest, exc: DataError) -> HttpResponse:
    logger.info("API request refused by the database: %s", exc)
    return _error(request, "A value was out of range or not storable.", 400)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, "Send your API key as 'Authorization: Bearer KEY'.", 401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.message, exc.status_code)


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _error(
        request, f"Too many requests for this key: try again in {exc.retry_after} seconds.", 429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int | None = Field(
        None, ge=1, le=500, description="Items per page (default API_PAGE_SIZE, 50)."
    )


def paginate(queryset: Any, query: PageQuery, convert: Any) -> dict[str, Any]:
    """{"items": [...], "count": total} for one page of an ordered queryset."""
    size = query.page_size or settings.API_PAGE_SIZE
    start = (query.page - 1) * size
    return {
        "items": [convert(obj) for obj in queryset[start : start + size]],
        "count": queryset.count(),
    }


def with_errors(ok: dict[int, Any], *codes: int) -> dict[int, Any]:
    """The responses an operation documents: its own, plus the errors every one can give."""
    from api.schemas import Error

    return {**ok, **dict.fromkeys(codes or (400, 401, 404, 422, 429), Error)}


def register_routes() -> None:
    from api.endpoints import content, jobs, media, study

    api.add_router("", content.router)
    api.add_router("", media.router)
    api.add_router("", study.router)
    api.add_router("", jobs.router)


register_routes()
