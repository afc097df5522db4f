"""Automatic assignment: lock, count, choose (pure strategy), assign through the ticket action.

Concurrency: one transaction locks the ticket row, then every candidate agent's user row in
id order (``SELECT ... FOR UPDATE``; one global order, so two assigners never deadlock), and
only then counts open tickets. Two tickets arriving at once therefore see each other's
assignment, no agent goes over capacity, and a ticket that already has an assignee when its
lock is granted is left alone, so no ticket is assigned twice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count

from tessera.accounts.actor import Actor
from tessera.accounts.models import Availability, Membership, Role, User
from tessera.core import time
from tessera.core.effects import enqueue
from tessera.core.errors import ValidationFailed
from tessera.routing.models import AgentRouting, Distribution
from tessera.routing.strategies import (
    AgentSnapshot,
    Decision,
    Strategy,
    TicketNeeds,
    choose,
    effective_availability,
)
from tessera.routing.strategies import Availability as RoutingAvailability
from tessera.sla.calendar import BusinessCalendar, CalendarError
from tessera.tickets import actions as ticket_actions
from tessera.tickets.models import EventKind, Ticket, TicketEvent
from tessera.tickets.states import ACTIVE, SOLVED

DISTRIBUTION_ACTOR_LABEL = "Automatic distribution"
_SKILL_TAG = re.compile(r"^skill:([^:]+)(?::(\d+))?$", re.IGNORECASE)


def distribution_actor() -> Actor:
    # No ``rule``: an automatic assignment is an event the triggers should see.
    return Actor.system(channel="distribution")


def required_skills(tag_names: Iterable[str]) -> dict[str, int]:
    """Skills a ticket needs, from tags a rule (or agent) added: ``skill:thai`` or ``skill:thai:3``."""
    needs: dict[str, int] = {}
    for name in tag_names:
        match = _SKILL_TAG.match(name.strip())
        if match:
            skill = match.group(1).strip().casefold()
            needs[skill] = max(needs.get(skill, 0), int(match.group(2) or 1))
    return needs


def _in_working_hours(routing: AgentRouting | None, now: datetime) -> bool:
    if routing is None or not routing.working_hours:
        return True
    try:
        return BusinessCalendar.from_dict(routing.working_hours).is_open(now)
    except CalendarError:
        return True


def snapshots(agents: list[User], channel: str, now: datetime) -> list[AgentSnapshot]:
    """The team as the strategies see it; call with the agents' rows locked."""
    ids = [a.pk for a in agents]
    loads: dict[int, int] = defaultdict(int)
    by_channel: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Ticket.objects.filter(assignee_id__in=ids, status__in=ACTIVE, merged_into__isnull=True)
        .values("assignee_id", "channel")
        .annotate(n=Count("id"))
    )
    for row in rows:
        loads[row["assignee_id"]] += row["n"]
        by_channel[row["assignee_id"]][row["channel"]] = row["n"]
    departments: dict[int, set[int]] = defaultdict(set)
    for user_id, department_id in Membership.objects.filter(user_id__in=ids).values_list("user_id", "department_id"):
        departments[user_id].add(department_id)
    routing = {r.user_id: r for r in AgentRouting.objects.filter(user_id__in=ids)}
    out: list[AgentSnapshot] = []
    for agent in agents:
        state = routing.get(agent.pk)
        out.append(AgentSnapshot(
            id=agent.pk,
            availability=agent.availability,
            away_until=agent.away_until,
            in_working_hours=_in_working_hours(state, now),
            departments=frozenset(departments[agent.pk]),
            open_tickets=loads[agent.pk],
            open_by_channel=by_channel[agent.pk],
            capacity=agent.max_open_tickets,
            capacity_by_channel={k: int(v) for k, v in (state.capacity_by_channel if state else {}).items()},
            skills={str(k): int(v) for k, v in (agent.skills or {}).items()},
            last_assigned_at=state.last_assigned_at if state else None,
        ))
    return out


