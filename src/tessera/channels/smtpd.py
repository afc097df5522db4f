"""An SMTP (or LMTP) listener a mail server delivers to; 250 means "committed".

The handler accepts a recipient only if it names one of our SMTP mailboxes (``support@…``, or
``support+<token>@…``, which is the same mailbox). At the end of DATA it stores the raw bytes
with :func:`~tessera.channels.ingest.store_raw` on a worker thread and answers

* ``250`` once the row (and its processing job) is committed;
* ``451`` if the database failed: the sending MTA keeps the mail and retries later;
* ``552`` if the mail is over the size limit (it is still recorded, head only, quarantined).

A retried delivery of a mail already stored is deduplicated by the database and answered 250.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection

from tessera.channels.ingest import inbound_limit, store_raw
from tessera.channels.models import Mailbox, MailboxKind

log = logging.getLogger(__name__)


def base_address(address: str) -> str:
    """``Support+1234-abc@Example.com`` → ``support@example.com``."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}".lower()


def mailbox_for(address: str) -> Mailbox | None:
    close_old_connections()
    return (
        Mailbox.objects.filter(address__iexact=base_address(address), kind=MailboxKind.SMTP, is_active=True)
        .order_by("id")
        .first()
    )


def store_envelope(data: bytes, recipients: Sequence[str]) -> int:
    """Store the mail once per mailbox it was addressed to; returns how many rows are new."""
    close_old_connections()
    by_mailbox: dict[int, tuple[Mailbox, list[str]]] = {}
    for address in recipients:
        mailbox = mailbox_for(address)
        if mailbox is not None:
            by_mailbox.setdefault(mailbox.pk, (mailbox, []))[1].append(address)
    created = 0
    try:
        for mailbox, addresses in by_mailbox.values():
            _, new = store_raw(mailbox, data, envelope_to=addresses)
            created += int(new)
    except Exception:
        # A broken connection must not be reused for the next mail.
        connection.close()
        raise
    return created


class InboundHandler:
    """aiosmtpd handler: RCPT maps to a mailbox, DATA stores and answers after the commit."""

    def __init__(self, *, max_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes

    @property
    def limit(self) -> int:
        return self.max_bytes if self.max_bytes is not None else inbound_limit()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            mailbox = await sync_to_async(mailbox_for)(address)
        except Exception:
            log.exception("smtp: looking up recipient %s failed", address)
            return "451 4.3.0 Temporary failure, please try again later"
        if mailbox is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        recipients = list(envelope.rcpt_tos)
        too_large = len(data) > self.limit
        try:
            # Recorded even when refused for size, so an admin can see what was turned away.
            await sync_to_async(store_envelope)(data, recipients)
        except Exception:
            log.exception("smtp: storing a mail for %s failed", ", ".join(recipients))
            return self._answer(server, recipients, "451 4.3.0 Temporary failure, please try again later")
        if too_large:
            return self._answer(server, recipients, f"552 5.3.4 Message too big (limit {self.limit} bytes)")
        return self._answer(server, recipients, "250 2.0.0 OK: stored")

    @staticmethod
    def _answer(server: SMTP, recipients: Sequence[str], status: str) -> str:
        # LMTP answers DATA once per recipient (RFC 2033).
        if isinstance(server, LMTP):
            return "\r\n".join([status] * max(1, len(recipients)))
        return status


class InboundController(Controller):
    """Runs the listener on its own thread and event loop (``start()`` / ``stop()``)."""

    def __init__(self, handler: InboundHandler, *, hostname: str, port: int, lmtp: bool = False, **kwargs: Any) -> None:
        self.lmtp = lmtp
        # aiosmtpd refuses mail beyond this itself (552, unrecorded); up to it, the handler
        # records an over-size mail before refusing it. Twice the limit bounds the memory.
        kwargs.setdefault("data_size_limit", handler.limit * 2)
        super().__init__(handler, hostname=hostname, port=port, **kwargs)

    def factory(self) -> SMTP:
        if self.lmtp:
            return LMTP(self.handler, **self.SMTP_kwargs)
        return SMTP(self.handler, **self.SMTP_kwargs)


def serve(host: str, port: int, *, lmtp: bool = False, stop: threading.Event | None = None) -> None:
    """Listen until ``stop`` is set."""
    stop = stop or threading.Event()
    controller = InboundController(InboundHandler(), hostname=host, port=port, lmtp=lmtp)
    controller.start()
    log.info("%s listener on %s:%d", "LMTP" if lmtp else "SMTP", host, port)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        controller.stop()
