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


class AnkiConnect:
    """Posts AnkiConnect requests with a user's key, as a client library would."""

    def __init__(self, client: Client, key: str | None) -> None:
        self.client = client
        self.key = key

    def raw(self, body: Any, *, path: str = "/ankiconnect", **headers: Any) -> Any:
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        return self.client.post(path, data=data, content_type="application/json", **headers)

    def reply(self, action: str, version: int = 6, **params: Any) -> Any:
        body: dict[str, Any] = {"action": action, "version": version, "params": params}
        if self.key is not None:
            body["key"] = self.key
        response = self.raw(body)
        assert response.status_code == 200, response.content
        return response.json()

    def __call__(self, action: str, **params: Any) -> Any:
        """The result of a version-6 request, failing the test on an error."""
        reply = self.reply(action, **params)
        assert reply["error"] is None, reply["error"]
        return reply["result"]

    def error(self, action: str, **params: Any) -> str:
        reply = self.reply(action, **params)
        assert reply["result"] is None
        assert reply["error"], reply
        return reply["error"]


@pytest.fixture
def anki(owner) -> AnkiConnect:
    return AnkiConnect(Client(), owner.api_key)


@pytest.fixture
def other_anki(other_user) -> AnkiConnect:
    return AnkiConnect(Client(), other_user.api_key)


@pytest.fixture
def keyless(db) -> AnkiConnect:
    return AnkiConnect(Client(), None)
