"""The IMAP fetcher against a real Dovecot server."""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from tessera.channels import imap
from tessera.channels.ingest import store_raw
from tessera.channels.models import (
    AfterCommit,
    ImapSecurity,
    InboundStatus,
    Mailbox,
    MailboxKind,
    RawInbound,
)
from tessera.tickets.models import Message, Ticket
from tests.integration.email.conftest import Dovecot, run_jobs

Mail = Callable[..., bytes]


@pytest.fixture
def imap_mailbox(dovecot: Dovecot, support: Any) -> Mailbox:
    user = dovecot.add_user()
    return Mailbox.objects.create(
        name=f"Support IMAP {user}",
        department=support,
        address="support@example.test",
        kind=MailboxKind.IMAP,
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        imap_security=ImapSecurity.PLAIN,
        username=user,
        password="secret",
    )


def seen(flags: str) -> bool:
    return "\\Seen" in flags


@pytest.mark.django_db
def test_fetch_stores_then_flags_seen_and_deletes_nothing(dovecot: Dovecot, imap_mailbox: Mailbox, mail: Mail) -> None:
    for n in range(3):
        dovecot.append(imap_mailbox.username, mail(subject=f"Question {n}", message_id=f"<q{n}@client.test>"))
    report = imap.fetch_once(imap_mailbox)
    assert (report.stored, report.duplicates, report.errors) == (3, 0, 0)
    flags = dovecot.flags(imap_mailbox.username)
    assert len(flags) == 3 and all(seen(f) for f in flags.values())
    assert sorted(u for u in RawInbound.objects.values_list("imap_uid", flat=True) if u is not None) == sorted(flags)
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_uid == max(flags) and imap_mailbox.uidvalidity is not None

    again = imap.fetch_once(imap_mailbox)
    assert (again.stored, again.duplicates) == (0, 0)
    run_jobs()
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Question 0", "Question 1", "Question 2"]


@pytest.mark.django_db
def test_crash_between_store_and_flag_is_absorbed_by_dedup(dovecot: Dovecot, imap_mailbox: Mailbox, mail: Mail) -> None:
    raw = mail(message_id="<crashy@client.test>")
    dovecot.append(imap_mailbox.username, raw)
    # The previous fetcher stored it and died before flagging: the mail is still unseen.
    store_raw(imap_mailbox, raw, uid=1)
    assert not any(seen(f) for f in dovecot.flags(imap_mailbox.username).values())
    report = imap.fetch_once(imap_mailbox)
    assert (report.stored, report.duplicates) == (0, 1)
    assert all(seen(f) for f in dovecot.flags(imap_mailbox.username).values())
    assert RawInbound.objects.count() == 1
    run_jobs()
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_a_broken_mail_does_not_stop_the_others(dovecot: Dovecot, imap_mailbox: Mailbox, mail: Mail) -> None:
    dovecot.append(imap_mailbox.username, mail(subject="Before", message_id="<before@client.test>"))
    dovecot.append(imap_mailbox.username, b"this is not a mail at all\r\n\xff\xfe\x00garbage\r\n")
    dovecot.append(imap_mailbox.username, mail(subject="After", message_id="<after@client.test>"))
    report = imap.fetch_once(imap_mailbox)
    assert (report.stored, report.errors) == (3, 0)
    stats = run_jobs()
    assert stats.failed == 0
    statuses = dict(RawInbound.objects.values_list("imap_uid", "status"))
    assert sorted(statuses.values()) == [InboundStatus.PROCESSED, InboundStatus.PROCESSED, InboundStatus.QUARANTINED]
    broken = RawInbound.objects.get(status=InboundStatus.QUARANTINED)
    assert broken.error
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["After", "Before"]


