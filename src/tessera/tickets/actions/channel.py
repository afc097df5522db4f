"""Writes the channels make on a ticket: the "needs review" flag and delivery failures."""

from __future__ import annotations

from django.db import transaction

from tessera.accounts.actor import Actor
from tessera.core import time
from tessera.tickets.actions._base import event, lock, require, save_ticket, write_events
from tessera.tickets.models import EventKind, Ticket, TicketEvent
from tessera.tickets.permissions import can_edit


def set_needs_review(
    actor: Actor,
    ticket: Ticket | int,
    needs_review: bool = True,
    *,
    expected_version: int | None = None,
) -> Ticket:
    """Mark a ticket for an agent's look (mail from a stranger matched it), or clear the mark.

    Why it was marked is on the message that caused it (its thread reason); the timeline entry
    is a plain field change, so rules can react to "needs review changed to yes".
    """
    with transaction.atomic():
        locked = lock(actor, ticket, expected_version)
        require(can_edit(actor, locked))
        if locked.needs_review == needs_review:
            return locked
        at = time.now()
        locked.needs_review = needs_review
        save_ticket(locked, ["needs_review"], at)
        write_events(
            [event(locked, actor, EventKind.FIELD, field="needs_review", before=not needs_review, after=needs_review, at=at)]
        )
        return locked


def record_delivery_failure(
    actor: Actor, ticket: Ticket | int, *, delivery_id: int, recipients: list[str], error: str
) -> TicketEvent:
    """A mail to the customer failed for good (refused, or bounced back): on the timeline, so
    the agent knows their reply did not arrive.

    The ticket's version and ``updated_at`` stay: the ticket itself did not change, and moving
    ``updated_at`` would restart "hours since updated" automation windows.
    """
    with transaction.atomic():
        locked = lock(actor, ticket)
        details = {"delivery": delivery_id, "recipients": recipients[:20], "error": error[:1000]}
        return write_events([event(locked, actor, EventKind.DELIVERY, field="failed", after=details)])[0]
