"""Outbound delivery against a real SMTP server that refuses: retried, or failed for good."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tessera.accounts.actor import Actor
from tessera.channels.ingest import store_raw
from tessera.channels.models import Delivery, DeliveryStatus
from tessera.jobs.models import Job
from tessera.tickets.actions import add_agent_reply
from tessera.tickets.models import EventKind, Ticket, TicketEvent
from tests.integration.email.conftest import free_port, run_jobs

pytestmark = pytest.mark.django_db

Mail = Callable[..., bytes]


class Refusing:
    def __init__(self) -> None:
        self.rcpt_reply = "250 OK"
        self.data_reply = "250 OK"
        self.accepted = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply.startswith("250"):
            self.accepted += 1
        return self.data_reply


@pytest.fixture
def refusing(settings: Any) -> Iterator[Refusing]:
    handler = Refusing()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 30
    yield handler
    controller.stop()


def reply_job(smtp_mailbox: Any, agent: Any, mail: Mail) -> tuple[Delivery, Job]:
    store_raw(smtp_mailbox, mail())
    run_jobs()
    add_agent_reply(Actor.of(agent), Ticket.objects.get(), body_text="On it.")
    delivery = Delivery.objects.get()
    job = Job.objects.get(task_path__endswith=".deliver")
    return delivery, job


def test_temporary_refusal_is_retried_later(refusing: Refusing, smtp_mailbox: Any, agent: Any, mail: Mail) -> None:
    refusing.data_reply = "451 4.3.0 try again later"
    delivery, job = reply_job(smtp_mailbox, agent, mail)
    run_jobs()
    delivery.refresh_from_db()
    job.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert job.status == "READY" and job.attempts == 1
    assert "451" in job.errors[-1]["traceback"]

    # The server recovers; the retry (made due now) sends it.
    refusing.data_reply = "250 OK"
    Job.objects.filter(pk=job.pk).update(run_after=job.enqueued_at)
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert refusing.accepted == 1


def test_permanent_refusal_fails_the_delivery_at_once(refusing: Refusing, smtp_mailbox: Any, agent: Any, mail: Mail) -> None:
    refusing.rcpt_reply = "550 5.1.1 no such user"
    delivery, _ = reply_job(smtp_mailbox, agent, mail)
    version = delivery.ticket.version
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "5.1.1" in delivery.last_error
    # Shown on the ticket's timeline; the ticket itself did not change.
    failure = TicketEvent.objects.get(ticket=delivery.ticket, kind=EventKind.DELIVERY)
    assert failure.after["delivery"] == delivery.pk and "5.1.1" in failure.after["error"]
    delivery.ticket.refresh_from_db()
    assert delivery.ticket.version == version


def test_temporary_refusal_on_the_last_attempt_fails_for_good(
    refusing: Refusing, smtp_mailbox: Any, agent: Any, mail: Mail
) -> None:
    refusing.rcpt_reply = "452 4.2.2 mailbox full"
    delivery, job = reply_job(smtp_mailbox, agent, mail)
    Job.objects.filter(pk=job.pk).update(attempts=job.max_attempts - 1, worker_ids=["x"] * (job.max_attempts - 1))
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "4.2.2" in delivery.last_error
