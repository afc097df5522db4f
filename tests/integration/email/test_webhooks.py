"""Provider inbound webhooks: payloads shaped like Mailgun's and SendGrid's, signatures real."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time as clock
from typing import Any

import pytest
from django.test import Client

from tessera.channels.models import Mailbox, RawInbound
from tessera.jobs.worker import run_worker
from tessera.tickets.models import Message

pytestmark = pytest.mark.django_db

KEY = "key-0123456789abcdef"
RAW = (
    "From: =?utf-8?b?TmfDtCBUaOG7iyBMYW4=?= <lan@khach.example>\r\n"
    "To: support@example.test\r\n"
    "Subject: =?utf-8?q?H=C3=B3a_=C4=91=C6=A1n_sai?=\r\n"
    "Message-ID: <webhook-1@khach.example>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "Hóa đơn tháng này bị tính sai.\r\n"
)


@pytest.fixture
def mailbox(desk: dict[str, Any], settings: Any) -> Mailbox:
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": KEY, "WEBHOOK_SECRET": "hook:s3cret"}
    return Mailbox.objects.create(name="Provider", department=desk["support"], address="support@example.test", kind="webhook")


def mailgun_payload(*, key: str = KEY, raw: str = RAW) -> dict[str, str]:
    timestamp, token = str(int(clock.time())), "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "body-mime": raw, "sender": "lan@khach.example", "recipient": "support@example.test",
        "timestamp": timestamp, "token": token, "signature": signature,
    }


AUTH = "Basic " + base64.b64encode(b"hook:s3cret").decode()


def test_mailgun_mail_is_stored_once_and_becomes_a_ticket(mailbox: Mailbox) -> None:
    # With a webhook secret set, anymail wants both Mailgun's signature and the basic auth.
    client = Client(HTTP_AUTHORIZATION=AUTH)
    payload = mailgun_payload()
    assert client.post("/inbound/mailgun/", payload).status_code == 200
    assert client.post("/inbound/mailgun/", payload).status_code == 200  # the provider retried
    assert RawInbound.objects.filter(mailbox=mailbox).count() == 1
    run_worker(burst=True, scheduler=False)
    message = Message.objects.get(external_id="<webhook-1@khach.example>")
    assert message.ticket.subject == "Hóa đơn sai"
    assert "Hóa đơn tháng này bị tính sai." in message.body_text


def test_forged_mailgun_signature_is_refused_and_nothing_stored(mailbox: Mailbox) -> None:
    response = Client(HTTP_AUTHORIZATION=AUTH).post("/inbound/mailgun/", mailgun_payload(key="key-attacker"))
    assert response.status_code == 400
    assert not RawInbound.objects.exists()


def test_sendgrid_needs_the_basic_auth_secret(mailbox: Mailbox) -> None:
    form = {"email": RAW.replace("webhook-1", "webhook-2"), "to": "support@example.test", "from": "lan@khach.example"}
    wrong = "Basic " + base64.b64encode(b"hook:guess").decode()
    assert Client().post("/inbound/sendgrid/", form, HTTP_AUTHORIZATION=wrong).status_code == 400
    assert not RawInbound.objects.exists()
    assert Client().post("/inbound/sendgrid/", form, HTTP_AUTHORIZATION=AUTH).status_code == 200
    assert RawInbound.objects.get().dedupe_key == "<webhook-2@khach.example>"


def test_no_mailbox_means_the_provider_keeps_the_mail(desk: dict[str, Any], settings: Any) -> None:
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": KEY}
    assert Client().post("/inbound/mailgun/", mailgun_payload()).status_code == 503
    assert not RawInbound.objects.exists()
