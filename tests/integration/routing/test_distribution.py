"""Automatic distribution on real tickets: strategies, availability, capacity, concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from tessera.accounts.actor import Actor
from tessera.accounts.models import Department, Membership, Role, User
from tessera.core.time import frozen_at
from tessera.jobs.worker import run_worker
from tessera.routing.assign import auto_assign, set_availability
from tessera.routing.models import AgentRouting, Distribution
from tessera.tickets import actions
from tessera.tickets.models import EventKind, Ticket, TicketEvent
from tessera.tickets.states import ACTIVE

NOW = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


def team(department: Department, capacities: list[int], *, prefix: str = "a", **fields: Any) -> list[User]:
    agents = []
    for i, capacity in enumerate(capacities):
        user = User.objects.create_user(
            username=f"{prefix}{i:02d}", email=f"{prefix}{i:02d}@example.test", password="x", role=Role.AGENT,
            availability="online", max_open_tickets=capacity, **fields,
        )
        Membership.objects.create(user=user, department=department)
        agents.append(user)
    return agents


def ticket(desk: dict[str, Any], department: Department, **kwargs: Any) -> Ticket:
    kwargs.setdefault("subject", "Cần hỗ trợ")
    return actions.create_ticket(Actor.system(channel="email"), requester=desk["contact_b"], department=department,
                                 body_text="Xin chào", **kwargs)


def open_load(agent: User) -> int:
    return Ticket.objects.filter(assignee=agent, status__in=ACTIVE).count()


def test_round_robin_spreads_within_one_of_fair(desk: dict[str, Any]) -> None:
    sales = Department.objects.create(name="Sales")
    agents = team(sales, [0] * 10)
    with frozen_at(NOW):
        for _ in range(95):
            assert auto_assign(ticket(desk, sales)) is not None
    loads = sorted(open_load(a) for a in agents)
    assert loads[0] >= 9 and loads[-1] <= 10 and sum(loads) == 95


def test_availability_capacity_and_working_hours(desk: dict[str, Any]) -> None:
    sales = Department.objects.create(name="Sales")
    online, away, breaking, offline, full, night = team(sales, [0, 0, 0, 0, 1, 0])
    set_availability(away, "away", away_until=NOW + timedelta(hours=1))
    set_availability(breaking, "break", away_until=NOW - timedelta(minutes=5))  # back already
    set_availability(offline, "offline")
    AgentRouting.objects.create(user=night, working_hours={
        "timezone": "Asia/Bangkok", "weekly_hours": {"mon": [["20:00", "23:00"]]}})
    with frozen_at(NOW):
        actions.assign(Actor.system(), ticket(desk, sales), full)
        chosen = {auto_assign(ticket(desk, sales)) for _ in range(6)}
    assert chosen == {online, breaking}


def test_least_loaded_and_skills_based(desk: dict[str, Any]) -> None:
    sales = Department.objects.create(name="Sales")
    busy, idle, thai = team(sales, [0, 0, 0])
    User.objects.filter(pk=thai.pk).update(skills={"Thai": 3, "billing": 1})
    Distribution.objects.create(department=sales, strategy="least_loaded")
    with frozen_at(NOW):
        for _ in range(3):
            actions.assign(Actor.system(), ticket(desk, sales), busy)
        first = auto_assign(ticket(desk, sales))
        second = auto_assign(ticket(desk, sales))
        assert {first, second} == {idle, thai}
        Distribution.objects.filter(department=sales).update(strategy="skills_based")
        needs_thai = ticket(desk, sales, tags=["skill:thai:2"])
        assert auto_assign(needs_thai) == thai
        too_hard = ticket(desk, sales, tags=["skill:thai:5"])
        assert auto_assign(too_hard) is None
        assert Ticket.objects.get(pk=too_hard.pk).assignee is None


def test_auto_assign_on_creation_and_requeue_when_offline(desk: dict[str, Any]) -> None:
    sales = Department.objects.create(name="Sales")
    first, second = team(sales, [0, 0])
    Distribution.objects.create(department=sales, auto_assign=True, requeue_on_offline=True)
    with frozen_at(NOW):
        created = [ticket(desk, sales) for _ in range(4)]
        run_worker(burst=True, scheduler=False)
        assert Counter(Ticket.objects.get(pk=t.pk).assignee_id for t in created) == {first.pk: 2, second.pk: 2}
        entry = TicketEvent.objects.filter(ticket=created[0], kind=EventKind.ASSIGNED).get()
        assert entry.via_channel == "distribution"
        set_availability(first, "offline")
    assert open_load(first) == 0 and open_load(second) == 4
    assert {Ticket.objects.get(pk=t.pk).assignee_id for t in created} == {second.pk}


def test_already_assigned_ticket_is_left_alone(desk: dict[str, Any]) -> None:
    sales = Department.objects.create(name="Sales")
    one, _two = team(sales, [0, 0])
    t = ticket(desk, sales)
    actions.assign(Actor.system(), t, one)
    assert auto_assign(t) is None
    assert Ticket.objects.get(pk=t.pk).assignee == one


@pytest.mark.postgres_only
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_thousand_concurrent_arrivals_respect_capacity_and_assign_once(desk: dict[str, Any]) -> None:
    sales = Department.objects.create(name="Sales")
    capacities = [50, 60, 70, 80, 90, 60, 70, 80, 90, 100]  # 750 slots for 1,000 tickets
    agents = team(sales, capacities)
    Distribution.objects.create(department=sales, strategy="least_loaded")
    errors: list[BaseException] = []
    # Eight arrival streams: the connection pool (TESSERA_DB_POOL_SIZE, 10) must serve them all
    # plus the test's own connection.
    threads_count, per_thread = 8, 125

    def arrive(index: int) -> None:
        try:
            for n in range(per_thread):
                created = ticket(desk, sales, subject=f"Zgłoszenie {index}-{n}")
                auto_assign(created.pk)
                # A second worker handling the same ticket (a retried job) must change nothing.
                auto_assign(created.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive, args=(i,)) for i in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Ticket.objects.filter(department=sales).count() == 1000
    for agent, capacity in zip(agents, capacities, strict=True):
        assert open_load(agent) == capacity, agent.username
    assert Ticket.objects.filter(department=sales, assignee__isnull=True).count() == 250
    per_ticket = Counter(
        TicketEvent.objects.filter(ticket__department=sales, kind=EventKind.ASSIGNED).values_list("ticket_id", flat=True)
    )
    assert len(per_ticket) == 750 and set(per_ticket.values()) == {1}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_round_robin_stays_fair(desk: dict[str, Any]) -> None:
    sales = Department.objects.create(name="Sales")
    agents = team(sales, [0] * 10)
    tickets = [ticket(desk, sales).pk for _ in range(200)]
    chunks = [tickets[i::8] for i in range(8)]
    errors: list[BaseException] = []

    def work(ids: list[int]) -> None:
        try:
            for pk in ids:
                auto_assign(pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(open_load(a) for a in agents) == [20] * 10
