"""The worker: claims jobs, runs them, retries them, recovers the ones a dead worker held.

A job goes through two transactions:

1. **Claim** (short): lock one due row with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL;
   on SQLite the IMMEDIATE transaction serialises claims), mark it RUNNING with this worker's
   claim id and ``lease_expires_at = now + lease``, count the attempt, commit. Counting before
   running means a job that kills its worker every time (a poison pill) still runs out of
   attempts and is FAILED.
2. **Run**: in one transaction, lock the row again and check the claim is still ours, run the
   task function inside a savepoint, then write SUCCESSFUL (or the retry / failure) and commit.
   The task's database writes and the job's completion commit together: a worker killed
   mid-job leaves neither, and its RUNNING row is claimed again once the lease expires.

While the run transaction is open it holds the job's row lock (PostgreSQL) or the database
write lock (SQLite), so no other worker can claim the job even after its lease ran out: the
lease only bounds how long a *dead* worker's claim delays the job. That is why there is no
heartbeat thread renewing leases: a live worker never loses its job to the lease. The price is
one open transaction per running job; on SQLite that means one job at a time, site-wide.

Tasks therefore run inside a transaction: ``transaction.atomic(durable=True)`` cannot be used in
a task, ``on_commit`` callbacks fire when the job is marked done, and anything written before
raising (including ``RetryLater``) is rolled back with the attempt.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from secrets import token_hex
from time import monotonic
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.tasks import task_backends
from django.tasks.base import TaskContext, TaskResultStatus
from django.tasks.signals import task_finished, task_started
from django.utils.json import normalize_json
from django.utils.module_loading import autodiscover_modules

from tessera.core import time
from tessera.jobs import periodic
from tessera.jobs.backend import DatabaseBackend, job_to_result, resolve_task
from tessera.jobs.models import Job
from tessera.jobs.retry import RetryLater, backoff_seconds

log = logging.getLogger("tessera.jobs")

READY = TaskResultStatus.READY
RUNNING = TaskResultStatus.RUNNING
SUCCESSFUL = TaskResultStatus.SUCCESSFUL
FAILED = TaskResultStatus.FAILED

WORKER_LOST = "tessera.jobs.worker.WorkerLostError"


class WorkerLostError(Exception):
    """Recorded on a job whose worker stopped without finishing it (its lease expired)."""


@dataclass
class WorkerStats:
    claimed: int = 0
    succeeded: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0
    scheduled: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + n)


def get_backend(alias: str = "default") -> DatabaseBackend:
    backend = task_backends[alias]
    if not isinstance(backend, DatabaseBackend):
        raise TypeError(f"task backend {alias!r} is not tessera.jobs.backend.DatabaseBackend")
    return backend


def new_claim_id(index: int = 0) -> str:
    """Unique per worker thread and process start, readable in the admin: host:pid:thread:rand."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{index}:{token_hex(4)}"


def claim_job(
    claim_id: str,
    queues: Sequence[str],
    *,
    backend: DatabaseBackend,
    lease_seconds: float | None = None,
) -> Job | None:
    """Claim one job: a RUNNING one whose worker died, else the best READY one that is due."""
    while True:
        now = time.now()
        with transaction.atomic():
            _claim_without_flush()
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(
                    status=RUNNING,
                    lease_expires_at__lt=now,
                    queue_name__in=queues,
                    backend=backend.alias,
                )
                .order_by("lease_expires_at")
                .first()
            )
            if job is not None:
                log.warning(
                    "job %s (%s) recovered: worker %s stopped without finishing attempt %d",
                    job.pk,
                    job.task_path,
                    job.worker_id,
                    job.attempts,
                )
                job.add_error(
                    WORKER_LOST,
                    f"worker {job.worker_id} did not finish attempt {job.attempts}; "
                    f"its lease expired at {job.lease_expires_at:%Y-%m-%d %H:%M:%S%z}\n",
                )
                if job.attempts >= job.max_attempts:
                    _finish_failed(job, now)
                    log.error("job %s (%s) FAILED: out of attempts", job.pk, job.task_path)
                    continue
            else:
                job = (
                    Job.objects.select_for_update(skip_locked=True)
                    .filter(
                        status=READY,
                        queue_name__in=queues,
                        run_after__lte=now,
                        backend=backend.alias,
                    )
                    .order_by("-priority", "run_after", "id")
                    .first()
                )
                if job is None:
                    return None
            lease = (
                lease_seconds
                if lease_seconds is not None
                else backend.policy(job.queue_name).lease_seconds
            )
            job.status = RUNNING
            job.attempts += 1
            job.worker_id = claim_id
            job.worker_ids = [*job.worker_ids, claim_id]
            job.lease_expires_at = now + timedelta(seconds=lease)
            job.started_at = job.started_at or now
            job.last_attempted_at = now
            job.save(
                update_fields=[
                    "status",
                    "attempts",
                    "worker_id",
                    "worker_ids",
                    "lease_expires_at",
                    "started_at",
                    "last_attempted_at",
                    "errors",
                ]
            )
            return job


