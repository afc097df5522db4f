"""Schemathesis over the API's own OpenAPI document, in process, as an administrator.

Every operation gets generated requests; the checks are that nothing answers 5xx and that
every answer (status code, content type, headers, body) is one the document declares.
Bounded to a few dozen examples per operation so the run takes a minute or two.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tessera.accounts.actions import create_api_token
from tessera.api.v1.app import api
from tessera.tickets.models import Ticket

pytestmark = [pytest.mark.slow]

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The document is built from the api object, so collecting tests needs no request or database;
# test_openapi_and_docs_are_served checks the same document is what /api/v1/openapi.json serves.
# Ticket-number paths are pinned to a ticket the fixture creates, so the success responses of
# the ticket operations are exercised too, not only their 404s.
KNOWN_NUMBER = 424242
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"))),
    config=schemathesis.Config.from_dict({"parameters": {"path.number": KNOWN_NUMBER}}),
)
schema.app = get_wsgi_application()


@pytest.fixture
def admin_token(desk: dict[str, Any], make_ticket: Any, settings: Any) -> Iterator[str]:
    # Something to find: small ids and ticket numbers the generator will hit now and then.
    known = make_ticket(tags=["vip"])
    Ticket.objects.filter(pk=known.pk).update(number=KNOWN_NUMBER)
    make_ticket(requester=desk["contact_b"], department=desk["billing"])
    settings.TESSERA_API_RATE_LIMIT = "1000000/min"
    settings.ALLOWED_HOSTS = ["*"]
    cache.clear()
    # As Django's test client does: a finished request must not close the connection that
    # holds the test's open transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield create_api_token(desk["admin"], "schemathesis", "write")[1]
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis.settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
    database=None,
)
def test_api_conforms_to_its_openapi_document(case: Any, admin_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
