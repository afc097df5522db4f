"""``tessera fetch_mail``: fetch IMAP mailboxes (once, or IDLE/poll until stopped)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tessera.channels import imap
from tessera.channels.models import Mailbox, MailboxKind


class Command(BaseCommand):
    help = "Fetch mail from IMAP mailboxes into tickets (stored first, flagged after the commit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mailbox",
            type=int,
            action="append",
            help="mailbox id (repeatable; default: all active IMAP mailboxes)",
        )
        parser.add_argument("--once", action="store_true", help="fetch what is there and exit")
        parser.add_argument(
            "--poll-interval", type=float, default=60.0, help="seconds between polls without IDLE"
        )
        parser.add_argument(
            "--idle-timeout", type=float, default=300.0, help="longest IDLE before re-checking"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        mailboxes = Mailbox.objects.filter(kind=MailboxKind.IMAP)
        if options["mailbox"]:
            mailboxes = mailboxes.filter(pk__in=options["mailbox"])
            missing = set(options["mailbox"]) - set(mailboxes.values_list("pk", flat=True))
            if missing:
                raise CommandError(
                    f"no IMAP mailbox with id {', '.join(map(str, sorted(missing)))}"
                )
        else:
            mailboxes = mailboxes.filter(is_active=True)
        chosen = list(mailboxes.select_related("department"))
        if not chosen:
            raise CommandError("no IMAP mailbox to fetch")

        if options["once"]:
            failed = False
            for mailbox in chosen:
                try:
                    report = imap.fetch_once(mailbox)
                except Exception as exc:
                    failed = True
                    self.stderr.write(f"{mailbox.name}: {type(exc).__name__}: {exc}")
                    continue
                self.stdout.write(
                    f"{mailbox.name}: stored={report.stored} duplicates={report.duplicates} "
                    f"too_large={report.too_large} errors={report.errors}"
                )
            if failed:
                raise CommandError("some mailboxes could not be fetched")
            return

        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        threads = [
            threading.Thread(
                target=imap.run,
                args=(mailbox, stop),
                kwargs={
                    "poll_interval": options["poll_interval"],
                    "idle_timeout": options["idle_timeout"],
                },
                name=f"imap-{mailbox.pk}",
                daemon=True,
            )
            for mailbox in chosen
        ]
        for thread in threads:
            thread.start()
        while not stop.wait(0.5):
            pass
        for thread in threads:
            thread.join(timeout=10)
