"""Fetching mail from an IMAP mailbox: store first, flag (or move) after the commit.

For each candidate message (unseen, or newer than the last UID handled), by UID:

1. fetch the raw bytes with ``BODY.PEEK[]`` (PEEK: fetching must not mark it read);
2. :func:`~tessera.channels.ingest.store_raw`, which commits the row and its processing job;
3. only then ``+FLAGS.SILENT (\\Seen)``, or move it to the configured folder.

A crash between 2 and 3 leaves the mail unseen: the next run fetches it again and the
database's unique (mailbox, Message-ID) constraint absorbs the copy. Nothing is deleted unless an
admin chose "move". One message that fails is logged and skipped (it stays unseen and is tried
again next time); the loop goes on with the next one.

imap-tools opens the connection, logs in (password or XOAUTH2), selects and IDLEs; the fetch and
flag commands go through its ``imaplib`` client directly, because imap-tools' ``fetch`` parses
the mail (we need the bytes untouched) and its ``flag`` also EXPUNGEs.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import close_old_connections
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted

from tessera.channels.ingest import inbound_limit, store_raw
from tessera.channels.models import AfterCommit, ImapSecurity, Mailbox
from tessera.channels.secret_fields import UndecryptableSecret
from tessera.core import time

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60.0
SIZE_CHUNK = 500
_SIZE = re.compile(rb"UID (\d+).*?RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*?UID (\d+)")


@dataclass
class FetchReport:
    stored: int = 0
    duplicates: int = 0
    too_large: int = 0
    errors: int = 0
    last_error: str = ""
    uids: list[int] = field(default_factory=list)


class ImapSecretError(OSError):
    """The mailbox's stored credentials cannot be decrypted with the configured keys."""


