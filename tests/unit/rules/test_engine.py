"""The rule cycle: firing, chaining, stop_processing, the loop guard, automations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessera.rules.actions import (
    AddNote,
    AddTags,
    ApplyMacro,
    Assign,
    MarkSpam,
    Recipient,
    RemoveTags,
    SendEmail,
    SetField,
    Webhook,
)
from tessera.rules.conditions import Context
from tessera.rules.engine import (
    TicketTimes,
    automation_due,
    run,
    window_key,
)
from tessera.rules.schema import Rule, rule_from_dict
from tessera.rules.vocabulary import TIME_EVENT

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def trigger(rule_id: str, conditions: dict[str, Any], actions: list[dict[str, Any]], *,
            events: tuple[str, ...] = ("ticket_created",), stop: bool = False) -> Rule:
    return rule_from_dict(
        {"schema": 1, "name": f"rule {rule_id}", "kind": "trigger", "events": list(events),
         "conditions": conditions, "actions": actions, "stop_processing": stop},
        rule_id=rule_id,
    )


def when(field: str, operator: str, value: Any = None) -> dict[str, Any]:
    condition = {"field": field, "operator": operator}
    if value is not None:
        condition["value"] = value
    return {"all": [condition]}


def ctx(event: str = "ticket_created", **ticket: Any) -> Context:
    base = {"number": 7, "subject": "Zwrot pieniędzy", "status": "new", "priority": "normal",
            "tags": [], "assignee": None, "department": 1, "custom_fields": {}, "is_spam": False,
            "created_at": NOW - timedelta(hours=30), "updated_at": NOW - timedelta(hours=5)}
    base.update(ticket)
    return Context(now=NOW, ticket=base, contact={"name": "Anna Kowalska", "email": "anna@acme.test"},
                   message={"body_text": "Proszę o zwrot za zamówienie"}, event={"kind": event})


def test_every_action_type_is_planned_and_rendered() -> None:
    rule = trigger("all", {}, [
        {"type": "set_field", "field": "priority", "value": "high"},
        {"type": "assign", "agent_id": 5},
        {"type": "add_tags", "tags": ["zwrot"]},
        {"type": "remove_tags", "tags": ["triage"]},
        {"type": "add_note", "text": "{{ rule.name }}: priority now {{ ticket.priority }}"},
        {"type": "send_email", "to": "requester", "subject": "[#{{ ticket.number }}] {{ ticket.subject }}",
         "body": "Dzień dobry {{ contact.name }}"},
        {"type": "webhook", "url": "https://erp.example.test/t", "body": "{\"n\": {{ ticket.number }}}"},
        {"type": "mark_spam"},
        {"type": "apply_macro", "macro_id": 3},
    ])
    result = run([rule], ctx())
    (fired,) = result.fired
    assert fired.actions == (
        SetField("priority", "high"),
        Assign(agent_id=5),
        AddTags(("zwrot",)),
        RemoveTags(("triage",)),
        AddNote("rule all: priority now high"),
        SendEmail(Recipient.REQUESTER, subject="[#7] Zwrot pieniędzy", body="Dzień dobry Anna Kowalska"),
        Webhook("https://erp.example.test/t", "POST", (), '{"n": 7}'),
        MarkSpam(),
        ApplyMacro(3),
    )
    assert fired.timeline_lines() == [
        "rule rule all set priority to high",
        "rule rule all assigned to agent #5",
        "rule rule all added tags zwrot",
        "rule rule all removed tags triage",
        "rule rule all added an internal note",
        "rule rule all emailed the requester",
        "rule rule all called POST https://erp.example.test/t",
        "rule rule all marked the ticket as spam",
        "rule rule all applied macro #3",
    ]
    final = result.context.ticket
    assert (final["priority"], final["assignee"], final["tags"], final["is_spam"]) == ("high", 5, ["zwrot"], True)


def test_callers_context_is_not_modified() -> None:
    original = ctx()
    run([trigger("a", {}, [{"type": "add_tags", "tags": ["x"]}])], original)
    assert original.ticket["tags"] == []
    assert "changes" not in original.event


def test_rule_only_fires_on_its_events() -> None:
    rule = trigger("a", {}, [{"type": "add_tags", "tags": ["x"]}], events=("customer_replied",))
    assert run([rule], ctx("ticket_created")).fired == ()
    assert [f.rule_id for f in run([rule], ctx("customer_replied")).fired] == ["a"]


def test_conditions_decide() -> None:
    rule = trigger("refund", when("message.body_text", "contains", "ZWROT"), [{"type": "add_tags", "tags": ["zwrot"]}])
    assert run([rule], ctx()).fired[0].rule_id == "refund"
    other = ctx()
    other.message["body_text"] = "Dziękuję"
    assert run([rule], other).fired == ()


def test_stop_processing_ends_the_cycle() -> None:
    first = trigger("first", {}, [{"type": "add_tags", "tags": ["a"]}], stop=True)
    second = trigger("second", {}, [{"type": "add_tags", "tags": ["b"]}])
    result = run([first, second], ctx())
    assert [f.rule_id for f in result.fired] == ["first"]
    assert result.stopped_by == "first"
    # Without the flag both run.
    result = run([trigger("first", {}, [{"type": "add_tags", "tags": ["a"]}]), second], ctx())
    assert [f.rule_id for f in result.fired] == ["first", "second"]
    assert result.stopped_by is None


def test_a_non_matching_stop_rule_does_not_stop() -> None:
    stopper = trigger("stopper", when("ticket.priority", "is", "urgent"), [{"type": "add_tags", "tags": ["a"]}], stop=True)
    later = trigger("later", {}, [{"type": "add_tags", "tags": ["b"]}])
    assert [f.rule_id for f in run([stopper, later], ctx()).fired] == ["later"]


def test_later_rules_see_earlier_changes() -> None:
    escalate = trigger("escalate", when("message.body_text", "contains", "zwrot"),
                       [{"type": "set_field", "field": "priority", "value": "urgent"}])
    page = trigger("page", when("ticket.priority", "is", "urgent"),
                   [{"type": "send_email", "to": "address", "address": "lead@acme.test", "body": "{{ ticket.priority }}"}])
    result = run([escalate, page], ctx())
    assert [f.rule_id for f in result.fired] == ["escalate", "page"]
    assert result.passes == 2
    assert result.fired[1].actions[0] == SendEmail(Recipient.ADDRESS, address="lead@acme.test", body="urgent")


def test_earlier_rules_get_a_second_pass_after_later_changes() -> None:
    page = trigger("page", when("ticket.priority", "is", "urgent"), [{"type": "add_tags", "tags": ["paged"]}])
    escalate = trigger("escalate", {}, [{"type": "set_field", "field": "priority", "value": "urgent"}])
    result = run([page, escalate], ctx())
    assert [(f.rule_id, f.pass_number) for f in result.fired] == [("escalate", 1), ("page", 2)]
    assert result.context.ticket["tags"] == ["paged"]


def test_rule_made_changes_count_as_change_events_within_the_cycle() -> None:
    # "priority changed to urgent" on field_changed also reacts to a rule's change on creation.
    escalate = trigger("escalate", {}, [{"type": "set_field", "field": "priority", "value": "urgent"}])
    notify = trigger("notify", when("ticket.priority", "changed_to", "urgent"),
                     [{"type": "add_note", "text": "escalated"}], events=("field_changed",))
    assigned = trigger("on-assign", {"all": [{"field": "ticket.assignee", "operator": "changed_from", "value": None}]},
                       [{"type": "add_tags", "tags": ["assigned"]}], events=("assigned",))
    result = run([escalate, notify, assigned], ctx())
    assert [f.rule_id for f in result.fired] == ["escalate", "notify"]
    assert result.context.event["changes"] == {"priority": {"before": "normal", "after": "urgent"}}


def test_changed_from_keeps_the_value_from_before_the_cycle() -> None:
    event_ctx = ctx("field_changed")
    event_ctx.event.update(field="priority", before="low", after="normal")
    bump = trigger("bump", {}, [{"type": "set_field", "field": "priority", "value": "high"}], events=("field_changed",))
    watch = trigger("watch", {"all": [
        {"field": "ticket.priority", "operator": "changed_from", "value": "low"},
        {"field": "ticket.priority", "operator": "changed_to", "value": "high"},
    ]}, [{"type": "add_tags", "tags": ["jumped"]}], events=("field_changed",))
    result = run([bump, watch], event_ctx)
    assert [f.rule_id for f in result.fired] == ["bump", "watch"]


def test_a_sets_b_unsets_terminates_with_each_rule_once() -> None:
    set_x = trigger("A", when("ticket.tags", "not_contains", "x"), [{"type": "add_tags", "tags": ["x"]}])
    unset_x = trigger("B", when("ticket.tags", "contains", "x"), [{"type": "remove_tags", "tags": ["x"]}])
    result = run([set_x, unset_x], ctx())
    assert [f.rule_id for f in result.fired] == ["A", "B"]
    assert result.loop_guard_tripped is False
    assert result.passes == 2
    assert result.context.ticket["tags"] == []


def test_flip_flopping_status_rules_terminate() -> None:
    to_open = trigger("open", when("ticket.status", "is_not", "open"),
                      [{"type": "set_field", "field": "status", "value": "open"}],
                      events=("ticket_created", "status_changed"))
    to_pending = trigger("pending", when("ticket.status", "is", "open"),
                         [{"type": "set_field", "field": "status", "value": "pending"}],
                         events=("ticket_created", "status_changed"))
    result = run([to_open, to_pending], ctx())
    assert [f.rule_id for f in result.fired] == ["open", "pending"]
    assert result.context.ticket["status"] == "pending"


def chain(length: int) -> list[Rule]:
    # Ordered backwards, so each pass can fire only the next link: it needs `length` passes.
    rules = [trigger("start", {}, [{"type": "add_tags", "tags": ["t0"]}])]
    rules += [
        trigger(f"link{i}", when("ticket.tags", "contains", f"t{i - 1}"), [{"type": "add_tags", "tags": [f"t{i}"]}])
        for i in range(1, length)
    ]
    return list(reversed(rules))


def test_loop_guard_trips_when_passes_run_out() -> None:
    result = run(chain(4), ctx(), max_passes=2)
    assert result.loop_guard_tripped is True
    assert result.passes == 2
    assert [f.rule_id for f in result.fired] == ["start", "link1"]
    relaxed = run(chain(4), ctx(), max_passes=5)
    assert relaxed.loop_guard_tripped is False
    assert [f.rule_id for f in relaxed.fired] == ["start", "link1", "link2", "link3"]


def test_guard_is_not_reported_when_nothing_else_would_fire() -> None:
    result = run(chain(2), ctx(), max_passes=2)
    assert [f.rule_id for f in result.fired] == ["start", "link1"]
    assert result.loop_guard_tripped is False
    with pytest.raises(ValueError, match="max_passes"):
        run(chain(2), ctx(), max_passes=0)


def test_a_broken_rule_is_reported_and_others_still_run() -> None:
    needs_calendar = trigger("hours", when("time.within_business_hours", "is", True), [{"type": "add_tags", "tags": ["in"]}])
    fine = trigger("fine", {}, [{"type": "add_tags", "tags": ["ok"]}])
    result = run([needs_calendar, fine], ctx())
    assert [f.rule_id for f in result.fired] == ["fine"]
    assert [(f.rule_id, f.error) for f in result.failures] == [("hours", "no business-hours calendar was given to the engine")]
    with_calendar = ctx()
    with_calendar.is_business_hours = lambda at: at.hour < 17
    assert [f.rule_id for f in run([needs_calendar, fine], with_calendar).fired] == ["hours", "fine"]


def test_rules_without_ids_are_reported_by_position() -> None:
    rule = rule_from_dict({"schema": 1, "name": "anon", "kind": "trigger", "events": ["ticket_created"],
                           "actions": [{"type": "mark_spam"}]})
    assert run([rule, rule], ctx()).fired[0].rule_id == "#0"


# --------------------------------------------------------------------------- automations


def automation(rule_id: str, since: str, hours: float, *, business: bool = False,
               conditions: dict[str, Any] | None = None) -> Rule:
    return rule_from_dict(
        {"schema": 1, "name": f"auto {rule_id}", "kind": "automation",
         "time_condition": {"since": since, "hours": hours, "business_hours": business},
         "conditions": conditions or {}, "actions": [{"type": "add_tags", "tags": [f"auto-{rule_id}"]}]},
        rule_id=rule_id,
    )


def test_automation_due_by_wall_clock() -> None:
    times = TicketTimes(created=NOW - timedelta(hours=30), updated=NOW - timedelta(hours=5))
    assert automation_due(automation("a", "created", 24), times, NOW)
    assert automation_due(automation("a", "created", 30), times, NOW)
    assert not automation_due(automation("a", "created", 30.5), times, NOW)
    assert not automation_due(automation("a", "updated", 6), times, NOW)
    # No anchor, nothing to count from.
    assert not automation_due(automation("a", "last_agent_reply", 1), times, NOW)


def test_automation_before_and_after_due() -> None:
    times = TicketTimes(due=NOW + timedelta(hours=3))
    assert automation_due(automation("warn", "due", -4), times, NOW)
    assert not automation_due(automation("warn", "due", -2), times, NOW)
    assert not automation_due(automation("late", "due", 0), times, NOW)
    assert automation_due(automation("late", "due", 0), times, NOW + timedelta(hours=3))


def office_seconds(start: datetime, end: datetime) -> float:
    """A small stand-in calendar: 09:00-17:00 UTC, every day."""
    total = 0.0
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        opens, closes = day.replace(hour=9), day.replace(hour=17)
        total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
        day += timedelta(days=1)
    return total


def test_automation_counts_business_hours_through_the_injected_function() -> None:
    # Created Friday-like 16:00, "now" next day 12:00: 20 wall hours but 4 business hours.
    times = TicketTimes(created=datetime(2025, 3, 9, 16, 0, tzinfo=UTC))
    assert automation_due(automation("b", "created", 4, business=True), times, NOW, office_seconds)
    assert not automation_due(automation("b", "created", 5, business=True), times, NOW, office_seconds)
    assert automation_due(automation("w", "created", 5), times, NOW)
    before_due = TicketTimes(due=datetime(2025, 3, 11, 10, 0, tzinfo=UTC))  # 6 business hours away
    assert automation_due(automation("d", "due", -6, business=True), before_due, NOW, office_seconds)
    assert not automation_due(automation("d", "due", -5, business=True), before_due, NOW, office_seconds)
    from tessera.rules.conditions import ConditionError

    with pytest.raises(ConditionError, match="no calendar"):
        automation_due(automation("b", "created", 4, business=True), times, NOW)


def test_window_key_changes_only_when_the_anchor_moves() -> None:
    rule = automation("remind", "last_customer_message", 24)
    first = {"last_customer_message_at": NOW - timedelta(hours=30)}
    assert window_key(rule, first) == "remind:last_customer_message:2025-03-09T06:00:00+00:00"
    assert window_key(rule, dict(first)) == window_key(rule, first)
    later = {"last_customer_message_at": NOW - timedelta(hours=1)}
    assert window_key(rule, later) != window_key(rule, first)
    assert window_key(rule, {"last_customer_message_at": None}) is None


def test_engine_fires_an_automation_once_per_window() -> None:
    rule = automation("stale", "updated", 4, conditions=when("ticket.status", "is", "new"))
    tick = ctx(TIME_EVENT)
    first = run([rule], tick)
    (fired,) = first.fired
    assert fired.window_key == window_key(rule, tick.ticket)
    # The runner stored the key; the next tick in the same window does nothing.
    assert run([rule], tick, used_windows={fired.window_key or ""}).fired == ()
    # The ticket was touched again and went stale again: a new window.
    touched = ctx(TIME_EVENT, updated_at=NOW - timedelta(hours=4, minutes=1))
    assert run([rule], touched, used_windows={fired.window_key or ""}).fired[0].window_key != fired.window_key


def test_automations_and_triggers_keep_to_their_cycles() -> None:
    stale = automation("stale", "updated", 4)
    on_create = trigger("create", {}, [{"type": "add_tags", "tags": ["new"]}])
    assert [f.rule_id for f in run([stale, on_create], ctx("ticket_created")).fired] == ["create"]
    assert [f.rule_id for f in run([stale, on_create], ctx(TIME_EVENT)).fired] == ["stale"]
    assert run([automation("later", "updated", 6)], ctx(TIME_EVENT)).fired == ()


def test_an_assignment_by_a_rule_raises_assigned_within_the_cycle() -> None:
    route = trigger("route", {}, [{"type": "assign", "agent_id": 5}])
    on_assign = trigger("on-assign", {"all": [
        {"field": "ticket.assignee", "operator": "changed_from", "value": None},
        {"field": "ticket.assignee", "operator": "changed_to", "value": 5},
    ]}, [{"type": "add_tags", "tags": ["assigned"]}], events=("assigned",))
    result = run([on_assign, route], ctx())
    assert [f.rule_id for f in result.fired] == ["route", "on-assign"]
    assert result.context.ticket["tags"] == ["assigned"]


def test_tag_changes_by_rules_are_visible_as_changes() -> None:
    tagger = trigger("tagger", {}, [{"type": "add_tags", "tags": ["Hóa Đơn"]}])
    watcher = trigger("watcher", {"all": [
        {"field": "ticket.tags", "operator": "changed"},
        {"field": "ticket.tags", "operator": "contains", "value": "hoa don", "accent_insensitive": True},
    ]}, [{"type": "set_field", "field": "custom_fields.queue", "value": "billing"}])
    result = run([tagger, watcher], ctx())
    assert [f.rule_id for f in result.fired] == ["tagger", "watcher"]
    assert result.context.ticket["custom_fields"] == {"queue": "billing"}
    # Adding a tag that is already there (in another case) is no change.
    again = run([tagger, watcher], ctx(tags=["hóa đơn"]))
    assert [f.rule_id for f in again.fired] == ["tagger"]


_tag = st.sampled_from(["a", "b", "c", "d"])
_rule_parts = st.tuples(
    st.sampled_from(["contains", "not_contains"]), _tag,
    st.sampled_from(["add_tags", "remove_tags", "set_field"]), _tag, st.booleans(),
)


@settings(max_examples=120)
@given(st.lists(_rule_parts, min_size=1, max_size=8), st.integers(1, 6))
def test_any_rule_set_terminates_with_each_rule_at_most_once(parts: list[Any], max_passes: int) -> None:
    rules = []
    for i, (op, tag, action, value, stop) in enumerate(parts):
        if action == "set_field":
            planned = {"type": "set_field", "field": "custom_fields.flag", "value": value}
        else:
            planned = {"type": action, "tags": [value]}
        rules.append(trigger(str(i), when("ticket.tags", op, tag), [planned],
                             events=("ticket_created", "field_changed"), stop=stop and i % 3 == 0))
    result = run(rules, ctx(), max_passes=max_passes)
    ids = [f.rule_id for f in result.fired]
    assert len(ids) == len(set(ids)) <= len(rules)
    assert 1 <= result.passes <= max_passes
    if result.stopped_by is not None:
        assert ids[-1] == result.stopped_by
