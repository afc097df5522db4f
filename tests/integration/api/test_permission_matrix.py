"""Every endpoint, for every kind of caller, → the status code they get.

The table is the specification. ``test_every_route_has_a_row`` reads the routes from the
OpenAPI document, so an endpoint added without a row here fails the suite.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tessera.accounts.actions import create_api_token
from tessera.accounts.models import ContactIdentity
from tessera.api.v1.app import api
from tessera.channels.models import ImapSecurity, Mailbox, MailboxKind
from tessera.tickets.models import TicketLink

from .conftest import PERSONAS

# A world each row can use: ticket `t` and `t2` in Support, requested by contact A.
World = dict[str, Any]


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # as in the OpenAPI document, without the /api/v1 prefix
    path: Callable[[World], str]
    body: Callable[[World], Any] | None
    # anonymous, customer_a, customer_b, agent (in Support), outsider (Billing), light, admin
    expect: tuple[int, int, int, int, int, int, int]
    label: str = ""


def ticket_path(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/tickets/{w['t'].number}{suffix}"


MAILBOX_PASSWORD = "hasło-mật-khẩu-42"


def mailbox_path(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/mailboxes/{w['mailbox'].pk}{suffix}"


def admin_only(status: int) -> tuple[int, int, int, int, int, int, int]:
    return (401, 403, 403, 403, 403, 403, status)


ROWS: list[Row] = [
    Row("GET", "/me", lambda w: "/me", None, (401, 200, 200, 200, 200, 200, 200)),
    Row("GET", "/tokens", lambda w: "/tokens", None, (401, 200, 200, 200, 200, 200, 200)),
    Row("POST", "/tokens", lambda w: "/tokens", lambda w: {"name": "ci", "scope": "read"},
        (401, 201, 201, 201, 201, 201, 201)),
    # A token of customer A's: only she may revoke it; to anyone else it does not exist.
    Row("DELETE", "/tokens/{token_id}", lambda w: f"/tokens/{w['spare_token'].pk}", None,
        (401, 204, 404, 404, 404, 404, 404)),
    Row("GET", "/tickets", lambda w: "/tickets", None, (401, 200, 200, 200, 200, 200, 200)),
    Row("POST", "/tickets", lambda w: "/tickets",
        lambda w: {"subject": "New one", "body": "Hello", "department": w["support"].pk,
                   "requester": w["contact_a"].pk},
        (401, 201, 403, 201, 201, 403, 201)),
    Row("GET", "/tickets/{number}", ticket_path(), None, (401, 200, 404, 200, 404, 200, 200)),
    Row("PATCH", "/tickets/{number}", ticket_path(), lambda w: {"priority": "high", "version": w["t"].version},
        (401, 403, 404, 200, 404, 403, 200)),
    Row("PATCH", "/tickets/{number}", ticket_path(), lambda w: {"status": "closed", "version": w["t"].version},
        (401, 403, 404, 200, 404, 403, 200), label="close (agents-may-close policy)"),
    Row("POST", "/tickets/{number}/tags", ticket_path("/tags"), lambda w: {"tags": ["vip"]},
        (401, 403, 404, 200, 404, 403, 200)),
    Row("DELETE", "/tickets/{number}/tags", ticket_path("/tags?tag=old"), None,
        (401, 403, 404, 200, 404, 403, 200)),
    Row("GET", "/tickets/{number}/messages", ticket_path("/messages"), None, (401, 200, 404, 200, 404, 200, 200)),
    Row("POST", "/tickets/{number}/messages", ticket_path("/messages"), lambda w: {"kind": "public", "body": "Hi"},
        (401, 201, 404, 201, 404, 403, 201)),
    Row("POST", "/tickets/{number}/messages", ticket_path("/messages"), lambda w: {"kind": "note", "body": "psst"},
        (401, 403, 404, 201, 404, 201, 201), label="internal note"),
    # A resolved ticket of contact A's: only she may rate it; staff may see it but not rate.
    Row("POST", "/tickets/{number}/rating", lambda w: f"/tickets/{w['solved'].number}/rating",
        lambda w: {"score": 4, "comment": "Dziękuję"}, (401, 200, 404, 403, 404, 403, 403)),
    Row("POST", "/tickets/{number}/merge", ticket_path("/merge"), lambda w: {"into": w["t2"].number},
        (401, 403, 404, 200, 404, 403, 200)),
    Row("POST", "/tickets/{number}/links", ticket_path("/links"),
        lambda w: {"target": w["t2"].number, "kind": "related"}, (401, 403, 404, 201, 404, 403, 201)),
    Row("DELETE", "/tickets/{number}/links/{link_id}", lambda w: f"/tickets/{w['t'].number}/links/{w['link'].pk}",
        None, (401, 403, 404, 204, 404, 403, 204)),
    Row("GET", "/contacts", lambda w: "/contacts", None, (401, 200, 200, 200, 200, 200, 200)),
    Row("POST", "/contacts", lambda w: "/contacts",
        lambda w: {"name": "Somchai", "identities": [{"kind": "email", "value": "somchai@example.test"}]},
        (401, 403, 403, 201, 201, 403, 201)),
    Row("GET", "/contacts/{contact_id}", lambda w: f"/contacts/{w['contact_a'].pk}", None,
        (401, 200, 404, 200, 200, 200, 200)),
    Row("PATCH", "/contacts/{contact_id}", lambda w: f"/contacts/{w['contact_a'].pk}", lambda w: {"name": "Anna K."},
        (401, 403, 404, 200, 200, 403, 200)),
    Row("POST", "/contacts/{contact_id}/identities", lambda w: f"/contacts/{w['contact_a'].pk}/identities",
        lambda w: {"kind": "phone", "value": "+48 600 123 456"}, (401, 403, 404, 201, 201, 403, 201)),
    Row("DELETE", "/contacts/{contact_id}/identities/{identity_id}",
        lambda w: f"/contacts/{w['contact_a'].pk}/identities/{w['identity'].pk}", None,
        (401, 403, 404, 204, 204, 403, 204)),
    Row("GET", "/organisations", lambda w: "/organisations", None, (401, 403, 403, 200, 200, 200, 200)),
    Row("POST", "/organisations", lambda w: "/organisations", lambda w: {"name": "Initech"},
        (401, 403, 403, 403, 403, 403, 201)),
    Row("GET", "/organisations/{organisation_id}", lambda w: f"/organisations/{w['org_a'].pk}", None,
        (401, 403, 403, 200, 200, 200, 200)),
    Row("PATCH", "/organisations/{organisation_id}", lambda w: f"/organisations/{w['org_a'].pk}",
        lambda w: {"notes": "Key account"}, (401, 403, 403, 403, 403, 403, 200)),
    Row("GET", "/departments", lambda w: "/departments", None, (401, 200, 200, 200, 200, 200, 200)),
    Row("GET", "/departments/{department_id}", lambda w: f"/departments/{w['support'].pk}", None,
        (401, 200, 200, 200, 200, 200, 200)),
    Row("GET", "/agents", lambda w: "/agents", None, (401, 403, 403, 200, 200, 403, 200)),
    Row("GET", "/agents/{user_id}", lambda w: f"/agents/{w['agent'].pk}", None, (401, 403, 403, 200, 200, 403, 200)),
    Row("GET", "/tags", lambda w: "/tags", None, (401, 403, 403, 200, 200, 200, 200)),
    # Mailboxes hold the desk's mail credentials: administrators only, for reading too.
    Row("GET", "/mailboxes", lambda w: "/mailboxes", None, admin_only(200)),
    Row("POST", "/mailboxes", lambda w: "/mailboxes",
        lambda w: {"name": "Đơn hàng", "department": w["support"].pk, "kind": "smtp", "address": "orders@example.test"},
        admin_only(201)),
    Row("GET", "/mailboxes/{mailbox_id}", mailbox_path(), None, admin_only(200)),
    Row("PATCH", "/mailboxes/{mailbox_id}", mailbox_path(), lambda w: {"name": "Zgłoszenia"}, admin_only(200)),
    Row("DELETE", "/mailboxes/{mailbox_id}", mailbox_path(), None, admin_only(204)),
    # The world's mailbox points at a closed local port: the check answers, saying it failed.
    Row("POST", "/mailboxes/{mailbox_id}/check", mailbox_path("/check"), None, admin_only(200)),
    # Reports: staff only, each agent for their own departments (Support here).
    Row("GET", "/reports/summary", lambda w: "/reports/summary", None, (401, 403, 403, 200, 200, 200, 200)),
    Row("GET", "/reports/summary", lambda w: f"/reports/summary?department={w['support'].pk}", None,
        (401, 403, 403, 200, 403, 200, 200), label="one department"),
]


def _routes_in_openapi() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_every_route_has_a_row() -> None:
    covered = {(row.method, row.route) for row in ROWS}
    missing = _routes_in_openapi() - covered
    assert not missing, f"add permission-matrix rows for: {sorted(missing)}"
    stale = covered - _routes_in_openapi()
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(desk: dict[str, Any], make_ticket: Callable[..., Any]) -> World:
    from tessera.accounts.actor import Actor
    from tessera.tickets import actions

    t = make_ticket(subject="Matrix ticket", tags=["old"])
    t2 = make_ticket(subject="Other ticket")
    solved = make_ticket(subject="Solved ticket")
    actions.change_status(Actor.system(), solved, "resolved")
    link = actions.link(Actor.system(), t, t2, "parent_child")
    t.refresh_from_db()
    spare_token, _ = create_api_token(desk["customer_a"], "spare", "read")
    identity = ContactIdentity.objects.create(contact=desk["contact_a"], kind="phone", value="+84912345678")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    mailbox = Mailbox.objects.create(
        name="Hỗ trợ", department=desk["support"], kind=MailboxKind.IMAP, imap_host="127.0.0.1",
        imap_port=closed_port, imap_security=ImapSecurity.PLAIN, username="hotro", password=MAILBOX_PASSWORD,
    )
    return {**desk, "mailbox": mailbox, "t": t, "t2": t2, "solved": solved, "link": link, "spare_token": spare_token, "identity": identity}


@pytest.mark.parametrize(
    ("row", "persona"),
    [
        pytest.param(row, persona, id=f"{row.method} {row.route}{' ' + row.label if row.label else ''} as {persona}")
        for row in ROWS
        for persona in PERSONAS
    ],
)
def test_permission_matrix(row: Row, persona: str, world: World, as_: Any) -> None:
    expected = row.expect[PERSONAS.index(persona)]
    status, body = as_(persona).call(row.method, row.path(world), row.body(world) if row.body else None)
    assert status == expected, f"{row.method} {row.path(world)} as {persona}: {status} {body}"
    if status >= 400:
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    if row.route.startswith("/mailboxes"):
        assert MAILBOX_PASSWORD not in str(body)
    if row.route.startswith("/mailboxes") and status >= 400:
        assert Mailbox.objects.filter(pk=world["mailbox"].pk, name="Hỗ trợ").exists(), "a refused call changed it"
        assert not Mailbox.objects.filter(name="Đơn hàng").exists()
    if row.method == "DELETE" and row.route.endswith("{link_id}") and status != 204:
        assert TicketLink.objects.filter(pk=world["link"].pk).exists(), "a refused unlink removed the link"
