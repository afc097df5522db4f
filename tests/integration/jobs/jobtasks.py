"""Tasks the job tests enqueue; importable by worker subprocesses (``tests`` on PYTHONPATH).

Their effect is a row in ``jobtest_effect``, a table the tests create, so "ran exactly once"
is a row count. ``JOBTEST_DIR`` (environment) is where a task leaves ``started-<key>`` and
waits while ``hold-<key>`` exists: the tests kill workers at that moment.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.db import connection
from django.tasks import TaskContext, task

from tessera.jobs.retry import RetryLater

EFFECT_TABLE = "jobtest_effect"


def write_effect(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {EFFECT_TABLE} (key, pid) VALUES (%s, %s)", [key, os.getpid()])  # noqa: S608 - constant table name


def database_is_private() -> bool:
    """True when other threads or processes cannot open the test database (in-memory SQLite)."""
    name = str(connection.settings_dict["NAME"])
    return connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name)


def effect_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, COUNT(*) FROM {EFFECT_TABLE} GROUP BY key")  # noqa: S608
        return dict(cursor.fetchall())


@task()
def record(key: str) -> str:
    write_effect(key)
    marker_dir = os.environ.get("JOBTEST_DIR")
    if marker_dir:
        directory = Path(marker_dir)
        (directory / f"started-{key}").write_text(str(os.getpid()))
        # Sleeping with the effect written but not committed: the moment a SIGKILL must not
        # leave a trace.
        while (directory / f"hold-{key}").exists():
            time.sleep(0.05)
    return key


@task(takes_context=True)
def flaky(context: TaskContext[Any, Any], key: str, failures: int) -> str:
    write_effect(f"{key}-attempt-{context.attempt}")
    if context.attempt <= failures:
        raise RuntimeError(f"attempt {context.attempt} of {key} fails on purpose")
    return f"{key} done on attempt {context.attempt}"


@task(takes_context=True)
def retry_later(context: TaskContext[Any, Any], key: str, delay: float) -> int:
    if context.attempt == 1:
        raise RetryLater("mail server said 451", delay_seconds=delay)
    write_effect(key)
    return context.attempt


@task()
def always_fails(message: str) -> None:
    raise ValueError(message)


@task()
def add(a: int, b: int) -> dict[str, int]:
    return {"sum": a + b}


@task(queue_name="email")
def on_email_queue(key: str) -> str:
    write_effect(key)
    return key
