"""Enqueueing writes a job row in the caller's transaction; results are read back from it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.tasks import TaskResultStatus, default_task_backend
from django.tasks.exceptions import InvalidTask, TaskResultDoesNotExist
from django.test.utils import CaptureQueriesContext

from tessera.core import time
from tessera.jobs.models import Job
from tessera.jobs.worker import run_worker
from tests.integration.jobs import jobtasks


class Boom(Exception):
    pass


def test_enqueue_is_one_insert_and_readable(db: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        result = jobtasks.add.enqueue(2, 3)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    job = Job.objects.get(pk=int(result.id))
    assert (job.task_path, job.args, job.queue_name, job.status) == (
        "tests.integration.jobs.jobtasks.add",
        [2, 3],
        "default",
        "READY",
    )
    fetched = jobtasks.add.get_result(result.id)
    assert fetched.status == TaskResultStatus.READY
    assert fetched.args == [2, 3]


def test_enqueue_rolled_back_with_the_savepoint_leaves_no_job(db: Any) -> None:
    kept = jobtasks.add.enqueue(1, 1)
    with pytest.raises(Boom), transaction.atomic():
        jobtasks.add.enqueue(1, 2)
        raise Boom
    assert list(Job.objects.values_list("pk", flat=True)) == [int(kept.id)]


def test_enqueue_commits_or_rolls_back_with_the_change(transactional_db: Any) -> None:
    with pytest.raises(Boom), transaction.atomic():
        jobtasks.add.enqueue(1, 2)
        raise Boom
    assert not Job.objects.exists()
    with transaction.atomic():
        committed = jobtasks.add.enqueue(3, 4)
    assert list(Job.objects.values_list("pk", flat=True)) == [int(committed.id)]


def test_get_result_of_unknown_id_raises(db: Any) -> None:
    with pytest.raises(TaskResultDoesNotExist):
        default_task_backend.get_result("999999")
    with pytest.raises(TaskResultDoesNotExist):
        default_task_backend.get_result("not-a-number")


def test_unknown_queue_is_refused(db: Any) -> None:
    with pytest.raises(InvalidTask):
        jobtasks.add.using(queue_name="nope").enqueue(1, 1)


def test_values_json_cannot_hold_fail_at_enqueue_not_in_the_worker(db: Any) -> None:
    with pytest.raises(TypeError):
        jobtasks.add.enqueue(object(), 1)  # type: ignore[arg-type]
    assert not Job.objects.exists()


def test_result_of_a_run_job_carries_the_return_value(db: Any) -> None:
    result = jobtasks.add.enqueue(20, 22)
    run_worker(burst=True, scheduler=False)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"sum": 42}
    assert result.attempts == 1
    assert result.started_at is not None and result.finished_at is not None


def test_deferred_job_waits_for_run_after(effect_table: str) -> None:
    start = time.now()
    result = jobtasks.record.using(run_after=start + timedelta(hours=1)).enqueue("later")
    with time.frozen_at(start + timedelta(minutes=59)):
        stats = run_worker(burst=True, scheduler=False)
    assert stats.claimed == 0
    assert jobtasks.effect_counts() == {}
    with time.frozen_at(start + timedelta(hours=1)):
        run_worker(burst=True, scheduler=False)
    assert jobtasks.effect_counts() == {"later": 1}
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL


def test_higher_priority_first_then_oldest_first(effect_table: str) -> None:
    low = jobtasks.record.using(priority=-5).enqueue("low")
    first_normal = jobtasks.record.enqueue("normal-1")
    high = jobtasks.record.using(priority=10).enqueue("high")
    second_normal = jobtasks.record.enqueue("normal-2")
    order: list[int] = []
    for _ in range(4):
        run_worker(once=True, scheduler=False)
        done = set(Job.objects.filter(status="SUCCESSFUL").values_list("pk", flat=True))
        order.extend(sorted(done - set(order)))
    assert order == [int(r.id) for r in (high, first_normal, second_normal, low)]


def test_worker_only_takes_its_queues(effect_table: str) -> None:
    jobtasks.on_email_queue.enqueue("mail")
    jobtasks.record.enqueue("plain")
    run_worker(queues=["email"], burst=True, scheduler=False)
    assert jobtasks.effect_counts() == {"mail": 1}
    with pytest.raises(ValueError, match="unknown queue"):
        run_worker(queues=["nope"], burst=True, scheduler=False)


def test_vietnamese_thai_polish_arguments_survive_the_row(effect_table: str) -> None:
    key = "Nguyễn Văn Bình · สวัสดีครับ · Zażółć gęślą jaźń"
    result = jobtasks.record.enqueue(key)
    run_worker(burst=True, scheduler=False)
    assert jobtasks.effect_counts() == {key: 1}
    result.refresh()
    assert result.return_value == key
