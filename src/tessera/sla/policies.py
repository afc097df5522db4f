"""Choosing a ticket's SLA policy, reading its calendar, and changing policies safely.

Policy changes go through ``save_policy`` / ``delete_policy``: they validate the calendar and
targets and enqueue the recalculation of every open ticket's timers, so a changed calendar or
a removed policy is reflected in due times (and never produces a breach of a target that no
longer exists).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction

from tessera.core.effects import enqueue
from tessera.core.errors import ValidationFailed
from tessera.sla.calendar import BusinessCalendar, CalendarError
from tessera.sla.models import SlaPolicy
from tessera.tickets.models import Ticket
from tessera.tickets.states import Status

CRITERIA = ("priority", "type", "department", "organisation", "channel", "tags")
PAUSABLE = frozenset({Status.PENDING, Status.ON_HOLD})

# Used for "within business hours" and business-hour automations on tickets no policy covers.
FALLBACK_CALENDAR = BusinessCalendar.uniform("UTC", "09:00", "17:00")


def matches(policy: SlaPolicy, ticket: Ticket, tags: Iterable[str]) -> bool:
    conditions: dict[str, Any] = policy.conditions or {}
    for key in CRITERIA:
        wanted = conditions.get(key) or []
        if not wanted:
            continue
        if key == "tags":
            have = {t.casefold() for t in tags}
            if not any(str(t).casefold() in have for t in wanted):
                return False
            continue
        value = {
            "priority": ticket.priority,
            "type": ticket.type,
            "department": ticket.department_id,
            "organisation": ticket.organisation_id,
            "channel": ticket.channel,
        }[key]
        if value not in wanted:
            return False
    return True


def select_policy(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy, by position, whose conditions the ticket meets."""
    if ticket.is_spam or ticket.merged_into_id is not None:
        return None
    tags = list(ticket.tags.values_list("name", flat=True))
    for policy in SlaPolicy.objects.filter(is_active=True).order_by("position", "id"):
        if matches(policy, ticket, tags):
            return policy
    return None


@functools.lru_cache(maxsize=128)
def _calendar(policy_id: int, updated_at: datetime, document: str) -> BusinessCalendar:
    import json

    return BusinessCalendar.from_dict(json.loads(document))


def calendar_of(policy: SlaPolicy) -> BusinessCalendar:
    import json

    return _calendar(policy.pk, policy.updated_at, json.dumps(policy.calendar, sort_keys=True))


def calendar_for_ticket(ticket: Ticket) -> BusinessCalendar:
    from tessera.sla.models import TicketSla

    state = TicketSla.objects.filter(ticket=ticket).select_related("policy").first()
    policy = state.policy if state is not None and state.policy is not None else select_policy(ticket)
    return calendar_of(policy) if policy is not None else FALLBACK_CALENDAR


def clean_policy(policy: SlaPolicy) -> None:
    """Raise ValidationFailed listing what is wrong with a policy about to be saved."""
    try:
        BusinessCalendar.from_dict(policy.calendar)
    except CalendarError as exc:
        raise ValidationFailed(f"calendar: {exc}", field="calendar") from exc
    statuses = set(policy.pause_statuses or [])
    if not statuses <= PAUSABLE:
        raise ValidationFailed(
            f"the clock can pause only in {', '.join(sorted(PAUSABLE))}", field="pause_statuses"
        )
    unknown = set(policy.conditions or {}) - set(CRITERIA)
    if unknown:
        raise ValidationFailed(f"unknown condition {sorted(unknown)[0]!r}", field="conditions")
    targets = [policy.first_response_minutes, policy.next_response_minutes,
               policy.resolution_minutes, policy.periodic_update_minutes]
    if not any(targets):
        raise ValidationFailed("a policy needs at least one target", field="first_response_minutes")


def save_policy(policy: SlaPolicy) -> SlaPolicy:
    clean_policy(policy)
    with transaction.atomic():
        policy.save()
        schedule_recalculation()
    return policy


def delete_policy(policy: SlaPolicy) -> None:
    with transaction.atomic():
        # Timers lose their policy (SET NULL) at once, so the breach checker skips them even
        # before the recalculation has run.
        policy.delete()
        schedule_recalculation()


def schedule_recalculation() -> None:
    from tessera.sla.tasks import recalculate_open_tickets

    enqueue(recalculate_open_tickets)
