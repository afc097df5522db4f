"""Routing background work: hand out queued tickets as agents come back or free up."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from tessera.jobs import periodic
from tessera.tickets.models import Ticket
from tessera.tickets.states import ACTIVE


@task()
def assign_queued_tickets(limit: int = 200) -> int:
    """Unassigned open tickets of auto-assign departments, oldest first, while agents can take them."""
    from tessera.routing.assign import auto_assign

    queued = (
        Ticket.objects.filter(
            assignee__isnull=True, status__in=ACTIVE, merged_into__isnull=True, is_spam=False,
            department__distribution__auto_assign=True,
        )
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    assigned = 0
    for ticket_id in list(queued):
        if auto_assign(ticket_id) is None:
            # Nobody could take the oldest one; the younger ones in that department would
            # only jump the queue, and other departments get their turn next period.
            continue
        assigned += 1
    return assigned


periodic.register(assign_queued_tickets, every=timedelta(minutes=1))
