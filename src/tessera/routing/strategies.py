"""Choosing an agent for a ticket from a snapshot of the team. Pure.

The caller takes the snapshot (with the agents' rows locked, so two workers cannot both see
the same free slot), calls ``choose``, assigns, and commits. Every strategy only ever picks an
*eligible* agent: available, inside working hours, a member of the ticket's department, and
below every capacity. Ties are broken by who waited longest since their last assignment, then
by id, so the same snapshot always gives the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class Availability(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    BREAK = "break"
    OFFLINE = "offline"


class Strategy(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"
    SKILLS_BASED = "skills_based"


class Skip(StrEnum):
    """Why an agent was not a candidate; shown to admins asking "why not her?"."""

    UNAVAILABLE = "unavailable"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    NOT_IN_DEPARTMENT = "not_in_department"
    AT_CAPACITY = "at_capacity"
    AT_CHANNEL_CAPACITY = "at_channel_capacity"
    MISSING_SKILLS = "missing_skills"


@dataclass(frozen=True)
class AgentSnapshot:
    id: int
    availability: str = Availability.ONLINE
    # An away/break status with a return time in the past counts as back: the status row may
    # lag behind the clock, and the agent said when they would return.
    away_until: datetime | None = None
    # The agent's own working-hours calendar, evaluated by the caller for "now".
    in_working_hours: bool = True
    departments: frozenset[int] = frozenset()
    open_tickets: int = 0
    open_by_channel: Mapping[str, int] = field(default_factory=dict)
    # 0 means no limit, as in ``User.max_open_tickets``.
    capacity: int = 0
    capacity_by_channel: Mapping[str, int] = field(default_factory=dict)
    skills: Mapping[str, int] = field(default_factory=dict)
    last_assigned_at: datetime | None = None


@dataclass(frozen=True)
class TicketNeeds:
    department_id: int | None = None
    channel: str = ""
    # Skill name -> minimum level.
    skills: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    agent_id: int | None
    strategy: Strategy
    # Eligible agents, best first: the caller can fall back to the next one if the first
    # turns out to be taken by the time it locks the row.
    ranking: tuple[int, ...]
    skipped: Mapping[int, Skip]


_NEVER = datetime.min.replace(tzinfo=UTC)


def _skill_levels(skills: Mapping[str, int]) -> dict[str, int]:
    # Skill names are typed by admins in several places; match them case-insensitively.
    return {name.casefold().strip(): level for name, level in skills.items()}


def effective_availability(availability: str, away_until: datetime | None, now: datetime) -> Availability:
    """What an agent's stored status means at ``now``: an away or break status whose return
    time has passed reads as online, everywhere (routing, the desk header, admin pages)."""
    try:
        state = Availability(availability)
    except ValueError:
        return Availability.OFFLINE
    if state in {Availability.AWAY, Availability.BREAK} and away_until is not None and away_until <= now:
        return Availability.ONLINE
    return state


def is_available(agent: AgentSnapshot, now: datetime) -> bool:
    return effective_availability(agent.availability, agent.away_until, now) is Availability.ONLINE


def skip_reason(agent: AgentSnapshot, needs: TicketNeeds, now: datetime, *, check_skills: bool) -> Skip | None:
    """Why the agent cannot take the ticket now, or None when they can."""
    if not is_available(agent, now):
        return Skip.UNAVAILABLE
    if not agent.in_working_hours:
        return Skip.OUTSIDE_WORKING_HOURS
    if needs.department_id is not None and needs.department_id not in agent.departments:
        return Skip.NOT_IN_DEPARTMENT
    if agent.capacity > 0 and agent.open_tickets >= agent.capacity:
        return Skip.AT_CAPACITY
    channel_cap = agent.capacity_by_channel.get(needs.channel, 0) if needs.channel else 0
    if channel_cap > 0 and agent.open_by_channel.get(needs.channel, 0) >= channel_cap:
        return Skip.AT_CHANNEL_CAPACITY
    if check_skills and needs.skills:
        levels = _skill_levels(agent.skills)
        for name, minimum in _skill_levels(needs.skills).items():
            if levels.get(name, 0) < minimum:
                return Skip.MISSING_SKILLS
    return None


def _turn(agent: AgentSnapshot) -> tuple[datetime, int]:
    """Round-robin order: whoever was assigned longest ago (or never) goes first."""
    return (agent.last_assigned_at or _NEVER, agent.id)


def _skill_score(agent: AgentSnapshot, needs: TicketNeeds) -> int:
    levels = _skill_levels(agent.skills)
    return sum(levels.get(name, 0) for name in _skill_levels(needs.skills))


def _rank_key(strategy: Strategy, agent: AgentSnapshot, needs: TicketNeeds) -> tuple[object, ...]:
    channel_load = agent.open_by_channel.get(needs.channel, 0) if needs.channel else 0
    match strategy:
        case Strategy.ROUND_ROBIN:
            return _turn(agent)
        case Strategy.LEAST_LOADED:
            return (agent.open_tickets, channel_load, *_turn(agent))
        case Strategy.SKILLS_BASED:
            return (agent.open_tickets, -_skill_score(agent, needs), channel_load, *_turn(agent))
    raise ValueError(f"unknown strategy {strategy!r}")


def choose(
    strategy: Strategy | str,
    needs: TicketNeeds,
    agents: Sequence[AgentSnapshot],
    now: datetime,
) -> Decision:
    """Rank the eligible agents for a ticket; ``agent_id`` is the first of them, or None."""
    strategy = Strategy(strategy)
    skipped: dict[int, Skip] = {}
    eligible: list[AgentSnapshot] = []
    for agent in agents:
        # Required skills filter only in skills-based routing; the other strategies ignore
        # them rather than silently leaving tickets unassigned.
        reason = skip_reason(agent, needs, now, check_skills=strategy is Strategy.SKILLS_BASED)
        if reason is None:
            eligible.append(agent)
        else:
            skipped[agent.id] = reason
    eligible.sort(key=lambda agent: _rank_key(strategy, agent, needs))
    ranking = tuple(agent.id for agent in eligible)
    return Decision(ranking[0] if ranking else None, strategy, ranking, skipped)


def round_robin(needs: TicketNeeds, agents: Sequence[AgentSnapshot], now: datetime) -> int | None:
    return choose(Strategy.ROUND_ROBIN, needs, agents, now).agent_id


def least_loaded(needs: TicketNeeds, agents: Sequence[AgentSnapshot], now: datetime) -> int | None:
    return choose(Strategy.LEAST_LOADED, needs, agents, now).agent_id


def skills_based(needs: TicketNeeds, agents: Sequence[AgentSnapshot], now: datetime) -> int | None:
    return choose(Strategy.SKILLS_BASED, needs, agents, now).agent_id
