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
import hashlib
import imaplib
import logging
import re
import threading
import time as clock
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import DatabaseError, close_old_connections, connections
from imap_tools import BaseMailBox

from tessera.channels.imap_session import open_session
from tessera.channels.ingest import inbound_limit, store_raw
from tessera.channels.models import AfterCommit, Mailbox, MailboxKind
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


def connect(mailbox: Mailbox, *, timeout: float = TIMEOUT_SECONDS) -> BaseMailBox:
    """A logged-in session with the mailbox's folder selected (read-write).

    Through :func:`~tessera.channels.imap_session.open_session`: the host's address checked
    against the network guard, TLS certificates verified, an OAuth2 access token renewed first
    when it is about to expire.
    """
    return open_session(mailbox, timeout=timeout)


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


def drain(client: BaseMailBox, mailbox: Mailbox, stop: threading.Event | None = None) -> FetchReport:
    """Store every candidate message of the selected folder, then flag or move it.

    ``stop`` ends the loop between two messages (each one is stored and flagged, or not at
    all), so a stop request does not wait for a long backlog.
    """
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
        if stop is not None and stop.is_set():
            break
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


IDLE_SLICE_SECONDS = 1.0


def idle_until(client: BaseMailBox, stop: threading.Event, timeout: float) -> bool:
    """IDLE until the server reports a change, ``timeout`` passes, or ``stop`` is set; ``True``
    when the server spoke of something other than a keep-alive.

    The socket is watched locally in short slices while the server-side IDLE stays open, so a
    stop or a reload is noticed within a second without a command on the wire.
    """
    deadline = clock.monotonic() + min(timeout, 29 * 60)
    idle: Any = client.idle  # imap-tools leaves start() and stop() unannotated.
    idle.start()
    changed = False
    try:
        while not stop.is_set():
            remaining = deadline - clock.monotonic()
            if remaining <= 0:
                break
            responses = idle.poll(timeout=min(IDLE_SLICE_SECONDS, remaining))
            # Dovecot and others send "* OK Still here" during IDLE: no news, keep waiting.
            if any(not line.upper().startswith(b"* OK") for line in responses):
                changed = True
                break
    finally:
        idle.stop()
    return changed


def run(
    mailbox: Mailbox,
    stop: threading.Event,
    *,
    poll_interval: float = 60.0,
    idle_timeout: float = 300.0,
    max_backoff: float = 300.0,
) -> None:
    """Fetch until ``stop`` is set: IDLE between fetches where the server can, else poll.

    A set ``stop`` is noticed within about a second in IDLE, at once while polling or backing
    off, and between two messages while draining; the session is then logged out. Meant to be
    a thread's whole work: the thread's database connection is closed when it returns (a
    pooled one goes back to the pool instead of staying checked out by a finished thread).
    """
    backoff = 5.0
    try:
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
                        drain(client, mailbox, stop)
                        if stop.is_set():
                            break
                        if supports_idle(client):
                            # Back on new mail or after the timeout; either way drain again.
                            idle_until(client, stop, idle_timeout)
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
    finally:
        connections.close_all()


# -- the long-running fetcher: one thread per active mailbox, following the mailbox table ----


def settings_fingerprint(mailbox: Mailbox) -> str:
    """A digest of everything a session depends on; a change means reconnecting.

    Secrets are compared decrypted (each save encrypts them anew); one no key opens is compared
    by its ciphertext, so restoring the key changes the digest and the fetcher retries.
    """
    parts: list[str] = [
        mailbox.imap_host,
        str(mailbox.imap_port),
        mailbox.imap_security,
        mailbox.username,
        mailbox.folder,
        mailbox.after_commit,
        mailbox.move_to_folder,
    ]
    # The OAuth2 app counts, and whether someone signed in; the tokens do not: the session renews
    # them every hour (some providers rotate the refresh token too), and a renewal must not look
    # like new settings (a needless reconnect).
    parts += [mailbox.oauth2_provider, mailbox.oauth2_client_id, mailbox.oauth2_authorize_url,
              mailbox.oauth2_token_url, mailbox.oauth2_scope, str(bool(mailbox.oauth2_refresh_token))]
    access_token = "" if mailbox.oauth2_refresh_token else mailbox.oauth2_access_token
    for secret in (mailbox.password, access_token, mailbox.oauth2_client_secret):
        parts.append(("undecryptable:" + secret.stored) if isinstance(secret, UndecryptableSecret) else str(secret))
    joined = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(joined).hexdigest()


def _location(mailbox: Mailbox) -> tuple[str, int, str, str]:
    """Which folder of which account: ``last_uid`` and ``uidvalidity`` describe this one only."""
    return (mailbox.imap_host.strip().lower(), mailbox.imap_port, mailbox.username, mailbox.folder)


Runner = Callable[[Mailbox, threading.Event], None]


@dataclass
class _Fetcher:
    fingerprint: str
    location: tuple[str, int, str, str]
    stop: threading.Event
    thread: threading.Thread
    # Asked to stop (deactivated, deleted or changed); ``successor`` starts once it has.
    retiring: bool = False
    successor: Mailbox | None = None


