"""Personal tokens (scope, revocation, last use), session auth with CSRF, rate limits."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

from tessera.accounts.actions import create_api_token, revoke_api_token
from tessera.accounts.models import ApiToken
from tessera.core import time

from .conftest import Api


def test_created_token_is_shown_once_and_only_its_digest_is_stored(desk: dict[str, Any], as_: Any) -> None:
    status, body = as_("agent").post("/tokens", {"name": "CRM sync", "scope": "write"})
    assert status == 201
    raw = body["raw"]
    assert raw.startswith("tsr_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=body["token"]["id"])
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.name, stored.prefix, stored.digest}
    _, listing = as_("agent").get("/tokens")
    assert "raw" not in str(listing)
    assert raw not in str(listing)
    assert {t["name"] for t in listing["items"]} >= {"CRM sync"}
    # The new token works on its own.
    status, me = Api(Client(), raw).get("/me")
    assert status == 200 and me["username"] == "agent" and me["token_scope"] == "write"


@pytest.mark.parametrize(
    "header",
    ["Bearer tsr_not-a-real-token", "Bearer ", "Bearer nottsr", "Basic YWdlbnQ6cHc=", "Bearer tsr_" + "x" * 5000,
     "Bearer tsr_żółw"],
)
def test_bad_credentials_are_401_in_the_error_shape(desk: dict[str, Any], header: str) -> None:
    status, body = Api(Client()).get("/tickets", headers={"Authorization": header})
    assert status == 401
    assert body["error"]["code"] == "unauthenticated"


def test_revoked_token_is_rejected(desk: dict[str, Any]) -> None:
    token, raw = create_api_token(desk["agent"], "old", "write")
    api = Api(Client(), raw)
    assert api.get("/me")[0] == 200
    revoke_api_token(desk["agent"], token.pk)
    assert api.get("/me")[0] == 401


def test_revoking_through_the_api(desk: dict[str, Any], as_: Any) -> None:
    token, raw = create_api_token(desk["agent"], "to revoke", "read")
    assert as_("agent").delete(f"/tokens/{token.pk}")[0] == 204
    assert Api(Client(), raw).get("/me")[0] == 401
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_inactive_users_token_is_rejected(desk: dict[str, Any]) -> None:
    _, raw = create_api_token(desk["agent"], "t", "write")
    desk["agent"].is_active = False
    desk["agent"].save()
    assert Api(Client(), raw).get("/me")[0] == 401


def test_read_scope_reads_but_may_not_write(desk: dict[str, Any], make_ticket: Any, as_: Any) -> None:
    ticket = make_ticket()
    reader = as_("agent", "read")
    assert reader.get(f"/tickets/{ticket.number}")[0] == 200
    status, body = reader.patch(f"/tickets/{ticket.number}", {"priority": "high", "version": ticket.version})
    assert status == 403 and body["error"]["code"] == "permission_denied"
    assert reader.post("/tokens", {"name": "escalate", "scope": "write"})[0] == 403
    ticket.refresh_from_db()
    assert ticket.priority == "normal"


def test_last_used_at_is_stamped_but_not_on_every_request(desk: dict[str, Any], django_assert_num_queries: Any) -> None:
    token, raw = create_api_token(desk["admin"], "t", "read")
    api = Api(Client(), raw)
    assert token.last_used_at is None
    api.get("/me")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api.get("/me")
    token.refresh_from_db()
    assert token.last_used_at == first  # within the interval: no second write
    # Once the interval has passed it is stamped again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=time.now() - timedelta(hours=1))
    api.get("/me")
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first - timedelta(minutes=1)
    assert token.last_used_at > time.now() - timedelta(minutes=1)


def test_session_reads_and_csrf_protected_writes(desk: dict[str, Any], make_ticket: Any) -> None:
    ticket = make_ticket()
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk["agent"])
    api = Api(client)
    assert api.get(f"/tickets/{ticket.number}")[0] == 200
    status, body = api.patch(f"/tickets/{ticket.number}", {"priority": "high", "version": ticket.version})
    assert status == 403 and body["error"]["code"] == "csrf_failed"
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    # With the cookie a page would have, and the matching header, the write goes through.
    page_request = RequestFactory().get("/")
    csrf = get_token(page_request)
    client.cookies[django_settings.CSRF_COOKIE_NAME] = page_request.META["CSRF_COOKIE"]
    status, body = api.patch(
        f"/tickets/{ticket.number}", {"priority": "high", "version": ticket.version}, headers={"X-CSRFToken": csrf}
    )
    assert status == 200, body
    assert body["priority"] == "high"


def test_anonymous_write_is_401_not_a_csrf_complaint(desk: dict[str, Any]) -> None:
    status, _ = Api(Client(enforce_csrf_checks=True)).post("/tickets", {"subject": "x", "department": 1})
    assert status == 401


def test_a_bad_token_does_not_fall_back_to_the_session(desk: dict[str, Any]) -> None:
    client = Client()
    client.force_login(desk["agent"])
    status, _ = Api(client).get("/me", headers={"Authorization": "Bearer tsr_wrong"})
    assert status == 401


def test_rate_limit_answers_429_with_retry_after(desk: dict[str, Any], settings: Any) -> None:
    settings.TESSERA_API_RATE_LIMIT = "3/min"
    _, raw = create_api_token(desk["agent"], "t", "read")
    api = Api(Client(), raw)
    statuses = [api.get("/me")[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert api.last["Retry-After"].isdigit()
    assert api.get("/me")[1]["error"]["code"] == "throttled"
    # Another token has its own budget.
    _, other = create_api_token(desk["agent"], "t2", "read")
    assert Api(Client(), other).get("/me")[0] == 200
