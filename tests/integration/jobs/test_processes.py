"""Real worker processes: SIGKILL mid-job, several workers sharing the queue, clean stop.

They need a database other processes can open: PostgreSQL, or SQLite when the test settings
put its test database in a file. Deadlines below only stop a hung test; nothing asserts how
fast anything was.
"""

from __future__ import annotations

import signal
import threading
import time as clock
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tessera.jobs.models import Job
from tessera.jobs.worker import WORKER_LOST, run_worker
from tests.integration.jobs import jobtasks

pytestmark = pytest.mark.slow

DEADLINE = 60.0


@pytest.fixture(autouse=True)
def _shared_database(transactional_db: Any) -> None:
    if jobtasks.database_is_private():
        pytest.skip("SQLite test database is in memory: worker processes cannot open it")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    end = clock.monotonic() + DEADLINE
    while not condition():
        if clock.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        clock.sleep(0.05)


def statuses(ids: list[int]) -> dict[int, str]:
    return dict(Job.objects.filter(pk__in=ids).values_list("pk", "status"))


def test_sigkill_mid_job_leaves_no_partial_effect_and_each_job_runs_once(
    committed_effect_table: str, marker_dir: Path, start_worker: Any
) -> None:
    keys = [f"job-{n}" for n in range(6)]
    # SQLite runs one job at a time (the job's transaction holds the write lock), so a
    # second thread in A would wait for the lock instead of starting its job.
    parallel = 2 if connection.vendor == "postgresql" else 1
    held = keys[:parallel]
    for key in held:
        (marker_dir / f"hold-{key}").touch()
    ids = [int(jobtasks.record.enqueue(key).id) for key in keys]
    by_key = dict(zip(keys, ids, strict=True))

    # Worker A takes the oldest jobs, writes their effects and hangs inside them.
    a = start_worker(
        "--queues",
        "default",
        "--concurrency",
        str(parallel),
        "--lease-seconds",
        "1",
        "--no-scheduler",
    )
    wait_for(lambda: all((marker_dir / f"started-{k}").exists() for k in held), "A to start")
    a_claims = dict(
        Job.objects.filter(pk__in=[by_key[k] for k in held]).values_list("pk", "worker_id")
    )
    assert all(a_claims.values())

    a.send_signal(signal.SIGKILL)
    a.wait(timeout=DEADLINE)
    for key in held:
        (marker_dir / f"hold-{key}").unlink()
    # A's uncommitted effects died with it.
    assert jobtasks.effect_counts() == {}

    c = start_worker("--queues", "default", "--lease-seconds", "1", "--no-scheduler")
    wait_for(lambda: set(statuses(ids).values()) == {"SUCCESSFUL"}, "C to finish every job")
    c.send_signal(signal.SIGTERM)
    assert c.wait(timeout=DEADLINE) == 0

    assert jobtasks.effect_counts() == dict.fromkeys(keys, 1)
    for key in held:
        job = Job.objects.get(pk=by_key[key])
        assert job.attempts == 2
        assert job.worker_ids[0] == a_claims[job.pk]
        assert [e["exception_class_path"] for e in job.errors] == [WORKER_LOST]
        assert job.return_value == key
    assert set(
        Job.objects.filter(pk__in=[by_key[k] for k in keys[parallel:]]).values_list(
            "attempts", flat=True
        )
    ) == {1}


@pytest.mark.postgres_only
def test_a_live_worker_keeps_its_jobs_after_the_lease_expires(
    committed_effect_table: str, marker_dir: Path, start_worker: Any
) -> None:
    keys = [f"live-{n}" for n in range(6)]
    held = keys[:2]
    for key in held:
        (marker_dir / f"hold-{key}").touch()
    ids = [int(jobtasks.record.enqueue(key).id) for key in keys]
    a = start_worker(
        "--queues", "default", "--concurrency", "2", "--lease-seconds", "1", "--no-scheduler"
    )
    wait_for(lambda: all((marker_dir / f"started-{k}").exists() for k in held), "A to start")
    held_jobs = Job.objects.filter(pk__in=ids[:2])
    a_claims = dict(held_jobs.values_list("pk", "worker_id"))
    wait_for(
        lambda: all(
            j.lease_expires_at is not None and j.lease_expires_at < timezone.now()
            for j in held_jobs.all()
        ),
        "A's leases to expire",
    )

    # A's leases ran out but A still holds the row locks: B drains the rest and leaves them.
    b = start_worker("--queues", "default", "--burst", "--lease-seconds", "1", "--no-scheduler")
    assert b.wait(timeout=DEADLINE) == 0
    assert dict(held_jobs.values_list("pk", "worker_id")) == a_claims
    assert set(statuses(ids[:2]).values()) == {"RUNNING"}
    assert jobtasks.effect_counts() == dict.fromkeys(keys[2:], 1)

    for key in held:
        (marker_dir / f"hold-{key}").unlink()
    wait_for(lambda: set(statuses(ids).values()) == {"SUCCESSFUL"}, "A to finish")
    a.send_signal(signal.SIGTERM)
    assert a.wait(timeout=DEADLINE) == 0
    assert jobtasks.effect_counts() == dict.fromkeys(keys, 1)
    assert set(held_jobs.values_list("attempts", flat=True)) == {1}


def test_several_worker_processes_run_each_job_exactly_once(
    committed_effect_table: str, start_worker: Any
) -> None:
    keys = [f"many-{n}" for n in range(90)]
    ids = [int(jobtasks.record.enqueue(key).id) for key in keys]
    workers = [
        start_worker("--queues", "default", "--concurrency", "3", "--burst", "--no-scheduler")
        for _ in range(3)
    ]
    assert [w.wait(timeout=DEADLINE * 2) for w in workers] == [0, 0, 0]
    assert set(statuses(ids).values()) == {"SUCCESSFUL"}
    assert jobtasks.effect_counts() == dict.fromkeys(keys, 1)
    assert set(Job.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


def test_worker_threads_share_the_queue(committed_effect_table: str) -> None:
    keys = [f"thread-{n}" for n in range(120)]
    ids = [int(jobtasks.record.enqueue(key).id) for key in keys]
    stats = run_worker(concurrency=6, burst=True, scheduler=False)
    assert (stats.claimed, stats.succeeded, stats.lost) == (120, 120, 0)
    assert set(statuses(ids).values()) == {"SUCCESSFUL"}
    assert jobtasks.effect_counts() == dict.fromkeys(keys, 1)


def test_sigterm_lets_the_running_job_finish(
    committed_effect_table: str, marker_dir: Path, start_worker: Any
) -> None:
    (marker_dir / "hold-graceful").touch()
    result = jobtasks.record.enqueue("graceful")
    worker = start_worker("--queues", "default", "--no-scheduler")
    wait_for(lambda: (marker_dir / "started-graceful").exists(), "the job to start")
    worker.send_signal(signal.SIGTERM)
    threading.Timer(0.5, (marker_dir / "hold-graceful").unlink).start()
    assert worker.wait(timeout=DEADLINE) == 0
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert jobtasks.effect_counts() == {"graceful": 1}
