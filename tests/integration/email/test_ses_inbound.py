"""Amazon SES inbound mail through SNS, with the SNS signature checked for real.

A key and a self-signed certificate are made here; a loopback HTTP server stands in for
``sns.<region>.amazonaws.com`` (serving the certificate and answering SubscribeURL visits);
each message is signed the way SNS documents it: the signed fields as "Name\\nValue\\n" in a
fixed order, RSA PKCS#1 v1.5 over SHA-1 (SignatureVersion 1) or SHA-256 (version 2).
The payloads follow AWS's examples of an SNS HTTP notification and of an SES receipt
notification from the SNS action.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.test import Client

from tessera.channels import sns
from tessera.channels.models import Mailbox, RawInbound
from tessera.jobs.worker import run_worker
from tessera.tickets.models import Message

pytestmark = pytest.mark.django_db

URL = "/inbound/amazon-ses/"
TOPIC = "arn:aws:sns:us-east-1:123456789012:tessera-inbound"
SECRET = "sns:s3cret-hook"
AUTH = "Basic " + base64.b64encode(SECRET.encode()).decode()
CERT_PATH = "/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem"

RAW = (
    "Return-Path: <lan@khach.example>\r\n"
    "Received: from mail.khach.example (mail.khach.example [203.0.113.7])\r\n"
    " by inbound-smtp.us-east-1.amazonaws.com with SMTP id o3vrnil0e2ic28trm7dfhrc2v0\r\n"
    " for support@example.test; Tue, 04 Mar 2025 09:12:33 +0000 (UTC)\r\n"
    "From: =?utf-8?b?TmfDtCBUaOG7iyBMYW4=?= <lan@khach.example>\r\n"
    "To: support@example.test\r\n"
    "Subject: =?utf-8?q?H=C3=B3a_=C4=91=C6=A1n_sai?=\r\n"
    "Date: Tue, 04 Mar 2025 16:12:30 +0700\r\n"
    "Message-ID: <ses-1@khach.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "Hóa đơn tháng này bị tính sai.\r\n"
)


# -- the stand-in for Amazon: a key, its certificate, and an HTTP server ---------------------


def make_signer(name: str) -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class FakeSNS:
    """What Amazon's SNS host serves: signing certificates, and SubscribeURL confirmations."""

    server: ThreadingHTTPServer
    certs: dict[str, bytes]
    requests: list[str] = field(default_factory=list)

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return f"http://{self.netloc}{path}"


