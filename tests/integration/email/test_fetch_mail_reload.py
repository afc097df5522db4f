"""``tessera fetch_mail`` follows the mailbox table while it runs, against the real Dovecot.

The fetcher runs as a real subprocess on the test database; the test edits mailboxes the way
the admin settings page does (ORM saves) and watches what gets stored and how the IMAP
sessions end. Every wait has a deadline far below the IDLE timeout the fetcher is given, so an
IDLE that held up a reload would fail the test.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time as clock
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tessera.channels import imap
from tessera.channels.models import ImapSecurity, Mailbox, MailboxKind, RawInbound
from tests.integration.email.conftest import Dovecot, die_with_parent, make_mail

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO_ROOT = Path(__file__).resolve().parents[3]
RELOAD = 1.0
# Far above every deadline below: only the reload bound can make the fetcher react in time.
IDLE_TIMEOUT = "600"
DEADLINE = 30.0


def database_url() -> str:
    """The test database, for the subprocess (SQLite's test database is a file)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Fetcher:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_log(self, pattern: str, after: int = 0) -> None:
        wait_until(lambda: re.search(pattern, self.output()[after:]) is not None, f"log line {pattern!r}", self)


@pytest.fixture
def start_fetcher(tmp_path: Path) -> Iterator[Callable[..., Fetcher]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> Fetcher:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url(),
            PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "src")]),
            TESSERA_DEBUG="false",
            TESSERA_SECRET_KEY=settings.SECRET_KEY,  # The same key decrypts the mailbox passwords.
            TESSERA_DATA_DIR=str(tmp_path / "data"),
        )
        log = tmp_path / f"fetcher-{len(started)}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "tessera.cli", "fetch_mail", "--reload-interval", str(RELOAD),
                 "--idle-timeout", IDLE_TIMEOUT, *args],
                env=env, cwd=REPO_ROOT, stdout=handle, stderr=subprocess.STDOUT, preexec_fn=die_with_parent,
            )
        started.append(process)
        return Fetcher(process, log)

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def wait_until(
    predicate: Callable[[], bool], what: str, fetcher: Fetcher | None = None, dovecot: Dovecot | None = None
) -> None:
    end = clock.monotonic() + DEADLINE
    while not predicate():
        if clock.monotonic() > end:
            tail = fetcher.output()[-3000:] if fetcher else ""
            server = (dovecot.root / "dovecot.log").read_text(errors="replace")[-8000:] if dovecot else ""
            raise AssertionError(
                f"timed out waiting for {what}\n--- fetcher log ---\n{tail}\n--- Dovecot log ---\n{server}"
            )
        clock.sleep(0.1)


def stored(message_id: str) -> bool:
    return RawInbound.objects.filter(dedupe_key=message_id).exists()


def imap_mailbox(dovecot: Dovecot, support: Any, user: str, **fields: Any) -> Mailbox:
    return Mailbox.objects.create(
        name=f"IMAP {user}", department=support, address="support@example.test", kind=MailboxKind.IMAP,
        imap_host=dovecot.host, imap_port=dovecot.port, imap_security=ImapSecurity.PLAIN,
        username=user, password="secret", **fields,
    )


def sessions(dovecot: Dovecot, user: str) -> tuple[int, list[str]]:
    """(sessions of ``user`` that logged in, those not ended by a LOGOUT: open or dropped)."""
    text = (dovecot.root / "dovecot.log").read_text(errors="replace")
    started = re.findall(rf"imap-login: \S+ Login: user=<{user}>,.*session=<([^>]+)>", text)
    ended = dict(re.findall(rf"imap\({user}\)<\d+><([^>]+)>: \S+ Disconnected: (.*)", text))
    unclean = [f"{sid}: {ended.get(sid, 'still open')}" for sid in started if not ended.get(sid, "").startswith("Logged out")]
    return len(started), unclean


def all_logged_out(dovecot: Dovecot, user: str) -> bool:
    return not sessions(dovecot, user)[1]


