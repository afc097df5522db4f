"""Per-ticket SLA timers: due times from the policy's calendar, pauses, warnings and breaches.

``update_for_events`` runs after every committed ticket change (from
``tickets.tasks.process_ticket_events``): it records pause intervals from status changes,
notes a due time set by hand, and recalculates the ticket's timers. ``check_timers`` runs
periodically and fires each warning and breach exactly once per timer cycle: the mark is set
with a conditional UPDATE, and only the worker whose UPDATE changed the row writes the
timeline entry (which the rules then see as ``sla_warning`` / ``sla_breached``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max

from tessera.accounts.actor import Actor
from tessera.core import time
from tessera.rules.vocabulary import Event
from tessera.sla.calendar import Span
from tessera.sla.explain import explain_due
from tessera.sla.models import Metric, SlaPause, SlaPolicy, SlaTimer, TicketSla
from tessera.sla.policies import PAUSABLE, calendar_of, select_policy
from tessera.tickets import actions as ticket_actions
from tessera.tickets.models import EventKind, Ticket, TicketEvent
from tessera.tickets.states import SOLVED

SLA_CHANNEL = "sla"

_TARGETS = {
    Metric.FIRST_RESPONSE: "first_response_minutes",
    Metric.NEXT_RESPONSE: "next_response_minutes",
    Metric.RESOLUTION: "resolution_minutes",
    Metric.PERIODIC_UPDATE: "periodic_update_minutes",
}


def sla_actor(policy: SlaPolicy | None = None) -> Actor:
    """Due-time changes name the policy (and, carrying ``via_rule``, start no trigger cycle)."""
    return Actor.system(rule=f"SLA {policy.name}" if policy else "SLA", channel=SLA_CHANNEL)


def event_actor() -> Actor:
    # Warnings and breaches are events the rules must see: no ``rule`` on this actor.
    return Actor.system(channel=SLA_CHANNEL)


# ----------------------------------------------------------------------------- bookkeeping


def update_for_events(events: Iterable[TicketEvent]) -> None:
    by_ticket: dict[int, list[TicketEvent]] = {}
    for entry in events:
        by_ticket.setdefault(entry.ticket_id, []).append(entry)
    for ticket_id, batch in by_ticket.items():
        for entry in batch:
            if entry.kind == EventKind.STATUS:
                record_status(ticket_id, str(entry.before or ""), str(entry.after or ""), entry.created_at)
            elif entry.kind == EventKind.FIELD and entry.field == "due_at" and entry.via_channel != SLA_CHANNEL:
                # Set by a person or a rule: theirs to own. Cleared: the SLA takes it back.
                TicketSla.objects.update_or_create(
                    ticket_id=ticket_id, defaults={"due_set_by_hand": entry.after is not None}
                )
        if all(e.kind in {EventKind.RULE, EventKind.SLA} for e in batch):
            continue
        ticket = Ticket.objects.select_related("department").filter(pk=ticket_id).first()
        if ticket is not None:
            recalculate(ticket)


def record_status(ticket_id: int, before: str, after: str, at: datetime) -> None:
    if before in PAUSABLE:
        SlaPause.objects.filter(ticket_id=ticket_id, ended_at__isnull=True).update(ended_at=at)
    if after in PAUSABLE and not SlaPause.objects.filter(ticket_id=ticket_id, ended_at__isnull=True).exists():
        SlaPause.objects.create(ticket_id=ticket_id, status=after, started_at=at)


def pauses(ticket: Ticket, statuses: Iterable[str], now: datetime) -> tuple[list[Span], bool]:
    """The ticket's pause spans in the given statuses (an open one ends now), and whether a
    pause is still running."""
    wanted = set(statuses)
    spans: list[Span] = []
    running = False
    for pause in SlaPause.objects.filter(ticket=ticket, status__in=wanted).order_by("started_at"):
        end = pause.ended_at or now
        if pause.ended_at is None:
            running = True
        if end > pause.started_at:
            spans.append((pause.started_at, end))
    return spans, running


# ----------------------------------------------------------------------------- timers


@dataclass(frozen=True)
class Cycle:
    start: datetime
    stopped_at: datetime | None


def cycle_for(metric: str, ticket: Ticket, now: datetime) -> Cycle | None:
    """When the metric's current cycle started and whether it was met; None: not applicable."""
    solved_at = (ticket.resolved_at or now) if ticket.status in SOLVED else None
    if metric == Metric.FIRST_RESPONSE:
        return Cycle(ticket.created_at, ticket.first_response_at or solved_at)
    if metric == Metric.RESOLUTION:
        return Cycle(ticket.created_at, solved_at)
    if metric == Metric.NEXT_RESPONSE:
        asked = ticket.last_customer_message_at
        if ticket.first_response_at is None or asked is None or asked <= ticket.first_response_at:
            return None
        answered = ticket.last_agent_reply_at
        return Cycle(asked, answered if answered is not None and answered >= asked else solved_at)
    if metric == Metric.PERIODIC_UPDATE:
        start = max(ticket.created_at, ticket.last_agent_reply_at or ticket.created_at)
        return Cycle(start, solved_at)
    raise ValueError(f"unknown metric {metric!r}")


