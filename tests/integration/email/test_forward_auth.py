"""An agent's forward opens the ticket for the original sender only when our MTA vouches for
the agent's address (Authentication-Results of our authserv-id); a forged one does not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tessera.accounts.models import ContactIdentity
from tessera.channels.ingest import store_raw
from tessera.channels.models import InboundStatus, RawInbound
from tessera.tickets.models import EventKind, Ticket, TicketEvent
from tests.integration.email.conftest import run_jobs

pytestmark = pytest.mark.django_db

Mail = Callable[..., bytes]

OUR_MTA = "mx.desk.test"
FORWARD = (
    "Khách hàng này hỏi về hoá đơn, nhờ team xử lý.\n\n"
    "---------- Forwarded message ---------\n"
    "From: Nguyễn Văn Bình <binh@globex.test>\n"
    "Date: Mon, 15 Jan 2024 at 10:30\n"
    "Subject: Hoá đơn tháng 1\n"
    "To: <agent@example.test>\n\n"
    "Em chưa nhận được hoá đơn tháng 1.\n"
)


@pytest.fixture
def our_mta(settings: Any) -> str:
    settings.TESSERA = {**settings.TESSERA, "MAIL_AUTHSERV_IDS": [OUR_MTA]}
    return OUR_MTA


def forward_with(mail: Mail, *results: str) -> bytes:
    """The agent's forward as our MTA hands it over: its headers prepended, the first on top."""
    raw = mail(sender="Agent <agent@example.test>", subject="Fwd: Hoá đơn tháng 1", body=FORWARD)
    return b"".join(f"Authentication-Results: {value}\n".encode() for value in results) + raw


def ingest(smtp_mailbox: Any, raw: bytes) -> Ticket:
    row, _ = store_raw(smtp_mailbox, raw)
    run_jobs()
    row = RawInbound.objects.get(pk=row.pk)
    assert row.status == InboundStatus.PROCESSED, row.error
    return Ticket.objects.get()


def review_marked(ticket: Ticket) -> bool:
    return TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FIELD, field="needs_review", after=True).exists()


@pytest.mark.parametrize(
    "results",
    [
        (f"{OUR_MTA}; dkim=pass (2048-bit key; unprotected) header.d=example.test header.i=@example.test header.b=\"x1\"; "
         "spf=softfail smtp.mailfrom=agent@example.test; dmarc=pass (p=reject dis=none) header.from=example.test",),
        # OpenDMARC's and OpenDKIM's headers apart; the topmost (DKIM) decides on its own.
        (f"{OUR_MTA}; dkim=pass header.d=example.test", f"{OUR_MTA}; dmarc=none header.from=example.test"),
        (f"{OUR_MTA} 1; spf=pass (sender SPF authorized) smtp.mailfrom=bounces.example.test",),
    ],
)
def test_an_authenticated_forward_opens_the_ticket_for_the_original_sender(
    smtp_mailbox: Any, agent: Any, mail: Mail, our_mta: str, results: tuple[str, ...]
) -> None:
    ticket = ingest(smtp_mailbox, forward_with(mail, *results))
    assert ticket.requester.identities.get().value == "binh@globex.test"
    assert ticket.subject == "Hoá đơn tháng 1"
    assert not ticket.needs_review and not review_marked(ticket)
    reason = ticket.messages.get().thread_reason
    assert reason["requester_from_forward"] is True
    assert reason["forwarded_by"] == {"user": agent.pk, "address": "agent@example.test"}
    assert reason["forward_sender"]["verified"] is True
    assert reason["forward_sender"]["detail"].endswith(f"({OUR_MTA})")
    assert "needs_review" not in reason