def connect(mailbox: Mailbox, *, timeout: float = TIMEOUT_SECONDS) -> BaseMailBox:
    """A logged-in session with the mailbox's folder selected (read-write)."""
    if isinstance(mailbox.password, UndecryptableSecret) or isinstance(
        mailbox.oauth2_access_token, UndecryptableSecret
    ):
        # Said before connecting: a login refused for an empty password would hide the cause.
        raise ImapSecretError(
            f"the credentials of mailbox {mailbox.name!r} cannot be decrypted: TESSERA_FIELD_KEY "
            "or TESSERA_SECRET_KEY changed without tessera rotate_field_keys"
        )
    client: BaseMailBox
    if mailbox.imap_security == ImapSecurity.SSL:
        client = MailBox(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    elif mailbox.imap_security == ImapSecurity.STARTTLS:
        client = MailBoxStartTls(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    else:
        client = MailBoxUnencrypted(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    if mailbox.oauth2_access_token:
        client.xoauth2(mailbox.username, mailbox.oauth2_access_token, initial_folder=None)
    else:
        client.login(mailbox.username, mailbox.password, initial_folder=None)
    client.folder.set(mailbox.folder)
    return client


def _uidvalidity(client: BaseMailBox, folder: str) -> int | None:
    # SELECT announced it; imaplib keeps the untagged response until asked.
    _, values = client.client.response("UIDVALIDITY")
    if values and values[0]:
        return int(values[-1])
    status = client.folder.status(folder, ["UIDVALIDITY"])
    value = status.get("UIDVALIDITY")
    return int(value) if value is not None else None


def _search(client: BaseMailBox, criteria: str) -> list[int]:
    return sorted({int(uid) for uid in client.uids(criteria)})


def _sizes(client: BaseMailBox, uids: list[int]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for start in range(0, len(uids), SIZE_CHUNK):
        chunk = ",".join(str(u) for u in uids[start : start + SIZE_CHUNK])
        typ, data = client.client.uid("FETCH", chunk, "(UID RFC822.SIZE)")
        if typ != "OK":
            continue
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            match = _SIZE.search(line)
            if match:
                uid, size = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
                sizes[int(uid)] = int(size)
    return sizes


def _fetch(client: BaseMailBox, uid: int, section: str) -> bytes | None:
    typ, data = client.client.uid("FETCH", str(uid), f"(BODY.PEEK[{section}])")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"FETCH {uid} failed: {data!r}")
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None  # Expunged by someone else since the search.


def _after_commit(client: BaseMailBox, mailbox: Mailbox, uid: int) -> None:
    if mailbox.after_commit == AfterCommit.MOVE and mailbox.move_to_folder:
        client.move(str(uid), mailbox.move_to_folder)
        return
    typ, data = client.client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"STORE {uid} failed: {data!r}")


def drain(client: BaseMailBox, mailbox: Mailbox) -> FetchReport:
    """Store every candidate message of the selected folder, then flag or move it."""
    report = FetchReport()
    uidvalidity = _uidvalidity(client, mailbox.folder)
    last_uid = mailbox.last_uid
    if uidvalidity is not None and mailbox.uidvalidity != uidvalidity:
        if mailbox.uidvalidity is not None:
            log.warning("mailbox %s: UIDVALIDITY changed %s -> %s; rescanning", mailbox.pk, mailbox.uidvalidity, uidvalidity)
        last_uid = 0
    # Unseen mail, plus anything newer than we handled even if a person opened it first in
    # their mail client (which would otherwise hide it from an UNSEEN search).
    candidates = set(_search(client, "UNSEEN"))
    candidates |= {u for u in _search(client, f"UID {last_uid + 1}:*") if u > last_uid}
    uids = sorted(candidates)
    sizes = _sizes(client, uids) if uids else {}
    limit = inbound_limit()
    # The high-water mark only passes UIDs that were all handled, so a message skipped after
    # an error is still found by the UID search if someone marks it read meanwhile.
    contiguous = True
    for uid in uids:
        try:
            size = sizes.get(uid)
            if size is not None and size > limit:
                raw = _fetch(client, uid, "HEADER")
                declared: int | None = size
            else:
                raw = _fetch(client, uid, "")
                declared = None
            if raw is None:
                continue
            row, created = store_raw(mailbox, raw, uid=uid, declared_size=declared)
            _after_commit(client, mailbox, uid)
        except (imaplib.IMAP4.abort, OSError):
            # The session is gone; whatever was stored stays stored, the rest waits for the
            # next connection.
            _record(mailbox, report, last_uid, uidvalidity)
            raise
        except Exception as exc:
            log.exception("mailbox %s: message UID %s could not be fetched or stored", mailbox.pk, uid)
            report.errors += 1
            report.last_error = f"UID {uid}: {type(exc).__name__}: {exc}"[:2000]
            contiguous = False
            continue
        report.uids.append(uid)
        if not created:
            report.duplicates += 1
        elif row.truncated:
            report.too_large += 1
        else:
            report.stored += 1
        if contiguous:
            last_uid = max(last_uid, uid)
    _record(mailbox, report, last_uid, uidvalidity)
    return report


def _record(mailbox: Mailbox, report: FetchReport, last_uid: int, uidvalidity: int | None) -> None:
    mailbox.last_uid = last_uid
    mailbox.uidvalidity = uidvalidity
    mailbox.last_polled_at = time.now()
    mailbox.last_error = report.last_error
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_uid=last_uid,
        uidvalidity=uidvalidity,
        last_polled_at=mailbox.last_polled_at,
        last_error=report.last_error,
    )


def fetch_once(mailbox: Mailbox) -> FetchReport:
    """Connect, store everything new, log out."""
    client = connect(mailbox)
    try:
        return drain(client, mailbox)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def supports_idle(client: BaseMailBox) -> bool:
    capabilities: Iterable[Any] = client.client.capabilities
    return "IDLE" in {str(c).upper() for c in capabilities}


def run(
    mailbox: Mailbox,
    stop: threading.Event,
    *,
    poll_interval: float = 60.0,
    idle_timeout: float = 300.0,
    max_backoff: float = 300.0,
) -> None:
    """Fetch until ``stop`` is set: IDLE between fetches where the server can, else poll."""
    backoff = 5.0
    while not stop.is_set():
        close_old_connections()
        try:
            mailbox.refresh_from_db()
            if not mailbox.is_active:
                stop.wait(poll_interval)
                continue
            client = connect(mailbox)
            log.info("IMAP mailbox %s connected (%s)", mailbox.pk, "IDLE" if supports_idle(client) else "polling")
            try:
                backoff = 5.0
                while not stop.is_set():
                    close_old_connections()
                    drain(client, mailbox)
                    if supports_idle(client):
                        # Returns on new mail or after the timeout; either way drain again.
                        client.idle.wait(timeout=min(idle_timeout, 29 * 60))
                    else:
                        stop.wait(poll_interval)
            finally:
                with contextlib.suppress(imaplib.IMAP4.error, OSError):
                    client.logout()
        except Exception as exc:
            log.exception("mailbox %s: fetching failed; retrying in %.0fs", mailbox.pk, backoff)
            Mailbox.objects.filter(pk=mailbox.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
            stop.wait(backoff)
            backoff = min(backoff * 2, max_backoff)
