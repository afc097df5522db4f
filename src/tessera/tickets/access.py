"""Fetch-and-check in one call, for every ticket id that comes from a user."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.core.errors import NotFound
from tessera.tickets.models import Ticket
from tessera.tickets.permissions import visible_tickets


def access_ticket(actor: Actor, number: int, *, for_update: bool = False) -> Ticket:
    """The ticket with this number, if the actor may see it; otherwise NotFound.

    A ticket the actor may not see is reported exactly like one that does not exist, so that
    guessing numbers reveals nothing.
    """
    qs = visible_tickets(actor).select_related("department", "requester", "assignee", "organisation")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(number=number)
    except (Ticket.DoesNotExist, ValueError, OverflowError):
        raise NotFound(_("Ticket not found")) from None


def access_ticket_by_id(actor: Actor, ticket_id: int, *, for_update: bool = False) -> Ticket:
    qs = visible_tickets(actor).select_related("department", "requester", "assignee", "organisation")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=ticket_id)
    except (Ticket.DoesNotExist, ValueError, OverflowError):
        raise NotFound(_("Ticket not found")) from None
