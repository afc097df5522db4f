"""``tessera fetch_mail``: fetch IMAP mailboxes (once, or IDLE/poll until stopped).

Running, it follows the mailbox settings admins edit: a new active mailbox is fetched, a
deactivated or deleted one stopped, a changed one reconnected, each within
``--reload-interval`` seconds (see :class:`tessera.channels.imap.Supervisor`).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tessera.channels import imap
from tessera.channels.models import Mailbox, MailboxKind

# How long SIGTERM waits for the threads to log out before the process exits anyway (a thread
# stuck connecting to a dead host would otherwise hold it for the whole socket timeout).
STOP_GRACE_SECONDS = 10.0


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
        parser.add_argument(
            "--reload-interval",
            type=float,
            default=30.0,
            help="seconds between looks at the mailbox settings (new, changed, deactivated mailboxes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reload_interval"] <= 0:
            raise CommandError("--reload-interval must be more than 0 seconds")
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

        if options["once"]:
            self._once(list(mailboxes.select_related("department")))
            return

        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        # Without --mailbox an empty table is fine: admins add mailboxes while this runs.
        supervisor = imap.Supervisor(
            mailbox_ids=options["mailbox"],
            reload_interval=options["reload_interval"],
            poll_interval=options["poll_interval"],
            idle_timeout=options["idle_timeout"],
        )
        supervisor.serve(stop)
        left = supervisor.shutdown(STOP_GRACE_SECONDS)
        if left:
            self.stderr.write(f"mailboxes {', '.join(map(str, left))} did not stop in time; exiting anyway")

    def _once(self, chosen: list[Mailbox]) -> None:
        if not chosen:
            raise CommandError("no IMAP mailbox to fetch")
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
