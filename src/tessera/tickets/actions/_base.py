"""Helpers shared by the ticket actions: locking, versioning, timeline entries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.core import time
from tessera.core.errors import Conflict, NotFound, PermissionDenied
from tessera.tickets.models import Message, Ticket, TicketEvent
from tessera.tickets.permissions import can_view


def lock(actor: Actor, ticket: Ticket | int, expected_version: int | None = None) -> Ticket:
    """Re-read the ticket under a row lock and check the caller's version.

    Actions work on the locked copy, never on the caller's, so two concurrent writers are
    serialised and the second one sees the first one's change.
    """
    pk = ticket if isinstance(ticket, int) else ticket.pk
    try:
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("department", "requester", "assignee")
            .get(pk=pk)
        )
    except Ticket.DoesNotExist:
        raise NotFound(_("Ticket not found")) from None
    if not can_view(actor, locked):
        raise NotFound(_("Ticket not found"))
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _("Ticket %(number)s changed since version %(expected)s (now %(current)s); reload and try again")
            % {"number": locked.display_number, "expected": expected_version, "current": locked.version}
        )
    return locked


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        # Translated when raised, not at import: the request's language is active only then.
        raise PermissionDenied(message or _("You may not do this to this ticket"))


def event(
    ticket: Ticket,
    actor: Actor,
    kind: str,
    *,
    field: str = "",
    before: Any = None,
    after: Any = None,
    message: Message | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        field=field,
        before=before,
        after=after,
        actor_user=actor.user,
        actor_contact=actor.contact if actor.user is None else None,
        actor_label=actor.label[:200],
        via_channel=actor.channel[:16],
        via_rule=actor.rule[:200],
        message=message,
        created_at=at or time.now(),
    )


def save_ticket(ticket: Ticket, fields: Iterable[str], at: datetime | None = None) -> None:
    ticket.version += 1
    ticket.updated_at = at or time.now()
    ticket.save(update_fields=[*set(fields), "version", "updated_at"])


def write_events(events: list[TicketEvent]) -> list[TicketEvent]:
    from tessera.tickets.effects import ticket_events_written

    created = TicketEvent.objects.bulk_create(events)
    ticket_events_written(created)
    return created
