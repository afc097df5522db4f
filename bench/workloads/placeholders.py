"""Workloads whose subsystem is still being built. They report that, never a made-up number."""

from __future__ import annotations

from typing import Any

PENDING: dict[str, str] = {
    "email_ingest": (
        "email ingestion of 1,000 messages (half new, half replies that must thread), against "
        "the stdlib email parse of the same messages: waits for the email channel's ingest task"
    ),
    "search": (
        "keyword search (English word, Vietnamese without accents, Thai substring): waits for "
        "the search subsystem"
    ),
    "rules": "one ticket event with 0 and with 1,000 active rules: waits for the rules engine",
}


def pending() -> dict[str, dict[str, Any]]:
    return {name: {"status": "not yet measured", "why": why} for name, why in PENDING.items()}
