"""A whole conversation over real SMTP: customer → listener → ticket → agent → customer → ticket."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.channels import tokens
from tessera.channels.models import Delivery, DeliveryStatus
from tessera.tickets.actions import add_agent_reply
from tessera.tickets.models import Ticket
from tests.integration.email.conftest import CaptureHandler, run_jobs

pytestmark = pytest.mark.django_db(transaction=True)

Mail = Callable[..., bytes]


def send(listener: tuple[str, int], raw: bytes, sender: str, to: list[str]) -> None:
    with smtplib.SMTP(*listener, timeout=30) as client:
        client.sendmail(sender, to, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def test_customer_mail_agent_reply_and_customer_answer_share_one_ticket(
    smtp_listener: tuple[str, int], smtp_mailbox: Any, agent: Any, capture_smtp: CaptureHandler, mail: Mail
) -> None:
    first = mail(
        sender="Anna Kowalska <anna@acme.test>",
        subject="Drukarka nie działa / Máy in hỏng",
        body="Dzień dobry, drukarka nie drukuje.",
        message_id="<anna-first@acme.test>",
    )
    send(smtp_listener, first, "anna@acme.test", ["support@example.test"])
    run_jobs()
    ticket = Ticket.objects.get()
    assert ticket.subject == "Drukarka nie działa / Máy in hỏng"
    assert ticket.channel == "email"

    add_agent_reply(Actor.of(agent), ticket, body_text="Proszę wyłączyć i włączyć drukarkę.")
    run_jobs()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT
    assert len(capture_smtp.mails) == 1
    _, envelope_to, raw_reply = capture_smtp.mails[0]
    assert envelope_to == ["anna@acme.test"]
    reply = message_from_bytes(raw_reply, policy=default)
    assert reply["From"] == "support@example.test"
    assert reply["Message-ID"] == delivery.rfc_message_id
    assert reply["In-Reply-To"] == "<anna-first@acme.test>"
    assert "<anna-first@acme.test>" in reply["References"]
    assert reply["Subject"] == f"[{ticket.display_number}] Drukarka nie działa / Máy in hỏng"
    assert tokens.number_from_address(str(reply["Reply-To"])) == ticket.number
    assert "Proszę wyłączyć" in reply.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]

    # Anna's client answers our mail: In-Reply-To is our Message-ID, quoted text below.
    answer = mail(
        sender="Anna Kowalska <anna@acme.test>",
        to="support@example.test",
        subject=f"Re: {reply['Subject']}",
        body="Dziękuję, działa!\n\nW dniu 3.03.2025 o 10:00, support@example.test napisał(a):\n> Proszę wyłączyć i włączyć drukarkę.\n",
        in_reply_to=str(reply["Message-ID"]),
        references=f"<anna-first@acme.test> {reply['Message-ID']}",
    )
    send(smtp_listener, answer, "anna@acme.test", ["support@example.test"])
    run_jobs()
    assert Ticket.objects.count() == 1
    messages = list(ticket.messages.order_by("id"))
    assert [m.author_kind for m in messages] == ["contact", "agent", "contact"]
    assert messages[-1].body_text.startswith("Dziękuję, działa!")
    assert messages[-1].thread_reason["method"] == "token"
    ticket.refresh_from_db()
    assert ticket.status == "open"
