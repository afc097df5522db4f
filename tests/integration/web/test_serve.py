"""`tessera serve` starts the web server and a task worker in one command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.jobs.models import Job
from tessera.tickets import actions
from tests.e2e.conftest import _free_port, database_url

pytestmark = [pytest.mark.slow]


def test_serve_answers_http_and_its_worker_runs_jobs(transactional_db: Any, desk: dict[str, Any], make_ticket: Any) -> None:
    ticket = make_ticket()
    actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text="Queued for the worker")
    assert Job.objects.exclude(status="SUCCESSFUL").exists()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "TESSERA_EMAIL_URL": "locmem:"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tessera.cli", "serve", "--port", str(port), "--worker", "thread"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        body = b""
        while time.monotonic() < deadline:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2).read()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
                time.sleep(0.3)
        assert b"id_username" in body
        while time.monotonic() < deadline and Job.objects.exclude(status="SUCCESSFUL").exists():
            time.sleep(0.3)
        assert not Job.objects.exclude(status="SUCCESSFUL").exists(), list(Job.objects.values("status", "task_path"))
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
