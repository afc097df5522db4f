"""Conditions and their evaluation against a context of plain mappings. Pure."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tessera.rules.text import MatchTimeout, fold, safe_search
from tessera.rules.vocabulary import Op, field_spec


@dataclass(frozen=True)
class Condition:
    field: str
    operator: Op
    # A JSON value; lists are held as tuples so a parsed rule stays immutable.
    value: Any = None
    accent_insensitive: bool = False


@dataclass(frozen=True)
class Group:
    """True when every ``all`` holds, at least one ``any`` holds (if any are given) and no
    ``none`` holds. An empty group is true: a rule without conditions applies to every ticket."""

    all: tuple[Node, ...] = ()
    any: tuple[Node, ...] = ()
    none: tuple[Node, ...] = ()


type Node = Condition | Group


@dataclass
class Context:
    """Everything a rule may look at. The runner fills it from the database; tests by hand.

    ``event`` has ``kind`` (an ``Event`` value or ``TIME_EVENT``) and either ``changes``
    (``{"priority": {"before": "normal", "after": "high"}, "custom_fields.order_id": ...}``)
    or a single ``field``/``before``/``after``.
    """

    now: datetime
    ticket: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] = field(default_factory=dict)
    organisation: dict[str, Any] = field(default_factory=dict)
    message: dict[str, Any] = field(default_factory=dict)
    event: dict[str, Any] = field(default_factory=dict)
    # The SLA calendar's answer for "is this moment inside business hours"; injected so this
    # module knows nothing of calendars.
    is_business_hours: Callable[[datetime], bool] | None = None

    def namespace(self, name: str) -> Mapping[str, Any] | None:
        if name in {"ticket", "contact", "organisation", "message", "event"}:
            value: Mapping[str, Any] = getattr(self, name)
            return value
        return None


class ConditionError(RuntimeError):
    """A condition could not be evaluated (missing calendar, runaway pattern...)."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def child(container: Any, key: str) -> Any:
    # Only mapping keys and declared dataclass fields are reachable: never getattr on an
    # arbitrary object, so a path can not wander into methods or dunder attributes.
    if isinstance(container, Mapping):
        return container.get(key, MISSING)
    if (
        dataclasses.is_dataclass(container)
        and not isinstance(container, type)
        and key in {f.name for f in dataclasses.fields(container)}
    ):
        return getattr(container, key)
    return MISSING


def resolve(context: Context, path: str) -> Any:
    """The value at a dotted path, or MISSING."""
    if path == "time.within_business_hours":
        if context.is_business_hours is None:
            raise ConditionError("no business-hours calendar was given to the engine")
        return bool(context.is_business_hours(context.now))
    head, _, rest = path.partition(".")
    current: Any = context.namespace(head)
    if current is None:
        return MISSING
    for key in rest.split(".") if rest else ():
        if key.startswith("_"):
            return MISSING
        current = child(current, key)
        if current is MISSING:
            return MISSING
    return current


def event_changes(context: Context) -> dict[str, tuple[Any, Any]]:
    """The field changes the current event (and any earlier rule in this cycle) made."""
    event = context.event
    changes: dict[str, tuple[Any, Any]] = {}
    raw = event.get("changes")
    if isinstance(raw, Mapping):
        for key, change in raw.items():
            if isinstance(change, Mapping):
                changes[str(key)] = (change.get("before"), change.get("after"))
    single = event.get("field")
    if isinstance(single, str) and single and single not in changes:
        changes[single] = (event.get("before"), event.get("after"))
    return changes


# ----------------------------------------------------------------------------- comparisons


