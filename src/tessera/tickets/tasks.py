"""Background work that follows ticket changes."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from tessera.tickets.models import TicketEvent


@task()
def process_ticket_events(event_ids: list[int]) -> int:
    """Hand committed timeline entries to the subsystems that react to them."""
    from tessera.notifications.service import notify_for_events

    events = list(
        TicketEvent.objects.filter(pk__in=event_ids)
        .select_related("ticket", "ticket__requester", "ticket__assignee", "ticket__department", "actor_user")
        .order_by("id")
    )
    with transaction.atomic():
        notify_for_events(events)
    return len(events)
