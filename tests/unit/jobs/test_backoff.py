"""Backoff policy and schedule arithmetic: pure functions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.jobs.backend import DatabaseBackend
from tessera.jobs.periodic import next_run_after
from tessera.jobs.retry import RetryLater, backoff_seconds


@given(attempt=st.integers(min_value=1, max_value=10_000), seed=st.integers())
def test_backoff_stays_within_half_step_and_cap(attempt: int, seed: int) -> None:
    delay = backoff_seconds(attempt, base=10, cap=3600, rng=random.Random(seed))
    step = min(3600, 10 * 2 ** min(attempt - 1, 60))
    assert step / 2 <= delay <= step


def test_backoff_grows_then_caps() -> None:
    rng = random.Random(7)
    lows = [backoff_seconds(n, base=1, cap=64, rng=rng) for n in range(1, 10)]
    assert lows[0] <= 1 < 2 <= lows[2]
    assert all(32 <= d <= 64 for d in lows[6:])


def test_backoff_counts_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        backoff_seconds(0)


def test_retry_later_keeps_its_interface() -> None:
    exc = RetryLater("451 try again", delay_seconds=30)
    assert (str(exc), exc.delay_seconds) == ("451 try again", 30)
    assert RetryLater().delay_seconds is None


T0 = datetime(2026, 1, 1, tzinfo=UTC)


@given(
    every_s=st.integers(min_value=1, max_value=86_400),
    later_s=st.integers(min_value=-86_400, max_value=10_000_000),
)
def test_next_run_is_the_first_boundary_after_now(every_s: int, later_s: int) -> None:
    every = timedelta(seconds=every_s)
    now = T0 + timedelta(seconds=later_s)
    nxt = next_run_after(T0, every, now)
    assert nxt > now or (nxt == T0 + every and now < T0)
    assert (nxt - T0) % every == timedelta(0)
    if now >= T0:
        assert nxt - every <= now


def test_queue_options_override_the_defaults() -> None:
    backend = DatabaseBackend(
        "x",
        {
            "QUEUES": ["default", "email"],
            "OPTIONS": {"MAX_ATTEMPTS": 4, "QUEUE_OPTIONS": {"email": {"LEASE_SECONDS": 900}}},
        },
    )
    assert (backend.policy("default").max_attempts, backend.policy("default").lease_seconds) == (
        4,
        300,
    )
    assert (backend.policy("email").max_attempts, backend.policy("email").lease_seconds) == (4, 900)
