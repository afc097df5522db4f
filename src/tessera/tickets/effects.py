"""What follows a committed change to a ticket: live pushes and background work.

This is the one place where later subsystems (rules, SLA, notifications, search) plug into
ticket changes, explicitly, without Django signals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tessera.core.effects import enqueue
from tessera.tickets.live import publish_ticket_changed
from tessera.tickets.models import TicketEvent

# Set while process_ticket_events runs: entries written by what it runs (rules, automatic
# assignment, SLA clocks) are handed back to it instead of each starting a job of their own.
_follow_ups: ContextVar[list[TicketEvent] | None] = ContextVar("tessera_follow_up_events", default=None)


@contextmanager
def collecting_follow_ups() -> Iterator[list[TicketEvent]]:
    """Within the block, written timeline entries are appended to the yielded list, not
    enqueued: the caller must process them (in the same transaction) or enqueue them."""
    collected: list[TicketEvent] = []
    token = _follow_ups.set(collected)
    try:
        yield collected
    finally:
        _follow_ups.reset(token)


def ticket_events_written(events: list[TicketEvent]) -> None:
    if not events:
        return
    from tessera.tickets.tasks import process_ticket_events

    tickets = {e.ticket_id: e.ticket for e in events}
    for ticket in tickets.values():
        publish_ticket_changed(ticket.number, ticket.version)
    collected = _follow_ups.get()
    if collected is not None:
        collected.extend(events)
        return
    # Events are only what happened; what to do about them is decided in the task, after
    # commit, so a slow or failing consumer never blocks or rolls back the agent's change.
    enqueue(process_ticket_events, [e.pk for e in events])