def recalculate(ticket: Ticket, now: datetime | None = None) -> list[SlaTimer]:
    """Bring the ticket's timers and SLA due time in line with its policy as of now."""
    now = now or time.now()
    with transaction.atomic():
        policy = select_policy(ticket)
        existing = {t.metric: t for t in SlaTimer.objects.select_for_update().filter(ticket=ticket)}
        if policy is None and not existing and not TicketSla.objects.filter(ticket=ticket).exists():
            # Never had an SLA and still has none: nothing to write (the common case on desks
            # without policies, and it runs after every ticket change).
            return []
        state, _ = TicketSla.objects.select_for_update().get_or_create(ticket=ticket)
        if policy is None:
            SlaTimer.objects.filter(ticket=ticket, is_active=True).update(is_active=False, policy=None)
            if state.policy_id is not None or state.explanation:
                state.policy = None
                state.explanation = ""
                state.save(update_fields=["policy", "explanation"])
            if not state.due_set_by_hand and ticket.due_at is not None and _sla_owns_due(ticket):
                ticket_actions.change_fields(sla_actor(), ticket, {"due_at": None})
            return []
        calendar = calendar_of(policy)
        spans, paused = pauses(ticket, policy.pause_statuses or [], now)
        timers: list[SlaTimer] = []
        for metric, attribute in _TARGETS.items():
            minutes = getattr(policy, attribute)
            cycle = cycle_for(metric, ticket, now) if minutes else None
            timer = existing.get(metric)
            if cycle is None:
                if timer is not None and timer.is_active:
                    timer.is_active = False
                    timer.save(update_fields=["is_active", "updated_at"])
                continue
            explanation = explain_due(calendar, cycle.start, minutes * 60, exclude=spans)
            if timer is None:
                timer = SlaTimer(ticket=ticket, metric=metric)
            elif timer.started_at != cycle.start:
                # A new cycle (the customer wrote again): its warning and breach are new too.
                timer.warned_at = None
                timer.breached_at = None
            timer.policy = policy
            timer.started_at = cycle.start
            timer.target_seconds = minutes * 60
            timer.due_at = explanation.due
            timer.stopped_at = cycle.stopped_at
            timer.is_active = True
            timer.paused = paused and cycle.stopped_at is None
            timer.explanation = explanation.text()
            timer.explanation_data = explanation.to_dict()
            timer.save()
            timers.append(timer)
        running = [t for t in timers if t.stopped_at is None]
        nearest = min(running, key=lambda t: t.due_at) if running else None
        explanation_text = nearest.explanation if nearest else ""
        if state.policy_id != policy.pk or state.explanation != explanation_text:
            state.policy = policy
            state.explanation = explanation_text
            state.save(update_fields=["policy", "explanation"])
        if not state.due_set_by_hand:
            target = nearest.due_at.replace(microsecond=0) if nearest else None
            current = ticket.due_at.replace(microsecond=0) if ticket.due_at else None
            if target != current and (target is not None or _sla_owns_due(ticket)):
                ticket_actions.change_fields(sla_actor(policy), ticket, {"due_at": target})
        return timers


