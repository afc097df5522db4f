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
        return _change_matches(event_changes(context).get(spec.change_key), op, expected, insensitive)

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


# ----------------------------------------------------------------------------- compiled form
#
# ``evaluate`` walks the condition tree and re-decides for every condition, on every call, how
# to read its path and which operator applies. A desk with a thousand rules asks that of the
# same conditions on every event, so each rule's tree is turned once into nested closures that
# do only the reading and comparing, with the expected texts already folded. The closures must
# answer exactly as ``evaluate`` does, errors included (tests/unit/rules/test_compiled.py).

type Test = Callable[[Context], bool]
type Getter = Callable[[Context], Any]

# What a condition may read, as (namespace, first key): ("ticket", "status"),
# ("contact", "attributes"); ("ticket", "") for a whole namespace; ("change", key) for the
# change of a ticket field that the changed/changed_from/changed_to operators look at.
type Input = tuple[str, str]

NAMESPACES = ("ticket", "contact", "organisation", "message", "event")
CHANGE_INPUT = "change"
_BUSINESS_HOURS_PATH = "time.within_business_hours"
_CHANGE_OPS = frozenset({Op.CHANGED, Op.CHANGED_FROM, Op.CHANGED_TO})


def _true(context: Context) -> bool:
    return True


def _false(context: Context) -> bool:
    return False


def _missing(context: Context) -> Any:
    return MISSING


def _path_parts(path: str) -> tuple[str, list[str]] | None:
    """(namespace, keys) of a path ``resolve`` can follow; None when it always finds nothing."""
    head, _, rest = path.partition(".")
    if head not in NAMESPACES:
        return None
    keys = rest.split(".") if rest else []
    if any(key.startswith("_") for key in keys):
        return None
    return head, keys


def _business_hours(context: Context) -> bool:
    if context.is_business_hours is None:
        raise ConditionError("no business-hours calendar was given to the engine")
    return bool(context.is_business_hours(context.now))


def compile_path(path: str) -> Getter:
    """A function equal to ``resolve(context, path)`` for every context."""
    if path == _BUSINESS_HOURS_PATH:
        return _business_hours
    parts = _path_parts(path)
    if parts is None:
        return _missing
    head, keys = parts

    def namespace(context: Context) -> Any:
        value = context.namespace(head)
        return MISSING if value is None else value

    if not keys:
        return namespace
    if len(keys) == 1:
        (key,) = keys

        def one(context: Context) -> Any:
            # Context.namespace(head) is this attribute for every namespace _path_parts allows.
            container = getattr(context, head)
            if type(container) is dict:
                return container.get(key, MISSING)
            return MISSING if container is None else child(container, key)

        return one

    def many(context: Context) -> Any:
        current: Any = context.namespace(head)
        if current is None:
            return MISSING
        for key in keys:
            current = child(current, key)
            if current is MISSING:
                return MISSING
        return current

    return many


def _equal_to(expected: Any, insensitive: bool) -> Callable[[Any], bool]:
    """A function equal to ``values_equal(actual, expected, insensitive)`` for every actual."""
    if type(expected) is str:
        folded = fold(expected, accent_insensitive=insensitive)

        def text(actual: Any) -> bool:
            if type(actual) is str:
                return fold(actual, accent_insensitive=insensitive) == folded
            return values_equal(actual, expected, insensitive)

        return text
    if type(expected) is int:

        def integer(actual: Any) -> bool:
            if type(actual) is int:
                return actual == expected
            return values_equal(actual, expected, insensitive)

        return integer
    return lambda actual: values_equal(actual, expected, insensitive)


def _options(expected: Any) -> tuple[Any, ...]:
    return tuple(expected) if _is_sequence(expected) else (expected,)


def _in_test(expected: Any, insensitive: bool) -> Callable[[Any], bool]:
    """A function equal to ``_in(actual, expected, insensitive)`` for every actual."""
    options = _options(expected)
    folded_texts: frozenset[str] | None = None
    if all(type(option) is str for option in options):
        folded_texts = frozenset(fold(option, accent_insensitive=insensitive) for option in options)
    integers: frozenset[int] | None = None
    if all(type(option) is int for option in options):
        integers = frozenset(options)

    def test(actual: Any) -> bool:
        if folded_texts is not None and type(actual) is str:
            return fold(actual, accent_insensitive=insensitive) in folded_texts
        if integers is not None and type(actual) is int:
            return actual in integers
        return _in(actual, expected, insensitive)

    return test


