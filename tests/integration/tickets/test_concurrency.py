"""Concurrency on the real PostgreSQL: numbers stay unique, optimistic locking holds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections

from tessera.accounts.actor import Actor
from tessera.core.errors import Conflict
from tessera.tickets import actions
from tessera.tickets.models import EventKind, Ticket, TicketEvent

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _in_thread(fn: Any) -> Any:
    def run(*args: Any) -> Any:
        try:
            return fn(*args)
        finally:
            connections.close_all()

    return run


def test_200_concurrent_creations_get_200_distinct_numbers(desk: dict[str, Any]) -> None:
    assert connection.vendor == "postgresql"
    start = threading.Barrier(16)

    @_in_thread
    def create(i: int) -> int:
        if i < 16:
            start.wait()
        ticket = actions.create_ticket(
            Actor.system(channel="api"),
            subject=f"Concurrent {i}",
            requester=desk["contact_a"],
            department=desk["support"],
            body_text="x",
        )
        return ticket.number

    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = list(pool.map(create, range(200)))
    assert len(set(numbers)) == 200
    assert Ticket.objects.filter(subject__startswith="Concurrent").count() == 200


def test_two_updates_with_the_same_version_one_wins(desk: dict[str, Any], make_ticket: Any) -> None:
    ticket = make_ticket()
    version = ticket.version
    start = threading.Barrier(2)

    @_in_thread
    def update(priority: str) -> str:
        start.wait()
        try:
            actions.change_fields(Actor.of(desk["agent"]), ticket, {"priority": priority}, expected_version=version)
            return "ok"
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(update, ["high", "low"]))
    assert results == ["conflict", "ok"]
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FIELD).count() == 1
    ticket.refresh_from_db()
    assert ticket.version == version + 1
