"""Webhooks: refused for loopback and private ranges unless allowed; signed; retried; logged."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tessera.rules import webhooks
from tessera.rules.models import WebhookCall, WebhookStatus


class _Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = 0


@pytest.fixture
def receiver() -> Iterator[tuple[str, _Receiver]]:
    state = _Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            status = 500 if state.fail_first > 0 else 200
            state.fail_first -= 1
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook",
    "http://localhost:9/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://172.16.5.5/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]:9/hook",
    "http://[fc00::1]/hook",
    "http://224.0.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::ffff:127.0.0.1]/hook",
])
def test_private_destinations_are_refused(
    desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any, settings: Any, url: str
) -> None:
    settings.TESSERA_WEBHOOK_ALLOWED_NETWORKS = []
    make_rule({"name": "Hook", "events": ["ticket_created"], "actions": [{"type": "webhook", "url": url}]})
    make_ticket()
    drain()
    call = WebhookCall.objects.get()
    assert call.status == WebhookStatus.REFUSED
    assert "not a public address" in call.last_error
    assert call.attempts == 1


def test_allowlisted_receiver_gets_a_signed_payload(
    desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any, settings: Any, receiver: tuple[str, _Receiver]
) -> None:
    url, state = receiver
    settings.TESSERA_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.TESSERA_WEBHOOK_SECRET = "s3cret"
    make_rule({"name": "CRM sync", "events": ["ticket_created"],
               "actions": [{"type": "webhook", "url": url + "/tessera?x=1", "headers": {"X-Api-Key": "abc"}}]})
    ticket = make_ticket(subject="Zgłoszenie ąę")
    drain()
    call = WebhookCall.objects.get()
    assert (call.status, call.response_status, call.attempts) == (WebhookStatus.SENT, 200, 1)
    [request] = state.requests
    assert request["path"] == "/tessera?x=1"
    headers = request["headers"]
    assert headers["X-Api-Key"] == "abc"
    expected = hmac.new(b"s3cret", headers["X-Tessera-Timestamp"].encode() + b"." + request["body"], hashlib.sha256)
    assert headers["X-Tessera-Signature"] == "sha256=" + expected.hexdigest()
    assert f'"number": {ticket.number}' in request["body"].decode()
    assert "Zgłoszenie ąę" in request["body"].decode()


def test_a_failing_receiver_is_retried_through_the_job_queue(
    desk: dict[str, Any], make_ticket: Any, make_rule: Any, drain: Any, settings: Any, receiver: tuple[str, _Receiver]
) -> None:
    from datetime import timedelta

    from tessera.core import time
    from tessera.jobs.models import Job

    url, state = receiver
    state.fail_first = 1
    settings.TESSERA_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    make_rule({"name": "Flaky", "events": ["ticket_created"], "actions": [{"type": "webhook", "url": url}]})
    make_ticket()
    drain()
    call = WebhookCall.objects.get()
    assert (call.status, call.attempts, call.last_error) == (WebhookStatus.PENDING, 1, "HTTP 500")
    retry = Job.objects.get(task_path="tessera.rules.tasks.send_webhook", status="READY")
    assert retry.run_after > time.now() + timedelta(seconds=10)
    Job.objects.filter(pk=retry.pk).update(run_after=time.now())
    drain()
    call.refresh_from_db()
    assert (call.status, call.attempts) == (WebhookStatus.SENT, 2)
    assert len(state.requests) == 2


def test_every_resolved_address_must_be_public(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.TESSERA_WEBHOOK_ALLOWED_NETWORKS = []

    def fake_getaddrinfo(host: str, port: int, **kwargs: Any) -> list[Any]:
        return [(2, 1, 6, "", ("93.184.216.34", port)), (2, 1, 6, "", ("10.0.0.5", port))]

    # A DNS answer mixing a public and a private address (rebinding set-up) is refused whole.
    monkeypatch.setattr("tessera.core.netguard.socket.getaddrinfo", fake_getaddrinfo)
    with pytest.raises(webhooks.WebhookRefused):
        webhooks.resolve("mixed.example", 443)
