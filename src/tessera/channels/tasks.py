"""Sending deliveries. Retries transient failures; permanent ones are shown on the ticket."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.tasks import TaskContext, task

from tessera.accounts.actor import Actor
from tessera.accounts.models import ContactIdentity, IdentityKind

# Imported here, not in the task, so a worker loads the parser when it starts instead of inside
# its first job.
from tessera.channels.ingest import process_raw
from tessera.channels.models import Delivery, DeliveryPurpose, DeliveryStatus
from tessera.channels.tokens import reply_address
from tessera.core import time
from tessera.jobs import periodic
from tessera.jobs.retry import RetryLater
from tessera.tickets.actions import record_delivery_failure
from tessera.tickets.models import Channel

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def _headers(delivery: Delivery) -> dict[str, str]:
    headers = {"Message-ID": delivery.rfc_message_id}
    ticket = delivery.ticket
    # Thread into the customer's conversation: answer their latest mail, and keep the chain of
    # their mails and ours so clients that thread by References (Gmail, Outlook) group it.
    inbound = list(
        ticket.messages.exclude(external_id="").order_by("created_at", "id").values_list("created_at", "external_id")
    )
    outbound = list(
        ticket.deliveries.filter(channel=Channel.EMAIL, id__lt=delivery.pk)
        .exclude(rfc_message_id="")
        .exclude(status=DeliveryStatus.FAILED)
        .values_list("created_at", "rfc_message_id")
    )
    chain = [mid for _, mid in sorted(inbound + outbound, key=lambda pair: pair[0])]
    refs = list(dict.fromkeys(chain))[-20:]
    if inbound:
        headers["In-Reply-To"] = inbound[-1][1]
    elif refs:
        headers["In-Reply-To"] = refs[-1]
    if refs:
        headers["References"] = " ".join(refs)
    # RFC 3834: tells the customer's auto-responder not to answer us, and marks what we send
    # without a person behind it.
    if delivery.purpose == DeliveryPurpose.AUTO_REPLY:
        headers["Auto-Submitted"] = "auto-replied"
    elif delivery.purpose != DeliveryPurpose.REPLY:
        headers["Auto-Submitted"] = "auto-generated"
    return headers


def _reply_to(sender: str, ticket_number: int) -> str:
    """``support+<token>@…``: a reply to it threads by the token even from a new address."""
    name, address = parseaddr(sender)
    if "@" not in address:
        return ""
    return formataddr((name, reply_address(address, ticket_number)))


def _undeliverable(addresses: list[str]) -> set[str]:
    lowered = [a.strip().lower() for a in addresses]
    return set(
        ContactIdentity.objects.filter(kind=IdentityKind.EMAIL, value__in=lowered, bounced_at__isnull=False)
        .values_list("value", flat=True)
    )


def _out_of_attempts(context: TaskContext[Any, Any]) -> bool:
    """Whether this run is the job's last attempt (the worker counts attempts on the job row:
    whatever this task writes before raising RetryLater is rolled back with the attempt)."""
    from tessera.jobs.models import Job

    limit = Job.objects.filter(pk=context.task_result.id).values_list("max_attempts", flat=True).first()
    return context.attempt >= min(limit or MAX_ATTEMPTS, MAX_ATTEMPTS)


def _transient(exc: smtplib.SMTPException) -> bool:
    """4xx replies are "try again later"; a refused recipient carries its code per address."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    code = int(getattr(exc, "smtp_code", 0) or 0)
    return 400 <= code < 500


