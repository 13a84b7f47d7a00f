"""schemathesis against the OpenAPI document, in-process through the WSGI app:
no server errors, every answer matches what the document says (status, content
type, body, headers), invalid input is refused, and a missing or wrong key is refused."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from flashcards.services.media import store_media
from tests import factories

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# The `collection` fixture gives its user this key.
KEY = "schemathesis-test-key-0123456789abcdefghijklmnop"


@schema.auth()
class BearerKey:
    """The per-user API key, so schemathesis also checks that a missing or wrong one is
    refused (ignored_auth)."""

    def get(self, case, context):
        return KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes database connections when a request ends, which would
    end the test's transaction (Postgres); Django's test client unhooks this the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def collection(owner):
    deck = factories.make_deck(owner, "Spanish")
    note_type = factories.make_note_type_basic(owner)
    factories.make_note(owner, note_type, deck, ["el perro", "the dog"], tags=["animal"])
    store_media(owner=owner, filename="cat.png", data=b"\x89PNG")
    owner.api_key = KEY
    owner.save(update_fields=["api_key"])
    return owner


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_its_openapi_document_says(case, collection):
    # A request the schema allows may still break a rule the schema cannot say (a deck
    # name part over 200 characters, a search that does not parse): those are 400s with
    # a message, which positive_data_acceptance would count as failures.
    excluded = [schemathesis.checks.positive_data_acceptance]
    if case.media_type == "multipart/form-data":
        # Every multipart value is text: a "wrong type" boolean `false` for a string field
        # is sent as the text "false", a valid string, so it cannot be told apart.
        excluded.append(schemathesis.checks.negative_data_rejection)
    case.call_and_validate(excluded_checks=excluded)
