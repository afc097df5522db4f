"""``tessera smtp_server``: an SMTP/LMTP listener for a mail server to deliver inbound mail to."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tessera.channels.smtpd import serve


class Command(BaseCommand):
    help = "Listen for inbound mail (SMTP or LMTP); answers 250 only after the mail is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8025, help="port to listen on")
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"listening on {options['host']}:{options['port']}")
        serve(options["host"], options["port"], lmtp=options["lmtp"], stop=stop)
