"""The "rating received" trigger, end to end: a customer rates, the worker runs the rules."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.rules.models import RuleRun
from tessera.tickets import actions
from tessera.tickets.models import Message, Ticket
from tessera.tickets.states import Status

pytestmark = pytest.mark.django_db

UNHAPPY = {
    "name": "Unhappy customer",
    "events": ["rating_received"],
    "conditions": {"all": [{"field": "event.rating", "operator": "less", "value": 3}]},
    "actions": [
        {"type": "add_tags", "tags": ["unhappy"]},
        {"type": "add_note", "text": "{{ contact.name }} rated {{ event.rating }}/5: call them back"},
    ],
}


def _tags(ticket: Ticket) -> set[str]:
    return set(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True))


def _notes(ticket: Ticket) -> list[str]:
    return list(Message.objects.filter(ticket=ticket, kind="note").order_by("id").values_list("body_text", flat=True))


@pytest.fixture
def solved(desk: dict[str, Any], make_ticket: Any, drain: Any) -> Ticket:
    ticket = make_ticket()
    actions.change_status(Actor.of(desk["agent"]), ticket, Status.RESOLVED)
    drain()
    return ticket


def test_a_low_rating_tags_the_ticket_and_leaves_a_note(desk: dict[str, Any], solved: Ticket, make_rule: Any, drain: Any) -> None:
    make_rule(UNHAPPY)
    actions.rate(Actor.of(desk["customer_a"]), solved, 2, "Không ai trả lời điện thoại")
    drain()
    assert "unhappy" in _tags(solved)
    assert _notes(solved) == ["Anna Kowalska rated 2/5: call them back"]
    run = RuleRun.objects.get(ticket=solved, rule_name="Unhappy customer")
    assert run.event == "rating_received" and not run.errors


def test_a_good_rating_does_not_fire_it(desk: dict[str, Any], solved: Ticket, make_rule: Any, drain: Any) -> None:
    make_rule(UNHAPPY)
    actions.rate(Actor.customer(desk["contact_a"], "email"), solved, 5)
    drain()
    assert "unhappy" not in _tags(solved)
    assert _notes(solved) == []
    assert not RuleRun.objects.filter(rule_name="Unhappy customer").exists()


def test_changing_a_good_rating_to_a_bad_one_fires_it(desk: dict[str, Any], solved: Ticket, make_rule: Any, drain: Any) -> None:
    make_rule(UNHAPPY)
    make_rule({
        "name": "Changed their mind",
        "events": ["rating_received"],
        "conditions": {"all": [{"field": "event.before", "operator": "is_not_empty"}]},
        "actions": [{"type": "add_tags", "tags": ["rating-changed"]}],
    })
    customer = Actor.of(desk["customer_a"])
    actions.rate(customer, solved, 4)
    drain()
    assert _tags(solved) == set()
    actions.rate(customer, solved, 1, "Vấn đề quay lại")
    drain()
    assert _tags(solved) == {"unhappy", "rating-changed"}


def test_other_events_do_not_carry_a_rating(desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any) -> None:
    # The rule listens to status changes too: without a rating, "rating < 3" must not hold.
    make_rule({**UNHAPPY, "events": ["rating_received", "status_changed"]})
    ticket = make_ticket()
    actions.change_status(Actor.of(desk["agent"]), ticket, Status.RESOLVED)
    drain()
    assert "unhappy" not in _tags(ticket)
