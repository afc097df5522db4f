"""Side effects that must happen only once the transaction that caused them has committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction


def on_commit(func: Callable[[], Any]) -> None:
    """Run ``func`` after the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(func, robust=True)


def enqueue(task: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue a task inside the current transaction.

    The job row is written by the database-backed task backend, so it commits or rolls back
    together with the change that caused it: no lost or phantom jobs.
    """
    task.enqueue(*args, **kwargs)