def is_empty(value: Any) -> bool:
    if value is MISSING or value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset | dict):
        return not value
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _as_number(value: Any) -> Decimal | None:
    if not (_is_number(value) or isinstance(value, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return None
    # NaN and infinities would raise on ordering, and match nothing sensible anyway.
    return number if number.is_finite() else None


def as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and "T" in value:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    # Stored times are aware; a naive value in a rule document is read as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _ordered(actual: Any, expected: Any) -> tuple[Any, Any] | None:
    """Both values in one comparable form (numbers, moments or days), or None."""
    for convert in (_as_number, as_datetime, _as_date):
        left, right = convert(actual), convert(expected)
        if left is not None and right is not None:
            return left, right
    return None


def _is_sequence(value: Any) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def values_equal(actual: Any, expected: Any, accent_insensitive: bool = False) -> bool:
    if actual is MISSING:
        actual = None
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if actual is None or expected is None:
        return is_empty(actual) and is_empty(expected)
    if isinstance(actual, str) and isinstance(expected, str):
        return fold(actual, accent_insensitive=accent_insensitive) == fold(expected, accent_insensitive=accent_insensitive)
    if _is_sequence(actual) and _is_sequence(expected):
        return _folded_set(actual, accent_insensitive) == _folded_set(expected, accent_insensitive)
    if isinstance(actual, datetime) or isinstance(expected, datetime):
        pair = _ordered(actual, expected)
        return pair is not None and pair[0] == pair[1]
    if _is_number(actual) or _is_number(expected):
        # Ids arrive as ints from the database and often as strings from a rule document.
        left, right = _as_number(actual), _as_number(expected)
        return left is not None and left == right
    return bool(actual == expected)


def _folded_set(values: Any, accent_insensitive: bool) -> set[Any]:
    return {fold(v, accent_insensitive=accent_insensitive) if isinstance(v, str) else v for v in values}


def _sequence_has(actual: Any, item: Any, accent_insensitive: bool) -> bool:
    return any(values_equal(element, item, accent_insensitive) for element in actual)


def _contains(actual: Any, expected: Any, accent_insensitive: bool) -> bool:
    if _is_sequence(actual):
        wanted = expected if _is_sequence(expected) else (expected,)
        return all(_sequence_has(actual, item, accent_insensitive) for item in wanted)
    if isinstance(actual, str) and isinstance(expected, str):
        return fold(expected, accent_insensitive=accent_insensitive) in fold(actual, accent_insensitive=accent_insensitive)
    return False


def _in(actual: Any, expected: Any, accent_insensitive: bool) -> bool:
    options = expected if _is_sequence(expected) else (expected,)
    if _is_sequence(actual):
        return any(_sequence_has(options, element, accent_insensitive) for element in actual)
    return any(values_equal(actual, option, accent_insensitive) for option in options)


def _affix(actual: Any, expected: Any, accent_insensitive: bool, *, start: bool) -> bool:
    if not isinstance(actual, str) or not isinstance(expected, str):
        return False
    text = fold(actual, accent_insensitive=accent_insensitive)
    affix = fold(expected, accent_insensitive=accent_insensitive)
    return text.startswith(affix) if start else text.endswith(affix)


def _compare(op: Op, actual: Any, expected: Any) -> bool:
    pair = _ordered(actual, expected)
    if pair is None:
        return False
    left, right = pair
    try:
        match op:
            case Op.GREATER:
                return bool(left > right)
            case Op.LESS:
                return bool(left < right)
            case Op.GREATER_OR_EQUAL:
                return bool(left >= right)
            case _:
                return bool(left <= right)
    except TypeError:
        # e.g. a number against a day: not comparable, so the condition simply does not hold.
        return False


def evaluate_condition(condition: Condition, context: Context) -> bool:
    op = condition.operator
    expected = condition.value
    insensitive = condition.accent_insensitive
    if op in {Op.CHANGED, Op.CHANGED_FROM, Op.CHANGED_TO}:
        spec = field_spec(condition.field)
        if spec is None or not spec.change_key:
            return False
        change = event_changes(context).get(spec.change_key)
        if change is None:
            return False
        before, after = change
        if values_equal(before, after, insensitive):
            return False
        if op is Op.CHANGED_FROM:
            return values_equal(before, expected, insensitive)
        if op is Op.CHANGED_TO:
            return values_equal(after, expected, insensitive)
        return True

    actual = resolve(context, condition.field)
    match op:
        case Op.IS:
            return values_equal(actual, expected, insensitive)
        case Op.IS_NOT:
            return not values_equal(actual, expected, insensitive)
        case Op.CONTAINS:
            return _contains(actual, expected, insensitive)
        case Op.NOT_CONTAINS:
            return not _contains(actual, expected, insensitive)
        case Op.STARTS_WITH:
            return _affix(actual, expected, insensitive, start=True)
        case Op.ENDS_WITH:
            return _affix(actual, expected, insensitive, start=False)
        case Op.MATCHES:
            if not isinstance(actual, str) or not isinstance(expected, str):
                return False
            try:
                return safe_search(expected, actual, accent_insensitive=insensitive)
            except MatchTimeout as exc:
                raise ConditionError(str(exc)) from None
        case Op.GREATER | Op.LESS | Op.GREATER_OR_EQUAL | Op.LESS_OR_EQUAL:
            return _compare(op, actual, expected)
        case Op.IN:
            return _in(actual, expected, insensitive)
        case Op.NOT_IN:
            return not _in(actual, expected, insensitive)
        case Op.IS_EMPTY:
            return is_empty(actual)
        case Op.IS_NOT_EMPTY:
            return not is_empty(actual)
    raise ConditionError(f"unknown operator {op!r}")


def evaluate(node: Node, context: Context) -> bool:
    """Whether a condition or group holds; short-circuits like ``all``/``any``."""
    if isinstance(node, Condition):
        return evaluate_condition(node, context)
    if not all(evaluate(child, context) for child in node.all):
        return False
    if node.any and not any(evaluate(child, context) for child in node.any):
        return False
    return not any(evaluate(child, context) for child in node.none)
