"""Helpers for the search tests: run the worker, and search as a person would."""

from __future__ import annotations

from tessera.accounts.actor import Actor
from tessera.accounts.models import User
from tessera.jobs.worker import run_worker
from tessera.tickets.queries import TicketFilters, ticket_list


def work() -> None:
    run_worker(burst=True, scheduler=False)


def found(who: User | Actor, text: str) -> set[int]:
    """Ticket numbers the person finds by typing ``text``, through the real list query."""
    actor = who if isinstance(who, Actor) else Actor.of(who)
    return {t.number for t in ticket_list(actor, TicketFilters(text=text), limit=100).items}
