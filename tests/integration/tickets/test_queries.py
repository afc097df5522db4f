"""Scoped, filtered, keyset-paginated ticket lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.core.errors import ValidationFailed
from tessera.core.time import frozen_at
from tessera.tickets import actions
from tessera.tickets.models import PRIORITY_RANK
from tessera.tickets.queries import SORTS, TicketFilters, ticket_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(desk: dict[str, Any], make_ticket: Any) -> list[Any]:
    priorities = ["urgent", "high", "normal", "low"]
    base = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    tickets = []
    for i in range(23):
        at = base + dt.timedelta(hours=i // 2)  # pairs share a timestamp: ties broken by id
        with frozen_at(at):
            ticket = make_ticket(
                subject=f"T{i}",
                priority=priorities[i % 4],
                due_at=None if i % 3 == 0 else base + dt.timedelta(days=(i * 7) % 5),
                created_at=at,
            )
        tickets.append(ticket)
    return tickets


def _expected(tickets: list[Any], sort: str) -> list[int]:
    far = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
    keys = {
        "updated": lambda t: (-t.updated_at.timestamp(), -t.pk),
        "created": lambda t: (-t.created_at.timestamp(), -t.pk),
        "due": lambda t: ((t.due_at or far).timestamp(), t.pk),
        "priority": lambda t: (PRIORITY_RANK[t.priority], -t.updated_at.timestamp(), -t.pk),
    }
    return [t.number for t in sorted(tickets, key=keys[sort])]


@pytest.mark.parametrize("sort", list(SORTS))
def test_paging_visits_every_ticket_once_in_order(desk: dict[str, Any], many: list[Any], sort: str) -> None:
    actor = Actor.of(desk["agent"])
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = ticket_list(actor, TicketFilters(), limit=5, cursor=cursor, sort=sort)
        seen += [t.number for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    for t in many:
        t.refresh_from_db()
    assert seen == _expected(many, sort)


def test_filters_combine(desk: dict[str, Any], many: list[Any]) -> None:
    agent = Actor.of(desk["agent"])
    actions.assign(agent, many[0], desk["agent"])
    actions.tag(agent, many[1], ["Hoàn tiền"])
    assert [t.number for t in ticket_list(agent, TicketFilters(assignee=[desk["agent"].pk])).items] == [many[0].number]
    assert [t.number for t in ticket_list(agent, TicketFilters(tag=["hoàn tiền"])).items] == [many[1].number]
    urgent = ticket_list(agent, TicketFilters(priority=["urgent"]), limit=50).items
    assert {t.priority for t in urgent} == {"urgent"}
    assert len(ticket_list(agent, TicketFilters(unassigned=True), limit=50).items) == 22
    assert [t.number for t in ticket_list(agent, TicketFilters(text=f"#{many[5].number}")).items] == [many[5].number]


def test_outsider_sees_none_and_bad_cursors_are_refused(desk: dict[str, Any], many: list[Any]) -> None:
    assert ticket_list(Actor.of(desk["outsider"]), TicketFilters()).items == []
    agent = Actor.of(desk["agent"])
    for bad in ["!!!", "e30", "W10", ticket_list(agent, TicketFilters(), limit=2, sort="due").next_cursor]:
        with pytest.raises(ValidationFailed):
            ticket_list(agent, TicketFilters(), cursor=bad, sort="updated")
    with pytest.raises(ValidationFailed):
        ticket_list(agent, TicketFilters(), sort="nonsense")