def start_server(certs: dict[str, bytes]) -> FakeSNS:
    fake: FakeSNS

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append(self.path)
            if self.path in fake.certs:
                body, kind = fake.certs[self.path], "application/x-pem-file"
            elif self.path.startswith("/?Action=ConfirmSubscription&"):
                body = b"<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>"
                body += (
                    TOPIC.encode()
                    + b":9f3b0c5e</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>"
                )
                kind = "text/xml"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake = FakeSNS(server=server, certs=certs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake


@pytest.fixture(scope="module")
def amazon() -> Iterator[tuple[rsa.RSAPrivateKey, FakeSNS]]:
    key, pem = make_signer("sns.amazonaws.com")
    fake = start_server({CERT_PATH: pem})
    try:
        yield key, fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


@pytest.fixture
def stranger() -> Iterator[tuple[rsa.RSAPrivateKey, FakeSNS]]:
    """A server that is not on the allowed host, serving an attacker's certificate."""
    key, pem = make_signer("sns.amazonaws.com")
    fake = start_server({CERT_PATH: pem})
    try:
        yield key, fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


@pytest.fixture
def sns_host(amazon: tuple[rsa.RSAPrivateKey, FakeSNS], settings: Any) -> FakeSNS:
    _, fake = amazon
    fake.requests.clear()
    sns.certificates.clear()  # each test sees the first fetch of the certificate
    settings.TESSERA = {
        **settings.TESSERA,
        "SNS_HOST_PATTERN": re.escape(fake.netloc),
        "SNS_URL_SCHEMES": ["http"],
        "SES_TOPIC_ARNS": [TOPIC],
    }
    settings.ANYMAIL = {**getattr(settings, "ANYMAIL", {}), "WEBHOOK_SECRET": SECRET}
    return fake


@pytest.fixture
def mailbox(desk: dict[str, Any], sns_host: FakeSNS) -> Mailbox:
    return Mailbox.objects.create(
        name="SES", department=desk["support"], address="support@example.test", kind="webhook"
    )


# -- messages shaped and signed like SNS's -----------------------------------------------------

NOTIFICATION_FIELDS = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
CONFIRMATION_FIELDS = [
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
]


def sign(doc: dict[str, str], key: rsa.RSAPrivateKey) -> dict[str, str]:
    names = NOTIFICATION_FIELDS if doc["Type"] == "Notification" else CONFIRMATION_FIELDS
    text = "".join(f"{name}\n{doc[name]}\n" for name in names if name in doc)
    digest = hashes.SHA1() if doc["SignatureVersion"] == "1" else hashes.SHA256()  # noqa: S303 (SNS's version 1)
    signature = key.sign(text.encode("utf-8"), padding.PKCS1v15(), digest)
    return {**doc, "Signature": base64.b64encode(signature).decode()}


def ses_received(
    raw: str = RAW,
    *,
    encoding: str = "UTF8",
    action: dict[str, str] | None = None,
    recipients: list[str] | None = None,
) -> dict[str, Any]:
    """An SES receipt notification of the SNS action, as in AWS's example."""
    recipients = recipients if recipients is not None else ["support@example.test"]
    return {
        "notificationType": "Received",
        "mail": {
            "timestamp": "2025-03-04T09:12:33.936Z",
            "source": "lan@khach.example",
            "messageId": "o3vrnil0e2ic28trm7dfhrc2v0",
            "destination": recipients,
            "headersTruncated": False,
            "headers": [
                {"name": "Return-Path", "value": "<lan@khach.example>"},
                {"name": "From", "value": "=?utf-8?b?TmfDtCBUaOG7iyBMYW4=?= <lan@khach.example>"},
                {"name": "To", "value": "support@example.test"},
                {"name": "Subject", "value": "=?utf-8?q?H=C3=B3a_=C4=91=C6=A1n_sai?="},
                {"name": "Message-ID", "value": "<ses-1@khach.example>"},
            ],
            "commonHeaders": {
                "returnPath": "lan@khach.example",
                "from": ["Ngô Thị Lan <lan@khach.example>"],
                "date": "Tue, 04 Mar 2025 16:12:30 +0700",
                "to": ["support@example.test"],
                "messageId": "<ses-1@khach.example>",
                "subject": "Hóa đơn sai",
            },
        },
        "receipt": {
            "timestamp": "2025-03-04T09:12:33.936Z",
            "processingTimeMillis": 222,
            "recipients": recipients,
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": "PASS"},
            "spfVerdict": {"status": "PASS"},
            "dkimVerdict": {"status": "PASS"},
            "dmarcVerdict": {"status": "PASS"},
            "action": action or {"type": "SNS", "topicArn": TOPIC, "encoding": encoding},
        },
        "content": base64.b64encode(raw.encode()).decode() if encoding == "BASE64" else raw,
    }


def notification(
    fake: FakeSNS,
    key: rsa.RSAPrivateKey,
    message: object,
    *,
    version: str = "2",
    topic: str = TOPIC,
    cert_url: str | None = None,
) -> dict[str, str]:
    message_id = str(uuid.uuid4())
    return sign(
        {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic,
            "Subject": "Amazon SES Email Receipt Notification",
            "Message": message if isinstance(message, str) else json.dumps(message),
            "Timestamp": "2025-03-04T09:12:34.221Z",
            "SignatureVersion": version,
            "SigningCertURL": cert_url or fake.url(CERT_PATH),
            "UnsubscribeURL": fake.url(f"/?Action=Unsubscribe&SubscriptionArn={topic}:9f3b0c5e"),
        },
        key,
    )


def subscription(
    fake: FakeSNS, key: rsa.RSAPrivateKey, *, version: str = "1", subscribe_host: str | None = None
) -> dict[str, str]:
    token = "2336412f37fb687f5d51e6e2425dacbba2f5b0d4ce2d7a1d0f8a2c1b6" + "e" * 40
    host = subscribe_host or fake.netloc
    return sign(
        {
            "Type": "SubscriptionConfirmation",
            "MessageId": str(uuid.uuid4()),
            "Token": token,
            "TopicArn": TOPIC,
            "Message": f"You have chosen to subscribe to the topic {TOPIC}.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": f"http://{host}/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token={token}",
            "Timestamp": "2025-03-04T09:00:04.751Z",
            "SignatureVersion": version,
            "SigningCertURL": fake.url(CERT_PATH),
        },
        key,
    )


def post(doc: dict[str, str], *, auth: str | None = AUTH, kind: str | None = None) -> Any:
    headers = {
        "x-amz-sns-message-type": kind or doc.get("Type", ""),
        "x-amz-sns-message-id": doc.get("MessageId", ""),
        "x-amz-sns-topic-arn": doc.get("TopicArn", ""),
        "User-Agent": "Amazon Simple Notification Service Agent",
    }
    if auth is not None:
        headers["Authorization"] = auth
    # SNS posts its JSON as text/plain.
    return Client().post(
        URL, json.dumps(doc), content_type="text/plain; charset=UTF-8", headers=headers
    )


def cert_fetches(fake: FakeSNS) -> int:
    return sum(1 for path in fake.requests if path == CERT_PATH)


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "encoding"), [("1", "UTF8"), ("2", "BASE64")])
def test_genuine_mail_is_stored_once_and_becomes_a_ticket(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], mailbox: Mailbox, version: str, encoding: str
) -> None:
    key, fake = amazon
    doc = notification(fake, key, ses_received(encoding=encoding), version=version)
    first = post(doc)
    assert first.status_code == 200, first.content
    assert post(doc).status_code == 200  # SNS retried the same notification
    row = RawInbound.objects.get(mailbox=mailbox)
    assert bytes(row.raw) == RAW.encode()
    assert row.dedupe_key == "<ses-1@khach.example>"
    assert row.envelope_to == ["support@example.test"]
    assert cert_fetches(fake) == 1  # the second request used the cached certificate
    run_worker(burst=True, scheduler=False)
    message = Message.objects.get(external_id="<ses-1@khach.example>")
    assert message.ticket.subject == "Hóa đơn sai"
    assert "Hóa đơn tháng này bị tính sai." in message.body_text
    assert message.author_contact is not None
    assert message.author_contact.identities.filter(value="lan@khach.example").exists()


