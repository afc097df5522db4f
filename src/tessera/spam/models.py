"""What the spam filter has learned: per-token message counts, and which tickets taught it."""

from __future__ import annotations

from django.db import models

from tessera.tickets.models import Ticket

# The row holding the number of messages learned per class. Real tokens are never empty, so
# the totals live in the same table and move in the same upsert as the tokens.
TOTALS_TOKEN = ""


class TokenCount(models.Model):
    token = models.CharField(max_length=200, unique=True)
    # Messages of each class that contained the token (each message counts a token once).
    spam = models.PositiveIntegerField(default=0)
    ham = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.token or '(totals)'}: {self.spam}/{self.ham}"


class LearnedTicket(models.Model):
    """The class a ticket was learned as, and the exact tokens, so it can be unlearned exactly."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="+")
    is_spam = models.BooleanField()
    tokens = models.JSONField(default=list)
    learned_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"ticket {self.ticket_id}: {'spam' if self.is_spam else 'ham'}"
