"""Inbound mail through store_raw + the process_inbound task, on the real database."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.accounts.models import ContactIdentity
from tessera.channels.ingest import dedupe_key_for, process_raw, replay_inbound, store_raw
from tessera.channels.models import Delivery, DeliveryStatus, InboundStatus, RawInbound
from tessera.core.errors import ValidationFailed
from tessera.jobs.models import Job
from tessera.tickets.actions import add_agent_reply, change_status
from tessera.tickets.models import EventKind, LinkKind, Message, Ticket, TicketEvent, TicketLink
from tests.integration.email.conftest import run_jobs

pytestmark = pytest.mark.django_db

Mail = Callable[..., bytes]


def jobs_for(row: RawInbound) -> int:
    return Job.objects.filter(task_path__endswith="process_inbound", args=[row.pk]).count()


def test_the_same_mail_twice_is_stored_once_and_processed_once(smtp_mailbox: Any, mail: Mail) -> None:
    raw = mail(message_id="<once@client.test>")
    first, created = store_raw(smtp_mailbox, raw, uid=7)
    again, created_again = store_raw(smtp_mailbox, raw, uid=7)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert first.dedupe_key == "<once@client.test>"
    assert jobs_for(first) == 1

    run_jobs()
    first.refresh_from_db()
    assert first.status == InboundStatus.PROCESSED
    assert first.kind == "message"
    ticket = Ticket.objects.get()
    assert ticket.subject == "Printer on fire"
    assert ticket.requester.primary_email == "anna@acme.test"
    message = ticket.messages.get()
    assert message.external_id == "<once@client.test>"
    assert message.thread_reason["method"] == "new"
    assert first.ticket_id == ticket.pk and first.message_id == message.pk

    # A second run of the task (a retried job) finds the row done and writes nothing.
    assert process_raw(first.pk) == InboundStatus.PROCESSED
    assert Message.objects.count() == 1


def test_mail_without_message_id_is_deduplicated_by_content(smtp_mailbox: Any) -> None:
    raw = b"From: anna@acme.test\r\nTo: support@example.test\r\nSubject: no id\r\n\r\nHello\r\n"
    other = raw.replace(b"Hello", b"Hello again")
    assert dedupe_key_for(raw).startswith("sha256:")
    assert store_raw(smtp_mailbox, raw)[1] is True
    assert store_raw(smtp_mailbox, raw)[1] is False
    assert store_raw(smtp_mailbox, other)[1] is True
    run_jobs()
    assert RawInbound.objects.filter(status=InboundStatus.PROCESSED).count() == 2
    assert Message.objects.count() == 2


def test_too_large_mail_is_recorded_and_quarantined_not_dropped(smtp_mailbox: Any, mail: Mail, settings: Any) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAX_INBOUND_EMAIL_BYTES": 4096}
    raw = mail(subject="Huge", body="x" * 20000, message_id="<huge@client.test>")
    row, created = store_raw(smtp_mailbox, raw)
    assert created
    assert row.status == InboundStatus.QUARANTINED
    assert row.error.startswith("too large")
    assert row.truncated and row.size == len(raw) and len(bytes(row.raw)) < len(raw)
    assert b"Message-ID: <huge@client.test>" in bytes(row.raw)
    assert jobs_for(row) == 0
    with pytest.raises(ValidationFailed):
        replay_inbound(row.pk)


def test_unparseable_mail_is_quarantined_and_the_next_one_flows_then_replay(
    smtp_mailbox: Any, mail: Mail, settings: Any
) -> None:
    big = mail(subject="Big one", body="y" * 9000, message_id="<big@client.test>")
    small = mail(subject="Small one", message_id="<small@client.test>")
    big_row, _ = store_raw(smtp_mailbox, big)
    small_row, _ = store_raw(smtp_mailbox, small)
    # The limit drops after the mail was stored: the parser refuses it in the task.
    settings.TESSERA = {**settings.TESSERA, "MAX_INBOUND_EMAIL_BYTES": 4096}
    stats = run_jobs()
    assert stats.failed == 0
    big_row.refresh_from_db()
    small_row.refresh_from_db()
    assert big_row.status == InboundStatus.QUARANTINED
    assert big_row.error == "too large"
    assert small_row.status == InboundStatus.PROCESSED

    # An admin raises the limit and replays the mail.
    settings.TESSERA = {**settings.TESSERA, "MAX_INBOUND_EMAIL_BYTES": 10 * 1024 * 1024}
    replay_inbound(big_row.pk)
    run_jobs()
    big_row.refresh_from_db()
    assert big_row.status == InboundStatus.PROCESSED
    assert Ticket.objects.filter(subject="Big one").count() == 1
    with pytest.raises(ValidationFailed):
        replay_inbound(big_row.pk)


def test_empty_mail_is_quarantined_with_its_reason(smtp_mailbox: Any) -> None:
    row, _ = store_raw(smtp_mailbox, b"\r\n   \r\n")
    run_jobs()
    row.refresh_from_db()
    assert row.status == InboundStatus.QUARANTINED
    assert row.error == "empty"


def test_attachments_and_unicode_survive(smtp_mailbox: Any, mail: Mail) -> None:
    raw = mail(
        sender="Nguyễn Văn Bình <binh@globex.test>",
        subject="Máy in không hoạt động — ใบแจ้งหนี้ — Zażółć",
        body="Xin chào, máy in của tôi bị hỏng.\nขอบคุณครับ\nDzień dobry",
        attachments=[("hóa đơn ใบเสร็จ.pdf", b"%PDF-1.4 test", "application/pdf")],
    )
    store_raw(smtp_mailbox, raw)
    run_jobs()
    ticket = Ticket.objects.get()
    assert ticket.subject == "Máy in không hoạt động — ใบแจ้งหนี้ — Zażółć"
    assert ticket.requester.name == "Nguyễn Văn Bình"
    message = ticket.messages.get()
    assert "máy in của tôi bị hỏng" in message.body_text
    assert "ขอบคุณครับ" in message.full_text and "Dzień dobry" in message.full_text
    attachment = message.attachments.get()
    assert attachment.filename == "hóa đơn ใบเสร็จ.pdf"
    assert attachment.size == len(b"%PDF-1.4 test")


def test_mail_from_our_own_address_is_ignored(smtp_mailbox: Any, mail: Mail) -> None:
    row, _ = store_raw(smtp_mailbox, mail(sender="Support <support@example.test>"))
    run_jobs()
    row.refresh_from_db()
    assert row.status == InboundStatus.IGNORED
    assert "our own address" in row.error
    assert not Ticket.objects.exists()


def test_customer_writing_to_a_closed_ticket_gets_a_linked_follow_up(
    smtp_mailbox: Any, agent: Any, mail: Mail
) -> None:
    store_raw(smtp_mailbox, mail(message_id="<first@client.test>"))
    run_jobs()
    old = Ticket.objects.get()
    change_status(Actor.of(agent), old, "closed")
    store_raw(
        smtp_mailbox,
        mail(subject=f"Re: [{old.display_number}] Printer on fire", in_reply_to="<first@client.test>", body="It is back."),
    )
    run_jobs()
    old.refresh_from_db()
    assert old.status == "closed"
    assert old.messages.count() == 1
    new = Ticket.objects.exclude(pk=old.pk).get()
    assert new.requester_id == old.requester_id
    assert not new.needs_review
    assert TicketLink.objects.filter(source=new, target=old, kind=LinkKind.RELATED).exists()
    reason = new.messages.get().thread_reason
    assert reason["method"] == "in_reply_to"
    assert reason["follow_up_of"] == old.number


def test_auto_reply_never_opens_a_ticket_but_lands_on_the_one_it_answers(smtp_mailbox: Any, mail: Mail) -> None:
    ooo = {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}
    stray, _ = store_raw(smtp_mailbox, mail(subject="Out of office", body="I am away.", headers=ooo))
    run_jobs()
    stray.refresh_from_db()
    assert stray.kind == "auto_reply"
    assert stray.status == InboundStatus.IGNORED
    assert not Ticket.objects.exists()

    store_raw(smtp_mailbox, mail(message_id="<q@client.test>"))
    run_jobs()
    ticket = Ticket.objects.get()
    answer, _ = store_raw(
        smtp_mailbox,
        mail(subject="Automatic reply: Printer on fire", body="I am away until Monday.", in_reply_to="<q@client.test>", headers=ooo),
    )
    run_jobs()
    answer.refresh_from_db()
    assert answer.status == InboundStatus.PROCESSED and answer.ticket_id == ticket.pk
    message = ticket.messages.order_by("id").last()
    assert message is not None and message.thread_reason["auto_submitted"] is True
    # Nothing was sent in answer to it.
    assert not Delivery.objects.exists()


def _dsn(original_message_id: str | None, recipient: str, status: str = "5.1.1", action: str = "failed") -> bytes:
    original = f"Message-ID: {original_message_id}\n" if original_message_id else ""
    text = f"""From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>
