"""The list page's per-department counts: right, scoped, and cached only when configured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tessera.accounts.actor import Actor
from tessera.tickets import actions
from tessera.tickets.queries import department_counts


def _row(rows: list[dict[str, Any]], department: Any) -> dict[str, Any]:
    return next(r for r in rows if r["department"] == department)


def test_counts_per_department_and_status(desk: dict[str, Any], make_ticket: Callable[..., Any]) -> None:
    make_ticket()
    make_ticket()
    solved = make_ticket()
    actions.change_status(Actor.system(), solved, "resolved")
    row = _row(department_counts(desk["agent"]), desk["support"])
    assert (row["new"], row["open"], row["pending"], row["resolved"]) == (2, 0, 0, 1)
    # An agent sees only the departments they work in.
    assert desk["support"] not in [r["department"] for r in department_counts(desk["outsider"])]


def test_cached_counts_lag_by_at_most_the_configured_time(
    desk: dict[str, Any], make_ticket: Callable[..., Any], settings: Any
) -> None:
    settings.TESSERA = {**settings.TESSERA, "LIST_COUNTS_SECONDS": 30}
    cache.clear()
    make_ticket()
    assert _row(department_counts(desk["agent"]), desk["support"])["new"] == 1
    make_ticket()
    with CaptureQueriesContext(connection) as ctx:
        row = _row(department_counts(desk["agent"]), desk["support"])
    assert row["new"] == 1  # the cached count, until it expires
    assert not any("COUNT(" in q["sql"] for q in ctx.captured_queries)
    cache.clear()
    assert _row(department_counts(desk["agent"]), desk["support"])["new"] == 2