@task(queue_name="email", takes_context=True)
def deliver(context: TaskContext[Any, Any], delivery_id: int) -> str:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("ticket", "ticket__department")
            .get(pk=delivery_id)
        )
        if delivery.status != DeliveryStatus.PENDING:
            return delivery.status
        # The job row counts attempts durably; this copy is what agents see on the delivery.
        delivery.attempts = max(delivery.attempts + 1, context.attempt)
        # An address may have bounced since the delivery was planned: do not mail it again.
        bounced = _undeliverable([*delivery.recipients, *delivery.cc])
        to = [a for a in delivery.recipients if a.strip().lower() not in bounced]
        cc = [a for a in delivery.cc if a.strip().lower() not in bounced]
        if not to and not cc:
            delivery.status = DeliveryStatus.SKIPPED
            delivery.last_error = "every recipient address has bounced: " + ", ".join(sorted(bounced))
            delivery.save(update_fields=["attempts", "status", "last_error"])
            return delivery.status
        sender = delivery.ticket.department.email_address or settings.DEFAULT_FROM_EMAIL
        reply_to = _reply_to(sender, delivery.ticket.number)
        mail = EmailMessage(
            subject=delivery.subject,
            body=delivery.body_text,
            from_email=sender,
            to=to or cc,
            cc=cc if to else [],
            reply_to=[reply_to] if reply_to else None,
            headers=_headers(delivery),
        )
        if delivery.message is not None:
            for attachment in delivery.message.attachments.all():
                with attachment.file.open("rb") as handle:
                    mail.attach(attachment.filename, handle.read(), attachment.content_type)
        try:
            get_connection().send_messages([mail])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if _transient(exc) and not _out_of_attempts(context):
                raise RetryLater(str(exc)) from exc
            return _failed(delivery, context, exc)
        except (OSError, smtplib.SMTPException) as exc:
            # Connection refused, timeouts, a server that hung up: the mail server's problem.
            if not _out_of_attempts(context):
                raise RetryLater(str(exc)) from exc
            return _failed(delivery, context, exc)
        # The mail left before this commit: a crash right here re-sends the same Message-ID
        # once (a duplicate the customer's client folds), never loses it.
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = time.now()
        delivery.save(update_fields=["attempts", "status", "sent_at"])
        return delivery.status


def _failed(delivery: Delivery, context: TaskContext[Any, Any], exc: Exception) -> str:
    delivery.status = DeliveryStatus.FAILED
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    delivery.save(update_fields=["attempts", "status", "last_error"])
    # Shown on the ticket's timeline, in the same transaction as the failed status.
    record_delivery_failure(
        Actor.system(channel=Channel.EMAIL),
        delivery.ticket_id,
        delivery_id=delivery.pk,
        recipients=[str(a) for a in [*delivery.recipients, *delivery.cc]],
        error=delivery.last_error,
    )
    log.warning("delivery %s failed for good after %d attempts: %s", delivery.pk, context.attempt, exc)
    return str(delivery.status)


@task(queue_name="email")
def process_inbound(raw_id: int) -> str:
    """Turn one stored inbound mail into its ticket action (or quarantine it)."""
    return process_raw(raw_id)


STALLED_AFTER = timedelta(minutes=10)


@task(queue_name="email")
def requeue_stalled_inbound(limit: int = 500) -> int:
    """Give stored mail whose processing job is gone (failed for good after its workers kept
    dying, or deleted by an admin) another job: stored mail must not wait forever."""
    from tessera.channels.models import InboundStatus, RawInbound
    from tessera.core.effects import enqueue
    from tessera.jobs.models import Job

    cutoff = time.now() - STALLED_AFTER
    candidates = list(
        RawInbound.objects.filter(status=InboundStatus.PENDING, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    alive = Job.objects.filter(
        task_path=process_inbound.module_path, status__in=["READY", "RUNNING"]
    ).values_list("args", flat=True)
    waiting = {args[0] for args in alive if args}
    requeued = 0
    for raw_id in candidates:
        if raw_id not in waiting:
            enqueue(process_inbound, raw_id)
            requeued += 1
    if requeued:
        log.warning("requeued %d stored inbound mails whose processing job was gone", requeued)
    return requeued


periodic.register(requeue_stalled_inbound, every=timedelta(minutes=5))