@pytest.mark.django_db
def test_too_large_mail_is_recorded_from_its_head_and_flagged(
    dovecot: Dovecot, imap_mailbox: Mailbox, mail: Mail, settings: Any
) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAX_INBOUND_EMAIL_BYTES": 4096}
    big = mail(subject="Huge", body="\n".join(["x" * 70] * 200), message_id="<huge@client.test>")
    dovecot.append(imap_mailbox.username, big)
    report = imap.fetch_once(imap_mailbox)
    assert report.too_large == 1
    row = RawInbound.objects.get()
    assert row.status == InboundStatus.QUARANTINED and row.error.startswith("too large")
    assert row.truncated and row.size >= len(big) and row.dedupe_key == "<huge@client.test>"
    assert all(seen(f) for f in dovecot.flags(imap_mailbox.username).values())


@pytest.mark.django_db
def test_move_after_commit(dovecot: Dovecot, imap_mailbox: Mailbox, mail: Mail) -> None:
    dovecot.append(imap_mailbox.username, mail(), folder="Done")  # creates the folder
    dovecot.client(imap_mailbox.username).logout()
    client = dovecot.client(imap_mailbox.username)
    client.select("Done")
    client.uid("STORE", "1", "+FLAGS", r"(\Deleted)")
    client.expunge()
    client.logout()
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(after_commit=AfterCommit.MOVE, move_to_folder="Done")
    imap_mailbox.refresh_from_db()
    dovecot.append(imap_mailbox.username, mail(message_id="<moved@client.test>"))
    assert imap.fetch_once(imap_mailbox).stored == 1
    assert dovecot.flags(imap_mailbox.username) == {}
    assert len(dovecot.flags(imap_mailbox.username, folder="Done")) == 1


@pytest.mark.django_db
def test_mail_read_by_a_person_first_is_still_fetched(dovecot: Dovecot, imap_mailbox: Mailbox, mail: Mail) -> None:
    dovecot.append(imap_mailbox.username, mail(message_id="<early@client.test>"))
    client = dovecot.client(imap_mailbox.username)
    client.select("INBOX")
    client.uid("STORE", "1", "+FLAGS", r"(\Seen)")
    client.logout()
    assert imap.fetch_once(imap_mailbox).stored == 1


@pytest.mark.django_db
def test_uidvalidity_change_rescans_and_dedup_absorbs_it(dovecot: Dovecot, imap_mailbox: Mailbox, mail: Mail) -> None:
    for n in range(2):
        dovecot.append(imap_mailbox.username, mail(message_id=f"<v{n}@client.test>"))
    imap.fetch_once(imap_mailbox)
    imap_mailbox.refresh_from_db()
    real = imap_mailbox.uidvalidity
    # As if the server had renumbered the folder since our last visit.
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(uidvalidity=1, last_uid=999)
    imap_mailbox.refresh_from_db()
    report = imap.fetch_once(imap_mailbox)
    assert (report.stored, report.duplicates) == (0, 2)
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.uidvalidity == real and imap_mailbox.last_uid == 2
    assert RawInbound.objects.count() == 2


@pytest.mark.django_db
def test_fetch_mail_command_once(dovecot: Dovecot, imap_mailbox: Mailbox, mail: Mail, capsys: Any) -> None:
    dovecot.append(imap_mailbox.username, mail())
    call_command("fetch_mail", "--mailbox", str(imap_mailbox.pk), "--once")
    assert "stored=1" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_run_uses_idle_and_picks_up_new_mail(dovecot: Dovecot, imap_mailbox: Mailbox, mail: Mail) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=imap.run, args=(imap_mailbox, stop), kwargs={"idle_timeout": 5.0}, daemon=True)
    thread.start()
    try:
        client = imap.connect(imap_mailbox)
        assert imap.supports_idle(client)
        client.logout()
        clock.sleep(0.5)  # Let it reach IDLE; the mail below then arrives during IDLE.
        dovecot.append(imap_mailbox.username, mail(message_id="<idle@client.test>"))
        deadline = clock.monotonic() + 30
        while not RawInbound.objects.filter(dedupe_key="<idle@client.test>").exists():
            assert clock.monotonic() < deadline, "the IDLE loop did not fetch the new mail"
            clock.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
