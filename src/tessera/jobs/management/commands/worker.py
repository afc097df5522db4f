"""``tessera worker``: run background jobs from the database queue."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tessera.jobs.worker import run_worker


class Command(BaseCommand):
    help = "Run background jobs (and enqueue due periodic jobs) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queues",
            default="",
            help="comma-separated queue names (default: every queue of the backend)",
        )
        parser.add_argument("--concurrency", type=int, default=1, help="jobs run at once (threads)")
        parser.add_argument(
            "--burst", action="store_true", help="exit once no job is due instead of waiting"
        )
        parser.add_argument("--once", action="store_true", help="run at most one job (per thread)")
        parser.add_argument(
            "--lease-seconds",
            type=float,
            default=None,
            help="how long a claim lasts if this worker dies (default: backend OPTIONS)",
        )
        parser.add_argument(
            "--poll-interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="do not enqueue periodic jobs from this worker",
        )
        parser.add_argument("--backend", default="default", help="TASKS alias")

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()]
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            # Finish the jobs in hand, then exit: a killed job would only wait for its lease.
            stop.set()

        previous = {
            signum: signal.signal(signum, request_stop)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            stats = run_worker(
                queues=queues or None,
                concurrency=options["concurrency"],
                burst=options["burst"],
                once=options["once"],
                lease_seconds=options["lease_seconds"],
                poll_interval=options["poll_interval"],
                scheduler=not options["no_scheduler"],
                backend_alias=options["backend"],
                stop=stop,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            # call_command() from a test or a shell must not leave our handlers behind.
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(
            f"claimed={stats.claimed} succeeded={stats.succeeded} retried={stats.retried} "
            f"failed={stats.failed} lost={stats.lost} scheduled={stats.scheduled}"
        )
