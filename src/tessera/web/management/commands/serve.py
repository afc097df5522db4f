"""``tessera serve``: the web server (ASGI: pages, API, websockets) and a task worker together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Tessera over HTTP and run a background task worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=1)
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start a task worker (run `tessera worker` elsewhere)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        worker: subprocess.Popen[bytes] | None = None
        if not options["no_worker"]:
            # The worker is its own process so a long job never stalls a request, and so it can
            # be killed and restarted without taking the web server down.
            worker = subprocess.Popen(
                [sys.executable, "-m", "tessera.cli", "worker"], env=os.environ.copy()
            )
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Tessera is running at {url}"))
        self.stdout.write(f"  API documentation: {url}api/v1/docs")
        self.stdout.write(f"  database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
        try:
            uvicorn.run(
                "tessera.asgi:application",
                host=options["host"],
                port=options["port"],
                workers=options["web_workers"],
                log_level="info",
                lifespan="off",
            )
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
