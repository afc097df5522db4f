"""Background work that follows ticket changes."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from tessera.tickets.models import TicketEvent


@task()
def process_ticket_events(event_ids: list[int]) -> int:
    """Hand committed timeline entries to the subsystems that react to them.

    Order matters: rules first (they may route, tag skills, set priority), then automatic
    assignment of what is still unassigned, then the SLA clocks on the final state.
    """
    from tessera.notifications.service import notify_for_events
    from tessera.routing.assign import assign_new_tickets
    from tessera.rules.runner import run_triggers_for_events
    from tessera.search.index import refresh_for_events
    from tessera.sla.timers import update_for_events

    events = list(
        TicketEvent.objects.filter(pk__in=event_ids)
        .select_related("ticket", "ticket__requester", "ticket__assignee", "ticket__department", "actor_user", "message")
        .order_by("id")
    )
    with transaction.atomic():
        notify_for_events(events)
        run_triggers_for_events(events)
        assign_new_tickets(events)
        update_for_events(events)
    refresh_for_events(events)
    return len(events)