def _contains_test(expected: Any, insensitive: bool) -> Callable[[Any], bool]:
    """A function equal to ``_contains(actual, expected, insensitive)`` for every actual."""
    wanted = [_element_equal_to(item, insensitive) for item in _options(expected)]
    folded = fold(expected, accent_insensitive=insensitive) if isinstance(expected, str) else None

    def test(actual: Any) -> bool:
        if _is_sequence(actual):
            return all(any(has(element) for element in actual) for has in wanted)
        if folded is not None and isinstance(actual, str):
            return folded in fold(actual, accent_insensitive=insensitive)
        return False

    return test


def _element_equal_to(item: Any, insensitive: bool) -> Callable[[Any], bool]:
    # ``_sequence_has`` compares values_equal(element, item): the same as _equal_to(item).
    return _equal_to(item, insensitive)


def _affix_test(expected: Any, insensitive: bool, *, start: bool) -> Callable[[Any], bool]:
    if not isinstance(expected, str):
        return lambda actual: False
    affix = fold(expected, accent_insensitive=insensitive)

    def test(actual: Any) -> bool:
        if not isinstance(actual, str):
            return False
        text = fold(actual, accent_insensitive=insensitive)
        return text.startswith(affix) if start else text.endswith(affix)

    return test


def _matches_test(expected: Any, insensitive: bool) -> Callable[[Any], bool]:
    def test(actual: Any) -> bool:
        if not isinstance(actual, str) or not isinstance(expected, str):
            return False
        try:
            return safe_search(expected, actual, accent_insensitive=insensitive)
        except MatchTimeout as exc:
            raise ConditionError(str(exc)) from None

    return test


def _value_test(op: Op, expected: Any, insensitive: bool) -> Callable[[Any], bool] | None:
    """The comparison of a resolved value, as ``evaluate_condition`` makes it; None for an
    operator it does not know (which it reports when evaluated, not before)."""
    match op:
        case Op.IS:
            return _equal_to(expected, insensitive)
        case Op.IS_NOT:
            equal = _equal_to(expected, insensitive)
            return lambda actual: not equal(actual)
        case Op.CONTAINS:
            return _contains_test(expected, insensitive)
        case Op.NOT_CONTAINS:
            contains = _contains_test(expected, insensitive)
            return lambda actual: not contains(actual)
        case Op.STARTS_WITH:
            return _affix_test(expected, insensitive, start=True)
        case Op.ENDS_WITH:
            return _affix_test(expected, insensitive, start=False)
        case Op.MATCHES:
            return _matches_test(expected, insensitive)
        case Op.GREATER | Op.LESS | Op.GREATER_OR_EQUAL | Op.LESS_OR_EQUAL:
            return lambda actual: _compare(op, actual, expected)
        case Op.IN:
            return _in_test(expected, insensitive)
        case Op.NOT_IN:
            within = _in_test(expected, insensitive)
            return lambda actual: not within(actual)
        case Op.IS_EMPTY:
            return is_empty
        case Op.IS_NOT_EMPTY:
            return lambda actual: not is_empty(actual)
    return None


def _change_test(condition: Condition) -> Test:
    spec = field_spec(condition.field)
    if spec is None or not spec.change_key:
        return _false
    key, op, expected = spec.change_key, condition.operator, condition.value
    insensitive = condition.accent_insensitive

    def test(context: Context) -> bool:
        return _change_matches(event_changes(context).get(key), op, expected, insensitive)

    return test


def _change_matches(change: tuple[Any, Any] | None, op: Op, expected: Any, insensitive: bool) -> bool:
    """changed / changed from / changed to, on the (before, after) pair of this event."""
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


def compile_condition(condition: Condition) -> Test:
    """A function equal to ``evaluate_condition(condition, context)`` for every context."""
    op = condition.operator
    if op in _CHANGE_OPS:
        return _change_test(condition)
    get = compile_path(condition.field)
    check = _value_test(op, condition.value, condition.accent_insensitive)
    if check is None:

        def unknown(context: Context) -> bool:
            get(context)
            raise ConditionError(f"unknown operator {op!r}")

        return unknown
    parts = _path_parts(condition.field)
    if parts is not None and len(parts[1]) == 1 and condition.field != _BUSINESS_HOURS_PATH:
        # The common "ticket.status": read and compare in one call.
        head, (key,) = parts

        def direct(context: Context) -> bool:
            container = getattr(context, head)
            if type(container) is dict:
                return check(container.get(key, MISSING))
            return check(get(context))

        return direct
    return lambda context: check(get(context))


