"""Admin settings pages: admins only, and every change goes through an action."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tessera.accounts.models import Department, Role, User
from tessera.tickets.models import CustomField
from tests.integration.agent_ui.test_desk import WHO, client_for

pytestmark = pytest.mark.django_db

ADMIN_ONLY = {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 404, "outsider": 404, "light": 404}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    ("method", "path", "admin_status"),
    [
        ("get", "/desk/settings/", 200),
        ("get", "/desk/settings/departments/new", 200),
        ("get", "/desk/settings/departments/{d}", 200),
        ("get", "/desk/settings/agents/new", 200),
        ("get", "/desk/settings/agents/{a}", 200),
        ("post", "/desk/settings/departments/new", 302),
        ("post", "/desk/settings/departments/{d}", 302),
        ("post", "/desk/settings/agents/new", 302),
        ("post", "/desk/settings/agents/{a}", 302),
        ("post", "/desk/settings/fields", 302),
    ],
)
def test_settings_matrix(desk: dict[str, Any], who: str, method: str, path: str, admin_status: int) -> None:
    url = path.format(d=desk["support"].pk, a=desk["agent"].pk)
    data = {
        "d-name": "Returns", "d-closing_policy": "customer", "d-is_active": "on",
        "a-username": "nowy", "a-role": "agent", "a-time_zone": "Europe/Warsaw", "a-language": "pl",
        "a-max_open_tickets": "5", "a-is_active": "on", "a-password": "long-enough-pw",
        "f-key": "order_id", "f-label": "Order", "f-field_type": "text", "f-is_active": "on",
    }
    client = client_for(desk, who)
    response = client.get(url) if method == "get" else client.post(url, data)
    expected = admin_status if who == "admin" else ADMIN_ONLY[who]
    assert response.status_code == expected
    if method == "post" and who != "admin":
        assert not Department.objects.filter(name="Returns").exists()
        assert not User.objects.filter(username="nowy").exists()
        assert not CustomField.objects.exists()


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    ("method", "path", "admin_status"),
    [
        ("get", "/desk/settings/mailboxes/", 200),
        ("get", "/desk/settings/mailboxes/{m}", 200),
        ("get", "/desk/settings/mailboxes/999999", 404),
        ("post", "/desk/settings/mailboxes/", 302),
        ("post", "/desk/settings/mailboxes/{m}", 302),
        ("post", "/desk/settings/mailboxes/{m}/check", 302),
        ("post", "/desk/settings/mailboxes/{m}/delete", 302),
        ("get", "/desk/settings/mailboxes/{m}/check", 405),
        ("get", "/desk/settings/mailboxes/{m}/delete", 405),
        # An SMTP mailbox has no OAuth2 app: the admin is sent back with the reason.
        ("post", "/desk/settings/mailboxes/{m}/oauth", 302),
        ("get", "/desk/settings/mailboxes/{m}/oauth", 405),
        ("get", "/desk/settings/mailboxes/oauth/callback?state=x&code=y", 302),
    ],
)
def test_mailbox_settings_matrix(desk: dict[str, Any], who: str, method: str, path: str, admin_status: int) -> None:
    from tessera.channels.models import Mailbox, MailboxKind

    mailbox = Mailbox.objects.create(name="Hỗ trợ", department=desk["support"], kind=MailboxKind.SMTP,
                                     address="hotro@example.test")
    url = path.format(m=mailbox.pk)
    data = {"m-name": "Đơn hàng", "m-department": desk["billing"].pk, "m-address": "orders@example.test",
            "m-kind": "smtp", "m-imap_port": "993", "m-imap_security": "ssl", "m-folder": "INBOX",
            "m-after_commit": "seen", "m-is_active": "on"}
    client = client_for(desk, who)
    response = client.get(url) if method == "get" else client.post(url, data)
    expected = admin_status if who == "admin" else ADMIN_ONLY[who]
    assert response.status_code == expected
    if who != "admin":
        assert list(Mailbox.objects.values_list("name", "address")) == [("Hỗ trợ", "hotro@example.test")]


def test_admin_creates_department_agent_and_field(desk: dict[str, Any]) -> None:
    client: Client = client_for(desk, "admin")
    client.post("/desk/settings/departments/new", {"d-name": "Hỗ trợ kỹ thuật", "d-closing_policy": "customer", "d-is_active": "on"})
    department = Department.objects.get(name="Hỗ trợ kỹ thuật")
    assert department.closing_policy == "customer"
    client.post("/desk/settings/agents/new", {
        "a-username": "somchai", "a-role": "light_agent", "a-departments": [department.pk],
        "a-time_zone": "Asia/Bangkok", "a-language": "th", "a-max_open_tickets": "0", "a-is_active": "on",
        "a-password": "long-enough-pw",
    })
    agent = User.objects.get(username="somchai")
    assert agent.role == Role.LIGHT_AGENT
    assert list(agent.departments.all()) == [department]
    assert agent.check_password("long-enough-pw")
    client.post("/desk/settings/fields", {"f-key": "plan", "f-label": "Gói", "f-field_type": "choice", "f-choices": "Basic\nPro", "f-is_active": "on"})
    assert CustomField.objects.get(key="plan").choices == ["Basic", "Pro"]


def test_bad_input_is_reported_and_nothing_written(desk: dict[str, Any]) -> None:
    client = client_for(desk, "admin")
    response = client.post("/desk/settings/agents/new", {
        "a-username": "x", "a-role": "customer", "a-time_zone": "Nowhere/City", "a-language": "pl", "a-max_open_tickets": "0",
    })
    assert response.status_code == 422
    assert not User.objects.filter(username="x").exists()
    response = client.post("/desk/settings/agents/new", {
        "a-username": "y", "a-role": "agent", "a-time_zone": "Nowhere/City", "a-language": "pl", "a-max_open_tickets": "0", "a-password": "long-enough-pw",
    })
    assert response.status_code == 422
    assert b"Unknown time zone" in response.content
    response = client.post("/desk/settings/fields", {"f-key": "c", "f-label": "C", "f-field_type": "choice"})
    assert response.status_code == 422


def test_admin_cannot_demote_themselves(desk: dict[str, Any]) -> None:
    client = client_for(desk, "admin")
    admin = desk["admin"]
    response = client.post(f"/desk/settings/agents/{admin.pk}", {
        "a-username": "admin", "a-role": "agent", "a-time_zone": "UTC", "a-language": "en", "a-max_open_tickets": "0", "a-is_active": "on",
    })
    assert response.status_code == 422
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


@pytest.fixture
def quarantined(desk: dict[str, Any]) -> Any:
    from tessera.channels.models import InboundStatus, Mailbox, RawInbound

    mailbox = Mailbox.objects.create(name="Support inbox", department=desk["support"], address="support@example.test", kind="smtp")
    return RawInbound.objects.create(
        mailbox=mailbox, dedupe_key="<broken@x>", raw=b"From: a@b.test\r\n\r\n<script>alert(1)</script>", size=40,
        status=InboundStatus.QUARANTINED, error='parser error: <script>alert("x")</script>',
    )


@pytest.mark.parametrize("who", WHO)
def test_quarantine_pages_matrix(desk: dict[str, Any], quarantined: Any, who: str) -> None:
    client = client_for(desk, who)
    page = client.get("/desk/settings/mail/")
    assert page.status_code == (200 if who == "admin" else ADMIN_ONLY[who])
    if who == "admin":
        body = page.content.decode()
        assert "&lt;script&gt;alert" in body and '<script>alert("x")' not in body
    replay = client.post(f"/desk/settings/mail/{quarantined.pk}/replay")
    assert replay.status_code == (302 if who == "admin" else ADMIN_ONLY[who])
    quarantined.refresh_from_db()
    assert (quarantined.status == "pending") == (who == "admin")
