"""Planning outbound deliveries: which channel and address a reply or notice goes to."""

from __future__ import annotations

import secrets

from django.conf import settings

from tessera.channels.models import Delivery, DeliveryPurpose
from tessera.channels.tokens import message_id_part
from tessera.core.effects import enqueue
from tessera.tickets.models import Channel, Message, Ticket


def new_message_id(ticket: Ticket | None = None) -> str:
    """Our Message-ID for an outbound mail; it carries the ticket's signed token so the reply,
    which echoes it in In-Reply-To/References, threads back even from a new address."""
    domain = settings.TESSERA["REPLY_DOMAIN"]
    if ticket is None:
        return f"<tessera.{secrets.token_hex(12)}@{domain}>"
    return f"<{message_id_part(ticket.number)}.{secrets.token_hex(8)}@{domain}>"


def _email_recipients(ticket: Ticket) -> tuple[list[str], list[str]]:
    to = [i.value for i in ticket.requester.identities.all() if i.kind == "email" and not i.bounced_at][:1]
    cc = [
        i.value
        for contact in ticket.ccs.prefetch_related("identities")
        for i in contact.identities.all()
        if i.kind == "email" and not i.bounced_at
    ]
    return to, cc


def plan_reply_delivery(message: Message) -> Delivery | None:
    """Queue an agent's public reply for the channel the customer used."""
    ticket = message.ticket
    # Channels without an outbound adapter yet (phone, portal) are read in the portal.
    channel = Channel.EMAIL if ticket.channel in {Channel.EMAIL, Channel.WEB_FORM, Channel.PORTAL, Channel.API, Channel.PHONE, Channel.AGENT} else ticket.channel
    to, cc = _email_recipients(ticket) if channel == Channel.EMAIL else ([], [])
    if channel == Channel.EMAIL and not to:
        return None
    delivery = Delivery.objects.create(
        ticket=ticket,
        message=message,
        purpose=DeliveryPurpose.REPLY,
        channel=channel,
        recipients=to,
        cc=cc,
        subject=f"[{ticket.display_number}] {ticket.subject}",
        body_text=message.body_text,
        rfc_message_id=new_message_id(ticket),
    )
    from tessera.channels.tasks import deliver

    enqueue(deliver, delivery.pk)
    return delivery


def plan_notice(ticket: Ticket, purpose: str, recipients: list[str], subject: str, body: str) -> Delivery | None:
    if not recipients:
        return None
    delivery = Delivery.objects.create(
        ticket=ticket,
        purpose=purpose,
        channel=Channel.EMAIL,
        recipients=recipients,
        subject=subject,
        body_text=body,
        rfc_message_id=new_message_id(ticket),
    )
    from tessera.channels.tasks import deliver

    enqueue(deliver, delivery.pk)
    return delivery


__all__ = ["DeliveryPurpose", "new_message_id", "plan_notice", "plan_reply_delivery"]
