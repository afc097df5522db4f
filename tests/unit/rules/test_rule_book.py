"""The indexed engine plans exactly what the literal definition of a cycle plans.

The definition (engine module docstring): every pass tries every rule in order, with the
interpreted conditions, until a pass fires nothing. ``engine.run`` instead tries only the rules
listening to the event and, after a firing, only those whose inputs changed. Hypothesis draws
rule sets built to chain (actions that change what other rules test, raise the events other
rules listen to, undo each other), and checks the two agree on everything: what fired, in
which pass, with which rendered actions, failures, the loop guard, stop_processing, and the
context the plan leaves.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tessera.rules.actions import Action, AddNote, AddTags, Assign, MarkSpam, RemoveTags, SetField
from tessera.rules.conditions import Condition, ConditionError, Context, Group, Node, evaluate
from tessera.rules.engine import (
    EngineResult,
    FiredRule,
    RuleBook,
    RuleFailure,
    TicketTimes,
    apply_action,
    automation_due,
    render_action,
    run,
    window_key,
)
from tessera.rules.schema import Rule, RuleKind, TimeCondition
from tessera.rules.vocabulary import TIME_EVENT, Event, Op, Since

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
STATUSES = ("new", "open", "pending")
PRIORITIES = ("low", "normal", "high", "urgent")
TAGS = ("a", "b", "vip")
TIERS = ("gold", "silver")
EVENTS = (Event.TICKET_CREATED, Event.FIELD_CHANGED, Event.STATUS_CHANGED, Event.ASSIGNED, Event.CUSTOMER_REPLIED)


# ----------------------------------------------------------------------------- the definition


def literal_run(
    rules: Sequence[Rule],
    context: Context,
    *,
    max_passes: int,
    used_windows: Collection[str] = frozenset(),
    skip: Collection[str] = frozenset(),
) -> EngineResult:
    """Every pass tries every rule in order, with ``conditions.evaluate``."""
    ctx = dataclasses.replace(context, ticket=copy.deepcopy(context.ticket), contact=copy.deepcopy(context.contact),
                              organisation=copy.deepcopy(context.organisation),
                              message=copy.deepcopy(context.message), event=copy.deepcopy(context.event))
    events = {str(context.event.get("kind", ""))}
    done = set(skip)
    fired: list[FiredRule] = []
    failures: list[RuleFailure] = []

    def matches(rule: Rule) -> tuple[bool, str | None]:
        if rule.kind is RuleKind.TRIGGER:
            if events.isdisjoint(rule.event_names):
                return False, None
            return evaluate(rule.conditions, ctx), None
        if TIME_EVENT not in events:
            return False, None
        times = TicketTimes.from_ticket(ctx.ticket)
        key = window_key(rule, times)
        if key is None or key in used_windows or not automation_due(rule, times, ctx.now):
            return False, None
        return evaluate(rule.conditions, ctx), key

    def result(passes: int, tripped: bool, stopped_by: str | None) -> EngineResult:
        return EngineResult(tuple(fired), tuple(failures), passes, tripped, stopped_by, ctx)

    for pass_number in range(1, max_passes + 1):
        fired_any = False
        for index, rule in enumerate(rules):
            key = rule.id or f"#{index}"
            if key in done:
                continue
            try:
                matched, window = matches(rule)
            except ConditionError as exc:
                failures.append(RuleFailure(key, rule.name, str(exc)))
                done.add(key)
                continue
            if not matched:
                continue
            planned: list[Action] = []
            for action in rule.actions:
                rendered = render_action(action, ctx, rule)
                planned.append(rendered)
                events.update(str(e) for e in apply_action(rendered, ctx))
            done.add(key)
            fired.append(FiredRule(key, rule.name, tuple(planned), pass_number, window))
            fired_any = True
            if rule.stop_processing:
                return result(pass_number, False, key)
        if not fired_any:
            return result(pass_number, False, None)
    again = False
    for index, rule in enumerate(rules):
        if (rule.id or f"#{index}") in done:
            continue
        try:
            again = again or matches(rule)[0]
        except ConditionError:
            continue
    return result(max_passes, again, None)


# ----------------------------------------------------------------------------- random desks

CONDITIONS: list[st.SearchStrategy[Condition]] = [
    st.builds(Condition, st.just("ticket.status"), st.sampled_from([Op.IS, Op.IS_NOT]), st.sampled_from(STATUSES)),
    st.builds(Condition, st.just("ticket.status"), st.sampled_from([Op.IN, Op.NOT_IN]),
              st.lists(st.sampled_from(STATUSES), min_size=1, max_size=2).map(tuple)),
    st.builds(Condition, st.just("ticket.status"), st.sampled_from([Op.CHANGED_TO, Op.CHANGED_FROM]),
              st.sampled_from(STATUSES)),
    st.builds(Condition, st.just("ticket.priority"), st.sampled_from([Op.IS, Op.IS_NOT, Op.CHANGED_TO]),
              st.sampled_from(PRIORITIES)),
    st.builds(Condition, st.sampled_from(["ticket.priority", "ticket.status", "ticket.tags", "ticket.assignee",
                                          "ticket.custom_fields.tier", "ticket.is_spam", "ticket.department"]),
              st.just(Op.CHANGED)),
    st.builds(Condition, st.just("ticket.tags"), st.sampled_from([Op.CONTAINS, Op.NOT_CONTAINS]),
              st.sampled_from(TAGS)),
    st.builds(Condition, st.just("ticket.tags"), st.sampled_from([Op.IS_EMPTY, Op.IS_NOT_EMPTY])),
    st.builds(Condition, st.just("ticket.custom_fields.tier"), st.sampled_from([Op.IS, Op.CHANGED_TO, Op.IS_EMPTY]),
              st.sampled_from(TIERS)),
    st.builds(Condition, st.just("ticket.is_spam"), st.just(Op.IS), st.booleans()),
    st.builds(Condition, st.just("ticket.department"), st.just(Op.IS), st.sampled_from([1, 2])),
    st.builds(Condition, st.just("ticket.assignee"), st.sampled_from([Op.IS_EMPTY, Op.IS_NOT_EMPTY])),
    st.builds(Condition, st.just("event.kind"), st.just(Op.IS), st.sampled_from([e.value for e in EVENTS])),
    st.builds(Condition, st.just("contact.email"), st.just(Op.ENDS_WITH), st.just("@acme.test")),
    # Raises without a calendar: the rule becomes a failure, once.
    st.builds(Condition, st.just("time.within_business_hours"), st.just(Op.IS), st.booleans()),
]
condition = st.one_of(*CONDITIONS)
groups: st.SearchStrategy[Group] = st.builds(
    Group,
    all=st.lists(st.one_of(condition, st.builds(Group, any=st.lists(condition, max_size=2).map(tuple))),
                 max_size=3).map(tuple),
    any=st.lists(condition, max_size=2).map(tuple),
    none=st.lists(condition, max_size=1).map(tuple),
)
actions: st.SearchStrategy[Action] = st.one_of(
    st.builds(SetField, st.just("priority"), st.sampled_from(PRIORITIES)),
    st.builds(SetField, st.just("status"), st.sampled_from(STATUSES)),
    st.builds(SetField, st.just("custom_fields.tier"), st.sampled_from(TIERS)),
    st.builds(AddTags, st.lists(st.sampled_from(TAGS), min_size=1, max_size=2).map(tuple)),
    st.builds(RemoveTags, st.lists(st.sampled_from(TAGS), min_size=1, max_size=2).map(tuple)),
    st.just(MarkSpam()),
    st.builds(Assign, department_id=st.sampled_from([1, 2])),
    st.builds(Assign, agent_id=st.just(5)),
    st.just(Assign(unassign=True)),
    st.just(AddNote("now {{ ticket.priority }}, {{ ticket.status }}, {{ ticket.tags }}")),
)


@st.composite
def rule_sets(draw: st.DrawFn) -> list[Rule]:
    rules = []
    for index in range(draw(st.integers(1, 14))):
        automation = draw(st.integers(0, 5)) == 0
        # Mostly distinct ids, as stored rules have; sometimes none or a repeat.
        rule_id = draw(st.sampled_from([str(index)] * 8 + ["", "0"]))
        rules.append(Rule(
            name=f"rule {index}",
            kind=RuleKind.AUTOMATION if automation else RuleKind.TRIGGER,
            conditions=draw(groups),
            actions=tuple(draw(st.lists(actions, min_size=1, max_size=3))),
            # Often the event of the context, so that chains start.
            events=() if automation else tuple(draw(st.lists(st.sampled_from([*EVENTS, Event.TICKET_CREATED, Event.TICKET_CREATED]),
                                                             min_size=1, max_size=2, unique=True))),
            time_condition=TimeCondition(draw(st.sampled_from([Since.CREATED, Since.UPDATED])),
                                         draw(st.sampled_from([1.0, 10.0, 40.0]))) if automation else None,
            stop_processing=draw(st.integers(0, 9)) == 0,
            id=rule_id,
        ))
    return rules


@st.composite
def contexts(draw: st.DrawFn) -> Context:
    kind = draw(st.sampled_from([Event.TICKET_CREATED.value] * 4 + [*(e.value for e in EVENTS), TIME_EVENT, TIME_EVENT]))
    event: dict[str, Any] = {"kind": kind}
    if draw(st.booleans()):
        event["changes"] = {"status": {"before": "new", "after": draw(st.sampled_from(STATUSES))}}
    if draw(st.booleans()):
        event.update(field="priority", before="low", after=draw(st.sampled_from(PRIORITIES)))
    ticket = {
        # "Open": a gate must compare folded, as the condition it stands for does.
        "status": draw(st.sampled_from([*STATUSES, "Open"])),
        "priority": draw(st.sampled_from(PRIORITIES)),
        "tags": draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=2)),
        "custom_fields": draw(st.sampled_from([{}, {"tier": "gold"}])),
        "department": draw(st.sampled_from([1, 2])),
        "assignee": draw(st.sampled_from([None, 5])),
        "is_spam": False,
        "created_at": NOW - timedelta(hours=30),
        "updated_at": NOW - timedelta(hours=5),
    }
    return Context(now=NOW, ticket=ticket, contact={"email": draw(st.sampled_from(["x@acme.test", "y@other.test"]))},
                   message={"body_text": "hello"}, event=event)


def same_plan(got: EngineResult, want: EngineResult) -> None:
    assert got.fired == want.fired
    assert got.failures == want.failures
    assert (got.passes, got.loop_guard_tripped, got.stopped_by) == (want.passes, want.loop_guard_tripped,
                                                                     want.stopped_by)
    assert got.context.ticket == want.context.ticket
    assert got.context.event == want.context.event


@settings(max_examples=500, deadline=None)
@given(rules=rule_sets(), context=contexts(), max_passes=st.integers(1, 5), data=st.data())
def test_indexed_cycle_plans_what_the_definition_plans(
    rules: list[Rule], context: Context, max_passes: int, data: st.DataObject
) -> None:
    skip = frozenset(data.draw(st.lists(st.sampled_from([str(i) for i in range(len(rules))]), max_size=2)))
    want = literal_run(rules, context, max_passes=max_passes, skip=skip)
    same_plan(run(rules, context, max_passes=max_passes, skip=skip), want)
    # A book built once and reused across cycles (as the runner's cache does) answers the same.
    book = RuleBook(rules)
    same_plan(run(book, context, max_passes=max_passes, skip=skip), want)
    same_plan(run(book, context, max_passes=max_passes, skip=skip), want)


def _rule(rule_id: str, conditions: Node, action: Action, *events: Event) -> Rule:
    group = conditions if isinstance(conditions, Group) else Group(all=(conditions,))
    return Rule(name=f"rule {rule_id}", kind=RuleKind.TRIGGER, conditions=group, actions=(action,),
                events=events or (Event.TICKET_CREATED,), id=rule_id)


def test_an_earlier_rule_is_tried_again_only_when_a_later_firing_changed_what_it_reads() -> None:
    tried: list[str] = []

    def spy(rule_id: str, inner: Condition) -> Rule:
        rule = _rule(rule_id, inner, AddTags((f"t{rule_id}",)))
        test = rule.conditions_test

        def counting(context: Context) -> bool:
            tried.append(rule_id)
            return test(context)

        rule.__dict__["conditions_test"] = counting
        return rule

    rules = [
        # starts_with: not a gate (see the gate test below), so these are tried in pass 1.
        spy("reads priority", Condition("ticket.priority", Op.STARTS_WITH, "urg")),
        spy("reads subject", Condition("ticket.subject", Op.STARTS_WITH, "never")),
        _rule("sets priority", Group(), SetField("priority", "urgent")),
    ]
    result = run(rules, Context(now=NOW, ticket={"priority": "low", "subject": "s", "tags": []},
                                event={"kind": "ticket_created"}))
    assert [f.rule_id for f in result.fired] == ["sets priority", "reads priority"]
    # Pass 1 tries both; pass 2 only the one whose input (priority) changed; pass 3 (after the
    # tag it added) neither: nobody reads tags.
    assert tried == ["reads priority", "reads subject", "reads priority"]
    assert result.passes == 3


def test_a_rule_listening_to_another_event_is_not_tried_until_that_event_is_raised() -> None:
    tried: list[str] = []
    rule = _rule("on status", Group(), AddTags(("s",)), Event.STATUS_CHANGED)
    test = rule.conditions_test

    def counting(context: Context) -> bool:
        tried.append(rule.id)
        return test(context)

    rule.__dict__["conditions_test"] = counting
    quiet = run([rule], Context(now=NOW, ticket={"status": "new", "tags": []}, event={"kind": "ticket_created"}))
    assert (quiet.fired, tried) == ((), [])
    opener = _rule("opens", Group(), SetField("status", "open"))
    chained = run([rule, opener], Context(now=NOW, ticket={"status": "new", "tags": []},
                                          event={"kind": "ticket_created"}))
    assert [f.rule_id for f in chained.fired] == ["opens", "on status"]
    assert tried == ["on status"]


def test_a_change_condition_before_the_rule_making_the_change_is_tried_again() -> None:
    # It reads only the change of status, not the status, and does not listen to the event
    # the change raises: the changed input is what brings it back.
    watcher = _rule("watcher", Condition("ticket.status", Op.CHANGED_TO, "open"), AddTags(("seen",)))
    opener = _rule("opener", Group(), SetField("status", "open"))
    context = Context(now=NOW, ticket={"status": "new", "tags": []}, event={"kind": "ticket_created"})
    result = run([watcher, opener], context)
    assert [(f.rule_id, f.pass_number) for f in result.fired] == [("opener", 1), ("watcher", 2)]
    assert result == literal_run([watcher, opener], context, max_passes=5)


def test_automations_are_tried_in_every_pass() -> None:
    late = Rule(name="late", kind=RuleKind.AUTOMATION, id="late", actions=(AddTags(("late",)),),
                conditions=Group(all=(Condition("ticket.priority", Op.IS, "urgent"),)),
                time_condition=TimeCondition(Since.CREATED, 1.0))
    escalate = Rule(name="escalate", kind=RuleKind.AUTOMATION, id="escalate",
                    actions=(SetField("priority", "urgent"),), time_condition=TimeCondition(Since.CREATED, 1.0))
    context = Context(now=NOW, ticket={"priority": "low", "tags": [], "created_at": NOW - timedelta(hours=3)},
                      event={"kind": TIME_EVENT})
    result = run([late, escalate], context)
    assert [(f.rule_id, f.pass_number) for f in result.fired] == [("escalate", 1), ("late", 2)]
    assert result == literal_run([late, escalate], context, max_passes=5)


def test_a_rule_whose_gate_is_shut_is_not_tried_until_the_ticket_changes() -> None:
    tried: list[str] = []
    waiting = _rule("waits for open", Group(all=(Condition("ticket.status", Op.IN, ("open", "pending")),
                                                  Condition("ticket.tags", Op.IS_EMPTY))),
                    AddTags(("seen",)))
    test = waiting.conditions_test

    def counting(context: Context) -> bool:
        tried.append(waiting.id)
        return test(context)

    waiting.__dict__["conditions_test"] = counting
    assert waiting.gate is not None
    context = Context(now=NOW, ticket={"status": "new", "tags": []}, event={"kind": "ticket_created"})
    assert run([waiting], context).fired == ()
    assert tried == []
    opener = _rule("opens", Group(), SetField("status", "OPEN"))
    result = run([waiting, opener], context)
    # The status is compared folded, as the condition compares it.
    assert [(f.rule_id, f.pass_number) for f in result.fired] == [("opens", 1), ("waits for open", 2)]
    assert tried == ["waits for open"]
    assert result == literal_run([waiting, opener], context, max_passes=5)
    capitalised = Context(now=NOW, ticket={"status": "Pending", "tags": []}, event={"kind": "ticket_created"})
    assert [f.rule_id for f in run([waiting], capitalised).fired] == ["waits for open"]


def test_no_gate_behind_a_condition_that_can_fail() -> None:
    hours = Condition("time.within_business_hours", Op.IS, True)
    status = Condition("ticket.status", Op.IS, "open")
    assert _rule("r", Group(all=(hours, status)), MarkSpam()).gate is None
    assert _rule("r", Group(all=(Condition("ticket.tags", Op.CONTAINS, "x"), status)), MarkSpam()).gate is not None
    # A rule that would report a failure still does, gate or not.
    failing = _rule("fails", Group(all=(hours, status)), MarkSpam())
    context = Context(now=NOW, ticket={"status": "new"}, event={"kind": "ticket_created"})
    assert [f.rule_id for f in run([failing], context).failures] == ["fails"]
