"""SLA policies on real tickets: due times in business hours, pauses, warnings, breaches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tessera.accounts.actor import Actor
from tessera.core.time import frozen_at
from tessera.sla.models import Metric, SlaPolicy, SlaTimer, TicketSla
from tessera.sla.policies import delete_policy, save_policy
from tessera.sla.timers import check_timers, explain
from tessera.tickets import actions
from tessera.tickets.models import EventKind, Ticket, TicketEvent

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def calendar(timezone: str = "UTC", hours: tuple[str, str] = ("08:00", "17:00"), **extra: Any) -> dict[str, Any]:
    return {"timezone": timezone, "weekly_hours": {d: [list(hours)] for d in WEEKDAYS}, **extra}


def policy(**fields: Any) -> SlaPolicy:
    fields.setdefault("name", "Standard")
    fields.setdefault("calendar", calendar())
    return save_policy(SlaPolicy(**fields))


def timer(ticket: Ticket, metric: str) -> SlaTimer:
    return SlaTimer.objects.get(ticket=ticket, metric=metric)


def test_the_seed_example_friday_16_to_monday_9_is_two_business_hours(
    desk: dict[str, Any], make_ticket: Any, drain: Any
) -> None:
    policy(first_response_minutes=120, resolution_minutes=24 * 60)
    friday = datetime(2026, 5, 8, 16, 0, tzinfo=UTC)
    monday_9 = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
    with frozen_at(friday):
        ticket = make_ticket()
        drain()
    first = timer(ticket, Metric.FIRST_RESPONSE)
    assert first.due_at == monday_9
    assert Ticket.objects.get(pk=ticket.pk).due_at == monday_9
    assert first.explanation == (
        "due Mon 2026-05-11 09:00 (UTC): 2 business hours from Fri 2026-05-08 16:00, "
        "weekend skipped (Sat 2026-05-09 to Sun 2026-05-10)"
    )
    assert explain(ticket) == first.explanation
    with frozen_at(monday_9):
        actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text="Dzień dobry!")
        drain()
        assert check_timers().breaches == 0
    first.refresh_from_db()
    assert first.stopped_at == monday_9
    # Answered at the deadline, not after it: no breach, ever.
    with frozen_at(monday_9 + timedelta(days=1)):
        assert check_timers().breaches == 0
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SLA, field="sla_breached").exists()


def test_pending_pauses_the_clock(desk: dict[str, Any], make_ticket: Any, drain: Any) -> None:
    policy(resolution_minutes=8 * 60, pause_statuses=["pending"])
    monday = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
    with frozen_at(monday):
        ticket = make_ticket()
        drain()
    assert timer(ticket, Metric.RESOLUTION).due_at == datetime(2026, 5, 11, 17, 0, tzinfo=UTC)
    with frozen_at(monday + timedelta(hours=1)):
        actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text="Need a screenshot")
        drain()
    assert timer(ticket, Metric.RESOLUTION).paused
    with frozen_at(monday + timedelta(days=1, hours=1)):
        # Far past the unpaused due time, but the clock stood still: nothing fires.
        assert check_timers().breaches == 0
        actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text="Here it is")
        drain()
    resolution = timer(ticket, Metric.RESOLUTION)
    assert not resolution.paused
    # Mon 09-10 (1 h) + Tue 10-17 (7 h): the pending day did not count.
    assert resolution.due_at == datetime(2026, 5, 12, 17, 0, tzinfo=UTC)
    assert "pause Mon 2026-05-11 10:00 to Tue 2026-05-12 10:00 skipped" in resolution.explanation


def test_warning_then_breach_each_once_and_the_rules_see_them(
    desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any
) -> None:
    policy(first_response_minutes=60, warn_before_minutes=15)
    make_rule({"name": "Escalate", "events": ["sla_breached"], "actions": [
        {"type": "set_field", "field": "priority", "value": "urgent"},
        {"type": "add_note", "text": "Breached: {{ event.field }}"}]})
    make_rule({"name": "Warn", "events": ["sla_warning"], "actions": [{"type": "add_tags", "tags": ["sla-soon"]}]})
    start = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
    with frozen_at(start):
        ticket = make_ticket()
        drain()
    for minutes, warnings, breaches in ((40, 0, 0), (46, 1, 0), (50, 0, 0), (60, 0, 1), (90, 0, 0)):
        with frozen_at(start + timedelta(minutes=minutes)):
            result = check_timers()
            drain()
        assert (result.warnings, result.breaches) == (warnings, breaches), minutes
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.priority == "urgent"
    assert "sla-soon" in ticket.tags.values_list("name", flat=True)
    entries = list(TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SLA).order_by("id"))
    assert [e.field for e in entries] == ["sla_warning", "sla_breached"]
    assert isinstance(entries[1].after, dict)
    assert entries[1].after["summary"] == "First response breached: due 2026-05-12 10:00 UTC (Standard)"
    assert ticket.messages.get(kind="note").body_text == "Breached: first_response"


def test_a_due_time_set_by_hand_is_kept(desk: dict[str, Any], make_ticket: Any, drain: Any) -> None:
    policy(resolution_minutes=240)
    start = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
    mine = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    with frozen_at(start):
        ticket = make_ticket()
        drain()
        actions.change_fields(Actor.of(desk["agent"]), ticket, {"due_at": mine})
        drain()
        actions.change_fields(Actor.of(desk["agent"]), ticket, {"priority": "high"})
        drain()
    assert Ticket.objects.get(pk=ticket.pk).due_at == mine
    assert TicketSla.objects.get(ticket=ticket).due_set_by_hand
    with frozen_at(start):
        actions.change_fields(Actor.of(desk["agent"]), ticket, {"due_at": None})
        drain()
    assert Ticket.objects.get(pk=ticket.pk).due_at == start + timedelta(hours=4)


def test_policy_chosen_by_conditions_and_recalculated_when_it_changes(
    desk: dict[str, Any], make_ticket: Any, drain: Any
) -> None:
    vip = policy(name="VIP", position=1, first_response_minutes=30, conditions={"tags": ["vip"], "priority": ["urgent", "high"]})
    policy(name="Everyone", position=2, first_response_minutes=240)
    start = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
    with frozen_at(start):
        vip_ticket = make_ticket(tags=["VIP"], priority="urgent")
        plain = make_ticket(priority="urgent")
        drain()
        assert timer(vip_ticket, Metric.FIRST_RESPONSE).policy == vip
        assert timer(vip_ticket, Metric.FIRST_RESPONSE).due_at == start + timedelta(minutes=30)
        assert timer(plain, Metric.FIRST_RESPONSE).due_at == start + timedelta(hours=4)
        vip.calendar = calendar("Asia/Bangkok", ("08:00", "17:00"))
        save_policy(vip)
        drain()
    # 09:00 UTC is 16:00 in Bangkok: 30 business minutes end at 16:30 Bangkok, 09:30 UTC,
    # and a 17:00 close means a 60-minute target would spill to the next morning.
    assert timer(vip_ticket, Metric.FIRST_RESPONSE).due_at == start + timedelta(minutes=30)
    with frozen_at(start):
        vip.first_response_minutes = 90
        save_policy(vip)
        drain()
    # 90 minutes do not fit before 17:00 Bangkok: the last 30 run from 08:00 next morning.
    bangkok = ZoneInfo("Asia/Bangkok")
    assert timer(vip_ticket, Metric.FIRST_RESPONSE).due_at == datetime(2026, 5, 13, 8, 30, tzinfo=bangkok)
    with frozen_at(start):
        delete_policy(vip)
        drain()
    moved = timer(vip_ticket, Metric.FIRST_RESPONSE)
    assert moved.policy is not None and moved.policy.name == "Everyone"


def test_public_holidays_are_skipped(desk: dict[str, Any], make_ticket: Any, drain: Any) -> None:
    policy(first_response_minutes=120, calendar=calendar("Europe/Warsaw", holidays={"country": "PL"}))
    warsaw = ZoneInfo("Europe/Warsaw")
    with frozen_at(datetime(2026, 11, 10, 16, 0, tzinfo=warsaw)):
        ticket = make_ticket()
        drain()
    first = timer(ticket, Metric.FIRST_RESPONSE)
    # Tue 10 Nov 16-17, Wed 11 Nov is Independence Day, Thu 08-09.
    assert first.due_at == datetime(2026, 11, 12, 9, 0, tzinfo=warsaw)
    assert "2026-11-11 holiday" in first.explanation


def test_next_response_and_periodic_update_cycles(desk: dict[str, Any], make_ticket: Any, drain: Any) -> None:
    policy(next_response_minutes=60, periodic_update_minutes=120, first_response_minutes=30, pause_statuses=[])
    start = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
    agent, customer = Actor.of(desk["agent"]), Actor.customer(desk["contact_a"], "email")
    with frozen_at(start):
        ticket = make_ticket()
        drain()
    assert not SlaTimer.objects.filter(ticket=ticket, metric=Metric.NEXT_RESPONSE, is_active=True).exists()
    with frozen_at(start + timedelta(minutes=20)):
        actions.add_agent_reply(agent, ticket, body_text="On it")
        drain()
    with frozen_at(start + timedelta(hours=2)):
        actions.add_customer_message(customer, ticket, body_text="And?")
        drain()
    nxt = timer(ticket, Metric.NEXT_RESPONSE)
    assert (nxt.started_at, nxt.due_at, nxt.stopped_at) == (start + timedelta(hours=2), start + timedelta(hours=3), None)
    with frozen_at(start + timedelta(hours=3, minutes=5)):
        # The next response (due 12:00) and the periodic update (due 11:20, two hours after
        # the last reply at 09:20) are both late.
        assert check_timers().breaches == 2
        drain()
    with frozen_at(start + timedelta(hours=3, minutes=10)):
        actions.add_agent_reply(agent, ticket, body_text="Done soon")
        drain()
    nxt = timer(ticket, Metric.NEXT_RESPONSE)
    assert nxt.stopped_at == start + timedelta(hours=3, minutes=10) and nxt.breached_at is not None
    periodic = timer(ticket, Metric.PERIODIC_UPDATE)
    assert periodic.started_at == start + timedelta(hours=3, minutes=10)