def test_the_same_mail_in_two_notifications_is_stored_once(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], mailbox: Mailbox
) -> None:
    key, fake = amazon
    # Two SNS deliveries (new MessageIds) of one mail: the mail's Message-ID deduplicates.
    assert post(notification(fake, key, ses_received())).status_code == 200
    assert (
        post(notification(fake, key, ses_received(encoding="BASE64"), version="1")).status_code
        == 200
    )
    assert RawInbound.objects.filter(mailbox=mailbox).count() == 1


def test_tampered_message_is_refused_and_nothing_stored(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], mailbox: Mailbox
) -> None:
    key, fake = amazon
    for version in ("1", "2"):
        doc = notification(fake, key, ses_received(), version=version)
        doc["Message"] = doc["Message"].replace("support@example.test", "support+evil@example.test")
        assert post(doc).status_code == 403
        tampered_subject = notification(fake, key, ses_received(), version=version)
        tampered_subject["Subject"] = "Something else"
        assert post(tampered_subject).status_code == 403
        # Claiming the other digest does not make a signature valid either.
        switched = notification(fake, key, ses_received(), version=version)
        switched["SignatureVersion"] = "2" if version == "1" else "1"
        assert post(switched).status_code == 403
    assert not RawInbound.objects.exists()


def test_message_signed_by_another_key_is_refused(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], mailbox: Mailbox
) -> None:
    _, fake = amazon
    attacker, _ = make_signer("sns.amazonaws.com")
    response = post(notification(fake, attacker, ses_received()))
    assert response.status_code == 403
    assert not RawInbound.objects.exists()


def test_unsigned_or_unknown_signature_version_is_refused(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], mailbox: Mailbox
) -> None:
    key, fake = amazon
    unsigned = notification(fake, key, ses_received())
    del unsigned["Signature"]
    assert post(unsigned).status_code == 403
    future = notification(fake, key, ses_received())
    future["SignatureVersion"] = "3"
    assert post(future).status_code == 403
    assert not RawInbound.objects.exists()


def test_certificate_on_a_host_not_allowed_is_never_fetched(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS],
    stranger: tuple[rsa.RSAPrivateKey, FakeSNS],
    mailbox: Mailbox,
) -> None:
    _, fake = amazon
    attacker, elsewhere = stranger
    doc = notification(fake, attacker, ses_received(), cert_url=elsewhere.url(CERT_PATH))
    assert post(doc).status_code == 403
    # The same host with a user name in front, which would send the request elsewhere.
    sneaky = notification(
        fake,
        attacker,
        ses_received(),
        cert_url=f"http://{fake.netloc}@{elsewhere.netloc}{CERT_PATH}",
    )
    assert post(sneaky).status_code == 403
    assert elsewhere.requests == []
    assert fake.requests == []
    assert not RawInbound.objects.exists()


