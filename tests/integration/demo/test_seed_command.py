"""``tessera seed_demo`` on a fresh database, and what it refuses to do."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from tessera.accounts.models import User
from tessera.demo.loader import DemoConflict, load_demo
from tessera.tickets.models import Ticket


def test_command_loads_prints_logins_and_then_does_nothing(db: Any) -> None:
    out = StringIO()
    call_command("seed_demo", "--tickets", "12", "--seed", "5", stdout=out)
    text = out.getvalue()
    assert "Demo loaded" in text
    assert "12 tickets" in text
    for line in ("admin      admin", "lan        demo", "customer   demo"):
        assert line in text
    assert Ticket.objects.count() == 12

    again = StringIO()
    call_command("seed_demo", "--tickets", "12", stdout=again)
    assert "already loaded" in again.getvalue()
    assert Ticket.objects.count() == 12


def test_command_rejects_a_silly_count(db: Any) -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", "--tickets", "0", stdout=StringIO())


def test_refuses_a_database_with_a_clashing_user(db: Any) -> None:
    User.objects.create_user(username="lan", password="x")
    User.objects.create_user(username="mai", password="x")
    with pytest.raises(DemoConflict, match="lan, mai"):
        load_demo(tickets=5)
    assert not Ticket.objects.exists()


def test_same_seed_same_desk(db: Any) -> None:
    def shape() -> list[tuple[str, str, str, str, str]]:
        return list(
            Ticket.objects.order_by("created_at", "id").values_list(
                "subject", "status", "channel", "requester__name", "assignee__username"
            )
        )

    with transaction.atomic():
        load_demo(tickets=15, seed=11)
        first = shape()
        transaction.set_rollback(True)
    with transaction.atomic():
        load_demo(tickets=15, seed=11)
        second = shape()
        transaction.set_rollback(True)
    with transaction.atomic():
        load_demo(tickets=15, seed=12)
        other = shape()
        transaction.set_rollback(True)
    assert first == second
    assert first != other
