"""Creating a ticket."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact, Department, User
from tessera.core import time
from tessera.core.errors import PermissionDenied, ValidationFailed
from tessera.core.html import sanitize_html
from tessera.tickets import attachments as attachment_store
from tessera.tickets.actions._base import event, write_events
from tessera.tickets.actions.fields import clean_subject, resolve_tags
from tessera.tickets.custom_fields import clean_values
from tessera.tickets.models import (
    AuthorKind,
    Channel,
    EventKind,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketType,
)
from tessera.tickets.numbering import next_ticket_number
from tessera.tickets.states import Status


def create_ticket(
    actor: Actor,
    *,
    subject: str,
    requester: Contact,
    department: Department,
    body_text: str = "",
    body_html: str = "",
    full_text: str = "",
    type: str = TicketType.QUESTION,
    priority: str = Priority.NORMAL,
    channel: str = Channel.EMAIL,
    tags: Sequence[str] = (),
    custom_fields: dict[str, Any] | None = None,
    ccs: Sequence[Contact] = (),
    assignee: User | None = None,
    due_at: datetime | None = None,
    external_id: str = "",
    thread_reason: dict[str, Any] | None = None,
    attachments: Sequence[attachment_store.NewAttachment] = (),
    created_at: datetime | None = None,
) -> Ticket:
    if actor.is_customer:
        if actor.contact is None or actor.contact.pk != requester.pk:
            raise PermissionDenied(_("Customers open tickets for themselves only"))
        if assignee is not None or tags or due_at is not None:
            raise PermissionDenied(_("Customers may not set assignee, tags or due time"))
    elif not (actor.is_system or actor.is_agent):
        raise PermissionDenied(_("You may not create tickets"))
    if type not in TicketType.values:
        raise ValidationFailed(f"Unknown type {type!r}", field="type")
    if priority not in Priority.values:
        raise ValidationFailed(f"Unknown priority {priority!r}", field="priority")
    if channel not in Channel.values:
        raise ValidationFailed(f"Unknown channel {channel!r}", field="channel")
    if not department.is_active:
        raise ValidationFailed(_("That department is not active"), field="department")
    if assignee is not None and not assignee.is_agent:
        raise ValidationFailed(_("Tickets can only be assigned to agents"), field="assignee")
    for attachment in attachments:
        attachment_store.check_size(len(attachment.content))
    subject = clean_subject(subject)
    fields = clean_values(custom_fields or {}, partial=False)
    at = created_at or time.now()

    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=next_ticket_number(),
            subject=subject,
            type=type,
            priority=priority,
            status=Status.OPEN if assignee is not None else Status.NEW,
            department=department,
            assignee=assignee,
            requester=requester,
            organisation_id=requester.organisation_id,
            channel=channel,
            custom_fields=fields,
            due_at=due_at,
            status_changed_at=at,
            last_customer_message_at=at if (body_text or body_html) else None,
            created_at=at,
            updated_at=at,
        )
        events = [
            event(
                ticket,
                actor,
                EventKind.CREATED,
                after={
                    "subject": subject,
                    "type": type,
                    "priority": priority,
                    "status": ticket.status,
                    "department": department.name,
                    "requester": str(requester),
                    "channel": channel,
                },
                at=at,
            )
        ]
        if ccs:
            ticket.ccs.add(*[c for c in ccs if c.pk != requester.pk])
        if tags:
            ticket.tags.add(*resolve_tags(tags))
            events.append(event(ticket, actor, EventKind.TAGGED, after=sorted(tags), at=at))
        if body_text or body_html or attachments:
            message = Message.objects.create(
                ticket=ticket,
                kind=MessageKind.PUBLIC,
                author_kind=AuthorKind.CONTACT,
                author_contact=requester,
                # An agent taking a phone call writes the customer's words: keep who typed it.
                author_user=actor.user if actor.is_agent else None,
                body_text=body_text,
                body_html=sanitize_html(body_html) if body_html else "",
                full_text=full_text,
                channel=channel,
                external_id=external_id[:998],
                thread_reason=thread_reason or {},
                created_at=at,
            )
            for attachment in attachments:
                attachment_store.store(message, attachment)
            events.append(event(ticket, actor, EventKind.MESSAGE, message=message, at=at))
        if assignee is not None:
            events.append(
                event(ticket, actor, EventKind.ASSIGNED, field="assignee", after=assignee.label, at=at)
            )
        write_events(events)
    # The caller usually answers with the new ticket: hand it what this function already
    # knows, so that reading it back costs no queries.
    if Contact.organisation.is_cached(requester):  # type: ignore[attr-defined]
        ticket.organisation = requester.organisation
    return ticket
