from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


class Api:
    """A client that sends a user's key as a bearer token, as an API script would."""

    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", params, **self.headers)

    def post(self, path: str, body: Any = None, **extra: Any):
        return self.client.post(
            f"/api/v1{path}", json.dumps(body or {}), content_type="application/json",
            **self.headers, **extra,
        )  # fmt: skip

    def patch(self, path: str, body: Any):
        return self.client.patch(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", **self.headers
        )

    def delete(self, path: str):
        return self.client.delete(f"/api/v1{path}", **self.headers)

    def upload(self, path: str, files: dict[str, Any], **data: Any):
        return self.client.post(f"/api/v1{path}", {**files, **data}, **self.headers)


@pytest.fixture
def api(owner) -> Api:
    return Api(owner.api_key)


@pytest.fixture
def other_api(other_user) -> Api:
    return Api(other_user.api_key)


@pytest.fixture
def anon_api() -> Api:
    return Api(None)
