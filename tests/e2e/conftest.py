"""A real ASGI server (uvicorn, websockets included) and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    from django.db import connection

    d = connection.settings_dict
    if connection.vendor == "postgresql":
        user = d.get("USER") or "postgres"
        return f"postgres://{user}@{d.get('HOST') or '127.0.0.1'}:{d.get('PORT') or 5432}/{d['NAME']}"
    return f"sqlite:///{d['NAME']}"


@pytest.fixture
def asgi_server(transactional_db: Any) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TESSERA_SITE_URL": f"http://127.0.0.1:{port}",
        # Tests change tickets and look at the list within seconds: no cached counts.
        "TESSERA_LIST_COUNTS_SECONDS": "0",
        # Mailbox tests point at the fixtures' Dovecot on loopback.
        "TESSERA_MAIL_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # The product's own command: uvicorn serving pages, API and websockets, with the task
    # worker as a thread of the same process.
    process = subprocess.Popen(
        [sys.executable, "-m", "tessera.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--worker", "thread"],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the ASGI server did not start") from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for_jobs(timeout: float = 30) -> None:
    """Until the server's worker has drained the queue (search index, deliveries, rules)."""
    from tessera.jobs.models import Job

    deadline = time.monotonic() + timeout
    while Job.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists():
        if time.monotonic() > deadline:
            raise AssertionError("jobs still pending: the server's worker is not running them")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does, as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def login(context: Any, url: str, username: str, password: str) -> Any:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (errors.append("dialog: " + dialog.message), dialog.dismiss()))
    page.js_errors = errors
    page.goto(url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/**")
    return page


__all__ = ["login", "shutil"]


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """The server runs in another process with the real hashers: keep real hashes here."""
