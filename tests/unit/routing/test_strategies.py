"""Distribution strategies, one decision at a time and over a simulated day."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessera.routing.strategies import (
    AgentSnapshot,
    Skip,
    Strategy,
    TicketNeeds,
    choose,
    least_loaded,
    round_robin,
    skills_based,
)

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
SUPPORT = 1
BILLING = 2


def agent(agent_id: int, **kwargs: object) -> AgentSnapshot:
    kwargs.setdefault("departments", frozenset({SUPPORT}))
    return AgentSnapshot(id=agent_id, **kwargs)  # type: ignore[arg-type]


NEEDS = TicketNeeds(department_id=SUPPORT, channel="email")


def test_skip_reasons() -> None:
    team = [
        agent(1, availability="offline"),
        agent(2, availability="away", away_until=NOW + timedelta(minutes=10)),
        agent(3, availability="break", away_until=NOW - timedelta(minutes=1)),
        agent(4, in_working_hours=False),
        agent(5, departments=frozenset({BILLING})),
        agent(6, capacity=3, open_tickets=3),
        agent(7, capacity_by_channel={"email": 2}, open_by_channel={"email": 2}),
        agent(8, capacity_by_channel={"chat": 1}, open_by_channel={"chat": 1}),
        agent(9, availability="away"),
    ]
    decision = choose(Strategy.LEAST_LOADED, NEEDS, team, NOW)
    assert decision.skipped == {
        1: Skip.UNAVAILABLE,
        2: Skip.UNAVAILABLE,
        4: Skip.OUTSIDE_WORKING_HOURS,
        5: Skip.NOT_IN_DEPARTMENT,
        6: Skip.AT_CAPACITY,
        7: Skip.AT_CHANNEL_CAPACITY,
        9: Skip.UNAVAILABLE,
    }
    # 3 is back from a break that ended; 8 is full on chat, not on email.
    assert set(decision.ranking) == {3, 8}


def test_nobody_eligible_gives_none() -> None:
    assert round_robin(NEEDS, [agent(1, availability="offline")], NOW) is None
    assert least_loaded(NEEDS, [], NOW) is None


def test_round_robin_picks_who_waited_longest() -> None:
    team = [
        agent(1, last_assigned_at=NOW - timedelta(minutes=5)),
        agent(2, last_assigned_at=NOW - timedelta(minutes=50)),
        agent(3, last_assigned_at=NOW - timedelta(minutes=20)),
    ]
    assert choose(Strategy.ROUND_ROBIN, NEEDS, team, NOW).ranking == (2, 3, 1)
    # Never assigned goes first; ties by id.
    assert round_robin(NEEDS, [*team, agent(9), agent(4)], NOW) == 4


def test_least_loaded_and_its_tie_breaks() -> None:
    team = [
        agent(1, open_tickets=4),
        agent(2, open_tickets=2, open_by_channel={"email": 2}, last_assigned_at=NOW - timedelta(minutes=1)),
        agent(3, open_tickets=2, open_by_channel={"email": 1}, last_assigned_at=NOW),
        agent(4, open_tickets=2, open_by_channel={"email": 1}, last_assigned_at=NOW - timedelta(hours=1)),
    ]
    assert choose(Strategy.LEAST_LOADED, NEEDS, team, NOW).ranking == (4, 3, 2, 1)


def test_skills_based_filters_then_least_loaded_then_highest_skill() -> None:
    needs = TicketNeeds(department_id=SUPPORT, channel="chat", skills={"Polish": 2, "billing": 1})
    team = [
        agent(1, skills={"polish": 3}, open_tickets=0),                       # no billing
        agent(2, skills={"polish": 1, "billing": 5}, open_tickets=0),         # Polish too weak
        agent(3, skills={"polish": 2, "billing": 1}, open_tickets=1),
        agent(4, skills={"POLISH": 4, "billing": 2}, open_tickets=1),
        agent(5, skills={"polish": 2, "billing": 1}, open_tickets=1, last_assigned_at=NOW),
        agent(6, skills={"polish": 5, "billing": 5}, open_tickets=3),
    ]
    decision = choose(Strategy.SKILLS_BASED, needs, team, NOW)
    assert decision.skipped == {1: Skip.MISSING_SKILLS, 2: Skip.MISSING_SKILLS}
    # 3, 4, 5 are equally loaded: 4 is most skilled; 3 before 5 by round robin.
    assert decision.ranking == (4, 3, 5, 6)
    assert skills_based(needs, team, NOW) == 4
    # The other strategies do not filter on skills.
    assert least_loaded(needs, team, NOW) == 1


def test_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="random"):
        choose("random", NEEDS, [agent(1)], NOW)


def test_same_snapshot_same_answer_whatever_the_order() -> None:
    team = [agent(i, open_tickets=i % 3, last_assigned_at=NOW - timedelta(minutes=i % 4)) for i in range(1, 20)]
    for strategy in Strategy:
        expected = choose(strategy, NEEDS, team, NOW).ranking
        shuffled = team[:]
        random.Random(7).shuffle(shuffled)
        assert choose(strategy, NEEDS, shuffled, NOW).ranking == expected


# --------------------------------------------------------------------------- simulation


def assign(team: dict[int, AgentSnapshot], agent_id: int, channel: str, at: datetime) -> None:
    a = team[agent_id]
    by_channel = dict(a.open_by_channel)
    by_channel[channel] = by_channel.get(channel, 0) + 1
    team[agent_id] = dataclasses.replace(a, open_tickets=a.open_tickets + 1, open_by_channel=by_channel,
                                         last_assigned_at=at)


def close(team: dict[int, AgentSnapshot], agent_id: int, channel: str) -> None:
    a = team[agent_id]
    by_channel = dict(a.open_by_channel)
    by_channel[channel] -= 1
    team[agent_id] = dataclasses.replace(a, open_tickets=a.open_tickets - 1, open_by_channel=by_channel)


def test_round_robin_over_a_thousand_tickets_is_fair() -> None:
    team = {i: agent(i) for i in range(1, 11)}
    counts: Counter[int] = Counter()
    for n in range(1000):
        at = NOW + timedelta(seconds=n)
        chosen = round_robin(NEEDS, list(team.values()), at)
        assert chosen is not None
        counts[chosen] += 1
        assign(team, chosen, "email", at)
    assert counts == dict.fromkeys(range(1, 11), 100)


@pytest.mark.parametrize("strategy", list(Strategy))
def test_thousand_tickets_with_capacities_closures_and_agents_leaving(strategy: Strategy) -> None:
    rng = random.Random(2025)
    capacities = [5, 8, 10, 12, 0, 6, 15, 4, 9, 0]
    team = {
        i: agent(i, capacity=cap, capacity_by_channel={"chat": 3}, skills={"vi": 1 + i % 3})
        for i, cap in enumerate(capacities, start=1)
    }
    open_tickets: list[tuple[int, str]] = []
    counts: Counter[int] = Counter()
    unassigned = 0
    went_offline_at: dict[int, int] = {}
    for n in range(1000):
        at = NOW + timedelta(seconds=30 * n)
        if n == 300:
            team[3] = dataclasses.replace(team[3], availability="offline")
            went_offline_at[3] = n
        if n == 600:
            team[7] = dataclasses.replace(team[7], availability="break", away_until=at + timedelta(minutes=60))
            went_offline_at[7] = n
        # Agents resolve tickets along the way.
        while open_tickets and rng.random() < 0.45:
            agent_id, channel = open_tickets.pop(rng.randrange(len(open_tickets)))
            close(team, agent_id, channel)
        channel = "chat" if rng.random() < 0.3 else "email"
        needs = TicketNeeds(department_id=SUPPORT, channel=channel, skills={"vi": 1})
        decision = choose(strategy, needs, list(team.values()), at)
        if decision.agent_id is None:
            unassigned += 1
            continue
        chosen = team[decision.agent_id]
        assert chosen.availability == "online" or (chosen.away_until is not None and chosen.away_until <= at)
        if decision.agent_id == 3:
            assert n < 300
        if decision.agent_id == 7:
            assert n < 600 or at >= NOW + timedelta(seconds=30 * 600) + timedelta(minutes=60)
        assign(team, decision.agent_id, channel, at)
        open_tickets.append((decision.agent_id, channel))
        counts[decision.agent_id] += 1
        for a in team.values():
            assert a.capacity == 0 or a.open_tickets <= a.capacity
            assert a.open_by_channel.get("chat", 0) <= 3
    assert sum(counts.values()) + unassigned == 1000
    assert sum(counts.values()) > 900
    assert set(counts) == set(range(1, 11))


def test_round_robin_spread_stays_within_one_while_agents_come_and_go() -> None:
    team = {i: agent(i) for i in range(1, 11)}
    counts: Counter[int] = Counter()
    for n in range(1000):
        at = NOW + timedelta(seconds=n)
        if n == 250:
            team[4] = dataclasses.replace(team[4], availability="offline")
        if n == 500:
            team[4] = dataclasses.replace(team[4], availability="online")
        chosen = round_robin(NEEDS, list(team.values()), at)
        assert chosen is not None
        assert not (chosen == 4 and 250 <= n < 500)
        counts[chosen] += 1
        assign(team, chosen, "email", at)
        if n == 249 or n == 999:
            # Everyone who was online throughout is within one ticket of everyone else.
            steady = [counts[i] for i in range(1, 11) if i != 4]
            assert max(steady) - min(steady) <= 1
    assert counts[4] < min(counts[i] for i in range(1, 11) if i != 4)


_agents = st.lists(
    st.builds(
        AgentSnapshot,
        id=st.integers(1, 10_000),
        availability=st.sampled_from(["online", "away", "break", "offline"]),
        away_until=st.none() | st.sampled_from([NOW - timedelta(hours=1), NOW + timedelta(hours=1)]),
        in_working_hours=st.booleans(),
        departments=st.frozensets(st.sampled_from([SUPPORT, BILLING]), max_size=2),
        open_tickets=st.integers(0, 20),
        open_by_channel=st.fixed_dictionaries({"email": st.integers(0, 10), "chat": st.integers(0, 5)}),
        capacity=st.integers(0, 20),
        capacity_by_channel=st.fixed_dictionaries({"chat": st.integers(0, 5)}),
        skills=st.dictionaries(st.sampled_from(["vi", "th", "pl"]), st.integers(0, 5), max_size=3),
        last_assigned_at=st.none() | st.integers(0, 1000).map(lambda m: NOW - timedelta(minutes=m)),
    ),
    max_size=12,
    unique_by=lambda a: a.id,
)


@settings(max_examples=150)
@given(_agents, st.sampled_from(list(Strategy)), st.sampled_from(["email", "chat"]),
       st.dictionaries(st.sampled_from(["vi", "th", "pl"]), st.integers(1, 5), max_size=2))
def test_any_choice_is_eligible_and_none_means_nobody_is(
    agents: list[AgentSnapshot], strategy: Strategy, channel: str, skills: dict[str, int],
) -> None:
    needs = TicketNeeds(department_id=SUPPORT, channel=channel, skills=skills)
    decision = choose(strategy, needs, agents, NOW)
    assert set(decision.ranking) | set(decision.skipped) == {a.id for a in agents}
    assert not set(decision.ranking) & set(decision.skipped)
    if decision.agent_id is None:
        assert decision.ranking == ()
        return
    chosen = next(a for a in agents if a.id == decision.agent_id)
    assert SUPPORT in chosen.departments
    assert chosen.in_working_hours
    assert chosen.capacity == 0 or chosen.open_tickets < chosen.capacity
    cap = chosen.capacity_by_channel.get(channel, 0)
    assert cap == 0 or chosen.open_by_channel.get(channel, 0) < cap
    if strategy is not Strategy.ROUND_ROBIN:
        eligible = [a for a in agents if a.id in decision.ranking]
        assert chosen.open_tickets == min(a.open_tickets for a in eligible)
    if strategy is Strategy.SKILLS_BASED:
        levels = {k.casefold(): v for k, v in chosen.skills.items()}
        assert all(levels.get(name, 0) >= level for name, level in skills.items())
