"""Inbound mail pushed by an email provider (Mailgun, SendGrid, Postmark, Amazon SES).

Anymail verifies the provider's signature or basic-auth secret and parses the provider's
format; instead of its signal, each message's bytes go straight to ``store_raw``, so the
provider is answered 200 only once the mail is committed (any failure gives a 5xx, and the
provider retries), exactly like the SMTP listener's 250.

Amazon SES has a view of its own: anymail's needs boto3 (not installed) even for mail that
arrives inside the notification, and it does not check the SNS signature, which
``tessera.channels.sns`` does.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any

from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tessera.channels import sns
from tessera.channels.ingest import store_raw
from tessera.channels.models import Mailbox, MailboxKind
from tessera.channels.smtpd import base_address

logger = logging.getLogger(__name__)


def webhook_mailbox(recipients: list[str]) -> Mailbox | None:
    """The webhook mailbox addressed, else the only active one (providers rewrite recipients)."""
    active = Mailbox.objects.filter(kind=MailboxKind.WEBHOOK, is_active=True).order_by("id")
    for address in recipients:
        found = active.filter(address__iexact=base_address(address)).first()
        if found is not None:
            return found
    candidates = list(active[:2])
    return candidates[0] if len(candidates) == 1 else None


class _StoreInbound:
    """Mixed into anymail's inbound views: validate, parse, store; no signal."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.run_validators(request)  # type: ignore[attr-defined]
        for event in self.parse_events(request):  # type: ignore[attr-defined]
            message = event.message
            recipients = [
                str(a) for a in (message.envelope_recipient, *(message.get_all("To") or [])) if a
            ]
            mailbox = webhook_mailbox(recipients)
            if mailbox is None:
                # No mailbox to file it under: refuse, so the provider keeps the mail and retries.
                return HttpResponse("no inbound mailbox is configured for this address", status=503)
            store_raw(mailbox, message.as_bytes(), envelope_to=recipients[:1])
        return HttpResponse("stored")


class MailgunInbound(_StoreInbound, MailgunInboundWebhookView):  # type: ignore[misc]
    pass


class SendGridInbound(_StoreInbound, SendGridInboundWebhookView):  # type: ignore[misc]
    pass


class PostmarkInbound(_StoreInbound, PostmarkInboundWebhookView):  # type: ignore[misc]
    pass


mailgun_inbound = csrf_exempt(MailgunInbound.as_view())
sendgrid_inbound = csrf_exempt(SendGridInbound.as_view())
postmark_inbound = csrf_exempt(PostmarkInbound.as_view())


# SES writes this placeholder when a receipt rule is created; it is not a customer's mail.
SES_SETUP_MESSAGE_ID = "AMAZON_SES_SETUP_NOTIFICATION"
MAX_RECIPIENTS = 50
MAX_ADDRESS_CHARS = 320


def _webhook_secrets() -> list[str]:
    value = getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET") or []
    return [value] if isinstance(value, str) else [str(v) for v in value if v]


def _basic_auth(request: HttpRequest) -> str | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return ""


def _refuse(reason: str, status: int = 403) -> HttpResponse:
    logger.warning("Amazon SES inbound webhook refused a request: %s", reason)
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@csrf_exempt
@require_POST
def amazon_ses_inbound(request: HttpRequest) -> HttpResponse:
    """An SNS message from a topic that an SES receipt rule's SNS action publishes to."""
    secrets = _webhook_secrets()
    if secrets:
        given = _basic_auth(request)
        if given is None:
            # SNS sends the credentials of the endpoint URL only after being challenged.
            response = HttpResponse("authentication required", status=401)
            response["WWW-Authenticate"] = 'Basic realm="Tessera inbound"'
            return response
        if not any(constant_time_compare(given, secret) for secret in secrets):
            return _refuse("wrong webhook credentials")
    try:
        message = sns.parse_message(request.body)
    except ValueError as exc:
        return _refuse(f"not an Amazon SNS message: {exc}", status=400)
    if request.headers.get("x-amz-sns-message-type") != message["Type"]:
        return _refuse("the x-amz-sns-message-type header does not match the message", status=400)
    options: dict[str, Any] = getattr(settings, "TESSERA", {})
    topics = [str(t) for t in options.get("SES_TOPIC_ARNS") or []]
    if not sns.topic_allowed(message, topics):
        return _refuse(f"topic {message.get('TopicArn', '')[:200]!r} is not in SES_TOPIC_ARNS")
    policy = sns.Policy.from_settings(options)
    try:
        sns.verify(message, policy)
    except sns.Rejected as exc:
        return _refuse(f"SNS signature not verified: {exc}")
    except sns.Unavailable as exc:
        return _refuse(f"cannot check the SNS signature now: {exc}", status=503)
    if message["Type"] == "SubscriptionConfirmation":
        return _confirm(message, policy, confirm=bool(topics or secrets))
    if message["Type"] == "UnsubscribeConfirmation":
        logger.info("SNS unsubscribed this endpoint from %s", message.get("TopicArn", ""))
        return HttpResponse("noted")
    return _receive(message)


