"""Triggers end to end: real tickets, real rules, the job queue run to empty."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail

from tessera.accounts.actor import Actor
from tessera.channels.models import Delivery, DeliveryPurpose
from tessera.rules.models import EmailTemplate, Macro, RuleRun, WebhookCall
from tessera.rules.runner import apply_macro
from tessera.tickets import actions
from tessera.tickets.models import CustomField, EventKind, Message, Ticket, TicketEvent


def _tags(ticket: Ticket) -> set[str]:
    return set(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True))


def _hit_rule(make_rule: Any, condition: dict[str, Any], events: tuple[str, ...] = ("ticket_created",)) -> Any:
    return make_rule({
        "name": "Probe",
        "events": list(events),
        "conditions": {"all": [condition]},
        "actions": [{"type": "add_tags", "tags": ["hit"]}],
    })


OPERATOR_CASES = [
    ({"field": "ticket.subject", "operator": "is", "value": "máy in HỎNG"}, True),
    ({"field": "ticket.subject", "operator": "is", "value": "máy in"}, False),
    ({"field": "ticket.subject", "operator": "is_not", "value": "máy in"}, True),
    ({"field": "ticket.subject", "operator": "contains", "value": "in hỏng"}, True),
    ({"field": "ticket.subject", "operator": "contains", "value": "may in hong", "accent_insensitive": True}, True),
    ({"field": "ticket.subject", "operator": "contains", "value": "may in hong"}, False),
    ({"field": "ticket.subject", "operator": "not_contains", "value": "drukarka"}, True),
    ({"field": "ticket.subject", "operator": "starts_with", "value": "Máy"}, True),
    ({"field": "ticket.subject", "operator": "ends_with", "value": "hỏng"}, True),
    ({"field": "ticket.subject", "operator": "matches", "value": r"^máy\s+in"}, True),
    ({"field": "ticket.subject", "operator": "matches", "value": r"^in"}, False),
    ({"field": "ticket.number", "operator": "greater", "value": 0}, True),
    ({"field": "ticket.number", "operator": "less", "value": 0}, False),
    ({"field": "ticket.number", "operator": "greater_or_equal", "value": 1}, True),
    ({"field": "ticket.number", "operator": "less_or_equal", "value": 1_000_000}, True),
    ({"field": "ticket.priority", "operator": "in", "value": ["high", "urgent"]}, True),
    ({"field": "ticket.priority", "operator": "not_in", "value": ["high", "urgent"]}, False),
    ({"field": "ticket.tags", "operator": "contains", "value": "vip"}, True),
    ({"field": "ticket.assignee", "operator": "is_empty"}, True),
    ({"field": "ticket.assignee", "operator": "is_not_empty"}, False),
    ({"field": "contact.email", "operator": "ends_with", "value": "@acme.test"}, True),
    ({"field": "organisation.name", "operator": "is", "value": "acme"}, True),
    ({"field": "message.body_text", "operator": "contains", "value": "pilne"}, True),
    ({"field": "message.author_kind", "operator": "is", "value": "contact"}, True),
    ({"field": "ticket.custom_fields.order_id", "operator": "starts_with", "value": "PL-"}, True),
    ({"field": "ticket.created_at", "operator": "greater", "value": "2020-01-01T00:00:00+00:00"}, True),
]


@pytest.mark.parametrize(("condition", "expected"), OPERATOR_CASES, ids=lambda v: str(v) if isinstance(v, bool) else f"{v['field']}-{v['operator']}")
def test_each_operator_on_a_real_ticket(
    desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any, condition: dict[str, Any], expected: bool
) -> None:
    CustomField.objects.create(key="order_id", label="Order", field_type="text")
    _hit_rule(make_rule, condition)
    ticket = make_ticket(subject="Máy in hỏng", priority="high", tags=["VIP"], body_text="To pilne!",
                         custom_fields={"order_id": "PL-2291"})
    drain()
    assert ("hit" in _tags(ticket)) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "ticket.priority", "operator": "changed"}, True),
        ({"field": "ticket.priority", "operator": "changed_from", "value": "normal"}, True),
        ({"field": "ticket.priority", "operator": "changed_to", "value": "urgent"}, True),
        ({"field": "ticket.priority", "operator": "changed_to", "value": "low"}, False),
        ({"field": "ticket.type", "operator": "changed"}, False),
        ({"field": "event.field", "operator": "is", "value": "priority"}, True),
    ],
)
def test_change_operators_on_field_changed(
    desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any, condition: dict[str, Any], expected: bool
) -> None:
    ticket = make_ticket()
    drain()
    _hit_rule(make_rule, condition, events=("field_changed",))
    actions.change_fields(Actor.of(desk["agent"]), ticket, {"priority": "urgent"})
    drain()
    assert ("hit" in _tags(ticket)) is expected


def test_status_changed_and_customer_replied_events(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    ticket = make_ticket()
    drain()
    make_rule({"name": "On hold watch", "events": ["status_changed"],
               "conditions": {"all": [{"field": "ticket.status", "operator": "changed_to", "value": "on_hold"}]},
               "actions": [{"type": "add_tags", "tags": ["held"]}]})
    make_rule({"name": "Customer wrote", "events": ["customer_replied"],
               "actions": [{"type": "add_note", "text": "Khách hàng {{ contact.name }} viết: {{ message.body_text }}"}]})
    actions.change_status(Actor.of(desk["agent"]), ticket, "on_hold")
    drain()
    assert "held" in _tags(ticket)
    actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text="Czy są postępy?")
    drain()
    note = Message.objects.get(ticket=ticket, kind="note")
    assert note.body_text == "Khách hàng Anna Kowalska viết: Czy są postępy?"


def test_actions_set_fields_and_the_timeline_names_the_rule(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    CustomField.objects.create(key="region", label="Region", field_type="text")
    make_rule({
        "name": "Triage VIP",
        "events": ["ticket_created"],
        "actions": [
            {"type": "set_field", "field": "priority", "value": "high"},
            {"type": "set_field", "field": "type", "value": "incident"},
            {"type": "set_field", "field": "subject", "value": "[VIP] Printer"},
            {"type": "set_field", "field": "due_at", "value": "2031-05-02T10:00:00+00:00"},
            {"type": "set_field", "field": "custom_fields.region", "value": "Kraków"},
            {"type": "set_field", "field": "status", "value": "on_hold"},
            {"type": "add_tags", "tags": ["vip", "łódź"]},
            {"type": "remove_tags", "tags": ["temp"]},
            {"type": "add_note", "text": "Priority is now {{ ticket.priority }}"},
        ],
    })
    ticket = make_ticket(tags=["temp"])
    drain()
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.priority, ticket.type, ticket.subject, ticket.status) == ("high", "incident", "[VIP] Printer", "on_hold")
    assert ticket.due_at == datetime(2031, 5, 2, 10, tzinfo=UTC)
    assert ticket.custom_fields == {"region": "Kraków"}
    assert _tags(ticket) == {"vip", "łódź"}
    assert Message.objects.get(ticket=ticket, kind="note").body_text == "Priority is now high"
    change = TicketEvent.objects.get(ticket=ticket, kind=EventKind.FIELD, field="priority")
    assert (change.actor_label, change.via_rule, change.after) == ("Triage VIP", "Triage VIP", "high")
    summary = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RULE)
    assert str(summary.after).startswith("rule Triage VIP set priority to high; rule Triage VIP set type to incident")
    run = RuleRun.objects.get(ticket=ticket)
    assert run.errors == [] and len(run.actions) == 9 and run.event == "ticket_created"


def test_assign_actions(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    from tessera.accounts.models import User

    desk["agent"].availability = "online"
    desk["agent"].save()
    make_rule({"name": "To billing", "events": ["ticket_created"],
               "conditions": {"all": [{"field": "ticket.subject", "operator": "contains", "value": "invoice"}]},
               "actions": [{"type": "assign", "department_id": desk["billing"].pk}]})
    make_rule({"name": "To agent", "events": ["ticket_created"],
               "conditions": {"all": [{"field": "ticket.subject", "operator": "contains", "value": "printer"}]},
               "actions": [{"type": "assign", "agent_id": desk["agent"].pk}]})
    make_rule({"name": "Distribute", "events": ["ticket_created"],
               "conditions": {"all": [{"field": "ticket.subject", "operator": "contains", "value": "queue"}]},
               "actions": [{"type": "assign", "distribution": True}]})
    make_rule({"name": "Outsider", "events": ["ticket_created"],
               "conditions": {"all": [{"field": "ticket.subject", "operator": "contains", "value": "wrong"}]},
               "actions": [{"type": "assign", "agent_id": desk["outsider"].pk}]})
    invoice = make_ticket(subject="Wrong invoice")
    printer = make_ticket(subject="printer jam")
    queued = make_ticket(subject="queue me")
    drain()
    invoice = Ticket.objects.get(pk=invoice.pk)
    assert invoice.department == desk["billing"]
    # Moved to Billing first, so the outsider (a Billing agent) may now take it.
    assert invoice.assignee == desk["outsider"]
    assert Ticket.objects.get(pk=printer.pk).assignee == desk["agent"]
    assert Ticket.objects.get(pk=queued.pk).assignee == User.objects.get(pk=desk["agent"].pk)
    make_rule({"name": "Drop", "events": ["field_changed"], "actions": [{"type": "assign", "unassign": True}]})
    actions.change_fields(Actor.of(desk["agent"]), printer, {"priority": "low"})
    drain()
    assert Ticket.objects.get(pk=printer.pk).assignee is None


def test_a_refused_action_is_recorded_and_the_others_still_apply(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    make_rule({"name": "Half bad", "events": ["ticket_created"],
               "actions": [{"type": "assign", "agent_id": desk["outsider"].pk},
                           {"type": "add_tags", "tags": ["still-here"]}]})
    ticket = make_ticket()
    drain()
    assert "still-here" in _tags(ticket)
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
    run = RuleRun.objects.get(ticket=ticket)
    assert len(run.errors) == 1 and "not a member" in run.errors[0]
    summary = str(TicketEvent.objects.get(ticket=ticket, kind=EventKind.RULE).after)
    assert "rule Half bad could not assigned to agent" in summary


def test_send_email_actions(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    template = EmailTemplate.objects.create(name="ack", subject="[{{ ticket.display_number }}] Đã nhận",
                                            body="Xin chào {{ contact.name }}")
    make_rule({"name": "Mailer", "events": ["ticket_created"], "actions": [
        {"type": "send_email", "to": "requester", "template_id": template.pk},
        {"type": "send_email", "to": "department", "subject": "New: {{ ticket.subject }}", "body": "{{ ticket.url }}"},
        {"type": "send_email", "to": "address", "address": "lead@example.test", "body": "Hi {{ ticket.subject }}"},
        {"type": "send_email", "to": "assignee", "body": "nobody is assigned"},
    ]})
    ticket = make_ticket(subject="Zamówienie {{ ticket.number }}")
    drain()
    deliveries = list(Delivery.objects.filter(ticket=ticket, purpose=DeliveryPurpose.RULE).order_by("id"))
    assert [d.recipients for d in deliveries] == [["anna@acme.test"], ["agent@example.test", "light@example.test"],
                                                  ["lead@example.test"]]
    assert deliveries[0].subject == f"[{ticket.display_number}] Đã nhận"
    assert deliveries[0].body_text == "Xin chào Anna Kowalska"
    # The customer's text is a value, never a template: its braces come out as written.
    assert deliveries[2].body_text == "Hi Zamówienie {{ ticket.number }}"
    sent = {tuple(m.to): m for m in mail.outbox}
    assert sent[("anna@acme.test",)].extra_headers["Auto-Submitted"] == "auto-generated"
    run = RuleRun.objects.get(ticket=ticket)
    assert run.actions[-1] == "skipped emailed the assignee (no address)"


def test_no_rule_mail_to_an_auto_reply_and_a_daily_cap(
    desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any, settings: Any
) -> None:
    settings.TESSERA_RULE_MAILS_PER_ADDRESS_PER_DAY = 2
    make_rule({"name": "Echo", "events": ["customer_replied", "ticket_created"],
               "actions": [{"type": "send_email", "to": "requester", "body": "We got it"}]})
    ticket = make_ticket()
    drain()
    customer = Actor.customer(desk["contact_a"], "email")
    actions.add_customer_message(customer, ticket, body_text="Out of office", thread_reason={"auto_submitted": True})
    drain()
    assert Delivery.objects.filter(ticket=ticket, purpose=DeliveryPurpose.RULE).count() == 1
    for text in ("one", "two", "three"):
        actions.add_customer_message(customer, ticket, body_text=text)
        drain()
    # Two a day: the acknowledgement and the first real reply; the rest are over the cap.
    assert Delivery.objects.filter(ticket=ticket, purpose=DeliveryPurpose.RULE).count() == 2
    latest = RuleRun.objects.filter(ticket=ticket).first()
    assert latest is not None and "over today's automatic mail cap" in latest.actions[0]


def test_webhook_and_spam_and_macro_actions(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any, settings: Any) -> None:
    macro = Macro.objects.create(name="Refund", actions=[{"type": "add_tags", "tags": ["refund"]}],
                                 reply_template="Dzień dobry {{ contact.name }}, zwrot w drodze.")
    make_rule({"name": "Hooks", "events": ["ticket_created"],
               "conditions": {"all": [{"field": "ticket.subject", "operator": "contains", "value": "hook"}]},
               "actions": [{"type": "webhook", "url": "https://crm.invalid/hook", "headers": {"X-Key": "k"}}]})
    make_rule({"name": "Spam", "events": ["ticket_created"],
               "conditions": {"all": [{"field": "ticket.subject", "operator": "contains", "value": "casino"}]},
               "actions": [{"type": "mark_spam"}]})
    make_rule({"name": "Refunds", "events": ["ticket_created"],
               "conditions": {"all": [{"field": "ticket.subject", "operator": "contains", "value": "zwrot"}]},
               "actions": [{"type": "apply_macro", "macro_id": macro.pk}]})
    hooked = make_ticket(subject="hook me")
    spam = make_ticket(subject="Best casino")
    refund = make_ticket(subject="Proszę o zwrot")
    settings.TESSERA_WEBHOOK_ALLOWED_NETWORKS = []
    drain()
    call = WebhookCall.objects.get(ticket=hooked)
    assert call.headers == {"X-Key": "k"} and '"display_number"' in call.body and call.rule_name == "Hooks"
    assert call.status in {"pending", "failed"} and call.attempts >= 1
    assert Ticket.objects.get(pk=spam.pk).is_spam
    refund = Ticket.objects.get(pk=refund.pk)
    assert "refund" in _tags(refund)
    reply = Message.objects.get(ticket=refund, kind="public", author_kind="system")
    assert reply.body_text == "Dzień dobry Anna Kowalska, zwrot w drodze."
    assert refund.status == "pending"


def test_an_agent_applies_a_macro_by_hand(desk: dict[str, Any], make_ticket: Any, drain: Any) -> None:
    macro = Macro.objects.create(name="Need logs", actions=[{"type": "set_field", "field": "status", "value": "on_hold"},
                                                            {"type": "add_tags", "tags": ["logs"]}],
                                 reply_template="Please send the logs for {{ ticket.display_number }}.")
    ticket = make_ticket()
    done = apply_macro(Actor.of(desk["agent"]), ticket, macro)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert done == ["set status to on_hold", "added tags logs", "replied to the customer"]
    reply = Message.objects.get(ticket=ticket, kind="public", author_kind="agent")
    assert reply.author_user == desk["agent"] and reply.body_text == f"Please send the logs for {ticket.display_number}."
    # The reply asked for a status of its own choosing (pending after a reply from on_hold stays).
    assert ticket.status == "on_hold" and "logs" in _tags(ticket)


def test_loop_between_two_rules_stops_inside_one_cycle(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    make_rule({"name": "A raises", "events": ["ticket_created", "field_changed"],
               "conditions": {"all": [{"field": "ticket.priority", "operator": "is", "value": "normal"}]},
               "actions": [{"type": "set_field", "field": "priority", "value": "high"}]})
    make_rule({"name": "B lowers", "events": ["ticket_created", "field_changed"],
               "conditions": {"all": [{"field": "ticket.priority", "operator": "is", "value": "high"}]},
               "actions": [{"type": "set_field", "field": "priority", "value": "normal"}]})
    ticket = make_ticket()
    jobs = drain()
    assert Ticket.objects.get(pk=ticket.pk).priority == "normal"
    assert sorted(RuleRun.objects.filter(ticket=ticket).values_list("rule_name", flat=True)) == ["A raises", "B lowers"]
    # One job for the creation, one for the rules' own changes (seen by the SLA, not by triggers)
    # and one for the rule-run entries: nothing more, however long the queue runs.
    assert jobs <= 6
    assert drain() == 0


def test_stop_processing_and_order(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    make_rule({"name": "First", "events": ["ticket_created"], "stop_processing": True,
               "actions": [{"type": "add_tags", "tags": ["first"]}]})
    make_rule({"name": "Second", "events": ["ticket_created"], "actions": [{"type": "add_tags", "tags": ["second"]}]})
    ticket = make_ticket()
    drain()
    assert _tags(ticket) == {"first"}


def test_inactive_rules_do_not_run(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    make_rule({"name": "Off", "events": ["ticket_created"], "actions": [{"type": "add_tags", "tags": ["x"]}]}, is_active=False)
    ticket = make_ticket()
    drain()
    assert _tags(ticket) == set()
    assert not RuleRun.objects.exists()
