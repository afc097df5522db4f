"""A simulated month of ticket lifecycles under two policies, one removed half-way.

Every half hour of June 2026 the clock is frozen, the lifecycle steps due then are applied
through the ticket actions, the job queue is run and the breach checker runs. Independently,
the expected breaches are computed from the scenario alone (the business calendar and the
known pending intervals). Each expected breach must be on the timeline exactly once, and no
other: none for a ticket resolved in time, none once the policy was removed.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.core.time import frozen_at
from tessera.sla.calendar import BusinessCalendar
from tessera.sla.models import Metric, SlaPolicy
from tessera.sla.policies import delete_policy, save_policy
from tessera.sla.timers import check_timers
from tessera.tickets import actions
from tessera.tickets.models import EventKind, Ticket, TicketEvent

STEP = timedelta(minutes=30)
START = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
DAYS = 30
STEPS = DAYS * 48
REMOVAL = START + timedelta(days=15, hours=12)
CALENDAR = {
    "timezone": "Europe/Warsaw",
    "weekly_hours": {d: [["08:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    # Corpus Christi, Thursday 4 June 2026, is a public holiday in Poland.
    "holidays": {"country": "PL"},
}
TARGETS = {"vip": {Metric.FIRST_RESPONSE: 60, Metric.RESOLUTION: 6 * 60},
           "standard": {Metric.FIRST_RESPONSE: 4 * 60, Metric.RESOLUTION: 16 * 60}}


@dataclass
class Plan:
    vip: bool
    created: int
    # step -> what happens: "reply" (stays open), "ask" (reply, then pending), "answer"
    # (the customer writes back), "resolve"
    steps: dict[int, str] = field(default_factory=dict)
    ticket: Any = None


def plans(rng: random.Random) -> list[Plan]:
    out: list[Plan] = []
    for i in range(44):
        created = rng.randrange(0, (DAYS - 3) * 48)
        plan = Plan(vip=i % 3 == 0, created=created)
        kind = i % 5
        if kind == 0:  # quick answer, resolved later
            plan.steps = {created + rng.randint(1, 4): "reply", created + rng.randint(10, 60): "resolve"}
        elif kind == 1:  # slow answer, slow resolution
            plan.steps = {created + rng.randint(20, 120): "reply", created + rng.randint(130, 300): "resolve"}
        elif kind == 2:  # nobody ever looks at it
            plan.steps = {}
        elif kind == 3:  # resolved without a reply
            plan.steps = {created + rng.randint(1, 30): "resolve"}
        else:  # waits on the customer in between
            ask = created + rng.randint(1, 10)
            answer = ask + rng.randint(2, 150)
            plan.steps = {ask: "ask", answer: "answer", answer + rng.randint(1, 100): "resolve"}
        out.append(plan)
    return out


def at(step: int) -> datetime:
    return START + STEP * step


def expected_breaches(plan: Plan, calendar: BusinessCalendar) -> set[str]:
    created = at(plan.created)
    first_reply = min((s for s, what in plan.steps.items() if what in {"reply", "ask"}), default=None)
    resolved = min((s for s, what in plan.steps.items() if what == "resolve"), default=None)
    paused: list[tuple[int, int]] = []
    ask = next((s for s, what in plan.steps.items() if what == "ask"), None)
    if ask is not None:
        answer = next(s for s, what in plan.steps.items() if what == "answer")
        paused.append((ask, answer))
    spans = [(at(a), at(b)) for a, b in paused]
    targets = TARGETS["vip" if plan.vip else "standard"]
    stops = {
        Metric.FIRST_RESPONSE: min(s for s in (first_reply, resolved, STEPS + 1) if s is not None),
        Metric.RESOLUTION: resolved if resolved is not None else STEPS + 1,
    }
    cutoff = (REMOVAL - START) // STEP if plan.vip else STEPS + 1
    out: set[str] = set()
    for metric, minutes in targets.items():
        due = calendar.add_business_time(created, minutes * 60, exclude=spans if metric == Metric.RESOLUTION else ())
        stop = min(stops[metric], cutoff)
        for step in range(plan.created, min(stop, STEPS + 1)):
            in_pause = metric == Metric.RESOLUTION and any(a <= step < b for a, b in paused)
            if at(step) >= due and not in_pause:
                out.add(metric)
                break
    return out


@pytest.mark.slow
def test_a_month_of_tickets_breaches_exactly_once(desk: dict[str, Any], drain: Any) -> None:
    save_policy(SlaPolicy(name="VIP", position=1, conditions={"tags": ["vip"]}, calendar=CALENDAR,
                          first_response_minutes=60, resolution_minutes=6 * 60, pause_statuses=["pending"]))
    standard = save_policy(SlaPolicy(name="Standard", position=2, conditions={"priority": ["normal"]}, calendar=CALENDAR,
                                     first_response_minutes=4 * 60, resolution_minutes=16 * 60, pause_statuses=["pending"]))
    vip_policy = SlaPolicy.objects.get(name="VIP")
    calendar = BusinessCalendar.from_dict(CALENDAR)
    scenario = plans(random.Random(2026))
    by_step: dict[int, list[tuple[Plan, str]]] = {}
    for plan in scenario:
        by_step.setdefault(plan.created, []).append((plan, "create"))
        for step, what in plan.steps.items():
            by_step.setdefault(step, []).append((plan, what))
    agent = Actor.of(desk["agent"])
    customer = Actor.customer(desk["contact_a"], "email")
    system = Actor.system(channel="email")

    for step in range(STEPS + 1):
        with frozen_at(at(step)):
            happened = False
            if at(step) == REMOVAL:
                delete_policy(vip_policy)
                happened = True
            for plan, what in by_step.get(step, []):
                happened = True
                if what == "create":
                    plan.ticket = actions.create_ticket(
                        system, subject=f"Zgłoszenie {plan.created}", requester=desk["contact_a"],
                        department=desk["support"], body_text="Pomocy", tags=["vip"] if plan.vip else [],
                        priority="urgent" if plan.vip else "normal",
                    )
                elif what == "reply":
                    actions.add_agent_reply(agent, plan.ticket, body_text="Sprawdzamy", status="open")
                elif what == "ask":
                    actions.add_agent_reply(agent, plan.ticket, body_text="Prosimy o zrzut ekranu")
                elif what == "answer":
                    actions.add_customer_message(customer, plan.ticket, body_text="Proszę bardzo")
                elif what == "resolve":
                    actions.change_status(agent, plan.ticket, "resolved")
            if happened:
                drain()
            result = check_timers()
            if result.breaches or result.warnings:
                drain()

    breaches = list(TicketEvent.objects.filter(kind=EventKind.SLA, field="sla_breached"))
    counted = Counter((e.ticket_id, dict(e.after or {})["metric"]) for e in breaches)
    assert all(n == 1 for n in counted.values()), counted
    expected = {(plan.ticket.pk, metric) for plan in scenario for metric in expected_breaches(plan, calendar)}
    assert set(counted) == expected
    # The scenario is rich enough to mean something: breaches of both kinds, under both
    # policies, and VIP tickets alive when their policy went away.
    assert {metric for _, metric in expected} == {Metric.FIRST_RESPONSE, Metric.RESOLUTION}
    vip_ids = {p.ticket.pk for p in scenario if p.vip}
    assert any(t in vip_ids for t, _ in expected) and any(t not in vip_ids for t, _ in expected)
    assert any(p.vip and p.created < 30 * 48 // 2 and not p.steps for p in scenario)
    for entry in breaches:
        ticket = Ticket.objects.get(pk=entry.ticket_id)
        assert ticket.resolved_at is None or entry.created_at < ticket.resolved_at
        if entry.ticket_id in vip_ids:
            assert entry.created_at < REMOVAL
    assert standard.pk is not None
