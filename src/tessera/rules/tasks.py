"""Background work of the rules: the automation scheduler and webhook delivery."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.tasks import task

from tessera.core import time
from tessera.jobs import periodic
from tessera.jobs.retry import backoff_seconds
from tessera.rules import webhooks
from tessera.rules.models import WebhookCall, WebhookStatus

log = logging.getLogger("tessera.rules")

WEBHOOK_MAX_ATTEMPTS = 6


@task(queue_name="rules")
def run_automations() -> int:
    from tessera.rules.runner import run_automations as run

    return run()


periodic.register(run_automations, every=timedelta(minutes=5))


@task(queue_name="rules")
def send_webhook(call_id: int) -> str:
    with transaction.atomic():
        call = WebhookCall.objects.select_for_update().get(pk=call_id)
        if call.status != WebhookStatus.PENDING:
            return call.status
        call.attempts += 1
        try:
            response = webhooks.call(
                call.url, call.method, dict(call.headers), call.body, timestamp=str(int(time.now().timestamp()))
            )
        except webhooks.WebhookRefused as exc:
            call.status = WebhookStatus.REFUSED
            call.last_error = str(exc)[:2000]
            call.save(update_fields=["status", "attempts", "last_error"])
            log.warning("webhook %s refused: %s", call.pk, exc)
            return call.status
        except webhooks.WebhookFailed as exc:
            call.last_error = str(exc)[:2000]
            if call.attempts >= WEBHOOK_MAX_ATTEMPTS:
                call.status = WebhookStatus.FAILED
                call.save(update_fields=["status", "attempts", "last_error"])
                return call.status
            call.save(update_fields=["attempts", "last_error"])
            # A new deferred job rather than RetryLater: the worker rolls back a failing
            # task's writes, and the attempt count and error must stay in the log.
            delay = backoff_seconds(call.attempts, base=30, cap=3600)
            send_webhook.using(run_after=time.now() + timedelta(seconds=delay)).enqueue(call.pk)
            return "retrying"
        call.response_status = response.status
        call.status = WebhookStatus.SENT if response.status < 400 else WebhookStatus.FAILED
        call.last_error = "" if response.status < 400 else f"HTTP {response.status}: {response.body[:500]}"
        call.sent_at = time.now()
        call.save(update_fields=["status", "attempts", "response_status", "last_error", "sent_at"])
        return call.status
