"""Tessera under a real ASGI server (uvicorn, N workers, loopback only), stopped by its PID."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from types import TracebackType
from typing import IO

from bench.paths import VENV, WORK


def tessera_env(database_url: str) -> dict[str, str]:
    """The environment of a Tessera process the suite starts (server, worker).

    Mail goes to Django's in-memory backend: the messages are built as for an SMTP relay, and
    the suite measures Tessera, not a mail server.
    """
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        TESSERA_SECRET_KEY="bench-" + "s" * 40,
        TESSERA_DEBUG="false",
        TESSERA_DATA_DIR=str(WORK / "data"),
        TESSERA_EMAIL_URL="locmem:",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


class Uvicorn:
    def __init__(self, database_url: str, *, port: int, workers: int) -> None:
        self.database_url, self.port, self.workers = database_url, port, workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return tessera_env(self.database_url)

    def __enter__(self) -> Uvicorn:
        WORK.mkdir(parents=True, exist_ok=True)
        self.log = open(WORK / "uvicorn.log", "ab")
        self.proc = subprocess.Popen(
            [
                str(VENV / "bin" / "uvicorn"), "tessera.asgi:application",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(self.workers), "--no-access-log", "--log-level", "info",
            ],
            env=self.env(), stdout=self.log, stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.proc.returncode}; see {WORK / 'uvicorn.log'}")
            try:
                with urllib.request.urlopen(self.base + "/api/v1/openapi.json", timeout=2) as r:  # noqa: S310 - our own http:// URL
                    if r.status == 200:
                        # Each worker imports Django lazily on its first request; touch them all.
                        for _ in range(self.workers * 4):
                            urllib.request.urlopen(self.base + "/api/v1/openapi.json", timeout=10).close()  # noqa: S310
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("uvicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()
            self.log = None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def wait_port_free(port: int, timeout: float = 30) -> None:
    """Give a stopped server's socket time to close before the next one binds."""
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.2)

