"""Ratings through the API: a customer's token rates, every ticket detail shows the rating."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.tickets import actions
from tessera.tickets.models import SatisfactionRating, Ticket
from tessera.tickets.states import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(desk: dict[str, Any], make_ticket: Any) -> Ticket:
    ticket = make_ticket(subject="Máy in đã chạy")
    actions.change_status(Actor.of(desk["agent"]), ticket, Status.RESOLVED)
    ticket.refresh_from_db()
    return ticket


def test_a_customer_rates_and_agents_and_customers_read_it(desk: dict[str, Any], solved: Ticket, as_: Any) -> None:
    assert as_("agent").get(f"/tickets/{solved.number}")[1]["rating"] is None

    status, body = as_("customer_a").post(f"/tickets/{solved.number}/rating",
                                         {"score": 2, "comment": "<b>Chậm</b>", "version": solved.version})
    assert status == 200, body
    assert (body["score"], body["comment"], body["channel"]) == (2, "<b>Chậm</b>", "api")

    for persona in ("agent", "customer_a"):
        status, detail = as_(persona).get(f"/tickets/{solved.number}")
        assert status == 200
        assert (detail["rating"]["score"], detail["rating"]["comment"]) == (2, "<b>Chậm</b>")
        assert detail["version"] == solved.version + 1

    # Changing it later: the same endpoint, one row.
    assert as_("customer_a").post(f"/tickets/{solved.number}/rating", {"score": 5})[0] == 200
    assert SatisfactionRating.objects.get(ticket=solved).score == 5


def test_refusals(desk: dict[str, Any], solved: Ticket, make_ticket: Any, as_: Any) -> None:
    customer = as_("customer_a")
    status, body = customer.post(f"/tickets/{solved.number}/rating", {"score": 4, "version": solved.version - 1})
    assert status == 409
    for bad in ({"score": 0}, {"score": 6}, {"score": "great"}, {}, {"score": 3, "comment": "x" * 2001},
                {"score": 3, "comment": "a\x00b"}):
        status, body = customer.post(f"/tickets/{solved.number}/rating", bad)
        assert status == 422, (bad, body)
    open_ticket = make_ticket()
    status, body = customer.post(f"/tickets/{open_ticket.number}/rating", {"score": 5})
    assert status == 422 and body["error"]["field"] == "score"
    assert as_("customer_a", "read").post(f"/tickets/{solved.number}/rating", {"score": 5})[0] == 403
    assert not SatisfactionRating.objects.exists()


def test_ticket_detail_reads_the_rating_in_one_statement(desk: dict[str, Any], solved: Ticket, as_: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = as_("agent")
    api.get(f"/tickets/{solved.number}")
    with CaptureQueriesContext(connection) as unrated:
        api.get(f"/tickets/{solved.number}")
    actions.rate(Actor.of(desk["customer_a"]), solved, 4)
    with CaptureQueriesContext(connection) as rated:
        api.get(f"/tickets/{solved.number}")
    assert len(rated) == len(unrated)
    assert sum("satisfactionrating" in q["sql"] for q in rated.captured_queries) == 1
