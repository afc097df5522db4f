"""Compiled conditions answer exactly as the interpreter does: same value, same error.

``conditions.compile_node`` exists for speed only; ``evaluate`` is the definition. Hypothesis
draws conditions (valid or not for their field: the compiler must not depend on validation)
and contexts full of the values that make comparisons subtle: booleans beside ones and zeros,
numbers as text, accents, Thai, empty and missing values, lists, dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessera.rules.conditions import (
    MISSING,
    Condition,
    ConditionError,
    Context,
    Group,
    Node,
    compile_node,
    compile_path,
    evaluate,
    node_inputs,
    resolve,
)
from tessera.rules.vocabulary import Op

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)

TEXTS = ["", " ", "VIP", "vip", "Hóa đơn", "hoa don", "HÓA ĐƠN", "เครื่องพิมพ์", "พิมพ์", "Łódź", "lodz",
         "2025-03-10", "2025-03-10T09:00:00+00:00", "12", "12.0", "-3", "x-1"]
SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(TEXTS),
    st.sampled_from([0, 1, 2, 12, -3, 1.5, 12.0, True, False, None]),
    st.sampled_from([datetime(2025, 3, 10, 9, 0, tzinfo=UTC), datetime(2025, 3, 10, 9, 0), date(2025, 3, 10)]),
)
VALUES: st.SearchStrategy[Any] = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.lists(SCALARS, max_size=3).map(tuple),
    st.dictionaries(st.sampled_from(["a", "tier", "_private"]), SCALARS, max_size=2),
)
PATHS = [
    "ticket.subject", "ticket.status", "ticket.tags", "ticket.department", "ticket.is_spam", "ticket.number",
    "ticket.custom_fields.tier", "ticket.custom_fields.a", "ticket.custom_fields", "ticket.missing", "ticket",
    "contact.email", "contact.attributes.tier", "organisation.domains", "message.body_text", "event.kind",
    "event.field", "event.before", "event.after", "time.within_business_hours", "time.other", "nowhere.x",
    "ticket._private", "ticket.custom_fields._private", "ticket.custom_fields.a.b",
]
KEYS = ["subject", "status", "tags", "department", "is_spam", "number", "custom_fields", "tier", "a"]


def namespaces() -> st.SearchStrategy[dict[str, Any]]:
    # Every key present half of the time, mostly texts: what makes the conditions hold or
    # fail for subtle reasons, rather than always for a missing key.
    keys = [*KEYS, "email", "attributes", "domains", "body_text", "kind", "field", "before", "after"]
    likely = st.one_of(st.sampled_from(TEXTS), st.lists(st.sampled_from(TEXTS), max_size=3), VALUES)
    return st.fixed_dictionaries({}, optional=dict.fromkeys(keys, likely))


@st.composite
def contexts(draw: st.DrawFn) -> Context:
    def hours(at: datetime) -> bool:
        return at.hour >= 9

    event = draw(namespaces())
    if draw(st.booleans()):
        event["changes"] = draw(st.dictionaries(
            st.sampled_from(["status", "subject", "tags", "custom_fields.tier", "priority"]),
            st.one_of(st.fixed_dictionaries({"before": SCALARS, "after": SCALARS}), SCALARS),
            max_size=3,
        ))
    return Context(
        now=NOW,
        ticket=draw(namespaces()),
        contact=draw(namespaces()),
        organisation=draw(namespaces()),
        message=draw(namespaces()),
        event=event,
        is_business_hours=draw(st.sampled_from([None, hours])),
    )


conditions = st.builds(
    Condition,
    field=st.sampled_from(PATHS),
    operator=st.sampled_from(list(Op)),
    value=st.one_of(st.sampled_from(TEXTS), st.lists(st.sampled_from(TEXTS), min_size=1, max_size=3).map(tuple),
                    SCALARS, st.lists(SCALARS, max_size=3).map(tuple)),
    accent_insensitive=st.booleans(),
)
nodes: st.SearchStrategy[Node] = st.recursive(
    conditions,
    lambda inner: st.builds(
        Group,
        all=st.lists(inner, max_size=3).map(tuple),
        any=st.lists(inner, max_size=3).map(tuple),
        none=st.lists(inner, max_size=2).map(tuple),
    ),
    max_leaves=8,
)


POOL: list[Any] = [*TEXTS, 0, 1, 12, -3, 1.5, 12.0, True, False, None, MISSING, datetime(2025, 3, 10, 9, 0, tzinfo=UTC),
                   datetime(2025, 3, 10, 9, 0), date(2025, 3, 10), [], ["VIP", "hoa don"], ["vip", 12, True],
                   ("HÓA ĐƠN",), [1, "1"], {"a": 1}]
EXPECTED: list[Any] = [*POOL, ("vip", "lodz"), ("Hóa đơn", "x-1", "VIP"), (1, 12), (True, 1), ("12", 12), ()]


def test_every_operator_on_every_pair_of_values() -> None:
    # Exhaustive rather than drawn: the fast paths differ from the interpreter only on exact
    # pairs of types (a text against a text, an int against an int, folded sets of options).
    differences = []
    for op in Op:
        for expected in EXPECTED:
            for insensitive in (False, True):
                condition = Condition("ticket.v", op, expected, insensitive)
                compiled = compile_node(condition)
                for actual in POOL:
                    context = Context(now=NOW, ticket={} if actual is MISSING else {"v": actual},
                                      event={"changes": {"v": {"before": actual, "after": expected}}})
                    got = outcome(lambda: compiled(context))  # noqa: B023
                    want = outcome(lambda: evaluate(condition, context))  # noqa: B023
                    if got != want:
                        differences.append((op, expected, insensitive, actual, got, want))
    assert differences == []


def outcome(check: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "value", check()
    except ConditionError as exc:
        return "error", str(exc)


@settings(max_examples=400, deadline=None)
@given(node=nodes, context=contexts())
def test_compiled_node_answers_as_evaluate(node: Node, context: Context) -> None:
    compiled = compile_node(node)
    assert outcome(lambda: compiled(context)) == outcome(lambda: evaluate(node, context))


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(PATHS), context=contexts())
def test_compiled_path_reads_as_resolve(path: str, context: Context) -> None:
    got = outcome(lambda: compile_path(path)(context))
    want = outcome(lambda: resolve(context, path))
    assert got == want or (got[1] is MISSING and want[1] is MISSING)


def test_unknown_operator_is_reported_when_evaluated_not_when_compiled() -> None:
    condition = Condition("ticket.status", "sideways", "open")  # type: ignore[arg-type]
    compiled = compile_node(condition)
    with pytest.raises(ConditionError, match="unknown operator"):
        compiled(Context(now=NOW, ticket={"status": "open"}))


@pytest.mark.parametrize(("node", "inputs"), [
    (Condition("ticket.status", Op.IS, "open"), {("ticket", "status")}),
    (Condition("ticket.custom_fields.tier", Op.IS, "gold"), {("ticket", "custom_fields")}),
    (Condition("ticket.status", Op.CHANGED_TO, "open"), {("change", "status")}),
    (Condition("ticket.custom_fields.tier", Op.CHANGED), {("change", "custom_fields.tier")}),
    (Condition("contact.email", Op.ENDS_WITH, "@acme.test"), {("contact", "email")}),
    (Condition("time.within_business_hours", Op.IS, True), set()),
    (Condition("ticket._secret", Op.IS_EMPTY), set()),
    (Condition("message.body_text", Op.CHANGED), set()),
    (Group(all=(Condition("ticket.tags", Op.CONTAINS, "vip"),),
           none=(Group(any=(Condition("event.kind", Op.IS, "x"),)),)), {("ticket", "tags"), ("event", "kind")}),
])
def test_inputs_name_what_the_conditions_read(node: Node, inputs: set[tuple[str, str]]) -> None:
    assert node_inputs(node) == inputs
