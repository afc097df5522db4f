"""Placeholder replaced by the database-backed task backend."""

from __future__ import annotations

from typing import Any

from django.tasks.backends.immediate import ImmediateBackend


class DatabaseBackend(ImmediateBackend):
    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
