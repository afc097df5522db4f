"""How each department hands out its tickets, and each agent's routing state."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tessera.accounts.models import Department


class StrategyChoice(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded (with capacity)")
    SKILLS_BASED = "skills_based", _("Skills based")


class Distribution(models.Model):
    department = models.OneToOneField(Department, on_delete=models.CASCADE, related_name="distribution")
    # Assign new tickets automatically as they arrive.
    auto_assign = models.BooleanField(default=False)
    strategy = models.CharField(max_length=16, choices=StrategyChoice.choices, default=StrategyChoice.ROUND_ROBIN)
    # When an agent goes offline, put their open tickets of this department back in the queue
    # (and hand them out again when auto_assign is on).
    requeue_on_offline = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.department} ({self.strategy})"


def _empty() -> dict[str, Any]:
    return {}


class AgentRouting(models.Model):
    """Routing facts about an agent that the accounts model does not hold."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing")
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    # Channel -> most open tickets of that channel (0 or absent: no per-channel cap).
    capacity_by_channel = models.JSONField(default=_empty, blank=True)
    # A business calendar (``BusinessCalendar.to_dict``); empty means always working.
    working_hours = models.JSONField(default=_empty, blank=True)
