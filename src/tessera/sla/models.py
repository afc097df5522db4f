"""SLA policies, the timers they start on tickets, and the intervals a ticket's clock stood still."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from tessera.tickets.models import Ticket


def default_calendar() -> dict[str, Any]:
    return {
        "version": 1,
        "timezone": "UTC",
        "weekly_hours": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    }


def default_pause_statuses() -> list[str]:
    return ["pending"]


class SlaPolicy(models.Model):
    """Targets for the tickets its conditions select; the first active match by position wins.

    ``conditions`` maps a criterion to the values that satisfy it, every given criterion must
    hold: ``{"priority": ["urgent"], "department": [3], "tags": ["vip"]}`` (tags: any of them).
    """

    name = models.CharField(max_length=200, unique=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    conditions = models.JSONField(default=dict, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    periodic_update_minutes = models.PositiveIntegerField(null=True, blank=True)
    # How long before a due time the warning fires (business minutes are not used here: a
    # warning is for people watching a wall clock).
    warn_before_minutes = models.PositiveIntegerField(default=30)
    calendar = models.JSONField(default=default_calendar)
    # Statuses during which the clock stops: waiting on the customer.
    pause_statuses = models.JSONField(default=default_pause_statuses, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    PERIODIC_UPDATE = "periodic_update", _("Periodic update")


class SlaTimer(models.Model):
    """One target on one ticket. ``started_at`` identifies the cycle: a new customer message
    starts a new next-response cycle, and the warning and breach marks belong to a cycle."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_timers")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="timers")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    started_at = models.DateTimeField()
    target_seconds = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    # Met (the response came, the ticket was resolved) or cancelled (no policy any more).
    stopped_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    paused = models.BooleanField(default=False)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    explanation_data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="sla_timer_ticket_metric")]
        indexes = [
            models.Index(
                fields=["due_at"], name="sla_timer_running",
                condition=models.Q(is_active=True, stopped_at__isnull=True, paused=False),
            )
        ]


class SlaPause(models.Model):
    """A stretch of time a ticket spent in a status that may stop the clock."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_pauses")
    status = models.CharField(max_length=10)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]


class TicketSla(models.Model):
    """Per-ticket SLA state: which policy applies and whether a person owns the due time."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="sla")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A due time set by hand (an agent, or a rule's set_field) is never overwritten by the SLA.
    due_set_by_hand = models.BooleanField(default=False)
    explanation = models.TextField(blank=True)
