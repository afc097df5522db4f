"""What an actor may do to a ticket. One home for every ticket permission rule."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from tessera.accounts.actor import Actor
from tessera.accounts.models import ClosingPolicy
from tessera.tickets.models import Ticket


def visible_tickets(actor: Actor, qs: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """Tickets the actor may know exist; every list and every lookup starts here."""
    qs = Ticket.objects.all() if qs is None else qs
    if actor.is_system or actor.is_admin:
        return qs
    if actor.is_staff_member:
        assert actor.user is not None
        return qs.filter(Q(department_id__in=actor.department_ids) | Q(assignee_id=actor.user.pk))
    contact = actor.contact
    if contact is None:
        return qs.none()
    cc = Ticket.ccs.through.objects.filter(ticket_id=OuterRef("pk"), contact_id=contact.pk)
    scope = Q(requester_id=contact.pk) | Q(Exists(cc))
    if contact.organisation_id is not None and contact.organisation is not None and contact.organisation.shares_tickets:
        scope |= Q(organisation_id=contact.organisation_id)
    return qs.filter(scope)


def can_view(actor: Actor, ticket: Ticket) -> bool:
    if actor.is_system or actor.is_admin:
        return True
    if actor.is_staff_member:
        assert actor.user is not None
        return ticket.department_id in actor.department_ids or ticket.assignee_id == actor.user.pk
    return visible_tickets(actor, Ticket.objects.filter(pk=ticket.pk)).exists()


def can_edit(actor: Actor, ticket: Ticket) -> bool:
    """Change fields, assign, tag, reply publicly, merge, link: agents and admins."""
    if actor.is_system:
        return True
    return actor.is_agent and can_view(actor, ticket)


def can_note(actor: Actor, ticket: Ticket) -> bool:
    """Internal notes: light agents too."""
    if actor.is_system:
        return True
    return actor.is_staff_member and can_view(actor, ticket)


def can_close(actor: Actor, ticket: Ticket) -> bool:
    policy = ticket.department.closing_policy
    if actor.is_system:
        return True
    if actor.is_customer:
        return policy == ClosingPolicy.CUSTOMER_ONLY and can_view(actor, ticket)
    return policy == ClosingPolicy.AGENTS_MAY_CLOSE and can_edit(actor, ticket)


def can_rate(actor: Actor, ticket: Ticket) -> bool:
    """Satisfaction ratings: the customers the ticket was for (its requester and CCs).

    Staff and rules never rate, and an organisation colleague who only sees the ticket
    through sharing was not the one helped.
    """
    contact = actor.contact
    if not actor.is_customer or contact is None:
        return False
    if ticket.requester_id == contact.pk:
        return True
    return Ticket.ccs.through.objects.filter(ticket_id=ticket.pk, contact_id=contact.pk).exists()