@pytest.mark.parametrize(
    ("results", "why"),
    [
        # Nothing at all: mail that did not come through our MTA's checks.
        ((), "no Authentication-Results header from a trusted server"),
        # Our MTA's verdict on top; the forger's "pass" in the name of our MTA below it.
        ((f"{OUR_MTA}; dkim=none; spf=fail smtp.mailfrom=agent@example.test; dmarc=fail header.from=example.test",
          f"{OUR_MTA}; dmarc=pass header.from=example.test"), "dmarc=fail"),
        # A pass written by another host (the forger's own server) is no evidence to us.
        (("mail.forger.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test",),
         "no Authentication-Results header from a trusted server"),
        # DKIM passed, for the forger's domain.
        ((f"{OUR_MTA}; dkim=pass header.d=forger.test; spf=pass smtp.mailfrom=forger.test; dmarc=fail header.from=example.test",),
         "authenticated nothing aligned with example.test"),
        # Passes hidden in a comment.
        ((f"{OUR_MTA}; dmarc=fail (was: dmarc=pass header.from=example.test) header.from=example.test",), "dmarc=fail"),
    ],
)
def test_a_forged_forward_is_the_forgers_ticket_and_marked_for_review(
    smtp_mailbox: Any, agent: Any, mail: Mail, our_mta: str, results: tuple[str, ...], why: str
) -> None:
    ticket = ingest(smtp_mailbox, forward_with(mail, *results))
    # Never in the third person's name: the ticket belongs to the address it came from.
    assert ticket.requester.identities.get().value == "agent@example.test"
    assert not ContactIdentity.objects.filter(value="binh@globex.test").exists()
    assert ticket.subject == "Fwd: Hoá đơn tháng 1"
    assert ticket.needs_review and review_marked(ticket)
    reason = ticket.messages.get().thread_reason
    assert "requester_from_forward" not in reason
    assert reason["needs_review"] is True
    assert reason["forward_sender"]["verified"] is False and why in reason["forward_sender"]["detail"]
    assert reason["forwarded_by"] == {"user": agent.pk, "address": "agent@example.test"}
    # What the forward claimed stays visible to the agent who reviews it.
    assert reason["forwarded"]["from"] == "binh@globex.test"


def test_without_the_setting_the_forward_works_as_before_but_is_marked_for_review(
    smtp_mailbox: Any, agent: Any, mail: Mail, settings: Any
) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAIL_AUTHSERV_IDS": []}
    ticket = ingest(smtp_mailbox, forward_with(mail, f"{OUR_MTA}; dmarc=pass header.from=example.test"))
    assert ticket.requester.identities.get().value == "binh@globex.test"
    assert ticket.subject == "Hoá đơn tháng 1"
    assert ticket.needs_review and review_marked(ticket)
    reason = ticket.messages.get().thread_reason
    assert reason["requester_from_forward"] is True and reason["needs_review"] is True
    assert reason["forward_sender"]["verified"] is False
    assert "TESSERA_MAIL_AUTHSERV_ID" in reason["forward_sender"]["detail"]


def test_a_customers_forward_is_not_checked_or_marked(
    smtp_mailbox: Any, agent: Any, mail: Mail, our_mta: str
) -> None:
    # Only the agent path asks for evidence; a customer forwarding stays their own requester.
    raw = mail(sender="Anna <anna@acme.test>", subject="Fwd: Hoá đơn tháng 1", body=FORWARD)
    ticket = ingest(smtp_mailbox, raw)
    assert ticket.requester.identities.get().value == "anna@acme.test"
    assert not ticket.needs_review
    assert "forward_sender" not in ticket.messages.get().thread_reason


def test_a_forged_agent_cannot_append_to_a_strangers_ticket_by_its_subject_tag(
    smtp_mailbox: Any, agent: Any, mail: Mail, our_mta: str
) -> None:
    victim = ingest(smtp_mailbox, mail(sender="Anna <anna@acme.test>", subject="Zamówienie 7", body="Gdzie jest?"))
    tag = f"[#{victim.number}]"
    # Someone writes as the agent, with the ticket's tag, and nothing from our MTA vouches.
    store_raw(smtp_mailbox, mail(sender="Agent <agent@example.test>", subject=f"Re: Zamówienie 7 {tag}",
                                 body="Proszę zapłacić na konto 123."))
    run_jobs()
    assert victim.messages.count() == 1
    forged = Ticket.objects.exclude(pk=victim.pk).get()
    reason = forged.messages.get().thread_reason
    assert reason["method"] == "new" and reason["related_to"] == victim.number
    assert "authenticated agent" in reason["rejected"][0]["why"]
    assert forged.needs_review

    # The real agent, authenticated by our MTA, still threads by the tag.
    genuine = mail(sender="Agent <agent@example.test>", subject=f"Re: Zamówienie 7 {tag}", body="Wysłane dziś.")
    store_raw(smtp_mailbox, f"Authentication-Results: {OUR_MTA}; dmarc=pass header.from=example.test\n".encode()
              + genuine)
    run_jobs()
    assert victim.messages.count() == 2
