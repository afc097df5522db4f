"""SLA background work: the breach checker and recalculation after policy changes."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from tessera.jobs import periodic
from tessera.tickets.models import Ticket
from tessera.tickets.states import ACTIVE


@task()
def check_sla_timers() -> dict[str, int]:
    from tessera.sla.timers import check_timers

    result = check_timers()
    return {"warnings": result.warnings, "breaches": result.breaches}


periodic.register(check_sla_timers, every=timedelta(minutes=1))


@task()
def recalculate_open_tickets() -> int:
    """After a policy or calendar changed: every unsolved ticket gets its timers recomputed."""
    from tessera.sla.timers import recalculate

    count = 0
    ids = Ticket.objects.filter(status__in=ACTIVE, merged_into__isnull=True).order_by("id").values_list("id", flat=True)
    for ticket in Ticket.objects.filter(pk__in=list(ids)).select_related("department").order_by("id").iterator():
        recalculate(ticket)
        count += 1
    return count
