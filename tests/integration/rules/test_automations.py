"""Time-based automations, the shipped defaults, import/export and the stored-rule checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.channels.models import Delivery, DeliveryPurpose
from tessera.core.time import frozen_at
from tessera.rules import store
from tessera.rules.defaults import DEFAULTS, install_defaults
from tessera.rules.models import AutomationFiring, Rule, RuleRun
from tessera.rules.runner import run_automations
from tessera.rules.schema import RuleValidationError
from tessera.tickets import actions
from tessera.tickets.models import EventKind, Message, Ticket, TicketEvent

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _reminder(make_rule: Any, **time_condition: Any) -> Rule:
    rule: Rule = make_rule({
        "name": "Nudge",
        "kind": "automation",
        "time_condition": {"since": "last_customer_message", "hours": 24, **time_condition},
        "conditions": {"all": [{"field": "ticket.status", "operator": "in", "value": ["new", "open"]}]},
        "actions": [{"type": "add_tags", "tags": ["nudged"]}, {"type": "add_note", "text": "Still waiting"}],
    })
    return rule


def test_an_automation_fires_once_per_window(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    rule = _reminder(make_rule)
    with frozen_at(MONDAY):
        ticket = make_ticket()
        drain()
    with frozen_at(MONDAY + timedelta(hours=23)):
        assert run_automations() == 0
    with frozen_at(MONDAY + timedelta(hours=25)):
        assert run_automations() == 1
        assert run_automations() == 0
        drain()
    with frozen_at(MONDAY + timedelta(hours=80)):
        # Same silence, same window: never again.
        assert run_automations() == 0
        actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text="Any news?")
        drain()
    with frozen_at(MONDAY + timedelta(hours=105)):
        assert run_automations() == 1
    assert AutomationFiring.objects.filter(rule=rule, ticket=ticket).count() == 2
    assert Message.objects.filter(ticket=ticket, kind="note").count() == 2
    entry = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RULE).first()
    assert entry is not None and entry.after == "rule Nudge added tags nudged; rule Nudge added an internal note"
    assert RuleRun.objects.filter(ticket=ticket, event="time_elapsed").count() == 2


def test_business_hours_automation_waits_over_the_weekend(
    desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any
) -> None:
    from tessera.sla.models import SlaPolicy
    from tessera.sla.policies import save_policy

    # The ticket's calendar comes from its SLA policy: 08:00-17:00 Monday to Friday.
    save_policy(SlaPolicy(name="Std", resolution_minutes=600, calendar={
        "timezone": "UTC", "weekly_hours": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}))
    _reminder(make_rule, hours=2, business_hours=True)
    friday = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    with frozen_at(friday):
        make_ticket()
        drain()
    with frozen_at(friday + timedelta(hours=64)):  # Monday 08:00: one business hour so far
        assert run_automations() == 0
    with frozen_at(friday + timedelta(hours=65)):  # Monday 09:00: two
        assert run_automations() == 1


def test_within_business_hours_condition(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    make_rule({"name": "Night", "events": ["ticket_created"],
               "conditions": {"all": [{"field": "time.within_business_hours", "operator": "is", "value": False}]},
               "actions": [{"type": "add_tags", "tags": ["after-hours"]}]})
    with frozen_at(datetime(2026, 3, 3, 22, 0, tzinfo=UTC)):
        night = make_ticket()
        drain()
    with frozen_at(datetime(2026, 3, 3, 11, 0, tzinfo=UTC)):
        day = make_ticket()
        drain()
    assert list(night.tags.values_list("name", flat=True)) == ["after-hours"]
    assert not day.tags.exists()


def test_defaults_acknowledge_close_and_reopen(desk: dict[str, Any], make_ticket: Any, drain: Any) -> None:
    install_defaults()
    assert install_defaults() == []
    assert Rule.objects.count() == len(DEFAULTS)
    with frozen_at(MONDAY):
        ticket = make_ticket(subject="Drukarka nie drukuje")
        drain()
    ack = Delivery.objects.get(ticket=ticket, purpose=DeliveryPurpose.RULE)
    assert ack.recipients == ["anna@acme.test"]
    assert ack.subject == f"[{ticket.display_number}] We received your request: Drukarka nie drukuje"

    agent = Actor.of(desk["agent"])
    with frozen_at(MONDAY + timedelta(minutes=10)):
        actions.add_agent_reply(agent, ticket, body_text="Proszę zrestartować.")  # -> pending
        drain()
    with frozen_at(MONDAY + timedelta(days=1)):
        actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text="Nie pomogło")
        drain()
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == "open"
    assert "customer-replied" in ticket.tags.values_list("name", flat=True)

    with frozen_at(MONDAY + timedelta(days=1, hours=1)):
        actions.add_agent_reply(agent, ticket, body_text="A teraz?")
        drain()
    with frozen_at(MONDAY + timedelta(days=3, hours=23)):
        run_automations()
        drain()
        assert Ticket.objects.get(pk=ticket.pk).status == "pending"
    with frozen_at(MONDAY + timedelta(days=4, hours=2)):
        run_automations()
        drain()
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == "closed"
    closing = Delivery.objects.filter(ticket=ticket, purpose=DeliveryPurpose.RULE).order_by("-id").first()
    assert closing is not None and closing.subject.startswith(f"[{ticket.display_number}] Closing your request")
    status = TicketEvent.objects.get(ticket=ticket, kind=EventKind.STATUS, after="closed")
    assert status.via_rule == "Close tickets pending for 3 days"


def test_default_unanswered_alert_goes_to_the_department(desk: dict[str, Any], make_ticket: Any, drain: Any) -> None:
    install_defaults()
    tuesday = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    with frozen_at(tuesday):
        ticket = make_ticket()
        drain()
    with frozen_at(tuesday + timedelta(minutes=29)):
        run_automations()
    with frozen_at(tuesday + timedelta(minutes=31)):
        run_automations()
        run_automations()
    alerts = Delivery.objects.filter(ticket=ticket, purpose=DeliveryPurpose.RULE, subject__contains="Waiting")
    assert [d.recipients for d in alerts] == [["agent@example.test", "light@example.test"]]
    assert Message.objects.filter(ticket=ticket, kind="note").count() == 1


def test_export_then_import_round_trips(desk: dict[str, Any], make_rule: Any) -> None:
    make_rule({"name": "Ưu tiên VIP", "events": ["ticket_created"],
               "conditions": {"any": [{"field": "contact.organisation", "operator": "in", "value": [desk["org_a"].pk]}]},
               "actions": [{"type": "set_field", "field": "priority", "value": "urgent"}]})
    install_defaults()
    exported = store.export_rules()
    before = [(r.name, r.document, r.is_active) for r in Rule.objects.order_by("position")]
    Rule.objects.all().delete()
    store.import_rules(exported)
    after = [(r.name, r.document, r.is_active) for r in Rule.objects.order_by("position")]
    assert after == before
    assert json.loads(store.export_rules()) == json.loads(exported)


def test_import_is_all_or_nothing(desk: dict[str, Any]) -> None:
    good = {"schema": 1, "name": "ok", "kind": "trigger", "events": ["ticket_created"],
            "actions": [{"type": "add_tags", "tags": ["x"]}]}
    bad = {**good, "name": "bad", "actions": [{"type": "set_field", "field": "requester", "value": 1}]}
    with pytest.raises(RuleValidationError) as caught:
        store.import_rules(json.dumps([good, bad]))
    assert caught.value.issues[0].path == "rules[1].actions[0].field"
    assert not Rule.objects.exists()


def test_move_rule_changes_run_order(desk: dict[str, Any], make_rule: Any) -> None:
    first = make_rule({"name": "one", "events": ["ticket_created"], "actions": [{"type": "add_tags", "tags": ["a"]}]})
    second = make_rule({"name": "two", "events": ["ticket_created"], "actions": [{"type": "add_tags", "tags": ["b"]}]})
    store.move_rule(second, -1)
    assert list(Rule.objects.order_by("position").values_list("pk", flat=True)) == [second.pk, first.pk]
