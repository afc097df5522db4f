"""``django.tasks`` backend that stores each enqueued task as a :class:`~tessera.jobs.models.Job` row.

Settings (``TASKS["default"]["OPTIONS"]``, every key optional)::

    {
        "LEASE_SECONDS": 300,          # how long a dead worker's claim blocks a job
        "MAX_ATTEMPTS": 10,            # attempts before a job is FAILED for good
        "BACKOFF_BASE_SECONDS": 10,    # first retry delay (doubles each attempt, jittered)
        "BACKOFF_CAP_SECONDS": 3600,   # longest retry delay
        "QUEUE_OPTIONS": {"email": {"MAX_ATTEMPTS": 12, "LEASE_SECONDS": 600}},
    }

``enqueue`` is one INSERT on the current connection, inside whatever transaction the caller
has open: the job commits or vanishes with the change that caused it. Workers live in
:mod:`tessera.jobs.worker`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import Task, TaskError, TaskResult, TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from tessera.core import time

if TYPE_CHECKING:
    from tessera.jobs.models import Job

    # The stubs make these generic; at run time they are plain classes.
    AnyTask = Task[..., Any]
    AnyResult = TaskResult[..., Any]


@dataclass(frozen=True)
class QueuePolicy:
    lease_seconds: float
    max_attempts: int
    backoff_base_seconds: float
    backoff_cap_seconds: float


class DatabaseBackend(BaseTaskBackend):
    supports_defer = True
    supports_priority = True
    supports_get_result = True
    # Workers run tasks inside a database transaction on a thread; coroutines would need an
    # event loop per job for no gain.
    supports_async_task = False

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        opts: dict[str, Any] = dict(self.options)
        self._default = QueuePolicy(
            lease_seconds=float(opts.get("LEASE_SECONDS", 300)),
            max_attempts=int(opts.get("MAX_ATTEMPTS", 10)),
            backoff_base_seconds=float(opts.get("BACKOFF_BASE_SECONDS", 10)),
            backoff_cap_seconds=float(opts.get("BACKOFF_CAP_SECONDS", 3600)),
        )
        self._per_queue: dict[str, QueuePolicy] = {}
        for queue, overrides in dict(opts.get("QUEUE_OPTIONS", {})).items():
            self._per_queue[queue] = QueuePolicy(
                lease_seconds=float(overrides.get("LEASE_SECONDS", self._default.lease_seconds)),
                max_attempts=int(overrides.get("MAX_ATTEMPTS", self._default.max_attempts)),
                backoff_base_seconds=float(
                    overrides.get("BACKOFF_BASE_SECONDS", self._default.backoff_base_seconds)
                ),
                backoff_cap_seconds=float(
                    overrides.get("BACKOFF_CAP_SECONDS", self._default.backoff_cap_seconds)
                ),
            )

    def policy(self, queue_name: str) -> QueuePolicy:
        return self._per_queue.get(queue_name, self._default)

    def enqueue[**P, R](
        self, task: Task[P, R], args: list[Any], kwargs: dict[str, Any]
    ) -> TaskResult[P, R]:
        from tessera.jobs.models import Job

        self.validate_task(task)
        now = time.now()
        job = Job.objects.create(
            task_path=task.module_path,
            backend=self.alias,
            queue_name=task.queue_name,
            priority=task.priority,
            # Normalised now, so a value JSON cannot hold fails in the caller, not in a worker.
            args=normalize_json(list(args)),
            kwargs=normalize_json(dict(kwargs)),
            status=TaskResultStatus.READY,
            run_after=task.run_after or now,
            max_attempts=self.policy(task.queue_name).max_attempts,
            enqueued_at=now,
        )
        result = job_to_result(job, task)
        task_enqueued.send(type(self), task_result=result)
        return cast("TaskResult[P, R]", result)

    def get_result(self, result_id: str) -> AnyResult:
        from tessera.jobs.models import Job

        try:
            job = Job.objects.get(pk=int(result_id), backend=self.alias)
        except (ValueError, Job.DoesNotExist):
            raise TaskResultDoesNotExist(result_id) from None
        return job_to_result(job)


def resolve_task(job: Job) -> AnyTask:
    """The ``Task`` a job row names, with the row's queue, priority and deferral."""
    found = import_string(job.task_path)
    if not isinstance(found, Task):
        raise TypeError(f"{job.task_path} is not a task (decorate it with @task)")
    return found.using(
        priority=job.priority,
        queue_name=job.queue_name,
        run_after=job.run_after,
        backend=job.backend,
    )


def job_to_result(job: Job, task: AnyTask | None = None) -> AnyResult:
    result: AnyResult = TaskResult(
        task=task if task is not None else resolve_task(job),
        id=str(job.pk),
        status=TaskResultStatus(job.status),
        enqueued_at=job.enqueued_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        last_attempted_at=job.last_attempted_at,
        args=list(job.args),
        kwargs=dict(job.kwargs),
        backend=job.backend,
        errors=[
            TaskError(exception_class_path=e["exception_class_path"], traceback=e["traceback"])
            for e in job.errors
        ],
        worker_ids=list(job.worker_ids),
    )
    # TaskResult is frozen and exposes the value only through a read-only property.
    object.__setattr__(result, "_return_value", job.return_value)
    return result
