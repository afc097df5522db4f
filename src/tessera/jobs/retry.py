"""Raised by a task to ask for another attempt later (with backoff), not a failure."""

from __future__ import annotations


class RetryLater(Exception):
    def __init__(self, reason: str = "", *, delay_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.delay_seconds = delay_seconds
