"""Retries with backoff, final failure, recovery of a dead worker's job, lost claims."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.tasks import TaskResultStatus

from tessera.core import time
from tessera.jobs.models import Job
from tessera.jobs.worker import WORKER_LOST, claim_job, get_backend, run_job, run_worker
from tests.integration.jobs import jobtasks


def _job(result: Any) -> Job:
    return Job.objects.get(pk=int(result.id))


def test_retry_with_backoff_then_success(effect_table: str) -> None:
    result = jobtasks.flaky.enqueue("k", 2)
    moment = time.now()
    delays = []
    for _ in range(2):
        with time.frozen_at(moment):
            run_worker(burst=True, scheduler=False)
        job = _job(result)
        assert job.status == "READY"
        delay = job.run_after - moment
        delays.append(delay)
        # Not due a moment before run_after: the burst claims nothing.
        with time.frozen_at(job.run_after - timedelta(milliseconds=1)):
            assert run_worker(burst=True, scheduler=False).claimed == 0
        moment = job.run_after
    # Defaults: base 10 s, jitter in the upper half of the step: [5, 10] then [10, 20].
    assert timedelta(seconds=5) <= delays[0] <= timedelta(seconds=10)
    assert timedelta(seconds=10) <= delays[1] <= timedelta(seconds=20)
    with time.frozen_at(moment):
        run_worker(burst=True, scheduler=False)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "k done on attempt 3"
    assert [e.exception_class for e in result.errors] == [RuntimeError, RuntimeError]
    assert "attempt 2 of k fails on purpose" in result.errors[1].traceback
    # The failed attempts' writes were rolled back with them.
    assert jobtasks.effect_counts() == {"k-attempt-3": 1}


def test_retry_later_honours_its_delay(effect_table: str) -> None:
    result = jobtasks.retry_later.enqueue("mail", 120)
    moment = time.now()
    with time.frozen_at(moment):
        run_worker(burst=True, scheduler=False)
    job = _job(result)
    assert (job.status, job.run_after - moment) == ("READY", timedelta(seconds=120))
    with time.frozen_at(job.run_after):
        run_worker(burst=True, scheduler=False)
    result.refresh()
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, 2)
    assert jobtasks.effect_counts() == {"mail": 1}


def test_max_attempts_then_failed_with_traceback(db: Any, caplog: Any) -> None:
    message = "hỏng rồi · พัง · zepsute"
    result = jobtasks.always_fails.enqueue(message)
    Job.objects.filter(pk=int(result.id)).update(max_attempts=3)
    moment = time.now()
    for _ in range(3):
        with time.frozen_at(moment):
            run_worker(burst=True, scheduler=False)
        moment = _job(result).run_after
    with time.frozen_at(moment + timedelta(days=1)):
        assert run_worker(burst=True, scheduler=False).claimed == 0
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.attempts == 3
    assert len(result.errors) == 3
    assert result.errors[-1].exception_class is ValueError
    assert message in result.errors[-1].traceback
    assert result.finished_at is not None
    assert any(
        r.levelname == "ERROR" and "FAILED after 3 attempts" in r.getMessage()
        for r in caplog.records
    )


def test_missing_task_is_a_failure_not_a_crash(db: Any) -> None:
    Job.objects.create(
        task_path="tests.integration.jobs.jobtasks.gone",
        run_after=time.now(),
        enqueued_at=time.now(),
        max_attempts=1,
    )
    run_worker(burst=True, scheduler=False)
    job = Job.objects.get()
    assert job.status == "FAILED"
    assert "ImportError" in job.errors[0]["exception_class_path"]


def test_job_of_a_dead_worker_is_rerun_after_its_lease(effect_table: str) -> None:
    backend = get_backend()
    result = jobtasks.record.enqueue("orphan")
    start = time.now()
    with time.frozen_at(start):
        # A worker claims the job and dies before running it.
        assert claim_job("dead-worker", ["default"], backend=backend, lease_seconds=30) is not None
    with time.frozen_at(start + timedelta(seconds=29)):
        assert run_worker(burst=True, scheduler=False).claimed == 0
    with time.frozen_at(start + timedelta(seconds=31)):
        assert run_worker(burst=True, scheduler=False).succeeded == 1
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.attempts == 2
    assert result.worker_ids[0] == "dead-worker"
    assert [e.exception_class_path for e in result.errors] == [WORKER_LOST]
    assert jobtasks.effect_counts() == {"orphan": 1}


def test_dead_worker_on_the_last_attempt_fails_the_job(effect_table: str) -> None:
    result = jobtasks.record.enqueue("poison")
    Job.objects.filter(pk=int(result.id)).update(max_attempts=1)
    start = time.now()
    with time.frozen_at(start):
        claim_job("dead-worker", ["default"], backend=get_backend(), lease_seconds=5)
    with time.frozen_at(start + timedelta(seconds=6)):
        assert run_worker(burst=True, scheduler=False).claimed == 0
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert jobtasks.effect_counts() == {}


def test_a_stalled_worker_whose_claim_was_taken_does_not_run_the_job(effect_table: str) -> None:
    backend = get_backend()
    result = jobtasks.record.enqueue("once")
    start = time.now()
    with time.frozen_at(start):
        stalled = claim_job("stalled", ["default"], backend=backend, lease_seconds=5)
    assert stalled is not None
    with time.frozen_at(start + timedelta(seconds=6)):
        rescuer = claim_job("rescuer", ["default"], backend=backend, lease_seconds=5)
        assert rescuer is not None
        # The stalled worker wakes up: its claim is gone, so it must not run the task.
        assert run_job(stalled, "stalled", backend=backend) == "lost"
        assert jobtasks.effect_counts() == {}
        assert run_job(rescuer, "rescuer", backend=backend) == "SUCCESSFUL"
    assert jobtasks.effect_counts() == {"once": 1}
    result.refresh()
    assert result.worker_ids == ["stalled", "rescuer"]


def test_worker_command_burst(effect_table: str) -> None:
    jobtasks.record.enqueue("a")
    jobtasks.on_email_queue.enqueue("b")
    out = StringIO()
    call_command("worker", "--queues", "default,email", "--burst", "--no-scheduler", stdout=out)
    assert "claimed=2 succeeded=2" in out.getvalue()
    assert jobtasks.effect_counts() == {"a": 1, "b": 1}
