"""Background work that follows ticket changes."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from tessera.core.effects import enqueue
from tessera.tickets.models import TicketEvent

# Rounds of follow-up entries one job handles itself before handing the rest to a new job: a
# rule's change can be reacted to by assignment and SLA, whose changes can wake triggers again.
FOLLOW_UP_ROUNDS = 4


@task()
def process_ticket_events(event_ids: list[int]) -> int:
    """Hand committed timeline entries to the subsystems that react to them.

    Order matters: rules first (they may route, tag skills, set priority), then automatic
    assignment of what is still unassigned, then the SLA clocks on the final state.

    What those write (a rule's tag, an assignment, an SLA warning) is processed in the same
    job and transaction, round by round, rather than as a job of its own: on a new ticket by
    email that was four jobs and a hundred statements. Entries written by rules do not wake
    the triggers again (the loop guard in ``rules.runner``); the others do, as before.
    """
    from tessera.notifications.service import notify_for_events
    from tessera.routing.assign import assign_new_tickets
    from tessera.rules.runner import run_triggers_for_events
    from tessera.search.index import refresh_for_events
    from tessera.sla.timers import update_for_events
    from tessera.tickets.effects import collecting_follow_ups

    events = list(
        TicketEvent.objects.filter(pk__in=event_ids)
        .select_related("ticket", "ticket__requester", "ticket__assignee", "ticket__department", "actor_user", "message")
        .order_by("id")
    )
    handled: list[TicketEvent] = []
    with transaction.atomic():
        for _round in range(FOLLOW_UP_ROUNDS):
            if not events:
                break
            with collecting_follow_ups() as written:
                notify_for_events(events)
                run_triggers_for_events(events)
                assign_new_tickets(events)
                update_for_events(events)
            handled += events
            events = _reload(written)
        if events:
            # Still changing after several rounds: let a later job carry on, as any change does.
            enqueue(process_ticket_events, [e.pk for e in events])
    refresh_for_events(handled)
    return len(handled)


def _reload(written: list[TicketEvent]) -> list[TicketEvent]:
    """The entries as the consumers expect them, with their ticket and message loaded fresh."""
    if not written:
        return []
    return list(
        TicketEvent.objects.filter(pk__in=[e.pk for e in written])
        .select_related("ticket", "ticket__requester", "ticket__assignee", "ticket__department", "actor_user", "message")
        .order_by("id")
    )
