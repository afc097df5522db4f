"""Job rows of the database-backed task backend, and the periodic schedule.

A ``Job`` is written by ``DatabaseBackend.enqueue`` inside the caller's transaction, so it
commits or rolls back with the change that caused it. Workers move it through
READY -> RUNNING -> SUCCESSFUL / FAILED (or back to READY for a retry).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.tasks.base import TaskResultStatus


class Job(models.Model):
    task_path = models.CharField(max_length=255)
    backend = models.CharField(max_length=64, default="default")
    queue_name = models.CharField(max_length=64, default="default")
    priority = models.SmallIntegerField(default=0)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)

    status = models.CharField(
        max_length=10, choices=TaskResultStatus.choices, default=TaskResultStatus.READY
    )
    # Never null: a job without a deferral is due from the moment it was enqueued, which keeps
    # the claim query a plain range scan instead of an "IS NULL OR <=" that defeats the index.
    run_after = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=10)
    # The claim: who runs the current attempt and until when the others must keep away. A
    # RUNNING row whose lease has expired belongs to a dead worker and may be claimed again.
    worker_id = models.CharField(max_length=128, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    worker_ids = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    return_value = models.JSONField(null=True, blank=True)

    enqueued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    last_attempted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Partial indexes over READY rows only, so finished jobs (the bulk of the table)
            # cost the claim nothing. A worker serving every queue walks the global order...
            models.Index(
                models.F("priority").desc(),
                "run_after",
                "id",
                name="jobs_job_ready_idx",
                condition=models.Q(status="READY"),
            ),
            # ...one serving a single quiet queue must not walk another queue's backlog.
            models.Index(
                "queue_name",
                models.F("priority").desc(),
                "run_after",
                "id",
                name="jobs_job_ready_queue_idx",
                condition=models.Q(status="READY"),
            ),
            # Recovery: RUNNING rows whose lease ran out.
            models.Index(
                "lease_expires_at",
                name="jobs_job_running_lease_idx",
                condition=models.Q(status="RUNNING"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_path}#{self.pk} {self.status}"

    def add_error(self, exception_class_path: str, traceback: str) -> None:
        errors: list[dict[str, Any]] = list(self.errors or [])
        errors.append({"exception_class_path": exception_class_path, "traceback": traceback})
        self.errors = errors


class PeriodicSchedule(models.Model):
    """One row per registered periodic job; ``next_run_at`` moves under a row lock."""

    name = models.CharField(max_length=255, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_job = models.ForeignKey(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.name} next at {self.next_run_at:%Y-%m-%d %H:%M:%S}"
