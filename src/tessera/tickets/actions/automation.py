"""Writes made on behalf of automation: spam marks, rule-run and SLA timeline entries."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tessera.accounts.actor import Actor
from tessera.core import time
from tessera.core.effects import enqueue
from tessera.tickets.actions._base import event, lock, require, save_ticket, write_events
from tessera.tickets.models import EventKind, Ticket, TicketEvent
from tessera.tickets.permissions import can_edit


def mark_spam(actor: Actor, ticket: Ticket, *, is_spam: bool = True) -> Ticket:
    with transaction.atomic():
        locked = lock(actor, ticket)
        require(can_edit(actor, locked))
        if locked.is_spam == is_spam:
            return locked
        at = time.now()
        locked.is_spam = is_spam
        save_ticket(locked, ["is_spam"], at)
        write_events([event(locked, actor, EventKind.FIELD, field="is_spam", before=not is_spam, after=is_spam, at=at)])
        if actor.user is not None and not actor.rule:
            # A person's judgement teaches the spam filter; a rule's or the filter's own does
            # not, or the filter would learn from its own guesses.
            from tessera.spam.tasks import learn_from_ticket

            enqueue(learn_from_ticket, locked.pk)
        return locked


def record_rule_run(actor: Actor, ticket: Ticket, summary: str) -> TicketEvent:
    """"rule X set priority to high; added tags vip" on the timeline.

    The ticket's version and ``updated_at`` stay as they are: recording that a rule ran is not
    a change to the ticket, and moving ``updated_at`` would reopen "hours since updated"
    automation windows by itself.
    """
    with transaction.atomic():
        locked = lock(actor, ticket)
        return write_events([event(locked, actor, EventKind.RULE, after=summary[:2000])])[0]


def record_sla_event(actor: Actor, ticket: Ticket, name: str, details: dict[str, Any]) -> TicketEvent:
    """An SLA warning or breach (``name`` is ``sla_warning`` or ``sla_breached``)."""
    with transaction.atomic():
        locked = lock(actor, ticket)
        return write_events([event(locked, actor, EventKind.SLA, field=name, after=details)])[0]
