"""Read paths of the portal, scoped to the signed-in contact (and their organisation)."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest

from tessera.accounts.actor import Actor
from tessera.core.errors import NotFound, TesseraError
from tessera.tickets.models import (
    Attachment,
    CustomField,
    Message,
    MessageKind,
    SatisfactionRating,
    Ticket,
)
from tessera.tickets.permissions import visible_tickets
from tessera.tickets.queries import Page, decode_cursor, encode_cursor

PAGE_SIZE = 25


def _page(qs: QuerySet[Ticket], cursor: str | None, limit: int) -> Page:
    if cursor:
        try:
            updated_at, pk = decode_cursor(cursor)
        except TesseraError:
            updated_at, pk = None, None
        if updated_at is not None:
            qs = qs.filter(Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, pk__lt=pk))
    rows: list[Ticket] = list(
        qs.select_related("requester")
        # What the customer saw happen, not internal notes or field changes.
        .annotate(
            last_activity=Greatest(
                Coalesce(F("last_customer_message_at"), F("created_at")),
                Coalesce(F("last_agent_reply_at"), F("created_at")),
            )
        )
        .order_by("-updated_at", "-id")[: limit + 1]
    )
    return Page(items=rows[:limit], next_cursor=encode_cursor(rows[limit - 1]) if len(rows) > limit else None)


def own_tickets(actor: Actor, *, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """Tickets the contact asked or is copied on, newest activity first."""
    contact = actor.contact
    if contact is None:
        raise NotFound("No contact")
    cc = Ticket.ccs.through.objects.filter(ticket_id=OuterRef("pk"), contact_id=contact.pk)
    qs = visible_tickets(actor).filter(Q(requester_id=contact.pk) | Q(Exists(cc)))
    return _page(qs, cursor, limit)


def shares_organisation(actor: Actor) -> bool:
    contact = actor.contact
    return bool(contact is not None and contact.organisation is not None and contact.organisation.shares_tickets)


def organisation_tickets(actor: Actor, *, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """The organisation's tickets, where an admin let its members see each other's."""
    if not shares_organisation(actor):
        raise NotFound("No shared organisation")
    assert actor.contact is not None and actor.contact.organisation_id is not None
    qs = visible_tickets(actor).filter(organisation_id=actor.contact.organisation_id)
    return _page(qs, cursor, limit)


def public_conversation(ticket: Ticket) -> list[Message]:
    """Public messages only: internal notes never leave the desk."""
    return list(
        Message.objects.filter(ticket=ticket, kind=MessageKind.PUBLIC)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def current_rating(ticket: Ticket) -> SatisfactionRating | None:
    return SatisfactionRating.objects.filter(ticket=ticket).first()


def customer_fields(ticket: Ticket) -> list[tuple[str, object]]:
    """Custom field values an admin marked visible to customers; the rest stay on the desk."""
    values = ticket.custom_fields or {}
    return [
        (f.label, values[f.key])
        for f in CustomField.objects.filter(visible_to_customers=True, is_active=True)
        if f.key in values and values[f.key] not in (None, "")
    ]


def access_attachment(actor: Actor, attachment_id: int) -> Attachment:
    """A file of a public message on a ticket the contact may see; anything else is NotFound."""
    try:
        return Attachment.objects.get(
            pk=attachment_id,
            message__kind=MessageKind.PUBLIC,
            message__ticket__in=visible_tickets(actor).values("pk"),
        )
    except (Attachment.DoesNotExist, ValueError, OverflowError):
        raise NotFound("Attachment not found") from None
