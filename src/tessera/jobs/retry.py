"""Raised by a task to ask for another attempt later (with backoff), not a failure.

Also the backoff policy (pure: no database), shared by ``RetryLater`` without a delay and by
tasks that raised any other exception.
"""

from __future__ import annotations

import random


class RetryLater(Exception):
    def __init__(self, reason: str = "", *, delay_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.delay_seconds = delay_seconds


def backoff_seconds(
    attempt: int,
    *,
    base: float = 10.0,
    cap: float = 3600.0,
    rng: random.Random | None = None,
) -> float:
    """Delay before attempt ``attempt + 1``, after ``attempt`` (>= 1) attempts have failed.

    Exponential (base, 2*base, 4*base ... up to ``cap``) with jitter in the upper half of the
    step: many jobs that failed together (a mail server that went away) spread out instead of
    retrying in lock-step, while each still waits at least half its step.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    # Bounded exponent: 2**attempt overflows a float long before the cap matters.
    step = min(cap, base * 2.0 ** min(attempt - 1, 60))
    draw = (rng or random).random()
    return step / 2.0 + step / 2.0 * draw
