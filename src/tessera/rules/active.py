"""The active rules of a kind, parsed once per change of the rules rather than once per event.

Every ticket event runs the triggers. Reading and validating 1,000 rule documents for each
one cost more than evaluating them, so each process keeps the parsed rules and checks with one
aggregate query whether any rule row changed since. The fingerprint covers what any write
changes: a save bumps ``updated_at`` (the store also bumps it when toggling or reordering, as
those use ``update()``), an insert raises the highest id, a delete lowers the count.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db.models import Count, Max, Q, Sum

from tessera.rules import schema
from tessera.rules.models import Rule

log = logging.getLogger("tessera.rules")

type Parsed = list[tuple[Rule, schema.Rule]]

_cache: dict[tuple[str, str], tuple[tuple[Any, ...], Parsed]] = {}
_lock = threading.Lock()


def _fingerprint(kind: str) -> tuple[Any, ...]:
    row = Rule.objects.filter(kind=kind).aggregate(
        n=Count("id"),
        active=Count("id", filter=Q(is_active=True)),
        top=Max("id"),
        changed=Max("updated_at"),
        positions=Sum("position", filter=Q(is_active=True)),
    )
    return (row["n"], row["active"], row["top"], row["changed"], row["positions"])


def _load(kind: str) -> Parsed:
    out: Parsed = []
    for row in Rule.objects.filter(kind=kind, is_active=True).order_by("position", "id"):
        try:
            out.append((row, row.parsed()))
        except schema.RuleValidationError as exc:
            # Stored documents are validated on save; one that no longer reads (a schema
            # change) is skipped rather than stopping every other rule.
            log.error("rule %s (%s) does not validate: %s", row.pk, row.name, exc)
    return out


def active_rules(kind: str) -> Parsed:
    """Active rules of ``kind`` in run order. Callers must not mutate what they get."""
    from django.db import connection

    # Keyed by database too: the test suite and the benchmark switch databases in-process.
    key = (connection.settings_dict["NAME"] or "", kind)
    fingerprint = _fingerprint(kind)
    cached = _cache.get(key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    rules = _load(kind)
    with _lock:
        _cache[key] = (fingerprint, rules)
    return rules
