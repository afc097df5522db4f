"""Links, tags, split, due time and custom fields from the ticket page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from tessera.accounts.actor import Actor
from tessera.agent_ui.templatetags.desk import event_summary
from tessera.tickets import actions
from tessera.tickets.models import CustomField, EventKind, Message, Ticket, TicketEvent, TicketLink
from tests.integration.agent_ui.test_desk import WHO, client_for

pytestmark = pytest.mark.django_db

EDITORS = {"anonymous": 302, "customer_a": 404, "customer_b": 404, "outsider": 404, "light": 403}


def expected(who: str) -> int:
    return EDITORS.get(who, 302)


@pytest.mark.parametrize("who", WHO)
def test_link_and_unlink_matrix(desk: dict[str, Any], make_ticket: Any, who: str) -> None:
    problem, incident = make_ticket(type="problem"), make_ticket(type="incident")
    client = client_for(desk, who)
    response = client.post(f"/desk/tickets/{problem.number}/link", {"kind": "problem_incident", "target": incident.number})
    assert response.status_code == expected(who)
    assert TicketLink.objects.filter(source=problem, target=incident).exists() == (expected(who) == 302 and who != "anonymous")
    link = TicketLink.objects.get_or_create(source=problem, target=incident, kind="problem_incident")[0]
    response = client.post(f"/desk/tickets/{problem.number}/links/{link.pk}/delete")
    assert response.status_code == expected(who)
    assert TicketLink.objects.filter(pk=link.pk).exists() != (expected(who) == 302 and who != "anonymous")


@pytest.mark.parametrize("who", WHO)
def test_untag_matrix(desk: dict[str, Any], make_ticket: Any, who: str) -> None:
    ticket = make_ticket(tags=["zwrot"])
    response = client_for(desk, who).post(f"/desk/tickets/{ticket.number}/untag", {"tag": "ZWROT"})
    assert response.status_code == expected(who)
    assert ticket.tags.exists() != (expected(who) == 302 and who != "anonymous")


@pytest.mark.parametrize("who", WHO)
def test_split_matrix(desk: dict[str, Any], make_ticket: Any, who: str) -> None:
    ticket = make_ticket()
    second = actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text="Unrelated question")
    response = client_for(desk, who).post(f"/desk/tickets/{ticket.number}/split/{second.pk}")
    assert response.status_code == expected(who)
    moved = Message.objects.get(pk=second.pk).ticket_id != ticket.pk
    assert moved == (expected(who) == 302 and who != "anonymous")


def test_split_of_a_message_from_another_ticket_is_404(desk: dict[str, Any], make_ticket: Any) -> None:
    mine, other = make_ticket(), make_ticket()
    foreign = other.messages.get()
    assert client_for(desk, "agent").post(f"/desk/tickets/{mine.number}/split/{foreign.pk}").status_code == 404


def test_due_time_and_custom_fields_from_the_side_panel(desk: dict[str, Any], make_ticket: Any) -> None:
    CustomField.objects.create(key="order_id", label="Mã đơn hàng", field_type="text")
    CustomField.objects.create(key="plan", label="Plan", field_type="choice", choices=["Basic", "Pro"])
    desk["agent"].time_zone = "Asia/Bangkok"
    desk["agent"].save()
    ticket = make_ticket()
    client = client_for(desk, "agent")
    page = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert "Mã đơn hàng" in page
    response = client.post(f"/desk/tickets/{ticket.number}/fields", {
        "status": "open", "priority": "normal", "type": "question", "department": desk["support"].pk, "assignee": "",
        "due_at": "2026-12-01T17:00", "cf_order_id": "ĐH-2026-001", "cf_plan": "Pro", "version": ticket.version,
    })
    assert response.status_code == 302
    ticket.refresh_from_db()
    # Entered in the agent's own time zone (Bangkok, UTC+7).
    assert ticket.due_at == dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    assert ticket.custom_fields == {"order_id": "ĐH-2026-001", "plan": "Pro"}
    bad = client.post(f"/desk/tickets/{ticket.number}/fields", {
        "status": "open", "priority": "normal", "type": "question", "department": desk["support"].pk, "assignee": "",
        "cf_plan": "Gold", "version": ticket.version,
    })
    assert bad.status_code == 422
    assert Ticket.objects.get(pk=ticket.pk).custom_fields["plan"] == "Pro"


def test_times_are_shown_in_the_agents_time_zone_and_timeline_reads_well(desk: dict[str, Any], make_ticket: Any) -> None:
    desk["agent"].time_zone = "Asia/Ho_Chi_Minh"
    desk["agent"].save()
    ticket = make_ticket(created_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tags=["vip"])
    actions.change_fields(Actor.of(desk["admin"]), ticket, {"priority": "high"})
    body = client_for(desk, "agent").get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert "4 p.m." in body or "16:00" in body  # 09:00 UTC is 16:00 in Hồ Chí Minh City
    # The field and its values by their labels, not the stored codes "priority", "normal".
    assert "changed Priority from Normal to High" in body
    assert "changed priority from normal to high" not in body
    assert "added tags vip" in body


@pytest.mark.parametrize(("language", "expected"), [
    ("vi", ["đã đổi Mức ưu tiên từ Bình thường thành Cao", "đã đổi Trạng thái từ Mới thành Đang mở"]),
    ("th", ["เปลี่ยน ความสำคัญ จาก ปกติ เป็น สูง", "เปลี่ยน สถานะ จาก ใหม่ เป็น เปิดอยู่"]),
    ("pl", ["zmienił(a) pole „Priorytet”: Normalny → Wysoki", "zmienił(a) pole „Status”: Nowe → Otwarte"]),
])
def test_timeline_sentences_use_the_readers_language_for_fields_and_values(
    desk: dict[str, Any], make_ticket: Any, language: str, expected: list[str]
) -> None:
    ticket = make_ticket()
    actions.change_fields(Actor.of(desk["admin"]), ticket, {"priority": "high", "status": "open"})
    events = TicketEvent.objects.filter(ticket=ticket, kind__in=[EventKind.FIELD, EventKind.STATUS]).order_by("field")
    with translation.override(language):
        lines = [event_summary(e) for e in events]
    assert lines == expected
    assert not any(code in line for line in lines for code in ("priority", "normal", "high", "status"))


def test_review_marks_and_failed_deliveries_read_as_sentences(desk: dict[str, Any], make_ticket: Any) -> None:
    from tessera.tickets.actions.channel import record_delivery_failure, set_needs_review

    ticket = make_ticket()
    system = Actor.system()
    set_needs_review(system, ticket, True)
    set_needs_review(system, ticket, False)
    record_delivery_failure(system, ticket, delivery_id=7, recipients=["anna@example.pl"],
                            error="550 5.1.1 <anna@example.pl>: mailbox unknown")
    kinds = [EventKind.FIELD, EventKind.DELIVERY]
    lines = [event_summary(e) for e in TicketEvent.objects.filter(ticket=ticket, kind__in=kinds).order_by("id")]
    assert lines == [
        "marked the ticket for review",
        "cleared the review mark",
        "could not deliver the mail to anna@example.pl: 550 5.1.1 <anna@example.pl>: mailbox unknown",
    ]