def test_fetcher_follows_new_changed_and_deactivated_mailboxes(
    dovecot: Dovecot, support: Any, start_fetcher: Callable[..., Fetcher]
) -> None:
    fetcher = start_fetcher()
    # An empty table is no reason to stop: the admin has not added the mailbox yet.
    fetcher.wait_for_log("no active mailbox to fetch yet")
    assert fetcher.process.poll() is None

    # A mailbox added while it runs is fetched.
    user = dovecot.add_user()
    dovecot.append(user, make_mail(message_id="<new-box@client.test>"))
    mailbox = imap_mailbox(dovecot, support, user)
    wait_until(lambda: stored("<new-box@client.test>"), "the new mailbox's mail", fetcher)
    wait_until(lambda: all("\\Seen" in f for f in dovecot.flags(user).values()), "the mail flagged after storing", fetcher)

    # A second mailbox added later, beside the first.
    other_user = dovecot.add_user()
    imap_mailbox(dovecot, support, other_user)
    dovecot.append(other_user, make_mail(message_id="<second-box@client.test>"))
    wait_until(lambda: stored("<second-box@client.test>"), "the second mailbox's mail", fetcher)

    # The folder changes: the mail of the new folder is fetched, INBOX is left alone.
    dovecot.append(user, make_mail(message_id="<archive-1@client.test>"), folder="Archive")
    mailbox.folder = "Archive"
    mailbox.save()
    wait_until(lambda: stored("<archive-1@client.test>"), "the new folder's mail", fetcher)
    dovecot.append(user, make_mail(message_id="<inbox-after@client.test>"))
    dovecot.append(user, make_mail(message_id="<archive-2@client.test>"), folder="Archive")
    wait_until(lambda: stored("<archive-2@client.test>"), "later mail in the new folder", fetcher)
    assert not stored("<inbox-after@client.test>")

    # Wrong credentials: it reconnects with them (and says so on the mailbox) ...
    mailbox.password = "not-the-password"
    mailbox.save()
    wait_until(
        lambda: "AUTHENTICATIONFAILED" in Mailbox.objects.get(pk=mailbox.pk).last_error
        or "uthentication failed" in Mailbox.objects.get(pk=mailbox.pk).last_error,
        "the login with the new password to fail", fetcher,
    )
    # ... and the right ones again bring the fetching back, without a restart.
    dovecot.append(user, make_mail(message_id="<archive-3@client.test>"), folder="Archive")
    mailbox.password = "secret"
    mailbox.save()
    wait_until(lambda: stored("<archive-3@client.test>"), "mail after the password was fixed", fetcher)

    # Deactivated: its session ends with a LOGOUT and nothing more is fetched.
    offset = len(fetcher.output())
    Mailbox.objects.filter(pk=mailbox.pk).update(is_active=False)
    fetcher.wait_for_log(rf"mailbox {mailbox.pk}: deactivated or deleted", after=offset)
    wait_until(lambda: all_logged_out(dovecot, user), "the deactivated mailbox's session to log out", fetcher, dovecot=dovecot)
    dovecot.append(user, make_mail(message_id="<after-stop@client.test>"), folder="Archive")
    clock.sleep(RELOAD * 4)
    assert not stored("<after-stop@client.test>")
    assert all_logged_out(dovecot, user)
    # The other mailbox goes on.
    dovecot.append(other_user, make_mail(message_id="<second-box-2@client.test>"))
    wait_until(lambda: stored("<second-box-2@client.test>"), "the remaining mailbox's mail", fetcher)

    # Deleted (with its stored mail, as an admin clearing a test mailbox would).
    offset = len(fetcher.output())
    second = Mailbox.objects.get(username=other_user)
    second_pk = second.pk
    RawInbound.objects.filter(mailbox=second).delete()
    second.delete()
    fetcher.wait_for_log(rf"mailbox {second_pk}: deactivated or deleted", after=offset)
    wait_until(lambda: all_logged_out(dovecot, other_user), "the deleted mailbox's session to log out", fetcher, dovecot=dovecot)

    # Made active again: fetching resumes where it stopped.
    Mailbox.objects.filter(pk=mailbox.pk).update(is_active=True)
    wait_until(lambda: stored("<after-stop@client.test>"), "mail of the reactivated mailbox", fetcher)
    assert not stored("<inbox-after@client.test>")

    # SIGTERM while in IDLE (600 s timeout): out promptly, logged out.
    clock.sleep(1.0)
    began = clock.monotonic()
    fetcher.process.send_signal(signal.SIGTERM)
    assert fetcher.process.wait(timeout=15) == 0
    assert clock.monotonic() - began < 5.0, fetcher.output()[-3000:]
    wait_until(lambda: all_logged_out(dovecot, user), "the last session to log out", dovecot=dovecot)
    # The only errors were the refused logins with the wrong password; no thread died.
    output = fetcher.output()
    assert output.count("Traceback") == output.count("[AUTHENTICATIONFAILED]") >= 1, output[-3000:]
    assert "ended unexpectedly" not in output and "crashed" not in output


