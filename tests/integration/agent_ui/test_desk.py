"""Agent desk pages: permissions as a matrix, query counts pinned, flows through the actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tessera.accounts.actor import Actor
from tessera.tickets import actions
from tessera.tickets.models import EventKind, Message, MessageKind, TicketEvent
from tessera.tickets.states import Status

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "customer_a", "customer_b", "agent", "outsider", "light", "admin"]


def client_for(desk: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(desk[who])
    return client


# page → expected status for each role, on a ticket in Support requested by customer A.
GET_MATRIX: dict[str, dict[str, int]] = {
    "/desk/": {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 200, "outsider": 200, "light": 200, "admin": 200},
    "/desk/tickets/{n}/": {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 200, "outsider": 404, "light": 200, "admin": 200},
    "/desk/attachments/{a}": {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 200, "outsider": 404, "light": 200, "admin": 200},
}
POST_MATRIX: dict[str, tuple[dict[str, Any], dict[str, int]]] = {
    "/desk/tickets/{n}/reply": (
        {"kind": "public", "body": "Hello", "version": "{v}"},
        {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 302, "outsider": 404, "light": 403, "admin": 302},
    ),
    "/desk/tickets/{n}/fields": (
        {"status": "open", "priority": "high", "type": "incident", "department": "{d}", "assignee": "", "version": "{v}"},
        {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 302, "outsider": 404, "light": 403, "admin": 302},
    ),
    "/desk/tickets/{n}/assign-me": (
        {"version": "{v}"},
        {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 302, "outsider": 404, "light": 403, "admin": 302},
    ),
    "/desk/tickets/{n}/merge": (
        {"target": "{other}"},
        {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 302, "outsider": 404, "light": 403, "admin": 302},
    ),
    "/desk/tickets/{n}/spam": (
        {"is_spam": "1"},
        {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 302, "outsider": 404, "light": 403, "admin": 302},
    ),
}


def test_every_desk_route_is_in_a_matrix() -> None:
    from tessera.agent_ui.urls import urlpatterns

    # The settings pages have their own matrix in test_settings.py.
    settings_routes = {"settings/", "settings/departments/new", "settings/departments/<int:department_id>",
                       "settings/agents/new", "settings/agents/<int:agent_id>", "settings/fields",
                       "settings/mail/", "settings/mail/<int:raw_id>/replay", "settings/sla/",
                       "settings/sla/<int:policy_id>", "settings/sla/<int:policy_id>/delete",
                       "settings/distribution/<int:department_id>", "settings/mailboxes/",
                       "settings/mailboxes/<int:mailbox_id>", "settings/mailboxes/<int:mailbox_id>/check",
                       "settings/mailboxes/<int:mailbox_id>/delete", "settings/mailboxes/<int:mailbox_id>/oauth",
                       "settings/mailboxes/oauth/callback"}
    # Contacts and new tickets: test_contacts.py.
    settings_routes |= {"tickets/new", "contacts/<int:contact_id>/", "contacts/<int:contact_id>/notes",
                        "contacts/<int:contact_id>/merge"}
    # Saved views and bulk actions: test_list_tools.py.
    settings_routes |= {"views", "views/<int:view_id>/delete", "bulk"}
    # Links, untag and split: test_structure.py.
    settings_routes |= {"tickets/<int:number>/link", "tickets/<int:number>/links/<int:link_id>/delete",
                        "tickets/<int:number>/untag", "tickets/<int:number>/split/<int:message_id>"}
    # Availability and working hours: test_availability.py.
    settings_routes |= {"me/availability", "agents/<int:agent_id>/hours"}
    covered = settings_routes | {"", "tickets/<int:number>/", "attachments/<int:attachment_id>", "tickets/<int:number>/reply",
               "tickets/<int:number>/fields", "tickets/<int:number>/merge", "tickets/<int:number>/assign-me",
               "tickets/<int:number>/spam"}
    assert {str(p.pattern) for p in urlpatterns} == covered


@pytest.fixture
def scene(desk: dict[str, Any], make_ticket: Any) -> dict[str, Any]:
    from tessera.tickets.attachments import NewAttachment

    ticket = make_ticket(attachments=[NewAttachment("zdjęcie.png", b"\x89PNG\r\n\x1a\nfake", "image/png")])
    other = make_ticket(subject="Other")
    attachment = ticket.messages.get().attachments.get()
    return {"ticket": ticket, "other": other, "attachment": attachment}


def _fill(template: str, scene: dict[str, Any], desk: dict[str, Any]) -> str:
    return template.format(n=scene["ticket"].number, a=scene["attachment"].pk)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("path", list(GET_MATRIX))
def test_get_matrix(desk: dict[str, Any], scene: dict[str, Any], path: str, who: str) -> None:
    response = client_for(desk, who).get(_fill(path, scene, desk))
    assert response.status_code == GET_MATRIX[path][who]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("path", list(POST_MATRIX))
def test_post_matrix(desk: dict[str, Any], scene: dict[str, Any], path: str, who: str) -> None:
    data, expected = POST_MATRIX[path]
    ticket = scene["ticket"]
    filled = {
        k: v.format(v=ticket.version, d=desk["support"].pk, other=scene["other"].number) if isinstance(v, str) else v
        for k, v in data.items()
    }
    before = TicketEvent.objects.filter(ticket=ticket).count()
    response = client_for(desk, who).post(_fill(path, scene, desk), filled)
    assert response.status_code == expected[who]
    changed = TicketEvent.objects.filter(ticket=ticket).count() > before
    assert changed == (expected[who] == 302 and who != "anonymous")


def test_list_query_count_does_not_grow_with_rows(desk: dict[str, Any], make_ticket: Any) -> None:
    client = client_for(desk, "agent")
    make_ticket(tags=["a"])
    client.get("/desk/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/desk/").status_code == 200
    for i in range(24):
        make_ticket(subject=f"T{i}", tags=[f"t{i}", "common"])
    with CaptureQueriesContext(connection) as many:
        body = client.get("/desk/").content.decode()
    assert body.count('data-number="') == 25
    assert len(many) == len(few)
    assert len(many) <= 11


def test_ticket_page_query_count_does_not_grow_with_messages(desk: dict[str, Any], make_ticket: Any) -> None:
    client = client_for(desk, "agent")
    ticket = make_ticket()
    client.get(f"/desk/tickets/{ticket.number}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/desk/tickets/{ticket.number}/")
    agent = Actor.of(desk["agent"])
    for i in range(10):
        actions.add_note(agent, ticket, body_text=f"note {i}")
        actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text=f"msg {i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/desk/tickets/{ticket.number}/").status_code == 200
    assert len(many) == len(few)


def test_reply_with_attachment_and_note(desk: dict[str, Any], make_ticket: Any) -> None:
    client = client_for(desk, "agent")
    ticket = make_ticket()
    upload = SimpleUploadedFile("hướng dẫn.txt", "Xin chào".encode(), content_type="text/plain")
    response = client.post(
        f"/desk/tickets/{ticket.number}/reply",
        {"kind": "public", "body": "Đây là hướng dẫn", "version": ticket.version, "attachments": upload},
    )
    assert response.status_code == 302
    reply = Message.objects.filter(ticket=ticket, kind=MessageKind.PUBLIC).last()
    assert reply is not None and reply.body_text == "Đây là hướng dẫn"
    assert reply.attachments.get().filename == "hướng dẫn.txt"
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    client.post(f"/desk/tickets/{ticket.number}/reply", {"kind": "note", "body": "ภายใน", "version": ticket.version})
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE, body_text="ภายใน").exists()


def test_collision_keeps_the_typed_text(desk: dict[str, Any], make_ticket: Any) -> None:
    client = client_for(desk, "agent")
    ticket = make_ticket()
    stale = ticket.version
    actions.change_fields(Actor.of(desk["admin"]), ticket, {"priority": "urgent"})
    response = client.post(
        f"/desk/tickets/{ticket.number}/reply", {"kind": "public", "body": "Mój długi tekst", "version": stale}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert 'id="collision"' in body
    assert "Mój długi tekst" in body
    assert not Message.objects.filter(ticket=ticket, body_text="Mój długi tekst").exists()


def test_hostile_content_renders_inert(desk: dict[str, Any], make_ticket: Any) -> None:
    from tessera.tickets.attachments import NewAttachment

    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    ticket = make_ticket(
        subject=hostile, body_text=hostile, body_html=hostile, tags=["<b>x</b>"],
        attachments=[NewAttachment('"><script>alert(3)</script>.txt', b"x")],
    )
    client = client_for(desk, "agent")
    for path in ("/desk/", f"/desk/tickets/{ticket.number}/"):
        body = client.get(path).content.decode()
        assert "<script>alert" not in body
        assert "<img src=x onerror" not in body


def test_merge_through_the_desk(desk: dict[str, Any], make_ticket: Any) -> None:
    a, b = make_ticket(subject="A"), make_ticket(subject="B")
    response = client_for(desk, "agent").post(f"/desk/tickets/{b.number}/merge", {"target": a.number})
    assert response.status_code == 302
    assert TicketEvent.objects.filter(ticket=a, kind=EventKind.MERGED_FROM).exists()
