"""Sending deliveries. Retries transient failures; permanent ones are shown on the ticket."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.tasks import task

from tessera.channels.models import Delivery, DeliveryPurpose, DeliveryStatus
from tessera.core import time
from tessera.jobs.retry import RetryLater

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def _headers(delivery: Delivery) -> dict[str, str]:
    headers = {"Message-ID": delivery.rfc_message_id}
    ticket = delivery.ticket
    # Thread into the customer's conversation: answer their latest mail, keep the chain.
    refs = list(
        ticket.messages.exclude(external_id="").order_by("created_at", "id").values_list("external_id", flat=True)
    )[-10:]
    if refs:
        headers["In-Reply-To"] = refs[-1]
        headers["References"] = " ".join(refs)
    if delivery.purpose != DeliveryPurpose.REPLY:
        headers["Auto-Submitted"] = "auto-generated"
    return headers


@task(queue_name="email")
def deliver(delivery_id: int) -> str:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("ticket", "ticket__department")
            .get(pk=delivery_id)
        )
        if delivery.status != DeliveryStatus.PENDING:
            return delivery.status
        delivery.attempts += 1
        sender = delivery.ticket.department.email_address or settings.DEFAULT_FROM_EMAIL
        mail = EmailMessage(
            subject=delivery.subject,
            body=delivery.body_text,
            from_email=sender,
            to=delivery.recipients,
            cc=delivery.cc,
            headers=_headers(delivery),
        )
        if delivery.message is not None:
            for attachment in delivery.message.attachments.all():
                with attachment.file.open("rb") as handle:
                    mail.attach(attachment.filename, handle.read(), attachment.content_type)
        try:
            get_connection().send_messages([mail])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            code = getattr(exc, "smtp_code", 0) or 0
            if 400 <= code < 500 and delivery.attempts < MAX_ATTEMPTS:
                delivery.last_error = str(exc)[:2000]
                delivery.save(update_fields=["attempts", "last_error"])
                raise RetryLater(str(exc)) from exc
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = str(exc)[:2000]
            delivery.save(update_fields=["attempts", "status", "last_error"])
            return delivery.status
        except (OSError, smtplib.SMTPException) as exc:
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.last_error = str(exc)[:2000]
                delivery.save(update_fields=["attempts", "status", "last_error"])
                return delivery.status
            raise RetryLater(str(exc)) from exc
        # The mail left before this commit: a crash right here re-sends the same Message-ID
        # once (a duplicate the customer's client folds), never loses it.
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = time.now()
        delivery.save(update_fields=["attempts", "status", "sent_at"])
        return delivery.status
