"""A small desk with a known week: every number of the report can be worked out by hand.

The desk runs in Asia/Ho_Chi_Minh (UTC+7), so day boundaries differ from UTC; the report week
is 2026-03-02 .. 2026-03-08, the week before 2026-02-23 .. 2026-03-01.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tessera.accounts.actor import Actor
from tessera.core import time
from tessera.reports.period import Period
from tessera.sla.models import Metric, SlaTimer
from tessera.tickets import actions
from tessera.tickets.models import Ticket
from tests.integration.api.conftest import as_  # noqa: F401  (the API client fixture)

DESK_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
WEEK = Period(datetime(2026, 3, 2).date(), datetime(2026, 3, 8).date())
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=DESK_ZONE)


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=DESK_ZONE)


@pytest.fixture
def desk_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"


@pytest.fixture
def week(desk: dict[str, Any], make_ticket: Callable[..., Ticket], desk_zone: None) -> dict[str, Any]:
    agent = Actor.of(desk["agent"])
    billing_agent = Actor.of(desk["outsider"])
    customer = Actor.customer(desk["contact_a"], "portal")
    system = Actor.system()

    def reply(ticket: Ticket, at: datetime, who: Actor = agent) -> None:
        with time.frozen_at(at):
            actions.add_agent_reply(who, ticket, body_text="On it")

    def status(ticket: Ticket, value: str, at: datetime) -> None:
        with time.frozen_at(at):
            actions.change_status(system, ticket, value)

    def rate(ticket: Ticket, score: int, at: datetime) -> None:
        with time.frozen_at(at):
            actions.rate(customer, ticket, score)

    # The problem, from before both periods, and an incident of it from before them too.
    problem = make_ticket(subject="Payment gateway outage", type="problem", created_at=local(20, 9, month=2))
    old_incident = make_ticket(subject="Card declined", created_at=local(21, 9, month=2))

    # The week before: two tickets whose tags are the baseline; t5 resolved inside the week
    # (97 hours after it came in), t6 resolved inside the week and reopened, so not counted.
    t5 = make_ticket(subject="Refund please", tags=["refund"], created_at=local(25, 9, month=2))
    status(t5, "resolved", local(1, 10))  # 1 March: before the week starts
    status(t5, "open", local(1, 11))
    status(t5, "resolved", local(2, 10))  # 4 days 1 hour after creation
    t6 = make_ticket(subject="Login again", tags=["login", "vip"], created_at=local(26, 9, month=2))
    status(t6, "resolved", local(3, 9))
    status(t6, "open", local(5, 9))

    # The week.
    t1 = make_ticket(subject="Refund not received", tags=["refund", "vip"], assignee=desk["agent"],
                     created_at=local(2, 9))
    reply(t1, local(2, 10))  # 1 h
    status(t1, "resolved", local(2, 13))  # 4 h
    rate(t1, 5, local(3, 9))
    t2 = make_ticket(subject="Refund for order 123", tags=["refund"], assignee=desk["agent"], created_at=local(3, 8))
    reply(t2, local(3, 11))  # 3 h
    status(t2, "resolved", local(4, 8))  # 24 h
    rate(t2, 2, local(4, 9))
    t3 = make_ticket(subject="Cannot log in to the portal", tags=["login"], created_at=local(4, 10))
    reply(t3, local(4, 20))  # 10 h, then pending: still in the backlog
    # 23:30 in Hanoi is 16:30 UTC: the 6th locally.
    t4 = make_ticket(subject="เข้าสู่ระบบไม่ได้ portal", created_at=local(6, 23, 30))
    for incident in (old_incident, t3, t4):
        actions.link(system, problem, incident, "problem_incident")
    # 00:30 on the 9th in Hanoi is still the 8th in UTC: after the week.
    after = make_ticket(subject="Refund portal after the week", tags=["refund"], created_at=local(9, 0, 30))
    spam = make_ticket(subject="Refund portal casino", tags=["refund"], created_at=local(3, 12))
    actions.mark_spam(system, spam)

    # Billing: what the outsider sees, and an admin sees as well.
    b1 = make_ticket(subject="Invoice copy", department=desk["billing"], tags=["invoice"],
                     assignee=desk["outsider"], created_at=local(3, 9))
    reply(b1, local(3, 10), billing_agent)
    status(b1, "resolved", local(3, 12))
    rate(b1, 1, local(3, 13))

    # SLA timers as the SLA code leaves them: met late, met in time, running, overdue.
    def timer(ticket: Ticket, metric: str, due: datetime, stopped: datetime | None = None,
              breached: datetime | None = None) -> None:
        SlaTimer.objects.create(ticket=ticket, metric=metric, started_at=ticket.created_at, target_seconds=3600,
                                due_at=due, stopped_at=stopped, breached_at=breached)

    timer(t1, Metric.FIRST_RESPONSE, due=local(2, 9, 30), stopped=local(2, 10))  # late, never marked
    timer(t1, Metric.RESOLUTION, due=local(2, 12), stopped=local(2, 13), breached=local(2, 12))
    timer(t2, Metric.FIRST_RESPONSE, due=local(3, 12), stopped=local(3, 11))
    timer(t3, Metric.RESOLUTION, due=NOW + timedelta(days=3))
    timer(t4, Metric.FIRST_RESPONSE, due=local(7, 0))  # still running, past due at NOW
    timer(t5, Metric.FIRST_RESPONSE, due=local(25, 10, month=2))  # ticket not created in the week

    return {**desk, "problem": problem, "t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6,
            "after": after, "spam": spam, "b1": b1}
