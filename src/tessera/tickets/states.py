"""The ticket status machine. Pure: no database, no Django models."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    Status.NEW: _("New"),
    Status.OPEN: _("Open"),
    Status.PENDING: _("Pending"),
    Status.ON_HOLD: _("On hold"),
    Status.RESOLVED: _("Resolved"),
    Status.CLOSED: _("Closed"),
}
STATUS_CHOICES = [(s.value, STATUS_LABELS[s]) for s in Status]


# Every move a ticket may make. "new" is never re-entered: once anyone touched a ticket it is
# no longer new. Closed is final; a customer writing to a closed ticket opens a follow-up.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})
SOLVED = frozenset({Status.RESOLVED, Status.CLOSED})


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def after_customer_message(current: str) -> str:
    """Status a ticket moves to when the customer writes: their turn is over, ours begins."""
    if current in {Status.PENDING, Status.RESOLVED, Status.ON_HOLD}:
        return Status.OPEN
    return current


def after_agent_reply(current: str, requested: str | None) -> str:
    """Status after a public reply: what the agent picked, else waiting on the customer."""
    if requested:
        return requested
    if current in {Status.NEW, Status.OPEN}:
        return Status.PENDING
    return current