def auto_assign(
    ticket: Ticket | int,
    *,
    actor: Actor | None = None,
    strategy: str | None = None,
    now: datetime | None = None,
) -> User | None:
    """Assign the ticket to the agent its department's distribution picks; None if nobody can
    take it (or it already has an assignee)."""
    now = now or time.now()
    pk = ticket if isinstance(ticket, int) else ticket.pk
    with transaction.atomic():
        locked = Ticket.objects.select_for_update(of=("self",)).get(pk=pk)
        if locked.assignee_id is not None or locked.status in SOLVED or locked.merged_into_id is not None:
            return None
        setting = Distribution.objects.filter(department_id=locked.department_id).first()
        chosen_strategy = strategy or (setting.strategy if setting else Strategy.ROUND_ROBIN)
        member_ids = sorted(
            Membership.objects.filter(
                department_id=locked.department_id, user__is_active=True, user__role__in=[Role.ADMIN, Role.AGENT]
            ).values_list("user_id", flat=True)
        )
        # Locked in id order: every assigner takes these locks in the same order.
        agents = list(User.objects.select_for_update().filter(pk__in=member_ids).order_by("pk"))
        needs = TicketNeeds(
            department_id=locked.department_id,
            channel=locked.channel,
            skills=required_skills(locked.tags.values_list("name", flat=True)),
        )
        decision: Decision = choose(chosen_strategy, needs, snapshots(agents, locked.channel, now), now)
        if decision.agent_id is None:
            return None
        agent = next(a for a in agents if a.pk == decision.agent_id)
        ticket_actions.assign(actor or distribution_actor(), locked, agent)
        _stamp(agent, member_ids, now)
        return agent


def _stamp(agent: User, team: list[int], now: datetime) -> None:
    """Move the agent to the back of the round-robin line.

    Strictly after everyone's stamp, even when the clock has not moved (a frozen clock in a
    simulation, two assignments in one microsecond), so the order never depends on ties.
    """
    latest = AgentRouting.objects.filter(user_id__in=team).exclude(last_assigned_at=None).order_by(
        "-last_assigned_at"
    ).values_list("last_assigned_at", flat=True).first()
    stamp = now if latest is None or now > latest else latest + timedelta(microseconds=1)
    AgentRouting.objects.update_or_create(user=agent, defaults={"last_assigned_at": stamp})


def assign_new_tickets(events: Iterable[TicketEvent]) -> list[User]:
    """Auto-assign tickets just created in a department whose distribution asks for it."""
    created = sorted({e.ticket_id for e in events if e.kind == EventKind.CREATED})
    assigned: list[User] = []
    for ticket_id in created:
        ticket = Ticket.objects.filter(pk=ticket_id).only("department_id", "assignee_id").first()
        if ticket is None or ticket.assignee_id is not None:
            continue
        if not Distribution.objects.filter(department_id=ticket.department_id, auto_assign=True).exists():
            continue
        agent = auto_assign(ticket_id)
        if agent is not None:
            assigned.append(agent)
    return assigned


def set_availability(
    user: User, availability: str, *, away_until: datetime | None = None, now: datetime | None = None
) -> User:
    """Change an agent's availability (the one path for it: the desk header, the API, tests).

    Only away and break carry a return time. Going offline returns the agent's tickets to the
    queue in departments that ask for it (and hands them out again where auto-assign is on);
    coming back hands queued tickets out at once instead of at the next periodic run.
    """
    if availability not in Availability.values:
        raise ValidationFailed(f"Unknown availability {availability!r}", field="availability")
    if availability in {Availability.ONLINE, Availability.OFFLINE}:
        away_until = None
    now = now or time.now()
    before = effective_availability(user.availability, user.away_until, now)
    after = effective_availability(availability, away_until, now)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(availability=availability, away_until=away_until)
        user.availability, user.away_until = availability, away_until
        if availability == Availability.OFFLINE:
            requeue_agent_tickets(user)
        if after is RoutingAvailability.ONLINE and before is not RoutingAvailability.ONLINE:
            from tessera.routing.tasks import assign_queued_tickets

            enqueue(assign_queued_tickets)
    return user


def requeue_agent_tickets(user: User) -> int:
    departments = list(
        Distribution.objects.filter(
            requeue_on_offline=True, department__memberships__user=user
        ).values_list("department_id", "auto_assign")
    )
    moved = 0
    actor = distribution_actor()
    for department_id, auto in departments:
        tickets = list(
            Ticket.objects.filter(assignee=user, department_id=department_id, status__in=ACTIVE).order_by("id")
        )
        for ticket in tickets:
            ticket_actions.assign(actor, ticket, None)
            moved += 1
            if auto:
                auto_assign(ticket.pk)
    return moved


def set_working_hours(user: User, calendar: Mapping[str, Any]) -> AgentRouting:
    """Store the hours during which an agent is handed tickets; ``{}`` means always.

    The calendar is validated (CalendarError lists every fault) and stored in the canonical
    form ``BusinessCalendar.to_dict`` gives, so what is read back is what was saved.
    """
    document: dict[str, Any] = BusinessCalendar.from_dict(calendar).to_dict() if calendar else {}
    routing, _created = AgentRouting.objects.update_or_create(user=user, defaults={"working_hours": document})
    return routing
