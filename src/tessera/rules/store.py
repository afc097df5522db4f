"""Changing the stored rules and macros: validate, save, order, import and export.

The admin pages and the management commands call these; nothing else writes ``Rule`` rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tessera.rules import schema
from tessera.rules.models import Macro, Rule

EXPORT_FORMAT = "tessera-rules"


def save_rule(
    document: Any,
    *,
    rule: Rule | None = None,
    is_active: bool = True,
    position: int | None = None,
) -> Rule:
    """Validate ``document`` and store it (a new rule, or ``rule`` replaced); raises
    ``schema.RuleValidationError`` with every problem found."""
    parsed = schema.rule_from_dict(document)
    # Stored in canonical form, so an export reads back exactly and diffs stay small.
    canonical = schema.rule_to_dict(parsed)
    with transaction.atomic():
        if rule is None:
            if position is None:
                position = (Rule.objects.aggregate(m=Max("position"))["m"] or 0) + 10
            rule = Rule(position=position)
        elif position is not None:
            rule.position = position
        rule.name = parsed.name
        rule.kind = parsed.kind.value
        rule.document = canonical
        rule.is_active = is_active
        rule.save()
    return rule


def set_active(rule: Rule, active: bool) -> Rule:
    # update() skips auto_now, and the rule list shows when a rule last changed.
    Rule.objects.filter(pk=rule.pk).update(is_active=active, updated_at=timezone.now())
    rule.is_active = active
    return rule


def delete_rule(rule: Rule) -> None:
    rule.delete()


def move_rule(rule: Rule, direction: int) -> None:
    """Swap the rule with its neighbour above (-1) or below (+1) in run order."""
    with transaction.atomic():
        ordered = list(Rule.objects.select_for_update().order_by("position", "id"))
        index = next(i for i, r in enumerate(ordered) if r.pk == rule.pk)
        other = index + (1 if direction > 0 else -1)
        if not 0 <= other < len(ordered):
            return
        ordered[index], ordered[other] = ordered[other], ordered[index]
        # Renumber all: positions may have had ties or gaps.
        for i, row in enumerate(ordered):
            position = (i + 1) * 10
            if row.position != position:
                Rule.objects.filter(pk=row.pk).update(position=position, updated_at=timezone.now())


def export_rules(rules: Sequence[Rule] | None = None) -> str:
    chosen = list(rules) if rules is not None else list(Rule.objects.order_by("position", "id"))
    payload = {
        "format": EXPORT_FORMAT,
        "schema": schema.SCHEMA_VERSION,
        "rules": [{**rule.document, "active": rule.is_active} for rule in chosen],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def import_rules(text: str) -> list[Rule]:
    """Add the rules of an export (or a single rule document) after the existing ones.

    All or nothing: one invalid rule rejects the file, naming the rule and the problem.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise schema.RuleValidationError([schema.Issue("", f"not JSON: {exc}")]) from exc
    if isinstance(data, dict) and data.get("format") == EXPORT_FORMAT:
        documents = data.get("rules")
        if not isinstance(documents, list):
            raise schema.RuleValidationError([schema.Issue("rules", "must be a list")])
    elif isinstance(data, list):
        documents = data
    else:
        documents = [data]
    prepared: list[tuple[dict[str, Any], bool]] = []
    issues: list[schema.Issue] = []
    for i, raw in enumerate(documents):
        if not isinstance(raw, dict):
            issues.append(schema.Issue(f"rules[{i}]", "must be a rule object"))
            continue
        document = dict(raw)
        active = document.pop("active", True)
        issues += [schema.Issue(f"rules[{i}].{issue.path}", issue.message) for issue in schema.validate(document)]
        prepared.append((document, bool(active)))
    if issues:
        raise schema.RuleValidationError(issues)
    with transaction.atomic():
        return [save_rule(document, is_active=active) for document, active in prepared]


def save_macro(macro: Macro) -> Macro:
    """Validate the macro's actions and reply template with the rule schema, then save."""
    from tessera.rules.runner import macro_rule
    from tessera.rules.templating import template_errors

    macro_rule(macro)
    problems = template_errors(macro.reply_template)
    if problems:
        raise schema.RuleValidationError([schema.Issue("reply_template", p) for p in problems])
    macro.save()
    return macro
