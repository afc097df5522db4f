"""The inbound SMTP/LMTP listener, fed by smtplib on a loopback port."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from tessera.channels import tokens
from tessera.channels.models import InboundStatus, RawInbound
from tessera.tickets.models import Ticket
from tests.integration.email.conftest import run_jobs

pytestmark = pytest.mark.django_db(transaction=True)

Mail = Callable[..., bytes]


def crlf(raw: bytes) -> bytes:
    """SMTP carries lines ending in CRLF; smtplib sends bytes as they are."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def send(listener: tuple[str, int], raw: bytes, to: list[str], sender: str = "anna@acme.test") -> dict[str, Any]:
    with smtplib.SMTP(*listener, timeout=30) as client:
        return client.sendmail(sender, to, crlf(raw))


def test_250_means_the_mail_is_committed(smtp_listener: tuple[str, int], smtp_mailbox: Any, mail: Mail) -> None:
    raw = mail(message_id="<smtp-1@client.test>")
    assert send(smtp_listener, raw, ["support@example.test"]) == {}
    # Visible from another connection the moment the client got its 250.
    row = RawInbound.objects.get()
    assert bytes(row.raw) == crlf(raw)
    assert row.envelope_to == ["support@example.test"]
    assert row.status == InboundStatus.PENDING
    run_jobs()
    assert Ticket.objects.get().messages.get().external_id == "<smtp-1@client.test>"


def test_a_retried_delivery_is_stored_once(smtp_listener: tuple[str, int], smtp_mailbox: Any, mail: Mail) -> None:
    raw = mail(message_id="<smtp-retry@client.test>")
    send(smtp_listener, raw, ["support@example.test"])
    send(smtp_listener, raw, ["support@example.test"])
    assert RawInbound.objects.count() == 1


def test_unknown_recipients_are_refused(smtp_listener: tuple[str, int], smtp_mailbox: Any, mail: Mail) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(smtp_listener, mail(), ["nobody@example.test"])
    assert refused.value.recipients["nobody@example.test"][0] == 550
    assert not RawInbound.objects.exists()


def test_token_addresses_reach_the_mailbox(smtp_listener: tuple[str, int], smtp_mailbox: Any, mail: Mail) -> None:
    address = tokens.reply_address("support@example.test", 42)
    send(smtp_listener, mail(), [address])
    assert RawInbound.objects.get().envelope_to == [address]


def test_too_large_is_refused_with_552_and_recorded(
    smtp_listener: tuple[str, int], smtp_mailbox: Any, mail: Mail, settings: Any
) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAX_INBOUND_EMAIL_BYTES": 8192}
    raw = mail(body="\n".join(["z" * 70] * 200), message_id="<smtp-big@client.test>")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(smtp_listener, raw, ["support@example.test"])
    assert refused.value.smtp_code == 552
    row = RawInbound.objects.get()
    assert row.status == InboundStatus.QUARANTINED and row.error.startswith("too large") and row.truncated


def test_database_failure_answers_451_and_the_retry_succeeds(
    smtp_listener: tuple[str, int], smtp_mailbox: Any, mail: Mail
) -> None:
    raw = mail(message_id="<smtp-451@client.test>")
    table = RawInbound._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            send(smtp_listener, raw, ["support@example.test"])
        assert refused.value.smtp_code == 451
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")
    # The MTA kept the mail and tries again: now it is stored.
    send(smtp_listener, raw, ["support@example.test"])
    assert RawInbound.objects.get().dedupe_key == "<smtp-451@client.test>"


def test_lmtp_answers_once_per_recipient(transactional_db: Any, smtp_mailbox: Any, mail: Mail) -> None:
    from tessera.channels.smtpd import InboundController, InboundHandler
    from tests.integration.email.conftest import free_port

    port = free_port()
    controller = InboundController(InboundHandler(), hostname="127.0.0.1", port=port, lmtp=True)
    controller.start()
    token_address = tokens.reply_address("support@example.test", 7)
    try:
        # smtplib's LMTP class reads a single DATA reply, so speak RFC 2033 by hand.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            replies = sock.makefile("rb")

            def command(line: bytes) -> bytes:
                sock.sendall(line + b"\r\n")
                return read_reply(replies)

            assert read_reply(replies).startswith(b"220")
            assert command(b"LHLO client.test").startswith(b"250")
            assert command(b"MAIL FROM:<anna@acme.test>").startswith(b"250")
            assert command(b"RCPT TO:<support@example.test>").startswith(b"250")
            assert command(f"RCPT TO:<{token_address}>".encode()).startswith(b"250")
            assert command(b"DATA").startswith(b"354")
            sock.sendall(mail().replace(b"\n", b"\r\n") + b".\r\n")
            assert [read_reply(replies)[:3], read_reply(replies)[:3]] == [b"250", b"250"]
            command(b"QUIT")
    finally:
        controller.stop()
    row = RawInbound.objects.get()
    assert row.envelope_to == ["support@example.test", token_address]


def read_reply(stream: Any) -> bytes:
    """One (possibly multi-line) reply: lines with a hyphen after the code continue it."""
    lines = []
    while True:
        line = stream.readline()
        assert line, "connection closed"
        lines.append(line)
        if line[3:4] != b"-":
            return b"".join(lines)
