"""The clock. Everything asks here, so tests, demo data and simulations can move time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("tessera_frozen_now", default=None)


def now() -> datetime:
    frozen = _frozen.get()
    return frozen if frozen is not None else timezone.now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make :func:`now` return ``moment`` inside the block (aware datetimes only)."""
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