def compile_node(node: Node) -> Test:
    """A function equal to ``evaluate(node, context)`` for every context: same answers, same
    order of looking, so the same condition raises when one would."""
    if isinstance(node, Condition):
        return compile_condition(node)
    every = tuple(compile_node(c) for c in node.all)
    some = tuple(compile_node(c) for c in node.any)
    never = tuple(compile_node(c) for c in node.none)
    if not (every or some or never):
        return _true
    if len(every) == 1 and not some and not never:
        return every[0]

    def group(context: Context) -> bool:
        for test in every:
            if not test(context):
                return False
        if some:
            for test in some:
                if test(context):
                    break
            else:
                return False
        return not any(test(context) for test in never)

    return group


def node_inputs(node: Node) -> frozenset[Input]:
    """Every part of a context the node's answer can depend on (see ``Input``). A condition on
    something no context has (an unknown namespace, a private key) depends on nothing."""
    if isinstance(node, Group):
        return frozenset().union(*(node_inputs(c) for c in (*node.all, *node.any, *node.none)))
    if node.operator in _CHANGE_OPS:
        spec = field_spec(node.field)
        return frozenset({(CHANGE_INPUT, spec.change_key)}) if spec is not None and spec.change_key else frozenset()
    parts = _path_parts(node.field)
    if parts is None or node.field == _BUSINESS_HOURS_PATH:
        # Business hours read the context's clock and calendar, which a cycle never changes.
        return frozenset()
    head, keys = parts
    return frozenset({(head, keys[0] if keys else "")})


# ----------------------------------------------------------------------------- gates
#
# Most rules of a large desk begin with a test of the ticket's state ("status in open,
# pending", "department is 4"). A gate is such a test, read off a rule so that the engine can
# put the rules of a whole desk into buckets by the value they want and, at the start of a
# cycle, set aside every rule whose bucket the ticket is not in, without evaluating it.

_SAFE_OPS = frozenset({
    Op.IS, Op.IS_NOT, Op.IN, Op.NOT_IN, Op.CONTAINS, Op.NOT_CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH,
    Op.IS_EMPTY, Op.IS_NOT_EMPTY, Op.GREATER, Op.LESS, Op.GREATER_OR_EQUAL, Op.LESS_OR_EQUAL,
})
_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Gate:
    """The rule can only match when the value at ``path`` is exactly a ``kind`` ("text": a
    str, "int": an int) whose key (folded text, or the int) is in ``keys``; when the value is
    of another type, the gate says nothing."""

    path: str
    accent_insensitive: bool
    kind: str
    keys: frozenset[Any]

    def key(self, actual: Any) -> Any:
        """The bucket key of a context value, or None when this gate cannot judge it."""
        if self.kind == "text":
            return fold(actual, accent_insensitive=self.accent_insensitive) if type(actual) is str else None
        return actual if type(actual) is int else None


def _cannot_fail(node: Node) -> bool:
    """Whether evaluating the condition can neither raise nor hang, whatever the context holds:
    then the conditions after it in an ``all`` decide alone whether the group can be true."""
    if not isinstance(node, Condition) or node.operator not in _SAFE_OPS or node.field == _BUSINESS_HOURS_PATH:
        return False
    value = node.value
    if node.operator in {Op.IS, Op.IS_NOT}:
        # A list against a list compares sets, which an unhashable element would break.
        return isinstance(value, _SCALARS)
    return isinstance(value, _SCALARS) or (isinstance(value, tuple) and all(isinstance(v, _SCALARS) for v in value))


def _as_gate(condition: Condition) -> Gate | None:
    if condition.operator not in {Op.IS, Op.IN} or condition.field == _BUSINESS_HOURS_PATH:
        return None
    parts = _path_parts(condition.field)
    if parts is None or len(parts[1]) != 1:
        return None
    values = (condition.value,) if condition.operator is Op.IS else _options(condition.value)
    if condition.operator is Op.IN and not _is_sequence(condition.value):
        return None
    insensitive = condition.accent_insensitive
    # Exact types only: a text and a number can be equal ("5" and 5), a bool and an int not.
    if all(type(v) is str for v in values):
        return Gate(condition.field, insensitive, "text", frozenset(fold(v, accent_insensitive=insensitive)
                                                                    for v in values))
    if all(type(v) is int for v in values):
        return Gate(condition.field, insensitive, "int", frozenset(values))
    return None


def gate_of(group: Group) -> Gate | None:
    """The first condition of ``group.all`` that can serve as a gate, provided nothing before
    it could fail: when the gate does not hold, the group is then false without any error, as
    ``evaluate`` would find. None when there is no such condition."""
    for node in group.all:
        if isinstance(node, Condition):
            found = _as_gate(node)
            if found is not None:
                return found
        if not _cannot_fail(node):
            return None
    return None
