"""Periodic jobs: one job per period, however many schedulers race."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from tessera.core import time
from tessera.jobs import periodic
from tessera.jobs.models import Job, PeriodicSchedule
from tessera.jobs.worker import run_worker
from tests.integration.jobs import jobtasks

EVERY = timedelta(minutes=5)


@pytest.fixture
def entry() -> periodic.PeriodicEntry:
    return periodic.PeriodicEntry(
        name="jobtest-heartbeat", task=jobtasks.record, every=EVERY, args=("tick",)
    )


def test_one_job_per_period(db: Any, entry: periodic.PeriodicEntry) -> None:
    t0 = time.now()
    assert len(periodic.enqueue_due([entry], now=t0)) == 1
    assert periodic.enqueue_due([entry], now=t0) == []
    assert periodic.enqueue_due([entry], now=t0 + EVERY - timedelta(seconds=1)) == []
    assert len(periodic.enqueue_due([entry], now=t0 + EVERY)) == 1
    # Down for ten periods: one catch-up job, not ten, and the schedule stays on the grid.
    assert len(periodic.enqueue_due([entry], now=t0 + 11 * EVERY + timedelta(seconds=1))) == 1
    assert PeriodicSchedule.objects.get(name=entry.name).next_run_at == t0 + 12 * EVERY
    assert Job.objects.filter(task_path=jobtasks.record.module_path, args=["tick"]).count() == 3


def test_registry_feeds_the_worker_scheduler(
    effect_table: str, entry: periodic.PeriodicEntry
) -> None:
    periodic.register(jobtasks.record, every=EVERY, name=entry.name, args=("tick",))
    try:
        t0 = time.now()
        with time.frozen_at(t0):
            stats = run_worker(burst=True)
            run_worker(burst=True)
        # Other apps register periodic jobs too (rules, SLA); this entry's effect is exact.
        assert stats.scheduled >= 1
        assert jobtasks.effect_counts() == {"tick": 1}
        with time.frozen_at(t0 + EVERY):
            run_worker(burst=True)
        assert jobtasks.effect_counts() == {"tick": 2}
    finally:
        periodic.unregister(entry.name)


def test_register_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        periodic.register(jobtasks.record, every=timedelta(0))
    with pytest.raises(TypeError):
        periodic.register(print, every=EVERY)  # type: ignore[arg-type]


def test_racing_schedulers_enqueue_once_per_period(
    transactional_db: Any, entry: periodic.PeriodicEntry
) -> None:
    if jobtasks.database_is_private():
        pytest.skip("threads cannot share an in-memory SQLite test database")
    t0 = time.now()
    periods = 8
    racers = 4
    errors: list[BaseException] = []
    for period in range(periods):
        moment = t0 + period * EVERY
        barrier = threading.Barrier(racers)

        def race(moment: Any = moment, barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait()
                periodic.enqueue_due([entry], now=moment)
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=race) for _ in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert Job.objects.filter(task_path=jobtasks.record.module_path).count() == periods