def _confirm(message: dict[str, str], policy: sns.Policy, *, confirm: bool) -> HttpResponse:
    if not confirm:
        # A genuine signature only proves Amazon sent it: any AWS account can subscribe this
        # URL to its own topic. Without a topic list or a secret there is no telling whose.
        return _refuse(
            f"not confirming the subscription to {message.get('TopicArn', '')[:200]!r}: set "
            "TESSERA_SES_TOPIC_ARNS or TESSERA_INBOUND_WEBHOOK_SECRET, or confirm it in the SNS console"
        )
    try:
        sns.confirm_subscription(message, policy)
    except sns.Rejected as exc:
        return _refuse(f"subscription not confirmed: {exc}")
    except sns.Unavailable as exc:
        return _refuse(f"subscription not confirmed yet: {exc}", status=503)
    return HttpResponse("subscription confirmed")


def _receive(message: dict[str, str]) -> HttpResponse:
    try:
        notification = json.loads(message.get("Message", ""))
    except ValueError:
        return _refuse("the SNS Message is not an Amazon SES notification (not JSON)", status=400)
    if not isinstance(notification, dict) or notification.get("notificationType") != "Received":
        kind = str(_object(notification).get("notificationType", ""))[:40]
        return _refuse(
            f"notification type {kind!r} is not an inbound mail: point only SES receipt rules at this URL",
            status=400,
        )
    mail, receipt = _object(notification.get("mail")), _object(notification.get("receipt"))
    action = _object(receipt.get("action"))
    if mail.get("messageId") == SES_SETUP_MESSAGE_ID:
        logger.info("Amazon SES receipt rule set up for topic %s", message.get("TopicArn", ""))
        return HttpResponse("setup notification noted")
    if action.get("type") != "SNS":
        # The S3 action leaves the mail in the bucket and sends only a pointer to it; fetching it
        # would need AWS credentials and boto3. Not retried (4xx): the mail stays in S3.
        logger.error(
            "Amazon SES sent a %r action notification for mail %s (bucket %r, key %r); only the SNS "
            "action is supported: change the receipt rule to publish the mail to SNS",
            action.get("type"),
            mail.get("messageId"),
            action.get("bucketName"),
            action.get("objectKey"),
        )
        return _refuse(
            f"receipt rule action {str(action.get('type'))[:20]!r} is not supported: use the SNS action, "
            "which includes the mail in the notification",
            status=422,
        )
    raw = _content(notification.get("content"), str(action.get("encoding") or "UTF8"))
    if raw is None:
        return _refuse("the notification has no readable mail content", status=400)
    listed = receipt.get("recipients")
    recipients = [
        r
        for r in (listed if isinstance(listed, list) else [])
        if isinstance(r, str) and r and "\x00" not in r and len(r) <= MAX_ADDRESS_CHARS
    ][:MAX_RECIPIENTS]
    mailbox = webhook_mailbox(recipients)
    if mailbox is None:
        return HttpResponse("no inbound mailbox is configured for this address", status=503)
    store_raw(mailbox, raw, envelope_to=recipients)
    return HttpResponse("stored")


def _content(content: object, encoding: str) -> bytes | None:
    if not isinstance(content, str) or not content:
        return None
    if encoding.upper() == "BASE64":
        try:
            return base64.b64decode(content.encode("ascii"), validate=False) or None
        except (binascii.Error, ValueError):
            return None
    if encoding.upper() in {"UTF8", "UTF-8"}:
        # JSON can carry lone surrogates, which no mail contains.
        return content.encode("utf-8", "replace")
    return None
