"""What follows a committed change to a ticket: live pushes and background work.

This is the one place where later subsystems (rules, SLA, notifications, search) plug into
ticket changes, explicitly, without Django signals.
"""

from __future__ import annotations

from tessera.core.effects import enqueue
from tessera.tickets.live import publish_ticket_changed
from tessera.tickets.models import TicketEvent


def ticket_events_written(events: list[TicketEvent]) -> None:
    if not events:
        return
    from tessera.tickets.tasks import process_ticket_events

    tickets = {e.ticket_id: e.ticket for e in events}
    for ticket in tickets.values():
        publish_ticket_changed(ticket.number, ticket.version)
    # Events are only what happened; what to do about them is decided in the task, after
    # commit, so a slow or failing consumer never blocks or rolls back the agent's change.
    enqueue(process_ticket_events, [e.pk for e in events])
