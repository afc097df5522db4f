"""Two clients PATCH the same ticket with the same version at the same moment: one wins.

Runs on PostgreSQL only, with real threads and real transactions, so the row lock in the
action is what decides, not the test's ordering.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from tessera.accounts.actions import create_api_token
from tessera.tickets.models import EventKind, Ticket, TicketEvent

pytestmark = [pytest.mark.postgres_only]


@pytest.fixture
def _postgres(transactional_db: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL=postgres://...)")


@pytest.mark.usefixtures("_postgres")
def test_concurrent_patches_with_one_version(desk: dict[str, Any], make_ticket: Any) -> None:
    ticket = make_ticket()
    version = ticket.version
    tokens = [create_api_token(desk[who], "race", "write")[1] for who in ("agent", "admin")]
    start = threading.Barrier(2)

    def patch(args: tuple[str, str]) -> int:
        raw, priority = args
        try:
            client = Client()
            start.wait()
            response = client.patch(
                f"/api/v1/tickets/{ticket.number}",
                data={"priority": priority, "version": version},
                content_type="application/json",
                headers={"Authorization": f"Bearer {raw}"},
            )
            return response.status_code
        finally:
            connections.close_all()

    for _ in range(5):  # a few rounds, each on a fresh ticket version
        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = sorted(pool.map(patch, [(tokens[0], "high"), (tokens[1], "low")]))
        assert statuses == [200, 409]
        ticket.refresh_from_db()
        assert ticket.version == version + 1
        changes = TicketEvent.objects.filter(ticket=ticket, kind__in=[EventKind.FIELD, EventKind.STATUS])
        assert changes.count() == 1
        assert changes.get().after == ticket.priority
        # Reset for the next round: a new ticket, so each round starts from the same state.
        ticket = make_ticket()
        version = ticket.version
    assert Ticket.objects.count() == 6
