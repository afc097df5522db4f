"""Percentiles and medians, the only arithmetic the reports need."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import Any


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (the same definition the peer harness uses)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100.0 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def latency_summary(latencies_ms: Sequence[float], seconds: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": len(latencies_ms),
        "p50_ms": percentile(latencies_ms, 50),
        "p95_ms": percentile(latencies_ms, 95),
        "p99_ms": percentile(latencies_ms, 99),
    }
    if seconds:
        out["per_s"] = len(latencies_ms) / seconds
    return out


def median_of(runs: Iterable[dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    """The median of each key over the runs that have it (None when none has)."""
    runs = list(runs)
    out: dict[str, Any] = {}
    for key in keys:
        values = [r[key] for r in runs if r.get(key) is not None]
        out[key] = statistics.median(values) if values else None
    return out