def test_default_policy_accepts_only_https_amazon_sns_hosts() -> None:
    policy = sns.Policy()
    good = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-7506a1e35b36ef5a444dd1a8e7cc3ed8.pem"
    assert policy.allows(good)
    assert policy.allows("https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-a.pem")
    for bad in (
        good.replace("https://", "http://"),
        "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-a.pem",
        "https://evil.example/sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem",
        "https://sns.us-east-1.amazonaws.com@evil.example/SimpleNotificationService-a.pem",
        "https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-a.pem",
        "https://s3.us-east-1.amazonaws.com/SimpleNotificationService-a.pem",
        "https://sns.us-east-1.amazonaws.com\\@evil.example/a.pem",
        "file:///etc/passwd",
        "",
    ):
        assert not policy.allows(bad), bad
    # The production settings keep the strict default.
    from django.conf import settings

    assert sns.Policy.from_settings(settings.TESSERA) == policy


def test_wrong_topic_is_refused_before_anything_is_fetched(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], mailbox: Mailbox
) -> None:
    key, fake = amazon
    other = "arn:aws:sns:us-east-1:999999999999:someone-elses-topic"
    assert post(notification(fake, key, ses_received(), topic=other)).status_code == 403
    assert fake.requests == []
    assert not RawInbound.objects.exists()


def test_basic_auth_is_challenged_then_checked(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], mailbox: Mailbox
) -> None:
    key, fake = amazon
    doc = notification(fake, key, ses_received())
    challenge = post(doc, auth=None)
    assert challenge.status_code == 401
    assert challenge["WWW-Authenticate"].startswith("Basic ")
    wrong = "Basic " + base64.b64encode(b"sns:guess").decode()
    assert post(doc, auth=wrong).status_code == 403
    assert post(doc, auth="Basic !!!not-base64").status_code == 403
    assert not RawInbound.objects.exists()
    assert post(doc).status_code == 200


def test_subscription_is_confirmed_after_the_signature_checks(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], sns_host: FakeSNS
) -> None:
    key, fake = amazon
    doc = subscription(fake, key)
    response = post(doc)
    assert response.status_code == 200, response.content
    confirmations = [p for p in fake.requests if p.startswith("/?Action=ConfirmSubscription&")]
    assert confirmations == [doc["SubscribeURL"].removeprefix(f"http://{fake.netloc}")]


def test_forged_or_misdirected_subscription_is_not_confirmed(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS],
    stranger: tuple[rsa.RSAPrivateKey, FakeSNS],
    sns_host: FakeSNS,
) -> None:
    key, fake = amazon
    attacker, elsewhere = stranger
    forged = subscription(fake, key, version="2")
    forged["SubscribeURL"] = forged["SubscribeURL"].replace("Token=", "Token=0")
    assert post(forged).status_code == 403
    assert post(subscription(fake, attacker)).status_code == 403
    # Signed by Amazon, but pointing the visit somewhere else: still not visited.
    assert post(subscription(fake, key, subscribe_host=elsewhere.netloc)).status_code == 403
    assert not any(p.startswith("/?Action") for p in fake.requests)
    assert elsewhere.requests == []


def test_subscription_is_left_alone_without_topic_list_or_secret(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], sns_host: FakeSNS, settings: Any
) -> None:
    key, fake = amazon
    settings.TESSERA = {**settings.TESSERA, "SES_TOPIC_ARNS": []}
    settings.ANYMAIL = {}
    response = post(subscription(fake, key), auth=None)
    assert response.status_code == 403
    assert b"SNS console" in response.content
    assert not any(p.startswith("/?Action") for p in fake.requests)


def test_unsubscribe_confirmation_is_acknowledged(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], sns_host: FakeSNS
) -> None:
    key, fake = amazon
    doc = subscription(fake, key)
    doc = sign({**doc, "Type": "UnsubscribeConfirmation"}, key)
    assert post(doc).status_code == 200
    assert not any(p.startswith("/?Action") for p in fake.requests)