class Supervisor:
    """``tessera fetch_mail`` without ``--once``: a thread per active IMAP mailbox, kept in
    step with the mailbox table while it runs.

    Every ``reload_interval`` seconds it reads the active IMAP mailboxes and

    * starts a thread for a mailbox it does not fetch yet (a new one, one made active, one
      whose thread died: such a thread is restarted at most once an interval);
    * stops the thread of a mailbox that is gone or inactive (it logs out);
    * for one whose connection settings changed (see :func:`settings_fingerprint`), stops the
      thread and, once it has ended, starts one with the new settings. Never two threads on
      one mailbox: they would race on its ``last_uid``. When the account or folder changed,
      the UID high-water mark is reset first, since it describes the old folder.

    Threads notice a stop within about a second (see :func:`idle_until`), or after the message
    being stored; a reload therefore takes effect within the interval plus that.
    """

    def __init__(
        self,
        *,
        mailbox_ids: Collection[int] | None = None,
        reload_interval: float = 30.0,
        poll_interval: float = 60.0,
        idle_timeout: float = 300.0,
        runner: Runner | None = None,
    ) -> None:
        self.mailbox_ids = set(mailbox_ids) if mailbox_ids else None
        self.reload_interval = reload_interval
        self.runner: Runner = runner or partial(run, poll_interval=poll_interval, idle_timeout=idle_timeout)
        self.fetchers: dict[int, _Fetcher] = {}
        self._said_idle = False

    def wanted(self) -> dict[int, Mailbox]:
        query = Mailbox.objects.filter(kind=MailboxKind.IMAP, is_active=True)
        if self.mailbox_ids is not None:
            query = query.filter(pk__in=sorted(self.mailbox_ids))
        return {mailbox.pk: mailbox for mailbox in query.order_by("pk")}

    def reconcile(self) -> None:
        """One look at the mailbox table, and the threads brought in line with it."""
        close_old_connections()
        try:
            wanted = self.wanted()
        except DatabaseError:
            # The threads already running go on; the next interval tries again.
            log.exception("fetch_mail: the mailbox settings could not be read")
            return
        finally:
            close_old_connections()
        for pk, fetcher in list(self.fetchers.items()):
            mailbox = wanted.get(pk)
            if fetcher.retiring:
                fetcher.successor = mailbox  # The latest settings, or none when it is gone.
            elif not fetcher.thread.is_alive():
                log.error("mailbox %s: its fetching thread ended unexpectedly; starting it again", pk)
                del self.fetchers[pk]
            elif mailbox is None:
                log.info("mailbox %s: deactivated or deleted; stopping its fetcher", pk)
                self._retire(fetcher, None)
            elif settings_fingerprint(mailbox) != fetcher.fingerprint:
                log.info("mailbox %s: connection settings changed; reconnecting", pk)
                self._retire(fetcher, mailbox)
        for pk, mailbox in wanted.items():
            if pk not in self.fetchers:
                self._start(mailbox)
        if not self.fetchers and not self._said_idle:
            log.info("fetch_mail: no active mailbox to fetch yet; looking again every %.0fs", self.reload_interval)
        self._said_idle = not self.fetchers
        self.reap()

    def reap(self) -> None:
        """Start the successors of threads that have finished stopping."""
        for pk, fetcher in list(self.fetchers.items()):
            if not fetcher.retiring or fetcher.thread.is_alive():
                continue
            successor = fetcher.successor
            if successor is not None and _location(successor) != fetcher.location:
                try:
                    Mailbox.objects.filter(pk=pk).update(uidvalidity=None, last_uid=0)
                except DatabaseError:
                    log.exception("mailbox %s: its UID state could not be reset; trying again", pk)
                    continue
                finally:
                    close_old_connections()
                successor.uidvalidity, successor.last_uid = None, 0
            del self.fetchers[pk]
            if successor is not None:
                self._start(successor)

    def serve(self, stop: threading.Event, *, tick: float = 0.25) -> None:
        """Reconcile every interval until ``stop`` is set; successors start within a tick."""
        next_reload = 0.0
        while not stop.is_set():
            if clock.monotonic() >= next_reload:
                self.reconcile()
                next_reload = clock.monotonic() + self.reload_interval
            else:
                self.reap()
            stop.wait(max(0.0, min(tick, next_reload - clock.monotonic())))

    def shutdown(self, grace: float = 10.0) -> list[int]:
        """Stop every thread, waiting up to ``grace`` seconds in all; the ids still running."""
        for fetcher in self.fetchers.values():
            fetcher.stop.set()
        deadline = clock.monotonic() + grace
        for fetcher in self.fetchers.values():
            fetcher.thread.join(timeout=max(0.0, deadline - clock.monotonic()))
        return sorted(pk for pk, fetcher in self.fetchers.items() if fetcher.thread.is_alive())

    def _retire(self, fetcher: _Fetcher, successor: Mailbox | None) -> None:
        fetcher.retiring = True
        fetcher.successor = successor
        fetcher.stop.set()

    def _start(self, mailbox: Mailbox) -> None:
        stop = threading.Event()
        thread = threading.Thread(
            target=self._thread_main, args=(mailbox, stop), name=f"imap-{mailbox.pk}", daemon=True
        )
        self.fetchers[mailbox.pk] = _Fetcher(settings_fingerprint(mailbox), _location(mailbox), stop, thread)
        log.info("mailbox %s: starting its fetcher", mailbox.pk)
        thread.start()

    def _thread_main(self, mailbox: Mailbox, stop: threading.Event) -> None:
        try:
            self.runner(mailbox, stop)
        except Exception:
            log.exception("mailbox %s: the fetcher crashed", mailbox.pk)
        finally:
            # This thread's own database connection: a pooled one goes back to the pool.
            connections.close_all()
