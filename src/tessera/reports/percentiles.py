"""Percentiles of durations, computed by the database on PostgreSQL and on SQLite.

PostgreSQL has the ordered-set aggregate ``percentile_cont``, which interpolates linearly
between the two nearest values, exactly like ``numpy.percentile``'s default: one query, one
row per group, nothing but the answer leaves the database.

SQLite has no percentile aggregate (its ``percentile`` extension is not compiled into
Python's sqlite3). The fallback numbers the rows of each group in order with window
functions and keeps only the rows next to each wanted rank, at most two per percentile and
group, so it is still one query and the rows read into Python are bounded by the number of
groups, not of tickets. Python then interpolates the same way ``percentile_cont`` does, so
both engines give the same numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Expression,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Window,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import RowNumber

Quantiles = dict[float, timedelta | None]


class PercentileCont(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``: PostgreSQL only."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("a percentile is a fraction between 0 and 1")
        # A float of our own, never user input: safe to write into the SQL text.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def elapsed(start: str, end: str) -> ExpressionWrapper[CombinedExpression]:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def duration_percentiles(
    qs: QuerySet[Any],
    duration: Expression | ExpressionWrapper[CombinedExpression],
    fractions: Sequence[float],
    *,
    group: str | None = None,
) -> dict[Any, tuple[int, Quantiles]]:
    """For each value of ``group`` (or the single key None): (count, {fraction: duration}).

    Rows whose duration is NULL are left out. Groups with no rows are absent.
    """
    qs = qs.alias(_duration=duration).filter(_duration__isnull=False)
    if connection.vendor == "postgresql":
        return _postgres(qs, duration, fractions, group)
    return _window(qs, fractions, group)


def _postgres(
    qs: QuerySet[Any], duration: Expression | ExpressionWrapper[CombinedExpression], fractions: Sequence[float],
    group: str | None,
) -> dict[Any, tuple[int, Quantiles]]:
    # The expression itself, not the alias: an aggregate() cannot refer to an alias.
    aggregates: dict[str, Any] = {f"p{i}": PercentileCont(duration, f) for i, f in enumerate(fractions)}
    aggregates["n"] = Count("pk")
    if group is None:
        row = qs.aggregate(**aggregates)
        if not row["n"]:
            return {}
        return {None: (row["n"], {f: row[f"p{i}"] for i, f in enumerate(fractions)})}
    rows = qs.order_by().values(group).annotate(**aggregates)
    return {r[group]: (r["n"], {f: r[f"p{i}"] for i, f in enumerate(fractions)}) for r in rows}


def _window(qs: QuerySet[Any], fractions: Sequence[float], group: str | None) -> dict[Any, tuple[int, Quantiles]]:
    partition = [F(group)] if group else []
    qs = qs.order_by().annotate(
        _d=F("_duration"),
        _rn=Window(RowNumber(), partition_by=partition, order_by=[F("_duration").asc(), F("pk").asc()]),
        _n=Window(Count("pk"), partition_by=partition),
    )
    # Keep row numbers rn with (n-1)·f < rn < (n-1)·f + 2: 0-based positions floor and ceil of
    # (n-1)·f, the two values percentile_cont interpolates between.
    near = Q()
    for f in fractions:
        sql_rank = (F("_n") - 1) * f
        near |= Q(_rn__gt=sql_rank, _rn__lt=sql_rank + 2)
    values = ["_rn", "_n", "_d"] + ([group] if group else [])
    by_group: dict[Any, dict[int, timedelta]] = defaultdict(dict)
    sizes: dict[Any, int] = {}
    for row in qs.filter(near).values(*values):
        key = row[group] if group else None
        by_group[key][row["_rn"] - 1] = row["_d"]
        sizes[key] = row["_n"]
    out: dict[Any, tuple[int, Quantiles]] = {}
    for key, positions in by_group.items():
        n = sizes[key]
        quantiles: Quantiles = {}
        for f in fractions:
            rank = (n - 1) * f
            low, high = math.floor(rank), math.ceil(rank)
            if low not in positions or high not in positions:
                quantiles[f] = None  # cannot happen unless the engine's float maths differs
                continue
            quantiles[f] = positions[low] + (positions[high] - positions[low]) * (rank - low)
        out[key] = (n, quantiles)
    return out


def hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 2)

