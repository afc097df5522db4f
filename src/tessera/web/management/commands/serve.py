"""``tessera serve``: the web server (ASGI: pages, API, websockets) and a task worker together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
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
            "--worker",
            choices=["thread", "process", "none"],
            default="thread",
            help="Run the task worker in this process (thread, the embedded default), as a child "
            "process, or not at all (run `tessera worker` elsewhere).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        worker: subprocess.Popen[bytes] | None = None
        stop = threading.Event()
        if options["worker"] == "process":
            worker = subprocess.Popen([sys.executable, "-m", "tessera.cli", "worker"], env=os.environ.copy())
        elif options["worker"] == "thread":
            from tessera.jobs.worker import run_worker

            threading.Thread(target=run_worker, kwargs={"stop": stop}, name="tessera-worker", daemon=True).start()
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
            stop.set()
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
