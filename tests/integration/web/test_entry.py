from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_page_renders_with_csp(client: Client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("who", "sees", "hidden"),
    [
        ("agent", "Printer on fire", "Billing secret"),
        ("outsider", "Billing secret", "Printer on fire"),
        ("admin", "Billing secret", None),
        ("customer_a", "Printer on fire", "Billing secret"),
        ("customer_b", "Billing secret", "Printer on fire"),
    ],
)
def test_landing_page_per_role(client: Client, desk: dict[str, Any], make_ticket: Any, who: str, sees: str, hidden: str | None) -> None:
    make_ticket()
    make_ticket(subject="Billing secret", department=desk["billing"], requester=desk["contact_b"], body_text="x")
    client.force_login(desk[who])
    body = client.get("/", follow=True).content.decode()
    assert sees in body
    if hidden:
        assert hidden not in body


def test_hostile_subject_renders_escaped(client: Client, desk: dict[str, Any], make_ticket: Any) -> None:
    make_ticket(subject='<img src=x onerror="alert(1)">')
    client.force_login(desk["agent"])
    body = client.get("/", follow=True).content.decode()
    assert '<img src=x onerror="alert(1)">' not in body
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body


def test_password_login_and_logout(client: Client, desk: dict[str, Any]) -> None:
    response = client.post("/login/", {"username": "agent", "password": "pw-agent"})
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/desk/"
    assert client.get("/logout/").status_code == 405
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_healthz(client: Client) -> None:
    assert client.get("/healthz").json() == {"ok": True}
