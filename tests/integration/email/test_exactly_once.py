"""Exactly-once ingestion while the fetcher, the listener and the workers are SIGKILLed.

Messages go in through Dovecot (IMAP APPEND) and through the SMTP listener (smtplib, retrying
until it gets 250, as a sending MTA does). Meanwhile a chaos thread SIGKILLs a random one of
the fetcher, the listener and two workers at random moments and starts it again. At the end
every message must be stored exactly once and be exactly one ticket message.

``TESSERA_EXACTLY_ONCE_MESSAGES`` scales it down for a quick run (default 1000).
Deadlines only stop a hung test; nothing asserts how fast anything was.
"""

from __future__ import annotations

import imaplib
import os
import random
import signal
import smtplib
import subprocess
import sys
import threading
import time as clock
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tessera.channels.models import ImapSecurity, InboundStatus, Mailbox, MailboxKind, RawInbound
from tessera.tickets.models import Message, Ticket
from tests.integration.email.conftest import (
    Dovecot,
    die_with_parent,
    free_port,
    make_mail,
    wait_for_port,
)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(int(os.environ.get("TESSERA_EXACTLY_ONCE_DEADLINE", "2400")) + 600),
]

REPO_ROOT = Path(__file__).resolve().parents[3]
MESSAGES = int(os.environ.get("TESSERA_EXACTLY_ONCE_MESSAGES", "1000"))
MIN_KILLS = max(10, MESSAGES // 50)
DEADLINE = float(os.environ.get("TESSERA_EXACTLY_ONCE_DEADLINE", "2400"))
# A line each process logs once it is up and connected; the chaos only kills processes that
# got that far, or a loaded machine would keep killing processes that never started working.
READY = {"fetcher": b"IMAP mailbox", "smtp": b"listener on", "worker0": b"worker started", "worker1": b"worker started"}


def database_url() -> str:
    """pytest-django's ``test_<name>`` database, for the subprocesses."""
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Fleet:
    """Named subprocesses that can be killed and started again."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.commands: dict[str, list[str]] = {}
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.kills: dict[str, int] = {}
        self.log_offsets: dict[str, int] = {}
        self.ready_at: dict[str, float] = {}
        self.env = dict(os.environ)
        self.env.update(
            DATABASE_URL=database_url(),
            PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "src")]),
            TESSERA_DEBUG="false",
            TESSERA_SECRET_KEY=settings.SECRET_KEY,
            TESSERA_DATA_DIR=str(tmp_path / "data"),
        )

    def add(self, name: str, *args: str) -> None:
        self.commands[name] = [sys.executable, "-m", "tessera.cli", *args]
        self.kills[name] = 0
        self.start(name)

    def start(self, name: str) -> None:
        path = self.tmp_path / f"{name}.log"
        self.log_offsets[name] = path.stat().st_size if path.exists() else 0
        self.ready_at.pop(name, None)
        log = path.open("ab")
        self.running[name] = subprocess.Popen(
            self.commands[name], env=self.env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
        log.close()

    def up_for(self, name: str) -> float:
        """Seconds since the process said it was up and connected (0 before that)."""
        if self.running[name].poll() is not None:
            return 0.0
        if name not in self.ready_at:
            with (self.tmp_path / f"{name}.log").open("rb") as handle:
                handle.seek(self.log_offsets[name])
                if READY[name] not in handle.read():
                    return 0.0
            self.ready_at[name] = clock.monotonic()
        return clock.monotonic() - self.ready_at[name]

    def kill(self, name: str) -> None:
        process = self.running[name]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            self.kills[name] += 1
        process.wait(timeout=30)

    def ensure_running(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                self.start(name)

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    started = Fleet(tmp_path)
    yield started
    started.stop_all()


def send_by_smtp(port: int, raw: bytes, stop: threading.Event) -> int:
    """Deliver like an MTA: retry until the listener says 250. Returns the attempts made."""
    attempts = 0
    while not stop.is_set():
        attempts += 1
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.sendmail("customer@example.org", ["inbound@example.test"], raw)
            return attempts
        except (OSError, smtplib.SMTPException):
            clock.sleep(0.05)
    raise AssertionError("gave up sending")


def test_every_message_is_stored_exactly_once_under_sigkill(
    dovecot: Dovecot, fleet: Fleet, support: Any
) -> None:
    user = dovecot.add_user()
    imap_box = Mailbox.objects.create(
        name="IMAP", department=support, address="support@example.test", kind=MailboxKind.IMAP,
        imap_host=dovecot.host, imap_port=dovecot.port, imap_security=ImapSecurity.PLAIN,
        username=user, password="secret",
    )
    Mailbox.objects.create(name="SMTP", department=support, address="inbound@example.test", kind=MailboxKind.SMTP)
    smtp_port = free_port()

    fleet.add("fetcher", "fetch_mail", "--mailbox", str(imap_box.pk), "--idle-timeout", "1", "--poll-interval", "0.5")
    fleet.add("smtp", "smtp_server", "--host", "127.0.0.1", "--port", str(smtp_port))
    for n in range(2):
        # With the scheduler, a worker imports every tasks module (the parser too) before it
        # reports itself started.
        fleet.add(f"worker{n}", "worker", "--poll-interval", "0.1", "--lease-seconds", "3")
    wait_for_port(smtp_port, "the SMTP listener")

    rng = random.Random(os.environ.get("TESSERA_CHAOS_SEED", "5"))
    mails = {
        i: make_mail(
            sender=f"Khách hàng {i % 37} <customer{i % 37}@example.org>",
            to="support@example.test" if i % 2 == 0 else "inbound@example.test",
            subject=f"Exactly once {i}",
            body=f"Message {i}: xin chào, dzień dobry, สวัสดีครับ.",
            message_id=f"<eo-{i}@client.test>",
        ).replace(b"\n", b"\r\n")
        for i in range(MESSAGES)
    }
    stop = threading.Event()
    errors: list[BaseException] = []
    smtp_attempts: list[int] = []

    def imap_sender() -> None:
        try:
            client = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=30)
            client.login(user, "secret")
            for i in range(0, MESSAGES, 2):
                typ, data = client.append("INBOX", "", imaplib.Time2Internaldate(clock.time()), mails[i])
                assert typ == "OK", data
            client.logout()
        except BaseException as exc:
            errors.append(exc)

    def smtp_sender() -> None:
        try:
            for i in range(1, MESSAGES, 2):
                smtp_attempts.append(send_by_smtp(smtp_port, mails[i], stop))
        except BaseException as exc:
            errors.append(exc)

    senders = [threading.Thread(target=imap_sender), threading.Thread(target=smtp_sender)]
    for thread in senders:
        thread.start()

    end = clock.monotonic() + DEADLINE
    names = list(fleet.commands)
    def processed_share() -> float:
        done = RawInbound.objects.exclude(status=InboundStatus.PENDING).count()
        return done / MESSAGES

    # Kill while mail arrives and while most of it is being processed, and at least MIN_KILLS
    # times in all.
    while (
        any(t.is_alive() for t in senders)
        or sum(fleet.kills.values()) < MIN_KILLS
        or processed_share() < 0.8
    ):
        assert clock.monotonic() < end, "chaos phase did not finish"
        clock.sleep(rng.uniform(0.2, 1.5))
        fleet.ensure_running()
        # Each victim has worked for a random while: some die mid-job, none before their first.
        candidates = [name for name in names if fleet.up_for(name) > rng.uniform(0.5, 5.0)]
        if not candidates:
            continue
        victim = rng.choice(candidates)
        fleet.kill(victim)
        fleet.start(victim)
    for thread in senders:
        thread.join()
    assert not errors, errors

    # Calm: everything runs until every mail is stored and processed.
    def settled() -> bool:
        fleet.ensure_running()
        return (
            RawInbound.objects.count() >= MESSAGES
            and not RawInbound.objects.filter(status=InboundStatus.PENDING).exists()
        )

    while not settled():
        assert clock.monotonic() < end, (
            f"not settled: {RawInbound.objects.count()} stored, "
            f"{RawInbound.objects.filter(status=InboundStatus.PENDING).count()} pending"
        )
        clock.sleep(0.5)

    expected = {f"<eo-{i}@client.test>" for i in range(MESSAGES)}
    keys = list(RawInbound.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == MESSAGES and set(keys) == expected
    assert set(RawInbound.objects.values_list("status", flat=True)) == {InboundStatus.PROCESSED}
    external_ids = list(Message.objects.values_list("external_id", flat=True))
    assert len(external_ids) == MESSAGES and set(external_ids) == expected
    assert Ticket.objects.count() == MESSAGES
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == sorted(f"Exactly once {i}" for i in range(MESSAGES))
    flags = dovecot.flags(user)
    assert len(flags) == MESSAGES // 2 + MESSAGES % 2 and all("\\Seen" in f for f in flags.values())
    assert sum(fleet.kills.values()) >= MIN_KILLS
    print(f"kills={fleet.kills} smtp_retries={sum(smtp_attempts) - len(smtp_attempts)}")
