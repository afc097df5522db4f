"""The report's numbers against the week built by hand in conftest.py, on either database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tessera.accounts.actor import Actor
from tessera.core import time
from tessera.core.errors import NotFound, PermissionDenied
from tessera.reports import queries
from tessera.reports.period import Period

from .conftest import NOW, WEEK

pytestmark = pytest.mark.django_db


def report(desk: dict[str, Any], who: str, department: int | None = None, period: Period = WEEK) -> queries.Summary:
    with time.frozen_at(NOW):
        return queries.summary(Actor.of(desk[who]), period, department)


def test_volume_of_the_week(week: dict[str, Any]) -> None:
    v = report(week, "agent").volume
    assert (v.created, v.resolved, v.reopened, v.reopened_tickets, v.backlog) == (4, 3, 1, 1, 5)
    assert [(d.day.day, d.created, d.resolved) for d in v.days] == [
        (2, 1, 2), (3, 1, 0), (4, 1, 1), (5, 0, 0), (6, 1, 0), (7, 0, 0), (8, 0, 0)
    ]
    assert [(r.label, r.created, r.resolved) for r in v.by_department] == [("Support", 4, 3)]
    assert [(r.key, r.created, r.resolved) for r in v.by_channel] == [("email", 4, 3)]
    assert [(r.key, r.created, r.resolved) for r in v.by_priority] == [("normal", 4, 3)]


def test_key_indicators(week: dict[str, Any]) -> None:
    k = report(week, "agent").indicators
    assert k.time_basis == "calendar"
    # First replies in the week: 1 h, 3 h, 10 h. Resolutions: 4 h, 24 h, 121 h.
    assert (k.first_response.count, k.first_response.median_hours, k.first_response.p90_hours) == (3, 3.0, 8.6)
    assert (k.resolution.count, k.resolution.median_hours, k.resolution.p90_hours) == (3, 24.0, 101.6)
    s = k.sla
    assert (s.first_response_total, s.first_response_breached, s.resolution_total, s.resolution_breached) == (3, 2, 2, 1)
    assert s.first_response_rate == pytest.approx(2 / 3, abs=1e-4)
    assert s.resolution_rate == 0.5
    assert (k.satisfaction.count, k.satisfaction.average) == (2, 3.5)
    assert k.satisfaction.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}


def test_tags_against_the_week_before(week: dict[str, Any]) -> None:
    tags = report(week, "agent").tags
    assert [(t.name, t.tickets, t.previous, t.change, t.change_percent) for t in tags] == [
        ("refund", 2, 1, 1, 100.0), ("login", 1, 1, 0, 0.0), ("vip", 1, 1, 0, 0.0)
    ]


def test_recurring_problems(week: dict[str, Any]) -> None:
    p = report(week, "agent").problems
    assert [(r.number, r.incidents, r.incidents_total) for r in p.problems] == [(week["problem"].number, 2, 3)]
    # The Thai subject has no words to split; its Latin "portal" still counts.
    assert [(w.word, w.tickets) for w in p.words] == [("portal", 2), ("refund", 2)]
    assert (p.subjects_read, p.sampled) == (4, False)


def test_per_agent(week: dict[str, Any]) -> None:
    agents = report(week, "agent").agents
    assert [(a.name, a.resolved, a.first_responses, a.median_first_response_hours, a.ratings, a.average_rating)
            for a in agents] == [("agent", 2, 2, 2.0, 2, 3.5)]


def test_admin_sees_every_department_and_may_filter(week: dict[str, Any]) -> None:
    everything = report(week, "admin")
    assert (everything.volume.created, everything.volume.resolved) == (5, 4)
    assert [r.label for r in everything.volume.by_department] == ["Support", "Billing"]
    assert (everything.indicators.satisfaction.count, everything.indicators.satisfaction.average) == (3, 2.67)
    billing = report(week, "admin", week["billing"].pk)
    assert (billing.volume.created, billing.volume.resolved, billing.volume.backlog) == (1, 1, 0)


def test_outsider_sees_nothing_of_support(week: dict[str, Any]) -> None:
    r = report(week, "outsider")
    assert [d.name for d in r.scope.choices] == ["Billing"]
    assert (r.volume.created, r.volume.resolved, r.volume.backlog, r.volume.reopened) == (1, 1, 0, 0)
    assert [t.name for t in r.tags] == ["invoice"]
    assert r.problems.problems == [] and r.problems.words == []
    assert (r.indicators.first_response.count, r.indicators.first_response.median_hours) == (1, 1.0)
    assert r.indicators.sla.first_response_total == 0
    assert (r.indicators.satisfaction.count, r.indicators.satisfaction.average) == (1, 1.0)
    assert [a.name for a in r.agents] == ["outsider"]
    with pytest.raises(PermissionDenied):
        report(week, "outsider", week["support"].pk)


def test_light_agent_is_scoped_like_an_agent(week: dict[str, Any]) -> None:
    assert report(week, "light").volume.created == 4
    with pytest.raises(PermissionDenied):
        report(week, "light", week["billing"].pk)


@pytest.mark.parametrize("who", ["customer_a", "customer_b"])
def test_customers_get_nothing(week: dict[str, Any], who: str) -> None:
    with pytest.raises(PermissionDenied):
        report(week, who)


def test_unknown_department(week: dict[str, Any]) -> None:
    for who in ("admin", "agent"):
        with pytest.raises(NotFound):
            report(week, who, 987654321)


def test_agent_without_departments_sees_zeroes(week: dict[str, Any]) -> None:
    from tessera.accounts.models import Membership

    Membership.objects.filter(user=week["outsider"]).delete()
    r = report(week, "outsider")
    assert (r.volume.created, r.volume.backlog, r.indicators.satisfaction.count, r.tags) == (0, 0, 0, [])


def test_an_empty_period_has_no_percentiles(week: dict[str, Any]) -> None:
    k = report(week, "agent", period=Period(date(2025, 1, 1), date(2025, 1, 31))).indicators
    assert (k.first_response.count, k.first_response.median_hours, k.first_response.p90_hours) == (0, None, None)
    assert (k.sla.first_response_rate, k.satisfaction.average) == (None, None)


def _queries_for(desk: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        report(desk, "agent")
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_tickets(week: dict[str, Any], make_ticket: Any) -> None:
    from tests.integration.reports.conftest import local

    before = _queries_for(week)
    assert before == 18
    for day in range(2, 9):
        t = make_ticket(subject=f"Printer {day} jammed", tags=[f"tag{day}", "printer"], created_at=local(day, 9),
                        assignee=week["agent"])
        with time.frozen_at(local(day, 10)):
            from tessera.tickets import actions

            actions.add_agent_reply(Actor.of(week["agent"]), t, body_text="Fixed", status="resolved")
    assert _queries_for(week) == before
    assert report(week, "agent").volume.created == 11