def _claim_without_flush() -> None:
    """Let PostgreSQL commit the claim without waiting for its WAL to reach the disk.

    A claim lost in a server crash leaves the job READY, to be claimed again: no harm. And the
    job's own transaction, which commits synchronously, flushes the claim's WAL before its own,
    so a finished job is never seen without its claim. This saves one disk flush per job.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _finish_failed(job: Job, now: Any) -> None:
    job.status = FAILED
    job.finished_at = now
    job.worker_id = ""
    job.lease_expires_at = None
    job.save(update_fields=["status", "finished_at", "worker_id", "lease_expires_at", "errors"])


def run_job(
    job: Job, claim_id: str, *, backend: DatabaseBackend, stats: WorkerStats | None = None
) -> str:
    """Run a claimed job to its next state; returns that state, or ``"lost"``."""
    stats = stats or WorkerStats()
    with transaction.atomic():
        # Re-check the claim under the row lock: if this worker stalled past its lease between
        # claim and now, another worker may own the job and this one must not touch it.
        row = (
            Job.objects.select_for_update()
            .filter(pk=job.pk, status=RUNNING, worker_id=claim_id, attempts=job.attempts)
            .first()
        )
        if row is None:
            log.warning("job %s: claim %s was lost before it ran", job.pk, claim_id)
            stats.add("lost")
            return "lost"
        try:
            # A savepoint: a failing task's writes are undone, but the row lock is kept while
            # the failure is recorded, so no other worker can slip in between.
            with transaction.atomic():
                task = resolve_task(row)
                result = job_to_result(row, task)
                task_started.send(type(backend), task_result=result)
                if task.takes_context:
                    value = task.call(TaskContext(task_result=result), *row.args, **row.kwargs)
                else:
                    value = task.call(*row.args, **row.kwargs)
                value = normalize_json(value)
        except Exception as exc:
            state = _record_failure(row, exc, backend=backend)
            stats.add("retried" if state == READY else "failed")
        else:
            row.status = SUCCESSFUL
            row.return_value = value
            row.finished_at = time.now()
            row.lease_expires_at = None
            row.save(update_fields=["status", "return_value", "finished_at", "lease_expires_at"])
            state = SUCCESSFUL
            stats.add("succeeded")
    try:
        task_finished.send(type(backend), task_result=job_to_result(row))
    except Exception:
        log.exception("job %s: task_finished could not be sent", row.pk)
    return state


def _record_failure(row: Job, exc: Exception, *, backend: DatabaseBackend) -> str:
    exc_type = type(exc)
    row.add_error(
        f"{exc_type.__module__}.{exc_type.__qualname__}",
        "".join(traceback.format_exception(exc)),
    )
    now = time.now()
    if row.attempts < row.max_attempts:
        policy = backend.policy(row.queue_name)
        if isinstance(exc, RetryLater) and exc.delay_seconds is not None:
            delay = max(0.0, float(exc.delay_seconds))
        else:
            delay = backoff_seconds(
                row.attempts, base=policy.backoff_base_seconds, cap=policy.backoff_cap_seconds
            )
        row.status = READY
        row.run_after = now + timedelta(seconds=delay)
        row.worker_id = ""
        row.lease_expires_at = None
        row.save(update_fields=["status", "run_after", "worker_id", "lease_expires_at", "errors"])
        level = logging.INFO if isinstance(exc, RetryLater) else logging.WARNING
        log.log(
            level,
            "job %s (%s) attempt %d/%d failed (%s: %s); retry in %.0fs",
            row.pk,
            row.task_path,
            row.attempts,
            row.max_attempts,
            exc_type.__name__,
            exc,
            delay,
        )
        return READY
    _finish_failed(row, now)
    log.error(
        "job %s (%s) FAILED after %d attempts",
        row.pk,
        row.task_path,
        row.attempts,
        exc_info=exc,
    )
    return FAILED


def _release_connection() -> None:
    # Inside an outer atomic block (a test, or a caller's transaction) the connection is not
    # ours to recycle.
    if not connection.in_atomic_block:
        close_old_connections()


def run_worker(
    *,
    queues: Sequence[str] | None = None,
    concurrency: int = 1,
    burst: bool = False,
    once: bool = False,
    lease_seconds: float | None = None,
    poll_interval: float = 1.0,
    schedule_interval: float = 5.0,
    scheduler: bool = True,
    backend_alias: str = "default",
    stop: threading.Event | None = None,
) -> WorkerStats:
    """Run jobs until ``stop`` is set (or, with ``burst``, until none is due; with ``once``, one
    job per thread). ``concurrency`` 1 runs in the calling thread; more starts that many threads,
    each with its own connection. Thread 0 also enqueues due periodic jobs."""
    backend = get_backend(backend_alias)
    chosen = list(queues) if queues else sorted(backend.queues)
    unknown = set(chosen) - backend.queues if backend.queues else set()
    if unknown:
        raise ValueError(f"unknown queue(s): {', '.join(sorted(unknown))}")
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    stop = stop or threading.Event()
    stats = WorkerStats()
    if scheduler:
        # Registrations live beside the tasks; importing every app's tasks module finds them.
        autodiscover_modules("tasks")

    def loop(index: int, own_thread: bool) -> None:
        claim_id = new_claim_id(index)
        next_schedule = 0.0
        try:
            while not stop.is_set():
                try:
                    if scheduler and index == 0 and monotonic() >= next_schedule:
                        stats.add("scheduled", len(periodic.enqueue_due()))
                        next_schedule = monotonic() + schedule_interval
                    job = claim_job(claim_id, chosen, backend=backend, lease_seconds=lease_seconds)
                    if job is None:
                        if burst or once:
                            return
                        stop.wait(poll_interval)
                        continue
                    stats.add("claimed")
                    run_job(job, claim_id, backend=backend, stats=stats)
                    if once:
                        return
                except Exception:
                    # The database went away, SQLite stayed locked past its timeout...: the job
                    # (if any) keeps its claim and is recovered after the lease; keep serving.
                    log.exception("worker %s: iteration failed", claim_id)
                    if burst or once:
                        raise
                    stop.wait(poll_interval)
                finally:
                    _release_connection()
        finally:
            if own_thread:
                connection.close()

    log.info("worker started: queues=%s concurrency=%d", ",".join(chosen), concurrency)
    if concurrency == 1:
        loop(0, own_thread=False)
    else:
        errors: list[BaseException] = []

        def guarded(index: int) -> None:
            try:
                loop(index, own_thread=True)
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=guarded, args=(i,), name=f"tessera-worker-{i}", daemon=True)
            for i in range(concurrency)
        ]
        for t in threads:
            t.start()
        for t in threads:
            # A timeout keeps the main thread responsive to signals while it waits.
            while t.is_alive():
                t.join(timeout=0.5)
        if errors:
            raise errors[0]
    log.info("worker stopped: %s", stats)
    return stats
