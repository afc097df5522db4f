"""The customer's tickets: open one, read it, reply, close; what must never show; org sharing."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tessera.accounts.actor import Actor
from tessera.accounts.models import ClosingPolicy, Department
from tessera.tickets import actions
from tessera.tickets.models import Channel, CustomField, Message, MessageKind, Ticket
from tessera.tickets.states import Status
from tests.integration.portal.conftest import client_for

pytestmark = pytest.mark.django_db


def test_create_a_ticket_in_thai_with_attachments(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    client = client_for(desk, scene, "customer_a")
    files = [
        SimpleUploadedFile("ใบเสร็จ.pdf", b"%PDF-1.4 fake", content_type="application/pdf"),
        SimpleUploadedFile(unicodedata.normalize("NFD", "hóa-đơn tháng 5.txt"), "Tổng cộng".encode(), content_type="text/plain"),
    ]
    response = client.post("/portal/tickets/new/", {
        "subject": "เครื่องพิมพ์ไม่ทำงาน", "description": "พิมพ์ไม่ออกตั้งแต่เมื่อวาน\nบรรทัดที่สอง",
        "type": "incident", "department": desk["billing"].pk, "attachments": files,
    })
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="เครื่องพิมพ์ไม่ทำงาน")
    assert response["Location"] == f"/portal/tickets/{ticket.number}/"
    assert (ticket.requester, ticket.channel, ticket.type, ticket.department) == (desk["contact_a"], Channel.PORTAL, "incident", desk["billing"])
    message = ticket.messages.get()
    assert message.body_text == "พิมพ์ไม่ออกตั้งแต่เมื่อวาน\nบรรทัดที่สอง"
    assert sorted(a.filename for a in message.attachments.all()) == sorted(["ใบเสร็จ.pdf", "hóa-đơn tháng 5.txt"])
    assert all(unicodedata.is_normalized("NFC", a.filename) for a in message.attachments.all())

    page = client.get(response["Location"]).content.decode()
    assert "เครื่องพิมพ์ไม่ทำงาน" in page and "ใบเสร็จ.pdf" in page and "hóa-đơn tháng 5.txt" in page
    download = client.get(f"/portal/attachments/{message.attachments.get(filename='ใบเสร็จ.pdf').pk}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 fake"  # type: ignore[attr-defined]
    assert "attachment" in download["Content-Disposition"]


def test_department_choice_appears_only_when_there_is_a_choice(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    client = client_for(desk, scene, "customer_a")
    assert 'name="department"' in client.get("/portal/tickets/new/").content.decode()
    Department.objects.filter(pk=desk["billing"].pk).update(is_active=False)
    assert 'name="department"' not in client.get("/portal/tickets/new/").content.decode()
    response = client.post("/portal/tickets/new/", {"subject": "Một phòng ban", "description": "x", "type": "question"})
    assert response.status_code == 302
    assert Ticket.objects.get(subject="Một phòng ban").department == desk["support"]


def test_invalid_ticket_input_is_refused(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    client = client_for(desk, scene, "customer_a")
    before = Ticket.objects.count()
    for data in (
        {"subject": "", "description": "x", "type": "question", "department": desk["support"].pk},
        {"subject": "x" * 201, "description": "x", "type": "question", "department": desk["support"].pk},
        {"subject": "ok", "description": "x", "type": "problem", "department": desk["support"].pk},
        {"subject": "ok", "description": "x", "type": "question", "department": 999999},
    ):
        assert client.post("/portal/tickets/new/", data).status_code == 422
    assert Ticket.objects.count() == before


def test_the_ticket_page_hides_everything_internal(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    CustomField.objects.create(key="credit_score", label="Credit score", field_type="text")
    CustomField.objects.create(key="order_ref", label="Order reference", field_type="text", visible_to_customers=True)
    ticket = scene["ticket"]
    Ticket.objects.filter(pk=ticket.pk).update(custom_fields={"credit_score": "D-minus", "order_ref": "ZAM/2024/7"})
    body = client_for(desk, scene, "customer_a").get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert "Chúng tôi đang kiểm tra." in body
    assert "Somchai from Support" in body
    assert "ZAM/2024/7" in body and "Order reference" in body
    for secret in ("INTERNAL", "credit hold", "internal-ledger", "D-minus", "Credit score",
                   "agent@example.test", ">agent<", "Internal note"):
        assert secret not in body, secret


def test_an_agent_without_a_display_name_is_the_support_team(desk: dict[str, Any], make_ticket: Any) -> None:
    ticket = make_ticket()
    actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text="Hello")
    client = client_for(desk, {"colleague": None}, "customer_a")
    main = client.get(f"/portal/tickets/{ticket.number}/").content.decode().split("<main", 1)[1]
    # Neither the user name ("agent") nor the address appears; the team does.
    assert "Support team" in main
    assert "agent" not in main.lower()


def test_reply_with_attachment_reopens_the_ticket(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = scene["ticket"]
    assert ticket.status == Status.PENDING
    client = client_for(desk, scene, "customer_a")
    upload = SimpleUploadedFile("zrzut ekranu — błąd.png", b"\x89PNG\r\n\x1a\nx", content_type="image/png")
    response = client.post(f"/portal/tickets/{ticket.number}/reply", {"body": "Nadal nie działa, załączam zrzut.", "attachments": upload})
    assert response.status_code == 302
    message = Message.objects.filter(ticket=ticket, kind=MessageKind.PUBLIC).last()
    assert message is not None and message.body_text == "Nadal nie działa, załączam zrzut."
    assert message.author_contact == desk["contact_a"] and message.channel == "portal"
    assert message.attachments.get().filename == "zrzut ekranu — błąd.png"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_an_empty_reply_is_refused(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = scene["ticket"]
    response = client_for(desk, scene, "customer_a").post(f"/portal/tickets/{ticket.number}/reply", {"body": "   "})
    assert response.status_code == 422
    assert Message.objects.filter(ticket=ticket).count() == 3


def test_close_follows_the_department_policy(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = scene["ticket"]
    client = client_for(desk, scene, "customer_a")
    assert desk["support"].closing_policy == ClosingPolicy.AGENTS_MAY_CLOSE
    assert 'id="close"' not in client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert client.post(f"/portal/tickets/{ticket.number}/close").status_code == 403
    ticket.refresh_from_db()
    assert ticket.status != Status.CLOSED

    Department.objects.filter(pk=desk["support"].pk).update(closing_policy=ClosingPolicy.CUSTOMER_ONLY)
    assert 'id="close"' in client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert client.post(f"/portal/tickets/{ticket.number}/close").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert 'id="close"' not in page and 'id="reply"' not in page
    response = client.post(f"/portal/tickets/{ticket.number}/reply", {"body": "One more thing"})
    assert response.status_code == 422
    assert "closed" in response.content.decode()


def test_organisation_view_follows_the_sharing_switch(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = scene["ticket"]
    colleague = client_for(desk, scene, "colleague")
    stranger = client_for(desk, scene, "other_org")
    assert colleague.get("/portal/organisation/").status_code == 404
    assert colleague.get(f"/portal/tickets/{ticket.number}/").status_code == 404
    assert "Organisation requests" not in colleague.get("/portal/").content.decode()

    org = desk["org_a"]
    org.shares_tickets = True
    org.save(update_fields=["shares_tickets"])
    listing = colleague.get("/portal/organisation/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert ticket.subject in body and "Anna Kowalska" in body
    assert scene["other"].subject not in body
    assert "Organisation requests" in colleague.get("/portal/").content.decode()
    # The colleague's own list stays their own.
    assert ticket.subject not in colleague.get("/portal/").content.decode()
    assert colleague.get(f"/portal/tickets/{ticket.number}/").status_code == 200
    assert colleague.get(f"/portal/attachments/{scene['attachment'].pk}").status_code == 200
    assert colleague.get(f"/portal/attachments/{scene['note_attachment'].pk}").status_code == 404
    # Another organisation sees nothing, sharing or not.
    assert stranger.get(f"/portal/tickets/{ticket.number}/").status_code == 404
    assert stranger.get("/portal/organisation/").status_code == 404


def test_home_lists_own_tickets_with_status_and_is_paginated(desk: dict[str, Any], scene: dict[str, Any], make_ticket: Any) -> None:
    client = client_for(desk, scene, "customer_a")
    for i in range(26):
        make_ticket(subject=f"Zgłoszenie {i:02d}")
    first = client.get("/portal/")
    body = first.content.decode()
    assert body.count('<tr data-number="') == 25
    assert "Globex secret order" not in body
    cursor = first.context["page"].next_cursor
    assert cursor
    second = client.get("/portal/", {"cursor": cursor}).content.decode()
    assert second.count('<tr data-number="') == 2
    assert scene["ticket"].subject in body + second


def test_a_broken_cursor_shows_the_first_page(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    response = client_for(desk, scene, "customer_a").get("/portal/", {"cursor": "%%%not-a-cursor"})
    assert response.status_code == 200
    assert scene["ticket"].subject in response.content.decode()


def test_customer_facing_status_words(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    body = client_for(desk, scene, "customer_a").get("/portal/").content.decode()
    assert "Waiting for your reply" in body  # pending, after the agent's reply
    assert ">pending<" not in body


def test_list_query_count_does_not_grow_with_rows(desk: dict[str, Any], scene: dict[str, Any], make_ticket: Any) -> None:
    client = client_for(desk, scene, "customer_a")
    client.get("/portal/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/portal/").status_code == 200
    for i in range(20):
        make_ticket(subject=f"T{i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/portal/").status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 6


def test_ticket_page_query_count_does_not_grow_with_messages(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    from tessera.tickets.attachments import NewAttachment

    ticket = scene["ticket"]
    client = client_for(desk, scene, "customer_a")
    client.get(f"/portal/tickets/{ticket.number}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/portal/tickets/{ticket.number}/")
    agent = Actor.of(desk["agent"])
    for i in range(8):
        actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text=f"msg {i}",
                                     attachments=[NewAttachment(f"plik {i}.txt", b"x")])
        actions.add_agent_reply(agent, ticket, body_text=f"reply {i}")
        actions.add_note(agent, ticket, body_text=f"note {i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/portal/tickets/{ticket.number}/").status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 10


def test_hostile_content_is_inert(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    client = client_for(desk, scene, "customer_a")
    hostile = '<script>window.__pwned=1</script><img src=x onerror="alert(1)">'
    client.post("/portal/tickets/new/", {
        "subject": hostile, "description": hostile, "type": "question", "department": desk["support"].pk,
        "attachments": SimpleUploadedFile('"><svg onload=alert(1)>.html', b"<script>alert(1)</script>", content_type="text/html"),
    })
    ticket = Ticket.objects.get(subject=hostile)
    actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text="x",
                            body_html='<p>Hi</p><script>alert(2)</script><a href="javascript:alert(3)">x</a>')
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    listing = client.get("/portal/").content.decode()
    for body in (page, listing):
        assert "<script>window.__pwned" not in body
        assert '<img src=x onerror="alert(1)">' not in body
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "<svg onload" not in page
    assert "alert(2)" not in page and "javascript:alert(3)" not in page
    attachment = ticket.messages.first().attachments.get()  # type: ignore[union-attr]
    download = client.get(f"/portal/attachments/{attachment.pk}")
    # Never rendered as a page of ours, whatever the uploader claimed it was.
    assert download["Content-Type"] == "application/octet-stream"
    assert "sandbox" in download["Content-Security-Policy"]
    assert "script-src 'self'" in client.get("/portal/").headers["Content-Security-Policy"]


def test_attachments_are_bounded_in_size_and_number(desk: dict[str, Any], scene: dict[str, Any], settings: Any) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAX_ATTACHMENT_BYTES": 1024}
    client = client_for(desk, scene, "customer_a")
    base = {"subject": "Załączniki", "description": "x", "type": "question", "department": desk["support"].pk}
    big = SimpleUploadedFile("duży.bin", b"x" * 1025)
    response = client.post("/portal/tickets/new/", {**base, "attachments": big})
    assert response.status_code == 422
    assert "duży.bin" in response.content.decode()
    many = [SimpleUploadedFile(f"plik{i}.txt", b"x") for i in range(11)]
    assert client.post("/portal/tickets/new/", {**base, "attachments": many}).status_code == 422
    reply = client.post(f"/portal/tickets/{scene['ticket'].number}/reply", {"body": "x", "attachments": SimpleUploadedFile("duży.bin", b"x" * 1025)})
    assert reply.status_code == 422
    assert not Ticket.objects.filter(subject="Załączniki").exists()
    ten = [SimpleUploadedFile(f"plik{i}.txt", b"x") for i in range(10)]
    assert client.post("/portal/tickets/new/", {**base, "attachments": ten}).status_code == 302
    assert Ticket.objects.get(subject="Załączniki").messages.get().attachments.count() == 10