def test_a_crashed_fetcher_thread_is_started_again(dovecot: Dovecot, support: Any) -> None:
    user = dovecot.add_user()
    mailbox = imap_mailbox(dovecot, support, user)
    calls: list[int] = []

    def crash_first(box: Mailbox, stop: threading.Event) -> None:
        calls.append(box.pk)
        if len(calls) == 1:
            raise RuntimeError("a bug in the fetcher")
        imap.run(box, stop, idle_timeout=600)

    supervisor = imap.Supervisor(reload_interval=0.5, runner=crash_first)
    stop = threading.Event()
    serving = threading.Thread(target=supervisor.serve, args=(stop,), daemon=True)
    serving.start()
    try:
        dovecot.append(user, make_mail(message_id="<after-crash@client.test>"))
        wait_until(lambda: stored("<after-crash@client.test>"), "the restarted thread to fetch")
        assert calls == [mailbox.pk, mailbox.pk]
    finally:
        stop.set()
        serving.join(timeout=10)
        assert supervisor.shutdown(grace=10) == []
    wait_until(lambda: all_logged_out(dovecot, user), "the session to log out", dovecot=dovecot)


def test_a_thread_returning_without_being_asked_is_started_again(dovecot: Dovecot, support: Any) -> None:
    mailbox = imap_mailbox(dovecot, support, dovecot.add_user())
    runs = threading.Semaphore(0)

    def returns_at_once(box: Mailbox, stop: threading.Event) -> None:
        runs.release()

    supervisor = imap.Supervisor(reload_interval=0.2, runner=returns_at_once)
    stop = threading.Event()
    serving = threading.Thread(target=supervisor.serve, args=(stop,), daemon=True)
    serving.start()
    try:
        for _ in range(3):
            assert runs.acquire(timeout=DEADLINE)
    finally:
        stop.set()
        serving.join(timeout=10)
    assert list(supervisor.fetchers) in ([], [mailbox.pk])


def test_a_stop_interrupts_idle_at_once(dovecot: Dovecot, support: Any) -> None:
    user = dovecot.add_user()
    mailbox = imap_mailbox(dovecot, support, user)
    stop = threading.Event()
    thread = threading.Thread(target=imap.run, args=(mailbox, stop), kwargs={"idle_timeout": 600}, daemon=True)
    thread.start()
    wait_until(lambda: sessions(dovecot, user)[0] >= 1 and Mailbox.objects.get(pk=mailbox.pk).last_polled_at is not None, "the first drain")
    clock.sleep(0.5)  # Into IDLE.
    began = clock.monotonic()
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert clock.monotonic() - began < 3.0
    wait_until(lambda: all_logged_out(dovecot, user), "the session to log out", dovecot=dovecot)


def test_fetch_mail_refuses_a_zero_reload_interval() -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="reload-interval"):
        call_command("fetch_mail", "--reload-interval", "0")
