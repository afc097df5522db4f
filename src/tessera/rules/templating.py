"""A deliberately tiny template language for rule notes and emails. Pure.

Admins write the templates and customers write the values, so neither may execute anything:
the only construct is ``{{ dotted.path }}``, the path must be on a whitelist, values are read
from plain mappings only (never attributes of objects), inserted values are never scanned for
placeholders again, and everything else — including ``{% ... %}`` — is literal text. Output is
plain text: escaping for HTML is the caller's job, as it knows the medium.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tessera.rules.conditions import MISSING, child
from tessera.rules.vocabulary import DYNAMIC_PREFIXES, FIELDS, KEY_SEGMENT, TEMPLATE_ONLY_PATHS

MAX_TEMPLATE_LENGTH = 20_000

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PATH = re.compile(r"[a-z][a-z_]*(?:\.[A-Za-z0-9_-]+){1,3}")

ALLOWED_PATHS = frozenset(
    path for path in FIELDS if not path.startswith(("time.", "event."))
) | TEMPLATE_ONLY_PATHS | frozenset({"event.kind", "event.field", "event.rating"})


def is_allowed_path(path: str) -> bool:
    if not _PATH.fullmatch(path):
        return False
    if path in ALLOWED_PATHS:
        return True
    for prefix in DYNAMIC_PREFIXES:
        rest = path.removeprefix(prefix)
        if rest != path and re.fullmatch(KEY_SEGMENT, rest):
            return True
    return False


def template_errors(template: str) -> list[str]:
    """Why a template would not render as its author expects; empty when it is fine."""
    errors: list[str] = []
    if len(template) > MAX_TEMPLATE_LENGTH:
        errors.append(f"template is longer than {MAX_TEMPLATE_LENGTH} characters")
    if "{%" in template:
        errors.append("template tags like {% ... %} are not supported; only {{ placeholders }}")
    for match in _PLACEHOLDER.finditer(template):
        path = match.group(1).strip()
        if not is_allowed_path(path):
            errors.append(f"unknown placeholder {{{{ {path[:60]} }}}}")
    return errors


def _format(value: Any) -> str:
    if value is MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_format(v) for v in value if isinstance(v, str | int | float | Decimal))
    # Mappings and objects never reach the output: no accidental dumps of internals.
    return ""


def lookup(values: Mapping[str, Any], path: str) -> Any:
    current: Any = values
    for key in path.split("."):
        current = child(current, key)
        if current is MISSING:
            break
    return current


def render(template: str, values: Mapping[str, Any]) -> str:
    """Replace whitelisted placeholders with plain-text values; anything else becomes ""."""

    def substitute(match: re.Match[str]) -> str:
        path = match.group(1).strip()
        if not is_allowed_path(path):
            return ""
        return _format(lookup(values, path))

    return _PLACEHOLDER.sub(substitute, template[:MAX_TEMPLATE_LENGTH])