To: support@example.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-{status}@mx.acme.test>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain

This is the mail system at host mx.acme.test.

<{recipient}>: user unknown

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.acme.test

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 {status} user unknown

--BOUNDARY
Content-Type: text/rfc822-headers

From: support@example.test
To: {recipient}
{original}Subject: Re: Printer on fire

--BOUNDARY--
"""
    return text.replace("\n", "\r\n").encode()


def _ticket_with_sent_reply(smtp_mailbox: Any, agent: Any, mail: Mail, settings: Any) -> tuple[Ticket, Delivery]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    store_raw(smtp_mailbox, mail())
    run_jobs()
    ticket = Ticket.objects.get()
    add_agent_reply(Actor.of(agent), ticket, body_text="Please unplug it.")
    run_jobs()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT
    return ticket, delivery


def test_bounce_fails_the_delivery_flags_the_address_and_later_mail_skips_it(
    smtp_mailbox: Any, agent: Any, mail: Mail, settings: Any
) -> None:
    ticket, delivery = _ticket_with_sent_reply(smtp_mailbox, agent, mail, settings)
    row, _ = store_raw(smtp_mailbox, _dsn(delivery.rfc_message_id, "anna@acme.test"))
    run_jobs()
    row.refresh_from_db()
    delivery.refresh_from_db()
    assert row.kind == "bounce" and row.status == InboundStatus.PROCESSED
    assert row.ticket_id == ticket.pk
    assert delivery.status == DeliveryStatus.FAILED
    assert "anna@acme.test" in delivery.last_error and "5.1.1" in delivery.last_error
    identity = ContactIdentity.objects.get(value="anna@acme.test")
    assert identity.bounced_at is not None and "5.1.1" in identity.bounce_reason
    assert ticket.messages.count() == 2  # The bounce is not a customer message.
    failure = TicketEvent.objects.get(ticket=ticket, kind=EventKind.DELIVERY)
    assert failure.field == "failed" and failure.after["delivery"] == delivery.pk
    assert failure.after["recipients"] == ["anna@acme.test"] and "5.1.1" in failure.after["error"]

    add_agent_reply(Actor.of(agent), ticket, body_text="Did it work?")
    run_jobs()
    # The address is flagged, so the new reply has no recipient left: nothing is planned.
    assert Delivery.objects.count() == 1


def test_an_address_that_bounced_after_planning_is_skipped_at_send_time(
    smtp_mailbox: Any, agent: Any, mail: Mail, settings: Any
) -> None:
    from django.core import mail as outbox

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    store_raw(smtp_mailbox, mail())
    run_jobs()
    ticket = Ticket.objects.get()
    add_agent_reply(Actor.of(agent), ticket, body_text="Please unplug it.")
    ContactIdentity.objects.filter(value="anna@acme.test").update(bounced_at=ticket.created_at)
    run_jobs()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SKIPPED
    assert "anna@acme.test" in delivery.last_error
    assert outbox.outbox == []


def test_bounce_without_the_original_message_id_matches_by_recipient(
    smtp_mailbox: Any, agent: Any, mail: Mail, settings: Any
) -> None:
    _, delivery = _ticket_with_sent_reply(smtp_mailbox, agent, mail, settings)
    store_raw(smtp_mailbox, _dsn(None, "anna@acme.test"))
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "(recipient)" in delivery.last_error


def test_delay_notice_does_not_fail_the_delivery(smtp_mailbox: Any, agent: Any, mail: Mail, settings: Any) -> None:
    _, delivery = _ticket_with_sent_reply(smtp_mailbox, agent, mail, settings)
    dsn = _dsn(delivery.rfc_message_id, "anna@acme.test", status="4.4.1", action="delayed")
    row, _ = store_raw(smtp_mailbox, dsn)
    run_jobs()
    row.refresh_from_db()
    delivery.refresh_from_db()
    assert row.kind == "bounce"
    assert delivery.status == DeliveryStatus.SENT
    assert ContactIdentity.objects.get(value="anna@acme.test").bounced_at is None


def test_abuse_complaint_flags_the_address(smtp_mailbox: Any, agent: Any, mail: Mail, settings: Any) -> None:
    _, delivery = _ticket_with_sent_reply(smtp_mailbox, agent, mail, settings)
    report = MIMEMultipart("report", report_type="feedback-report")
    report["From"] = "abuse@isp.test"
    report["To"] = "support@example.test"
    report["Subject"] = "Abuse report"
    report["Message-ID"] = "<arf-1@isp.test>"
    report.attach(MIMEText("This is an email abuse report."))
    feedback = MIMEBase("message", "feedback-report")
    feedback.set_payload("Feedback-Type: abuse\nUser-Agent: ISP-FBL/1.0\nVersion: 1\nOriginal-Rcpt-To: anna@acme.test\n")
    report.attach(feedback)
    original = MIMEBase("text", "rfc822-headers")
    original.set_payload(f"From: support@example.test\nTo: anna@acme.test\nMessage-ID: {delivery.rfc_message_id}\n")
    report.attach(original)
    row, _ = store_raw(smtp_mailbox, report.as_bytes())
    run_jobs()
    row.refresh_from_db()
    assert row.kind == "complaint" and row.status == InboundStatus.PROCESSED
    assert "complaint" in ContactIdentity.objects.get(value="anna@acme.test").bounce_reason
    assert Ticket.objects.count() == 1


def test_outbound_reply_carries_threading_headers_token_and_department_address(
    smtp_mailbox: Any, agent: Any, mail: Mail, settings: Any
) -> None:
    from django.core import mail as outbox

    from tessera.channels import tokens

    ticket, delivery = _ticket_with_sent_reply(smtp_mailbox, agent, mail, settings)
    sent: EmailMessage = outbox.outbox[0].message()  # type: ignore[assignment]
    customer_id = ticket.messages.order_by("id").first().external_id  # type: ignore[union-attr]
    assert sent["From"] == "support@example.test"
    assert sent["To"] == "anna@acme.test"
    assert sent["Message-ID"] == delivery.rfc_message_id
    assert tokens.number_from_message_id(delivery.rfc_message_id) == ticket.number
    assert sent["In-Reply-To"] == customer_id
    assert customer_id in sent["References"]
    assert sent["Reply-To"] == tokens.reply_address("support@example.test", ticket.number)
    assert sent["Auto-Submitted"] is None  # A person wrote it.

    # A second reply also references our first one.
    add_agent_reply(Actor.of(agent), ticket, body_text="Anything else?")
    run_jobs()
    second = outbox.outbox[1].message()
    assert delivery.rfc_message_id in second["References"]
    assert second["In-Reply-To"] == customer_id


def test_notifications_are_marked_auto_generated(smtp_mailbox: Any, agent: Any, mail: Mail, settings: Any) -> None:
    from django.core import mail as outbox

    from tessera.channels.delivery import plan_notice
    from tessera.channels.models import DeliveryPurpose

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    store_raw(smtp_mailbox, mail())
    run_jobs()
    ticket = Ticket.objects.get()
    plan_notice(ticket, DeliveryPurpose.NOTIFY_RESOLVED, ["anna@acme.test"], "Resolved", "Done.")
    plan_notice(ticket, DeliveryPurpose.AUTO_REPLY, ["anna@acme.test"], "We got it", "Thanks.")
    run_jobs()
    headers = {m.subject: m.message()["Auto-Submitted"] for m in outbox.outbox}
    assert headers == {"Resolved": "auto-generated", "We got it": "auto-replied"}


def test_stored_mail_whose_job_died_for_good_is_requeued(smtp_mailbox: Any, mail: Mail) -> None:
    from datetime import timedelta

    from tessera.channels.tasks import requeue_stalled_inbound

    row, _ = store_raw(smtp_mailbox, mail(message_id="<orphan@client.test>"))
    # Its job ran out of attempts (workers kept dying under it) long ago.
    Job.objects.filter(args=[row.pk]).update(status="FAILED")
    RawInbound.objects.filter(pk=row.pk).update(received_at=row.received_at - timedelta(hours=1))
    fresh, _ = store_raw(smtp_mailbox, mail(message_id="<fresh@client.test>"))
    assert requeue_stalled_inbound.call() == 1
    assert requeue_stalled_inbound.call() == 0  # Its new job is waiting; nothing twice.
    run_jobs()
    row.refresh_from_db()
    fresh.refresh_from_db()
    assert (row.status, fresh.status) == (InboundStatus.PROCESSED, InboundStatus.PROCESSED)
    assert Message.objects.count() == 2


def test_nul_characters_do_not_stop_a_mail(smtp_mailbox: Any) -> None:
    # PostgreSQL text columns refuse NUL; broken and hostile mail carries it anywhere.
    raw = (
        b"From: Anna \x00Kowalska <anna@acme.test>\r\nTo: support@example.test\r\n"
        b"Subject: nul\x00here\r\nMessage-ID: <nul\x00@client.test>\r\nReferences: <a\x00b@c.test>\r\n\r\n"
        b"body\x00text\r\n"
    )
    row, _ = store_raw(smtp_mailbox, raw)
    assert "\x00" not in row.dedupe_key
    run_jobs()
    row.refresh_from_db()
    assert row.status == InboundStatus.PROCESSED
    message = Message.objects.get()
    assert message.ticket.subject == "nulhere"
    assert message.body_text == "bodytext"


FORWARDED_BODY = (
    "Khách hàng này hỏi về hoá đơn, nhờ team xử lý.\n\n"
    "---------- Forwarded message ---------\n"
    "Từ: Nguyễn Văn Bình <binh@globex.test>\n"
    "Ngày: 15 thg 1, 2024 lúc 10:30\n"
    "Chủ đề: Hoá đơn tháng 1\n"
    "Đến: <agent@example.test>\n\n"
    "Em chưa nhận được hoá đơn tháng 1.\n"
)


def test_an_agent_forwarding_a_customer_mail_makes_the_customer_the_requester(
    smtp_mailbox: Any, agent: Any, mail: Mail
) -> None:
    store_raw(smtp_mailbox, mail(sender="Agent <agent@example.test>", subject="Fwd: Hoá đơn tháng 1", body=FORWARDED_BODY))
    run_jobs()
    ticket = Ticket.objects.get()
    assert ticket.subject == "Hoá đơn tháng 1"
    assert ticket.requester.identities.get().value == "binh@globex.test"
    assert ticket.requester.name == "Nguyễn Văn Bình"
    first = ticket.messages.get()
    assert first.body_text == "Em chưa nhận được hoá đơn tháng 1."
    assert "nhờ team xử lý" in first.full_text  # The agent's note stays with the whole forward.
    reason = first.thread_reason
    assert reason["requester_from_forward"] is True
    assert reason["forwarded_by"] == {"user": agent.pk, "address": "agent@example.test"}
    assert reason["forwarded"]["from"] == "binh@globex.test"
    assert reason["forwarded"]["subject"] == "Hoá đơn tháng 1"


def test_a_customer_forwarding_a_mail_stays_the_requester_and_the_forward_is_recorded(
    smtp_mailbox: Any, agent: Any, mail: Mail
) -> None:
    body = FORWARDED_BODY.replace("Từ: Nguyễn Văn Bình <binh@globex.test>", "Từ: Someone Else <victim@other.test>")
    store_raw(smtp_mailbox, mail(subject="Fwd: Hoá đơn tháng 1", body=body))
    run_jobs()
    ticket = Ticket.objects.get()
    assert ticket.requester.identities.get().value == "anna@acme.test"
    reason = ticket.messages.get().thread_reason
    assert "requester_from_forward" not in reason
    assert reason["forwarded"]["from"] == "victim@other.test"
    assert not ContactIdentity.objects.filter(value="victim@other.test").exists()
