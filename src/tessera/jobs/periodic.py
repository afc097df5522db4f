"""Periodic jobs: a registry in code, a schedule row per entry, enqueued by the workers.

Register a task with a period, at import time of the module that defines it (an app's
``tasks.py``: the worker imports every installed app's ``tasks`` module at start)::

    from datetime import timedelta
    from django.tasks import task
    from tessera.jobs import periodic

    @task()
    def purge_old_sessions() -> int: ...

    periodic.register(purge_old_sessions, every=timedelta(hours=1))

Each entry owns one :class:`~tessera.jobs.models.PeriodicSchedule` row keyed by its name (the
task's dotted path unless ``name=`` is given). Every worker calls :func:`enqueue_due` now and
then; it locks the due rows, enqueues one job per row and moves ``next_run_at`` forward in the
same transaction, so however many workers race, each period yields exactly one job. A worker
that was down for several periods does not replay them: the schedule jumps to the next period
boundary after now. A new entry first runs at the first tick after it appears.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.tasks.base import Task

from tessera.core import time


@dataclass(frozen=True)
class PeriodicEntry:
    name: str
    task: Task[..., Any]
    every: timedelta
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


_registry: dict[str, PeriodicEntry] = {}


def register(
    task: Task[..., Any],
    *,
    every: timedelta,
    name: str | None = None,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
) -> Task[..., Any]:
    """Run ``task(*args, **kwargs)`` once per ``every``; returns ``task`` for chaining."""
    if every <= timedelta(0):
        raise ValueError("a periodic task needs a positive period")
    if not isinstance(task, Task):
        raise TypeError("register a @task-decorated function")
    key = name or task.module_path
    _registry[key] = PeriodicEntry(
        name=key, task=task, every=every, args=tuple(args), kwargs=dict(kwargs or {})
    )
    return task


def unregister(name: str) -> None:
    _registry.pop(name, None)


def registered() -> list[PeriodicEntry]:
    return list(_registry.values())


def next_run_after(previous: datetime, every: timedelta, now: datetime) -> datetime:
    """The first period boundary ``previous + k * every`` (k >= 1) that lies after ``now``."""
    if previous > now:
        return previous + every
    missed = (now - previous) // every
    return previous + (missed + 1) * every


def enqueue_due(
    entries: Sequence[PeriodicEntry] | None = None, *, now: datetime | None = None
) -> list[str]:
    """Enqueue every due entry once; returns the ids of the jobs it enqueued."""
    from django.db import transaction

    from tessera.jobs.models import PeriodicSchedule

    chosen = {e.name: e for e in (registered() if entries is None else entries)}
    if not chosen:
        return []
    moment = now or time.now()

    known = set(PeriodicSchedule.objects.filter(name__in=chosen).values_list("name", flat=True))
    missing = [name for name in chosen if name not in known]
    if missing:
        # Two workers may both see the row missing; the unique name lets one insert win.
        PeriodicSchedule.objects.bulk_create(
            [PeriodicSchedule(name=name, next_run_at=moment) for name in missing],
            ignore_conflicts=True,
        )

    job_ids: list[str] = []
    with transaction.atomic():
        # SKIP LOCKED: a row another worker holds is being handled by it right now. Without
        # PostgreSQL row locks (SQLite), the IMMEDIATE transaction serialises the schedulers.
        due = list(
            PeriodicSchedule.objects.select_for_update(skip_locked=True)
            .filter(name__in=chosen, next_run_at__lte=moment)
            .order_by("name")
        )
        for row in due:
            entry = chosen[row.name]
            result = entry.task.enqueue(*entry.args, **dict(entry.kwargs))
            row.next_run_at = next_run_after(row.next_run_at, entry.every, moment)
            row.last_enqueued_at = moment
            # Another backend's ids need not be ours; the link is only for operators.
            row.last_job_id = int(result.id) if result.id.isdigit() else None
            row.save(update_fields=["next_run_at", "last_enqueued_at", "last_job"])
            job_ids.append(result.id)
    return job_ids
