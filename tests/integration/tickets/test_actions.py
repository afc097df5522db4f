"""The ticket actions: each one checks permission, writes rows and timeline entries, and queues
its side effects in the same transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from tessera.accounts.actor import Actor
from tessera.accounts.models import ClosingPolicy
from tessera.channels.models import Delivery
from tessera.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tessera.jobs.models import Job
from tessera.tickets import actions
from tessera.tickets.access import access_ticket
from tessera.tickets.attachments import NewAttachment
from tessera.tickets.models import EventKind, LinkKind, Message, MessageKind, Ticket, TicketEvent
from tessera.tickets.states import Status

pytestmark = pytest.mark.django_db


def kinds(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))


def test_create_ticket_writes_ticket_message_timeline_and_a_job(make_ticket: Any, desk: dict[str, Any]) -> None:
    before_jobs = Job.objects.count()
    ticket = make_ticket(subject="  Máy in   bị cháy ", tags=["khẩn cấp", "Drukarka"])
    assert ticket.subject == "Máy in bị cháy"
    assert ticket.status == Status.NEW
    assert ticket.number >= 1000
    assert ticket.organisation == desk["org_a"]
    assert kinds(ticket) == [EventKind.CREATED, EventKind.TAGGED, EventKind.MESSAGE]
    assert sorted(t.name for t in ticket.tags.all()) == ["Drukarka", "khẩn cấp"]
    assert Job.objects.count() == before_jobs + 1


def test_numbers_are_unique_and_increasing(make_ticket: Any) -> None:
    numbers = [make_ticket().number for _ in range(5)]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 5


def test_rolled_back_action_leaves_no_job_and_no_ticket(make_ticket: Any) -> None:
    tickets, jobs = Ticket.objects.count(), Job.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket()
        raise RuntimeError("boom")
    assert (Ticket.objects.count(), Job.objects.count()) == (tickets, jobs)


def test_agent_reply_sets_first_response_moves_to_pending_and_plans_delivery(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    message = actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text="Đã nhận, cảm ơn!")
    ticket.refresh_from_db()
    assert ticket.first_response_at == message.created_at
    assert ticket.status == Status.PENDING
    delivery = Delivery.objects.get(message=message)
    assert delivery.recipients == ["anna@acme.test"]
    assert delivery.rfc_message_id.startswith("<tessera.")
    assert kinds(ticket)[-2:] == [EventKind.REPLY, EventKind.STATUS]


def test_customer_message_reopens_pending_ticket(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text="Please send a photo")
    actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text="ส่งรูปแล้วค่ะ")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.last_customer_message_at is not None


def test_customer_cannot_write_to_someone_elses_ticket(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    with pytest.raises(NotFound):
        actions.add_customer_message(Actor.of(desk["customer_b"]), ticket, body_text="hi")


def test_light_agent_may_note_but_not_reply(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    light = Actor.of(desk["light"])
    note = actions.add_note(light, ticket, body_text="Checked the logs")
    assert note.kind == MessageKind.NOTE
    with pytest.raises(PermissionDenied):
        actions.add_agent_reply(light, ticket, body_text="hello")
    with pytest.raises(PermissionDenied):
        actions.change_fields(light, ticket, {"priority": "high"})


def test_agent_outside_department_sees_nothing(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    outsider = Actor.of(desk["outsider"])
    with pytest.raises(NotFound):
        access_ticket(outsider, ticket.number)
    with pytest.raises(NotFound):
        actions.add_note(outsider, ticket, body_text="peek")


def test_change_fields_records_one_event_per_changed_field(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    updated = actions.change_fields(
        Actor.of(desk["agent"]),
        ticket,
        {"priority": "urgent", "type": "incident", "subject": ticket.subject},
        expected_version=ticket.version,
    )
    assert updated.version == ticket.version + 1
    fields = list(TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FIELD).values_list("field", "before", "after"))
    assert sorted(fields) == [("priority", "normal", "urgent"), ("type", "question", "incident")]


def test_stale_version_is_a_conflict_and_changes_nothing(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    agent = Actor.of(desk["agent"])
    actions.change_fields(agent, ticket, {"priority": "high"}, expected_version=ticket.version)
    with pytest.raises(Conflict):
        actions.change_fields(agent, ticket, {"priority": "low"}, expected_version=ticket.version)
    ticket.refresh_from_db()
    assert ticket.priority == "high"
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FIELD).count() == 1


def test_assign_requires_department_membership(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    admin = Actor.of(desk["admin"])
    with pytest.raises(ValidationFailed):
        actions.assign(admin, ticket, desk["outsider"])
    assigned = actions.assign(admin, ticket, desk["agent"])
    assert assigned.assignee == desk["agent"]
    assert assigned.status == Status.OPEN
    with pytest.raises(ValidationFailed):
        actions.assign(admin, ticket, desk["customer_a"])


def test_status_machine_is_enforced(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    agent = Actor.of(desk["agent"])
    actions.change_status(agent, ticket, Status.RESOLVED)
    with pytest.raises(InvalidTransition):
        actions.change_status(agent, ticket, Status.PENDING)
    actions.change_status(agent, ticket, Status.CLOSED)
    ticket.refresh_from_db()
    assert ticket.closed_at is not None and ticket.resolved_at is not None
    with pytest.raises(InvalidTransition):
        actions.change_status(agent, ticket, Status.OPEN)
    with pytest.raises(InvalidTransition):
        actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text="again")


def test_closing_policy_customer_only(make_ticket: Any, desk: dict[str, Any]) -> None:
    desk["support"].closing_policy = ClosingPolicy.CUSTOMER_ONLY
    desk["support"].save()
    ticket = make_ticket()
    with pytest.raises(PermissionDenied):
        actions.change_status(Actor.of(desk["agent"]), ticket, Status.CLOSED)
    actions.change_status(Actor.of(desk["agent"]), ticket, Status.RESOLVED)
    with pytest.raises(PermissionDenied):
        actions.change_status(Actor.of(desk["customer_a"]), ticket, Status.OPEN)
    closed = actions.change_status(Actor.of(desk["customer_a"]), ticket, Status.CLOSED)
    assert closed.status == Status.CLOSED


def test_closing_policy_agents_only_stops_customers(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    with pytest.raises(PermissionDenied):
        actions.change_status(Actor.of(desk["customer_a"]), ticket, Status.CLOSED)


def test_tag_and_untag_are_case_insensitive_and_recorded(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket(tags=["VIP"])
    agent = Actor.of(desk["agent"])
    actions.tag(agent, ticket, ["vip", "Łódź"])
    assert sorted(t.name for t in ticket.tags.all()) == ["VIP", "Łódź"]
    actions.untag(agent, ticket, ["łódź"])
    assert [t.name for t in ticket.tags.all()] == ["VIP"]
    assert kinds(ticket).count(EventKind.TAGGED) == 2
    assert kinds(ticket).count(EventKind.UNTAGGED) == 1


def test_merge_moves_conversation_and_closes_source(make_ticket: Any, desk: dict[str, Any]) -> None:
    a = make_ticket(subject="first")
    b = make_ticket(subject="duplicate", requester=desk["contact_b"])
    target = actions.merge(Actor.of(desk["agent"]), b, a)
    b.refresh_from_db()
    assert b.status == Status.CLOSED and b.merged_into == a
    assert Message.objects.filter(ticket=a).count() == 2
    assert desk["contact_b"] in target.ccs.all()
    assert EventKind.MERGED in kinds(b) and EventKind.MERGED_FROM in kinds(a)
    with pytest.raises(ValidationFailed):
        actions.merge(Actor.of(desk["agent"]), a, a)


def test_link_problem_to_incident_and_unlink(make_ticket: Any, desk: dict[str, Any]) -> None:
    problem = make_ticket(type="problem")
    incident = make_ticket(type="incident")
    agent = Actor.of(desk["agent"])
    with pytest.raises(ValidationFailed):
        actions.link(agent, incident, problem, LinkKind.PROBLEM_INCIDENT)
    actions.link(agent, problem, incident, LinkKind.PROBLEM_INCIDENT)
    assert problem.outgoing_links.get().target == incident
    actions.unlink(agent, problem, incident, LinkKind.PROBLEM_INCIDENT)
    assert not problem.outgoing_links.exists()
    assert kinds(incident).count(EventKind.LINKED) == 1 and kinds(incident).count(EventKind.UNLINKED) == 1


def test_split_moves_one_message_to_a_new_ticket(make_ticket: Any, desk: dict[str, Any]) -> None:
    ticket = make_ticket()
    second = actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text="Also, my invoice is wrong")
    new = actions.split_message(Actor.of(desk["agent"]), second.pk, subject="Invoice is wrong")
    assert list(new.messages.values_list("body_text", flat=True)) == ["Also, my invoice is wrong"]
    assert ticket.messages.count() == 1
    assert EventKind.SPLIT in kinds(ticket)


def test_attachments_are_stored_outside_the_database_with_a_limit(make_ticket: Any, desk: dict[str, Any], settings: Any) -> None:
    ticket = make_ticket(attachments=[NewAttachment(filename="../../etc/hóa đơn.pdf", content=b"%PDF-1.4 hi")])
    attachment = ticket.messages.get().attachments.get()
    assert attachment.filename == "hóa đơn.pdf"
    assert attachment.file.name.startswith("attachments/")
    assert attachment.file.read() == b"%PDF-1.4 hi"
    settings.TESSERA = {**settings.TESSERA, "MAX_ATTACHMENT_BYTES": 10}
    with pytest.raises(ValidationFailed):
        actions.add_note(Actor.of(desk["agent"]), ticket, body_text="big", attachments=[NewAttachment("a.bin", b"x" * 11)])


def test_hostile_html_is_sanitised_and_text_kept_verbatim(make_ticket: Any, desk: dict[str, Any]) -> None:
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a><b>ok</b>'
    ticket = make_ticket(subject="<script>alert('s')</script>", body_text=hostile, body_html=hostile)
    message = ticket.messages.get()
    assert message.body_text == hostile
    assert "<script" not in message.body_html and "onerror" not in message.body_html
    assert "javascript:" not in message.body_html and "<b>ok</b>" in message.body_html
    assert ticket.subject == "<script>alert('s')</script>"


def test_customer_creates_only_for_themselves(desk: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_ticket(
            Actor.of(desk["customer_a"]), subject="x", requester=desk["contact_b"], department=desk["support"], body_text="x"
        )
    ticket = actions.create_ticket(
        Actor.of(desk["customer_a"]), subject="Zwrot", requester=desk["contact_a"], department=desk["support"], body_text="Proszę o zwrot", channel="portal"
    )
    assert access_ticket(Actor.of(desk["customer_a"]), ticket.number) == ticket
    with pytest.raises(NotFound):
        access_ticket(Actor.of(desk["customer_b"]), ticket.number)