def _sla_owns_due(ticket: Ticket) -> bool:
    """Whether the ticket's current due time was written by the SLA (so it may clear it)."""
    last = (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FIELD, field="due_at")
        .order_by("-created_at", "-id")
        .values_list("via_channel", flat=True)
        .first()
    )
    return last == SLA_CHANNEL


def explain(ticket: Ticket) -> str:
    """Why the ticket's due time is what it is (empty when no SLA set it)."""
    state = TicketSla.objects.filter(ticket=ticket).first()
    if state is None or state.due_set_by_hand:
        return ""
    return state.explanation


# ----------------------------------------------------------------------------- the checker


@dataclass
class CheckResult:
    warnings: int = 0
    breaches: int = 0


def check_timers(now: datetime | None = None) -> CheckResult:
    """Fire due warnings and breaches; each at most once per timer cycle."""
    now = now or time.now()
    result = CheckResult()
    longest_warning = SlaPolicy.objects.filter(is_active=True).aggregate(m=Max("warn_before_minutes"))["m"] or 0
    horizon = now + timedelta(minutes=longest_warning)
    candidates = list(
        SlaTimer.objects.filter(
            is_active=True, stopped_at__isnull=True, paused=False, breached_at__isnull=True,
            policy__isnull=False, policy__is_active=True, due_at__lte=horizon,
        ).values_list("ticket_id", flat=True).distinct()
    )
    for ticket_id in sorted(candidates):
        with transaction.atomic():
            ticket = Ticket.objects.select_related("department").get(pk=ticket_id)
            # The change that met a target may still be waiting in the job queue: recalculate
            # first, so a resolved ticket or a removed policy never produces a breach.
            for timer in recalculate(ticket, now):
                if not timer.is_active or timer.stopped_at is not None or timer.paused or timer.breached_at:
                    continue
                policy = timer.policy
                assert policy is not None
                if timer.due_at <= now:
                    if _mark(timer, "breached_at", now):
                        SlaTimer.objects.filter(pk=timer.pk, warned_at__isnull=True).update(warned_at=now)
                        _announce(ticket, timer, policy, Event.SLA_BREACHED)
                        result.breaches += 1
                elif (
                    timer.warned_at is None
                    and timer.due_at - timedelta(minutes=policy.warn_before_minutes) <= now
                    and _mark(timer, "warned_at", now)
                ):
                    _announce(ticket, timer, policy, Event.SLA_WARNING)
                    result.warnings += 1
    return result


def _mark(timer: SlaTimer, field: str, now: datetime) -> bool:
    """Set the mark if nobody has for this cycle; True for the one caller that did."""
    updated = SlaTimer.objects.filter(
        pk=timer.pk, started_at=timer.started_at, **{f"{field}__isnull": True}
    ).update(**{field: now})
    return updated == 1


def _announce(ticket: Ticket, timer: SlaTimer, policy: SlaPolicy, name: str) -> None:
    label = Metric(timer.metric).label
    due = timer.due_at.astimezone(calendar_of(policy).zone)
    verb = "breached" if name == Event.SLA_BREACHED else "due soon"
    summary = f"{label} {verb}: due {due:%Y-%m-%d %H:%M %Z} ({policy.name})"
    ticket_actions.record_sla_event(event_actor(), ticket, name, {"metric": timer.metric, "summary": summary})
