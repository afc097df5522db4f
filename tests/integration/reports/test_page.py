"""The desk's report page, its CSV exports and the API: who may see what, hostile input."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tessera.accounts.actor import Actor
from tessera.core import time
from tessera.reports.views import TABLES
from tessera.tickets import actions
from tests.integration.agent_ui.test_desk import WHO, client_for

from .conftest import NOW, local

pytestmark = pytest.mark.django_db

WEEK_QUERY = "?from=2026-03-02&to=2026-03-08"


def get(client: Client, query: str) -> Any:
    with time.frozen_at(NOW):
        return client.get("/desk/reports/" + query)


PAGE_MATRIX = {
    "": {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 200, "outsider": 200, "light": 200,
         "admin": 200},
    "?department={support}": {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 200, "outsider": 403,
                              "light": 200, "admin": 200},
    "?format=csv&table=daily": {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 200, "outsider": 200,
                                "light": 200, "admin": 200},
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("query", list(PAGE_MATRIX))
def test_page_matrix(desk: dict[str, Any], who: str, query: str) -> None:
    response = get(client_for(desk, who), query.format(support=desk["support"].pk))
    assert response.status_code == PAGE_MATRIX[query][who]
    if who == "anonymous":
        assert "/login" in response["Location"]


def test_every_reports_route_is_in_the_matrix() -> None:
    from tessera.reports.urls import urlpatterns

    assert {str(p.pattern) for p in urlpatterns} == {""}


def test_page_shows_the_week(week: dict[str, Any]) -> None:
    response = get(client_for(week, "agent"), WEEK_QUERY)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="tile-created"><strong>4</strong>' in page
    assert 'id="tile-backlog"><strong>5</strong>' in page
    assert "refund" in page and week["problem"].display_number in page
    # The chart is inline SVG, one group per day, and nothing is loaded from elsewhere.
    assert page.count("<g><title>") == 7
    assert "<script" not in page.split("<main>", 1)[1]
    assert 'href="/desk/reports/"' in page  # the navigation link


def test_outsider_page_has_nothing_of_support(week: dict[str, Any]) -> None:
    page = get(client_for(week, "outsider"), WEEK_QUERY).content.decode()
    assert "invoice" in page
    for secret in ("refund", "Support", week["problem"].display_number, "Payment gateway"):
        assert secret not in page


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("?range=abc", 400, "Choose a period"),
        ("?range=7000", 400, "Choose a period"),
        ("?from=2026-13-01", 400, "is not a date"),
        ("?from=yesterday&to=2026-03-01", 400, "is not a date"),
        ("?from=2026-03-08&to=2026-03-02", 400, "after the end date"),
        ("?from=2020-01-01&to=2026-01-01", 400, "at most 366 days"),
        ("?from=0001-01-01&to=0001-01-02", 400, "too early"),
        ("?from=9999-12-01&to=9999-12-31", 400, "too late"),
        ("?from=2026-03-01%00", 400, "is not a date"),
        ("?department=abc", 400, "Choose a department"),
        ("?department=-1", 400, "Choose a department"),
        ("?department=99999999999999999999999", 400, "Choose a department"),
        ("?department=987654321", 404, "Department not found"),
    ],
)
def test_hostile_input_is_a_clear_4xx(week: dict[str, Any], query: str, status: int, message: str) -> None:
    for who in ("agent", "admin"):
        response = get(client_for(week, who), query)
        assert response.status_code == status, (who, query)
        assert message in response.content.decode()
        csv_response = get(client_for(week, who), query + "&format=csv&table=tags")
        assert csv_response.status_code == status
        assert message in csv_response.content.decode()


@pytest.mark.parametrize("query", ["?format=csv", "?format=csv&table=nope", "?format=xml&table=tags"])
def test_unknown_export(week: dict[str, Any], query: str) -> None:
    response = get(client_for(week, "agent"), query)
    assert response.status_code == 400
    assert "format=csv" in response.content.decode()


def _csv(client: Client, table: str) -> list[list[str]]:
    response = get(client, f"{WEEK_QUERY}&format=csv&table={table}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"tessera-{table}-2026-03-02-2026-03-08.csv" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_every_table_exports(week: dict[str, Any]) -> None:
    client = client_for(week, "agent")
    for table in TABLES:
        assert len(_csv(client, table)) >= 2, table
    assert _csv(client, "daily")[1:3] == [["2026-03-02", "1", "2"], ["2026-03-03", "1", "0"]]
    assert _csv(client, "tags")[1] == ["refund", "2", "1", "1", "100.0"]
    assert ["Backlog at the end", "5"] in _csv(client, "indicators")


def test_csv_cells_cannot_become_formulas(week: dict[str, Any], make_ticket: Any) -> None:
    system = Actor.system()
    problem = make_ticket(subject="=HYPERLINK(\"http://evil.test\",\"x\")", type="problem", created_at=local(2, 8))
    incident = make_ticket(subject="Another", tags=["+SUM(A1)", "@risky", "-1"], created_at=local(2, 9))
    actions.link(system, problem, incident, "problem_incident")
    week["agent"].display_name = "=cmd|' /C calc'!A0"
    week["agent"].save()
    client = client_for(week, "agent")
    problems = _csv(client, "problems")
    assert [problem.display_number, "'=HYPERLINK(\"http://evil.test\",\"x\")", "new", "1", "1"] in problems
    tags = {row[0] for row in _csv(client, "tags")}
    assert {"'+SUM(A1)", "'@risky", "'-1"} <= tags
    assert "'=cmd|' /C calc'!A0" in {row[0] for row in _csv(client, "agents")}


def _page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert get(client, WEEK_QUERY).status_code == 200
    return len(ctx.captured_queries)


def test_page_query_count_is_pinned(week: dict[str, Any], make_ticket: Any) -> None:
    client = client_for(week, "agent")
    _page_queries(client)  # the session's first touch
    before = _page_queries(client)
    for day in range(2, 9):
        t = make_ticket(subject=f"Printer {day} jammed", tags=[f"tag{day}"], created_at=local(day, 9),
                        assignee=week["agent"])
        with time.frozen_at(local(day, 10)):
            actions.add_agent_reply(Actor.of(week["agent"]), t, body_text="Fixed", status="resolved")
    assert _page_queries(client) == before
    assert before <= 24


# ----------------------------------------------------------------------------- API


def test_api_gives_the_same_numbers(week: dict[str, Any], as_: Any) -> None:
    with time.frozen_at(NOW):
        status, body = as_("agent").get("/reports/summary?from=2026-03-02&to=2026-03-08")
    assert status == 200, body
    assert body["period"] == {"start": "2026-03-02", "end": "2026-03-08", "previous_start": "2026-02-23",
                              "previous_end": "2026-03-01", "time_zone": "Asia/Ho_Chi_Minh"}
    assert body["departments"] == [week["support"].pk]
    v = body["volume"]
    assert (v["created"], v["resolved"], v["reopened"], v["backlog"]) == (4, 3, 1, 5)
    k = body["indicators"]
    assert k["time_basis"] == "calendar"
    assert k["first_response"] == {"count": 3, "median_hours": 3.0, "p90_hours": 8.6}
    assert k["resolution"] == {"count": 3, "median_hours": 24.0, "p90_hours": 101.6}
    assert k["sla"]["resolution_breach_rate"] == 0.5
    assert k["satisfaction"] == {"count": 2, "average": 3.5, "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}}
    assert body["tags"][0] == {"name": "refund", "tickets": 2, "previous": 1, "change": 1, "change_percent": 100.0}
    assert body["problems"]["problems"][0]["incidents"] == 2
    assert [a["name"] for a in body["agents"]] == ["agent"]


def test_api_outsider_sees_only_billing(week: dict[str, Any], as_: Any) -> None:
    status, body = as_("outsider").get("/reports/summary?from=2026-03-02&to=2026-03-08")
    assert status == 200
    assert body["departments"] == [week["billing"].pk]
    assert body["volume"]["created"] == 1 and [t["name"] for t in body["tags"]] == ["invoice"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("?from=2026-02-30", 422, "from"),
        ("?from=2026-03-08&to=2026-03-02", 422, "from"),
        ("?from=2020-01-01&to=2026-01-01", 422, "from"),
        ("?to=junk", 422, "to"),
        ("?department=0", 422, "department"),
        ("?department=abc", 422, "department"),
        ("?department=987654321", 404, None),
        ("?from=" + "9" * 100, 422, "from"),
    ],
)
def test_api_hostile_input(week: dict[str, Any], as_: Any, query: str, status: int, field: str | None) -> None:
    got, body = as_("admin").get("/reports/summary" + query)
    assert got == status, body
    assert body["error"]["field"] == field
