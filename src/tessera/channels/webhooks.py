"""Inbound mail pushed by an email provider (Mailgun, SendGrid, Postmark…) through django-anymail.

Anymail verifies the provider's signature or basic-auth secret and parses the provider's
format; instead of its signal, each message's bytes go straight to ``store_raw``, so the
provider is answered 200 only once the mail is committed (any failure gives a 5xx, and the
provider retries), exactly like the SMTP listener's 250.
"""

from __future__ import annotations

from typing import Any

from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from tessera.channels.ingest import store_raw
from tessera.channels.models import Mailbox, MailboxKind
from tessera.channels.smtpd import base_address


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
            recipients = [str(a) for a in (message.envelope_recipient, *(message.get_all("To") or [])) if a]
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
