"""Rules, macros and what running them left behind: runs, automation windows, webhook calls."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from tessera.rules import schema
from tessera.tickets.models import Ticket


class RuleKind(models.TextChoices):
    TRIGGER = "trigger", _("Trigger (runs on events)")
    AUTOMATION = "automation", _("Automation (runs on time)")


class RuleSetVersion(models.Model):
    """One row whose token changes with every write to the rules (see ``RuleQuerySet``).

    Each process keeps the parsed rules (``rules.active``) and must see any change by the next
    job; reading this row by primary key tells it in one cheap statement, where an aggregate
    over the rule rows read every row of a large table. The token is random rather than a
    counter: a write that is rolled back must not leave a value that a later write reuses.
    """

    ONLY = 1
    token = models.CharField(max_length=32)

    @classmethod
    def bump(cls) -> None:
        if not cls.objects.filter(pk=cls.ONLY).update(token=uuid.uuid4().hex):
            cls.objects.update_or_create(pk=cls.ONLY, defaults={"token": uuid.uuid4().hex})

    @classmethod
    def current(cls) -> str | None:
        return cls.objects.filter(pk=cls.ONLY).values_list("token", flat=True).first()


class RuleQuerySet(models.QuerySet["Rule"]):
    """Every bulk write to the rules also changes ``RuleSetVersion``, in the same transaction."""

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db):
            count = super().update(**kwargs)
            RuleSetVersion.bump()
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=self.db):
            deleted = super().delete()
            RuleSetVersion.bump()
        return deleted

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Rule]:
        with transaction.atomic(using=self.db):
            created = super().bulk_create(*args, **kwargs)
            RuleSetVersion.bump()
        return created


class Rule(models.Model):
    """One rule as its JSON document (``schema``); name and kind are copied out for lists.

    Written only through the ORM (``rules.store``, the defaults, the benchmark): every write
    changes ``RuleSetVersion``, which is how running processes learn that their parsed rules
    are out of date. A change made in SQL directly is seen after ``RuleSetVersion.bump()``.
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    document = models.JSONField()
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # Set by ``defaults.install_defaults`` so a re-install finds its own rules, never an admin's.
    default_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["kind", "is_active", "position"], name="rule_kind_active_pos")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            RuleSetVersion.bump()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)
            RuleSetVersion.bump()
        return deleted

    def parsed(self) -> schema.Rule:
        """The typed rule; the stored document was validated on the way in."""
        return schema.rule_from_dict(self.document, rule_id=str(self.pk))


class RuleRun(models.Model):
    """One firing of one rule on one ticket: what it did and what failed."""

    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    rule_name = models.CharField(max_length=200)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="rule_runs")
    # The engine event (``ticket_created``, ``time_elapsed``...) the cycle handled.
    event = models.CharField(max_length=32)
    actions = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    loop_guard_tripped = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ticket", "-created_at"], name="rulerun_ticket")]


class AutomationFiring(models.Model):
    """The window an automation used up on a ticket; the unique key is the exactly-once guard."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="automation_firings")
    window_key = models.CharField(max_length=300)
    # The anchor moment the window counts from, so candidate queries can skip used windows.
    anchor = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "ticket", "window_key"], name="automation_once_per_window")
        ]


class Macro(models.Model):
    """A named bundle of rule actions plus a reply template, applied by an agent by hand."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    # Rule action documents (the ``actions`` list of a rule), validated on save.
    actions = models.JSONField(default=list, blank=True)
    # Rendered with the sandboxed template language and posted as a public reply.
    reply_template = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class EmailTemplate(models.Model):
    """A subject and body a rule's send-email action may name by id."""

    name = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=250)
    body = models.TextField()

    def __str__(self) -> str:
        return self.name


class WebhookStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused (address not allowed)")


class WebhookCall(models.Model):
    """One outbound webhook request, kept as a log and as the retry state."""

    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule_name = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=2000)
    method = models.CharField(max_length=8, default="POST")
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=WebhookStatus.choices, default=WebhookStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)


class AutoMailCount(models.Model):
    """Automatic mails sent to one address on one day: the cap that stops mail loops."""

    address = models.CharField(max_length=320)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["address", "day"], name="automail_address_day")]


def document_summary(document: dict[str, Any]) -> str:
    """"on ticket_created" / "48 h after updated" for rule lists."""
    if document.get("kind") == "automation":
        condition = document.get("time_condition") or {}
        unit = "business h" if condition.get("business_hours") else "h"
        return f"{condition.get('hours')} {unit} after {condition.get('since')}"
    return "on " + ", ".join(str(e) for e in document.get("events") or [])
