"""The conversation: customer messages, agent replies, internal notes, splitting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact
from tessera.core import time
from tessera.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tessera.core.html import sanitize_html
from tessera.tickets import attachments as attachment_store
from tessera.tickets.actions._base import event, lock, require, save_ticket, write_events
from tessera.tickets.actions.fields import _status, clean_subject
from tessera.tickets.models import (
    AuthorKind,
    EventKind,
    LinkKind,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
    TicketLink,
)
from tessera.tickets.numbering import next_ticket_number
from tessera.tickets.permissions import can_edit, can_note, can_view
from tessera.tickets.states import Status, after_agent_reply, after_customer_message


def _require_body(body_text: str, body_html: str, attachments: Sequence[object]) -> None:
    if not (body_text.strip() or body_html.strip() or attachments):
        raise ValidationFailed(_("A message needs text or an attachment"), field="body")
    for attachment in attachments:
        assert isinstance(attachment, attachment_store.NewAttachment)
        attachment_store.check_size(len(attachment.content))


def add_customer_message(
    actor: Actor,
    ticket: Ticket,
    *,
    body_text: str,
    body_html: str = "",
    full_text: str = "",
    channel: str = "",
    author: Contact | None = None,
    external_id: str = "",
    thread_reason: dict[str, Any] | None = None,
    attachments: Sequence[attachment_store.NewAttachment] = (),
    created_at: datetime | None = None,
) -> Message:
    _require_body(body_text, body_html, attachments)
    with transaction.atomic():
        locked = lock(actor, ticket)
        if actor.is_staff_member:
            raise PermissionDenied("Agents reply with add_agent_reply")
        author = author or actor.contact or locked.requester
        if locked.status == Status.CLOSED:
            raise InvalidTransition(_("The ticket is closed; a new message opens a follow-up ticket"))
        at = created_at or time.now()
        message = Message.objects.create(
            ticket=locked,
            kind=MessageKind.PUBLIC,
            author_kind=AuthorKind.CONTACT,
            author_contact=author,
            body_text=body_text,
            body_html=sanitize_html(body_html) if body_html else "",
            full_text=full_text,
            channel=channel or actor.channel or locked.channel,
            external_id=external_id[:998],
            thread_reason=thread_reason or {},
            created_at=at,
        )
        for attachment in attachments:
            attachment_store.store(message, attachment)
        events: list[TicketEvent] = [event(locked, actor, EventKind.MESSAGE, message=message, at=at)]
        dirty = {"last_customer_message_at"}
        locked.last_customer_message_at = at
        target = after_customer_message(locked.status)
        if target != locked.status:
            events += _status(Actor.system(channel=message.channel), locked, target, at, dirty)
        save_ticket(locked, dirty, at)
        write_events(events)
        return message


def add_agent_reply(
    actor: Actor,
    ticket: Ticket,
    *,
    body_text: str,
    body_html: str = "",
    attachments: Sequence[attachment_store.NewAttachment] = (),
    status: str | None = None,
    expected_version: int | None = None,
) -> Message:
    """A public answer. It goes back through the channel the customer used (see delivery)."""
    _require_body(body_text, body_html, attachments)
    with transaction.atomic():
        locked = lock(actor, ticket, expected_version)
        require(can_edit(actor, locked), "You may not reply to this ticket")
        if locked.status == Status.CLOSED:
            raise InvalidTransition(_("The ticket is closed"))
        at = time.now()
        message = Message.objects.create(
            ticket=locked,
            kind=MessageKind.PUBLIC,
            author_kind=AuthorKind.AGENT if actor.user else AuthorKind.SYSTEM,
            author_user=actor.user,
            body_text=body_text,
            body_html=sanitize_html(body_html) if body_html else "",
            channel=locked.channel,
            created_at=at,
        )
        for attachment in attachments:
            attachment_store.store(message, attachment)
        events: list[TicketEvent] = [event(locked, actor, EventKind.REPLY, message=message, at=at)]
        dirty = {"last_agent_reply_at"}
        locked.last_agent_reply_at = at
        if locked.first_response_at is None:
            locked.first_response_at = at
            dirty.add("first_response_at")
        target = after_agent_reply(locked.status, status)
        if target != locked.status:
            events += _status(actor, locked, target, at, dirty)
        save_ticket(locked, dirty, at)
        write_events(events)
        from tessera.channels.delivery import plan_reply_delivery

        plan_reply_delivery(message)
        return message


def add_note(
    actor: Actor,
    ticket: Ticket,
    *,
    body_text: str,
    body_html: str = "",
    attachments: Sequence[attachment_store.NewAttachment] = (),
) -> Message:
    _require_body(body_text, body_html, attachments)
    with transaction.atomic():
        locked = lock(actor, ticket)
        require(can_note(actor, locked), "You may not add notes to this ticket")
        at = time.now()
        message = Message.objects.create(
            ticket=locked,
            kind=MessageKind.NOTE,
            author_kind=AuthorKind.AGENT if actor.user else AuthorKind.SYSTEM,
            author_user=actor.user,
            body_text=body_text,
            body_html=sanitize_html(body_html) if body_html else "",
            channel="agent",
            created_at=at,
        )
        for attachment in attachments:
            attachment_store.store(message, attachment)
        save_ticket(locked, [], at)
        write_events([event(locked, actor, EventKind.NOTE, message=message, at=at)])
        return message


def split_message(actor: Actor, message_id: int, *, subject: str | None = None) -> Ticket:
    """Move one customer message out into a ticket of its own (it was about something else)."""
    with transaction.atomic():
        try:
            message = Message.objects.select_related("ticket").get(pk=message_id)
        except Message.DoesNotExist:
            raise NotFound(_("Message not found")) from None
        if not can_view(actor, message.ticket):
            raise NotFound(_("Message not found"))
        source = lock(actor, message.ticket)
        require(can_edit(actor, source))
        if message.kind != MessageKind.PUBLIC or message.author_kind != AuthorKind.CONTACT:
            raise ValidationFailed(_("Only a customer's message can be split off"), field="message")
        if source.messages.count() < 2:
            raise ValidationFailed(_("A ticket's only message cannot be split off"), field="message")
        at = time.now()
        requester = message.author_contact or source.requester
        new = Ticket.objects.create(
            number=next_ticket_number(),
            subject=clean_subject(subject or f"{source.subject} (split)"),
            type=source.type,
            priority=source.priority,
            status=Status.NEW,
            department=source.department,
            requester=requester,
            organisation_id=requester.organisation_id,
            channel=message.channel or source.channel,
            status_changed_at=at,
            last_customer_message_at=message.created_at,
            created_at=at,
            updated_at=at,
        )
        Message.objects.filter(pk=message.pk).update(ticket=new, split_from=message)
        TicketLink.objects.create(source=new, target=source, kind=LinkKind.RELATED)
        save_ticket(source, [], at)
        write_events(
            [
                event(new, actor, EventKind.CREATED, after={"split_from": source.number, "subject": new.subject}, at=at),
                event(source, actor, EventKind.SPLIT, after={"ticket": new.number, "message": message.pk}, at=at),
            ]
        )
        return new
