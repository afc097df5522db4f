"""A desk with a thousand active triggers: what one customer reply costs, and that nothing is lost.

The statement count of processing a reply is pinned against the same reply with no active
rule, so the rules' share cannot grow unnoticed. The index the engine uses (tests/unit/rules/
test_rule_book.py proves it equal to trying every rule) is exercised here end to end, through
the cache of parsed rules and the runner, on rules stored as the admin pages store them.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tessera.accounts.actor import Actor
from tessera.rules import schema, store
from tessera.rules.active import active_rule_set, active_rules
from tessera.rules.models import Rule, RuleKind, RuleRun
from tessera.tickets import actions
from tessera.tickets.models import Ticket, TicketEvent
from tessera.tickets.tasks import process_ticket_events

MANY = 1000
EVENTS = ("customer_replied", "status_changed", "ticket_created", "field_changed", "agent_replied")


def _never_matching(k: int, rng: random.Random, department: int) -> dict[str, Any]:
    """A trigger shaped like a large desk's (state conditions plus one on a word, tag or
    address no ticket here has), in any order: evaluated in part or in full, never firing."""
    common = [
        {"field": "ticket.status", "operator": "in", "value": ["new", "open", "pending"]},
        {"field": "ticket.priority", "operator": "is", "value": rng.choice(["low", "normal", "high"])},
        {"field": "ticket.department", "operator": "is", "value": department},
    ]
    rare = rng.choice([
        {"field": "ticket.tags", "operator": "contains", "value": f"never-{k}"},
        {"field": "contact.email", "operator": "ends_with", "value": f"@nowhere{k}.test"},
        {"field": "message.body_text", "operator": "contains", "value": f"contract {k:04d}"},
        {"field": "ticket.subject", "operator": "contains", "value": f"order-{k:04d}"},
    ])
    conditions = rng.sample(common, rng.randint(1, 3))
    conditions.insert(rng.randint(0, len(conditions)), rare)
    return {"schema": 1, "name": f"many {k:04d}", "kind": "trigger", "events": [rng.choice(EVENTS)],
            "conditions": {"all": conditions}, "actions": [{"type": "add_tags", "tags": [f"rule-{k}"]}]}


def _store_many(department: int, *, active: bool) -> None:
    rng = random.Random(7)
    rows = []
    for k in range(MANY):
        canonical = schema.rule_to_dict(schema.rule_from_dict(_never_matching(k, rng, department)))
        rows.append(Rule(name=canonical["name"], kind="trigger", document=canonical, position=1000 + k,
                         is_active=active))
    Rule.objects.bulk_create(rows)


def _pending_ticket(desk: dict[str, Any], make_ticket: Any) -> Ticket:
    ticket = make_ticket(subject="Faktura nie doszła")
    return actions.change_status(Actor.of(desk["agent"]), ticket, "pending")


def _reply(desk: dict[str, Any], ticket: Ticket) -> list[int]:
    """A customer reply on a pending ticket: two engine events, customer_replied and
    status_changed (pending to open). Returns its timeline entries."""
    last = TicketEvent.objects.filter(ticket=ticket).order_by("-pk").values_list("pk", flat=True).first() or 0
    actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket,
                                 body_text="Proszę o szybką odpowiedź.", channel="email")
    return list(TicketEvent.objects.filter(ticket=ticket, pk__gt=last).order_by("pk").values_list("pk", flat=True))


def _statements(event_ids: list[int]) -> list[str]:
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        process_ticket_events.call(event_ids)
    return [q["sql"] for q in ctx.captured_queries]


def test_a_reply_with_a_thousand_rules_that_do_not_match_costs_four_statements_more(
    desk: dict[str, Any], make_ticket: Any
) -> None:
    _store_many(desk["support"].pk, active=False)
    quiet, busy = _pending_ticket(desk, make_ticket), _pending_ticket(desk, make_ticket)

    # Both measured with the parsed rules already cached, as on a worker that has run a job.
    assert active_rule_set(RuleKind.TRIGGER).pairs == []
    without = _statements(_reply(desk, quiet))
    Rule.objects.filter(name__startswith="many ").update(is_active=True)
    assert len(active_rule_set(RuleKind.TRIGGER).pairs) == MANY
    reply = _reply(desk, busy)
    assert len(reply) == 2
    with_rules = _statements(reply)

    assert not RuleRun.objects.exists()
    # The ticket, its tags, the requester's addresses, whether the message has attachments:
    # read once for both cycles, because no rule fired in the first. Whether the rules changed
    # is one primary-key read, made with or without active rules.
    assert len(with_rules) - len(without) == 4, "\n".join(with_rules)
    assert sum("rules_" in sql for sql in with_rules) == 1


def test_a_rule_far_down_the_list_sets_off_one_near_the_top(desk: dict[str, Any], make_ticket: Any) -> None:
    ticket = _pending_ticket(desk, make_ticket)
    store.save_rule({"schema": 1, "name": "first, on a priority change", "kind": "trigger",
                     "events": ["field_changed"],
                     "conditions": {"all": [{"field": "ticket.priority", "operator": "changed_to", "value": "urgent"}]},
                     "actions": [{"type": "add_tags", "tags": ["escalated"]}]}, position=1)
    _store_many(desk["support"].pk, active=True)
    store.save_rule({"schema": 1, "name": "last, on a reply", "kind": "trigger", "events": ["customer_replied"],
                     "conditions": {"all": [{"field": "message.body_text", "operator": "contains",
                                             "value": "szybką"}]},
                     "actions": [{"type": "set_field", "field": "priority", "value": "urgent"}]}, position=5000)

    with transaction.atomic():
        process_ticket_events.call(_reply(desk, ticket))

    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert set(ticket.tags.values_list("name", flat=True)) == {"escalated"}
    assert sorted(RuleRun.objects.values_list("rule_name", flat=True)) == ["first, on a priority change",
                                                                          "last, on a reply"]


def _names() -> set[str]:
    return {row.name for row, _ in active_rules(RuleKind.TRIGGER)}


def _doc(name: str) -> dict[str, Any]:
    return {"schema": 1, "kind": "trigger", "name": name, "events": ["ticket_created"],
            "actions": [{"type": "add_tags", "tags": ["x"]}]}


def test_writes_that_bypass_the_store_are_seen_too(db: Any) -> None:
    first = store.save_rule(_doc("First"))
    assert _names() == {"First"}
    Rule.objects.filter(pk=first.pk).update(is_active=False)
    assert _names() == set()
    Rule.objects.bulk_create([Rule(name="Bulk", kind="trigger", document=schema.rule_to_dict(
        schema.rule_from_dict(_doc("Bulk"))))])
    assert _names() == {"Bulk"}
    Rule.objects.filter(name="Bulk").delete()
    assert _names() == set()
    row = Rule.objects.get(pk=first.pk)
    row.is_active = True
    row.save()
    assert _names() == {"First"}
    row.delete()
    assert _names() == set()


def test_a_rolled_back_write_leaves_no_trace_in_the_cache(db: Any) -> None:
    store.save_rule(_doc("Kept"))
    assert _names() == {"Kept"}
    with pytest.raises(RuntimeError), transaction.atomic():
        store.save_rule(_doc("Rolled back"))
        assert _names() == {"Kept", "Rolled back"}
        raise RuntimeError("abort")
    assert _names() == {"Kept"}
    # A later write gets a token of its own, never the rolled-back one.
    store.save_rule(_doc("Later"))
    assert _names() == {"Kept", "Later"}
