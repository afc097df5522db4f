"""The parsed-rules cache must never serve rules that changed: every way a rule changes is seen."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tessera.rules import store
from tessera.rules.actions import AddTags
from tessera.rules.active import active_rules
from tessera.rules.models import Rule, RuleKind


def _names() -> list[str]:
    return [row.name for row, _parsed in active_rules(RuleKind.TRIGGER)]


def _doc(name: str, tag: str = "x") -> dict[str, Any]:
    return {"schema": 1, "kind": "trigger", "name": name, "events": ["ticket_created"],
            "actions": [{"type": "add_tags", "tags": [tag]}]}


def test_every_change_to_the_rules_is_seen(db: Any) -> None:
    first = store.save_rule(_doc("First"))
    second = store.save_rule(_doc("Second"))
    assert _names() == ["First", "Second"]

    store.move_rule(second, -1)
    assert _names() == ["Second", "First"]

    store.set_active(first, False)
    assert _names() == ["Second"]
    store.set_active(first, True)
    assert _names() == ["Second", "First"]

    store.save_rule(_doc("Second, renamed", tag="y"), rule=Rule.objects.get(pk=second.pk))
    assert _names() == ["Second, renamed", "First"]
    assert active_rules(RuleKind.TRIGGER)[0][1].actions[0] == AddTags(tags=("y",))

    store.delete_rule(Rule.objects.get(pk=first.pk))
    assert _names() == ["Second, renamed"]

    store.import_rules(store.export_rules([Rule.objects.get(pk=second.pk)]))
    assert _names() == ["Second, renamed", "Second, renamed"]


def test_unchanged_rules_cost_one_query(db: Any) -> None:
    for i in range(30):
        store.save_rule(_doc(f"Rule {i}"))
    assert len(_names()) == 30
    with CaptureQueriesContext(connection) as ctx:
        assert len(_names()) == 30
    assert len(ctx.captured_queries) == 1