def test_mail_for_no_mailbox_is_left_with_amazon(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], desk: dict[str, Any], sns_host: FakeSNS
) -> None:
    key, fake = amazon
    assert post(notification(fake, key, ses_received())).status_code == 503
    assert not RawInbound.objects.exists()


def test_s3_action_is_refused_with_a_clear_error(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], mailbox: Mailbox
) -> None:
    key, fake = amazon
    received = ses_received(
        action={
            "type": "S3",
            "topicArn": TOPIC,
            "bucketName": "tessera-mail",
            "objectKeyPrefix": "inbound",
            "objectKey": "inbound/o3vrnil0e2ic28trm7dfhrc2v0",
        }
    )
    del received["content"]
    response = post(notification(fake, key, received))
    assert response.status_code == 422
    assert b"use the SNS action" in response.content
    assert not RawInbound.objects.exists()


def test_setup_and_sending_notifications_store_nothing(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], mailbox: Mailbox
) -> None:
    key, fake = amazon
    setup = ses_received()
    setup["mail"]["messageId"] = "AMAZON_SES_SETUP_NOTIFICATION"
    assert post(notification(fake, key, setup)).status_code == 200
    bounce = {
        "notificationType": "Bounce",
        "bounce": {"bounceType": "Permanent"},
        "mail": {"messageId": "x"},
    }
    response = post(notification(fake, key, bounce))
    assert response.status_code == 400
    assert b"receipt rules" in response.content
    assert not RawInbound.objects.exists()


def test_hostile_content_does_not_crash(
    amazon: tuple[rsa.RSAPrivateKey, FakeSNS], mailbox: Mailbox
) -> None:
    key, fake = amazon

    def received(**changes: Any) -> dict[str, Any]:
        doc = ses_received()
        for path, value in changes.items():
            target: Any = doc
            *parents, last = path.split("__")
            for part in parents:
                target = target[part]
            target[last] = value
        return doc

    signed_cases: list[object] = [
        "not json at all",
        "[1, 2, 3]",
        json.dumps("just a string"),
        received(receipt="a string"),
        received(receipt__action=["SNS"]),
        received(receipt__action__encoding="BASE64", content="ünïcödé is not base64 \x00"),
        received(receipt__action__encoding="EBCDIC"),
        received(content=None),
        received(content=""),
        received(content={"nested": True}),
        received(receipt__recipients="support@example.test"),
        received(receipt__recipients=[None, 7, "a\x00b@example.test", "x" * 5000]),
        received(content="\ud800 lone surrogate\r\nand no header block"),
        received(content="From: \x00\x00\r\nMessage-ID: <" + "m" * 3000 + ">\r\n\r\nbody"),
        received(mail=None, content="Subject: no headers object\r\n\r\nstill a mail"),
    ]
    statuses = []
    for message in signed_cases:
        response = post(notification(fake, key, message))
        statuses.append(response.status_code)
        assert response.status_code in {200, 400, 422, 503}, (message, response.content)
    # Unreadable notifications are refused (400); one with no usable action is told to use SNS.
    assert statuses == [400, 400, 400, 422, 422, 400, 400, 400, 400, 400, 200, 200, 200, 200, 200]
    # Odd envelopes, lone surrogates and NULs are still mail: stored, and processed to an end.
    rows = RawInbound.objects.filter(mailbox=mailbox)
    assert rows.count() == 4  # the two with RAW are one mail
    run_worker(burst=True, scheduler=False)
    assert set(rows.values_list("status", flat=True)) <= {"processed", "quarantined", "ignored"}

    # Broken SNS documents themselves, unsigned, and a body that is not even text.
    for body in (
        b"",
        b"\xff\xfe\x00",
        b"null",
        b'{"Type": "Nonsense"}',
        b'{"Type": ["Notification"]}',
    ):
        response = Client().post(
            URL,
            body,
            content_type="text/plain",
            headers={"Authorization": AUTH, "x-amz-sns-message-type": "Notification"},
        )
        assert response.status_code == 400
    mismatched = notification(fake, key, ses_received())
    assert post(mismatched, kind="SubscriptionConfirmation").status_code == 400
    non_strings = notification(fake, key, ses_received())
    doc: dict[str, Any] = {**non_strings, "Message": {"notificationType": "Received"}}
    assert post(doc).status_code == 403


def test_only_post_is_answered(sns_host: FakeSNS) -> None:
    assert Client().get(URL).status_code == 405
