"""Channel plumbing: outbound deliveries (and, in the email subsystem, inbound raw mail)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tessera.tickets.models import Message, Ticket


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class DeliveryPurpose(models.TextChoices):
    REPLY = "reply", _("Agent reply")
    NOTIFY_RESOLVED = "resolved", _("Resolution notice")
    NOTIFY_ASSIGNED = "assigned", _("Assignment notice")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    RULE = "rule", _("Rule email")


class Delivery(models.Model):
    """One outbound message to one channel address; sent by a task, retried, never lost."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="deliveries")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    purpose = models.CharField(max_length=16, choices=DeliveryPurpose.choices)
    channel = models.CharField(max_length=16)
    recipients = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    body_text = models.TextField(blank=True)
    # Our Message-ID for the outbound mail, fixed before the first attempt so that a retry after
    # a crash re-sends the same identity and the customer's client de-duplicates it.
    rfc_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status")]
