"""The active rules of a kind, parsed once per change of the rules rather than once per event.

Every ticket event runs the triggers. Reading and validating 1,000 rule documents for each
one cost more than evaluating them, so each process keeps the parsed rules, with their
conditions compiled and indexed by event and input (``engine.RuleBook``), and checks whether
any rule changed since by reading ``RuleSetVersion``, whose token every write to the rules
changes in the same transaction (``models.RuleQuerySet``). That is one primary-key read per
trigger run; the aggregate over the rule rows it replaced read the whole table (a millisecond
or more with a thousand rules) every time, whether or not any rule was active.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from tessera.rules import schema
from tessera.rules.engine import RuleBook
from tessera.rules.models import Rule, RuleSetVersion

log = logging.getLogger("tessera.rules")

type Parsed = list[tuple[Rule, schema.Rule]]


@dataclass(frozen=True)
class ActiveRules:
    """One kind's active rules in run order: the rows and parsed rules, the engine's book of
    them, and the rows by the engine's rule key (the row id as text)."""

    pairs: Parsed = field(default_factory=list)
    book: RuleBook = field(default_factory=lambda: RuleBook(()))
    rows: dict[str, Rule] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: Parsed) -> ActiveRules:
        return cls(pairs, RuleBook([rule for _, rule in pairs]), {rule.id: row for row, rule in pairs})


_cache: dict[tuple[str, str], tuple[str | None, ActiveRules]] = {}
_lock = threading.Lock()


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
    return active_rule_set(kind).pairs


def active_rule_set(kind: str) -> ActiveRules:
    """Active rules of ``kind``, ready for the engine. Callers must not mutate what they get."""
    from django.db import connection

    # Keyed by database too: the test suite and the benchmark switch databases in-process.
    key = (connection.settings_dict["NAME"] or "", kind)
    fingerprint = RuleSetVersion.current()
    cached = _cache.get(key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    rules = ActiveRules.of(_load(kind))
    for _, parsed in rules.pairs:
        # Compiled here, once per change of the rules, rather than by the first event.
        parsed.conditions_test  # noqa: B018
    with _lock:
        _cache[key] = (fingerprint, rules)
    return rules
