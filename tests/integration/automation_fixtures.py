"""Fixtures shared by the rules and SLA tests: mail kept in memory, the job queue run to empty, rules saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _mail_in_memory(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def drain(db: Any) -> Callable[[], int]:
    """Run every due job (rules, SLA, deliveries...) until none is left; returns how many ran."""
    from tessera.jobs.worker import run_worker

    def run(max_rounds: int = 50) -> int:
        total = 0
        for _ in range(max_rounds):
            stats = run_worker(burst=True, scheduler=False)
            total += stats.claimed
            if stats.claimed == 0:
                return total
        raise AssertionError("the job queue never emptied: a rule loop?")

    return run


@pytest.fixture
def make_rule(db: Any) -> Callable[..., Any]:
    from tessera.rules.store import save_rule

    def make(document: dict[str, Any], **kwargs: Any) -> Any:
        document = {"schema": 1, "kind": "trigger", **document}
        return save_rule(document, **kwargs)

    return make
