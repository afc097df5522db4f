"""Rule documents: valid ones round-trip, bad ones are refused with a path and a reason."""

from __future__ import annotations

import copy
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
from tessera.rules.conditions import Condition, Group
from tessera.rules.schema import (
    SCHEMA_VERSION,
    RuleKind,
    RuleValidationError,
    TimeCondition,
    rule_from_dict,
    rule_to_dict,
    validate,
)
from tessera.rules.vocabulary import Event, Op, Since

TRIGGER: dict[str, Any] = {
    "schema": 1,
    "name": "Hóa đơn from VIPs goes to Billing",
    "kind": "trigger",
    "events": ["ticket_created", "customer_replied"],
    "conditions": {
        "all": [
            {"field": "message.body_text", "operator": "contains", "value": "hoa don", "accent_insensitive": True},
            {"any": [
                {"field": "ticket.tags", "operator": "contains", "value": "vip"},
                {"field": "contact.organisation", "operator": "in", "value": [4, 9]},
            ]},
        ],
        "none": [{"field": "ticket.is_spam", "operator": "is", "value": True}],
    },
    "actions": [
        {"type": "set_field", "field": "priority", "value": "high"},
        {"type": "set_field", "field": "custom_fields.order_id", "value": None},
        {"type": "assign", "department_id": 3, "distribution": True},
        {"type": "add_tags", "tags": ["billing", "hóa đơn"]},
        {"type": "remove_tags", "tags": ["triage"]},
        {"type": "add_note", "text": "Routed by {{ rule.name }} for {{ contact.name }}"},
        {"type": "send_email", "to": "requester", "subject": "Re: {{ ticket.subject }}", "body": "Xin chào {{ contact.name }}"},
        {"type": "send_email", "to": "address", "address": "lead@example.test", "template_id": 5},
        {"type": "webhook", "url": "https://erp.example.test/hook", "method": "POST",
         "headers": {"X-Token": "abc"}, "body": "{{ ticket.number }}"},
        {"type": "apply_macro", "macro_id": 8},
        {"type": "mark_spam"},
    ],
    "stop_processing": True,
}

AUTOMATION: dict[str, Any] = {
    "schema": 1,
    "name": "Close pending after 5 business days",
    "kind": "automation",
    "time_condition": {"since": "status_entered", "hours": 40, "business_hours": True},
    "conditions": {"all": [{"field": "ticket.status", "operator": "is", "value": "pending"}]},
    "actions": [{"type": "set_field", "field": "status", "value": "closed"}],
}


def test_trigger_document_parses_into_typed_rule() -> None:
    rule = rule_from_dict(TRIGGER, rule_id="17")
    assert rule.id == "17"
    assert rule.kind is RuleKind.TRIGGER
    assert rule.events == (Event.TICKET_CREATED, Event.CUSTOMER_REPLIED)
    assert rule.stop_processing is True
    first = rule.conditions.all[0]
    assert first == Condition("message.body_text", Op.CONTAINS, "hoa don", True)
    assert isinstance(rule.conditions.all[1], Group)
    assert rule.conditions.all[1].any[1] == Condition("contact.organisation", Op.IN, (4, 9))
    assert rule.actions == (
        SetField("priority", "high"),
        SetField("custom_fields.order_id", None),
        Assign(department_id=3, distribution=True),
        AddTags(("billing", "hóa đơn")),
        RemoveTags(("triage",)),
        AddNote("Routed by {{ rule.name }} for {{ contact.name }}"),
        SendEmail(Recipient.REQUESTER, subject="Re: {{ ticket.subject }}", body="Xin chào {{ contact.name }}"),
        SendEmail(Recipient.ADDRESS, address="lead@example.test", template_id=5),
        Webhook("https://erp.example.test/hook", "POST", (("X-Token", "abc"),), "{{ ticket.number }}"),
        ApplyMacro(8),
        MarkSpam(),
    )


def test_automation_document_parses() -> None:
    rule = rule_from_dict(AUTOMATION)
    assert rule.kind is RuleKind.AUTOMATION
    assert rule.time_condition == TimeCondition(Since.STATUS_ENTERED, 40.0, True)
    assert rule.events == ()


@pytest.mark.parametrize("document", [TRIGGER, AUTOMATION])
def test_export_round_trips(document: dict[str, Any]) -> None:
    rule = rule_from_dict(document)
    exported = rule_to_dict(rule)
    assert exported["schema"] == SCHEMA_VERSION
    assert rule_from_dict(exported) == rule
    assert rule_to_dict(rule_from_dict(exported)) == exported


def test_parsing_does_not_modify_the_document() -> None:
    document = copy.deepcopy(TRIGGER)
    rule_from_dict(document)
    assert document == TRIGGER


def bad(patch: dict[str, Any], base: dict[str, Any] = TRIGGER) -> list[str]:
    document = {**copy.deepcopy(base), **patch}
    return [str(issue) for issue in validate(document)]


def cond(**condition: Any) -> dict[str, Any]:
    return {"conditions": {"all": [condition]}}


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"schema": 2}, "schema: version 2 is newer than this Tessera understands (1); upgrade Tessera"),
        ({"schema": "1"}, "schema: required, a positive integer version"),
        ({"name": "  "}, "name: required, 1 to 200 characters"),
        ({"kind": "macro"}, "kind: must be trigger or automation"),
        ({"events": []}, "events: a trigger needs a non-empty list of events"),
        ({"events": ["ticket_created", "ticket_deleted"]}, "events[1]: unknown event 'ticket_deleted'"),
        ({"colour": "red"}, "colour: unknown key"),
        ({"stop_processing": "yes"}, "stop_processing: must be true or false"),
        ({"actions": []}, "actions: a rule needs a non-empty list of actions"),
        ({"time_condition": {"since": "created", "hours": 1}}, "time_condition: only automations have a time condition"),
        (cond(field="ticket.colour", operator="is", value="x"), "conditions.all[0].field: unknown field 'ticket.colour'"),
        (cond(field="ticket.status", operator="approximately", value="x"), "conditions.all[0].operator: unknown operator 'approximately'"),
        (cond(field="ticket.priority", operator="matches", value="hi.*"),
         "conditions.all[0].operator: 'matches' does not apply to ticket.priority (a choice field)"),
        (cond(field="ticket.priority", operator="is", value="critical"),
         "conditions.all[0].value: must be one of urgent, high, normal, low"),
        (cond(field="ticket.number", operator="greater", value="ten"), "conditions.all[0].value: must be a number"),
        (cond(field="ticket.due_at", operator="less", value="tomorrow"),
         "conditions.all[0].value: must be an ISO 8601 date or date-time"),
        (cond(field="ticket.tags", operator="in", value=[]), "conditions.all[0].value: must be a non-empty list"),
        (cond(field="ticket.is_spam", operator="is", value="true"), "conditions.all[0].value: must be true or false"),
        (cond(field="ticket.assignee", operator="is_empty", value=3), "conditions.all[0].value: 'is_empty' takes no value"),
        (cond(field="ticket.subject", operator="contains"), "conditions.all[0].value: required for 'contains'"),
        (cond(field="message.body_text", operator="matches", value="(a+)+$"),
         "conditions.all[0].value: a repeated group contains another repetition (like (a+)+), which can take exponential time"),
        (cond(field="message.body_text", operator="matches", value="[unclosed"),
         "conditions.all[0].value: invalid regular expression: unterminated character set at position 0"),
        (cond(field="contact.name", operator="changed"),
         "conditions.all[0].operator: contact.name is not a ticket field, so it cannot change"),
        (cond(field="ticket.subject", operator="is", value="x", accent_insensitive="yes"),
         "conditions.all[0].accent_insensitive: must be true or false"),
        (cond(field="ticket.subject", operator="is", value="x", negate=True), "conditions.all[0].negate: unknown key"),
        ({"conditions": {"all": "everything"}}, "conditions.all: must be a list"),
        ({"actions": [{"type": "delete_ticket"}]}, "actions[0].type: unknown action 'delete_ticket'"),
        ({"actions": [{"type": "set_field", "field": "number", "value": 5}]},
         "actions[0].field: 'number' cannot be set by a rule (settable: subject, status, priority, type, due_at, custom_fields.<key>)"),
        ({"actions": [{"type": "set_field", "field": "status", "value": "new"}]}, "actions[0].value: a ticket never goes back to new"),
        ({"actions": [{"type": "set_field", "field": "priority", "value": "asap"}]},
         "actions[0].value: must be one of urgent, high, normal, low"),
        ({"actions": [{"type": "assign", "agent_id": 3, "unassign": True}]},
         "actions[0]: give exactly one of agent_id, department_id (optionally with distribution), distribution: true, or unassign: true"),
        ({"actions": [{"type": "assign", "agent_id": "bob"}]}, "actions[0].agent_id: must be a positive integer id"),
        ({"actions": [{"type": "add_tags", "tags": ["ok", ""]}]}, "actions[0].tags[1]: must be a tag name of 1 to 64 characters"),
        ({"actions": [{"type": "add_note", "text": "{{ ticket.__class__ }}"}]},
         "actions[0].text: unknown placeholder {{ ticket.__class__ }}"),
        ({"actions": [{"type": "add_note", "text": "{% load evil %}"}]},
         "actions[0].text: template tags like {% ... %} are not supported; only {{ placeholders }}"),
        ({"actions": [{"type": "send_email", "to": "address", "address": "a@b.test, c@d.test", "body": "x"}]},
         "actions[0].address: must be one email address"),
        ({"actions": [{"type": "send_email", "to": "requester", "subject": "a\nBcc: x@y.test", "body": "x"}]},
         "actions[0].subject: must be a single line"),
        ({"actions": [{"type": "send_email", "to": "requester"}]}, "actions[0].body: required, a non-empty string"),
        ({"actions": [{"type": "webhook", "url": "file:///etc/passwd"}]},
         "actions[0].url: must be an http(s) URL of at most 2000 characters"),
        ({"actions": [{"type": "webhook", "url": "https://x.test", "headers": {"Host": "evil"}}]},
         "actions[0].headers.Host: is set by the sender"),
        ({"actions": [{"type": "mark_spam", "really": True}]}, "actions[0].really: unknown key"),
    ],
)
def test_bad_documents_are_refused_with_path_and_reason(patch: dict[str, Any], expected: str) -> None:
    assert expected in bad(patch)


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"time_condition": {"since": "yesterday", "hours": 3}},
         "time_condition.since: must be one of created, updated, last_customer_message, last_agent_reply, status_entered, due"),
        ({"time_condition": {"since": "created", "hours": -3}}, "time_condition.hours: must be above 0 and at most 17520"),
        ({"time_condition": {"since": "created", "hours": "3"}}, "time_condition.hours: must be a number"),
        ({"events": ["ticket_created"]}, "events: automations run on time, not on events"),
    ],
)
def test_bad_automations(patch: dict[str, Any], expected: str) -> None:
    assert expected in bad(patch, AUTOMATION)


def test_automation_without_time_condition() -> None:
    document = {k: v for k, v in AUTOMATION.items() if k != "time_condition"}
    assert [str(i) for i in validate(document)] == ["time_condition: an automation needs a time condition"]


def test_hours_before_due_may_be_negative() -> None:
    rule = rule_from_dict({**AUTOMATION, "time_condition": {"since": "due", "hours": -2}})
    assert rule.time_condition == TimeCondition(Since.DUE, -2.0, False)


def test_every_problem_is_reported_at_once() -> None:
    issues = validate({
        "schema": 1, "name": "", "kind": "trigger", "events": ["nope"],
        "conditions": {"all": [{"field": "ticket.foo", "operator": "is"}]},
        "actions": [{"type": "explode"}],
    })
    assert [i.path for i in issues] == ["name", "events[0]", "conditions.all[0].field", "actions[0].type"]
    with pytest.raises(RuleValidationError) as raised:
        rule_from_dict({"schema": 1})
    assert "name: required" in str(raised.value)


def test_not_an_object() -> None:
    assert [str(i) for i in validate(["a", "list"])] == [": a rule must be a JSON object"]


def test_depth_and_size_limits() -> None:
    deep: dict[str, Any] = {"field": "ticket.status", "operator": "is", "value": "open"}
    for _ in range(10):
        deep = {"all": [deep]}
    assert any("nested at most" in str(i) for i in bad({"conditions": deep}))
    many = {"all": [{"field": "ticket.status", "operator": "is", "value": "open"}] * 201}
    assert any("at most 200 conditions" in str(i) for i in bad({"conditions": many}))


# --------------------------------------------------------------------------- round trip, generated

_conditions = st.one_of(
    st.builds(lambda v: {"field": "ticket.priority", "operator": "is", "value": v},
              st.sampled_from(["urgent", "high", "normal", "low"])),
    st.builds(lambda v, a: {"field": "message.body_text", "operator": "contains", "value": v, "accent_insensitive": a},
              st.text(min_size=1, max_size=20), st.booleans()),
    st.builds(lambda v: {"field": "ticket.tags", "operator": "in", "value": v},
              st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=4)),
    st.builds(lambda v: {"field": "ticket.number", "operator": "greater", "value": v}, st.integers(0, 10**9)),
    st.just({"field": "ticket.assignee", "operator": "is_empty"}),
)
_groups = st.recursive(
    st.builds(lambda a: {"all": a}, st.lists(_conditions, max_size=3)),
    lambda inner: st.builds(
        lambda a, b, c: {"all": a, "any": b, "none": c},
        st.lists(st.one_of(_conditions, inner), max_size=3),
        st.lists(st.one_of(_conditions, inner), max_size=3),
        st.lists(_conditions, max_size=2),
    ),
    max_leaves=12,
)


@settings(max_examples=60)
@given(_groups, st.booleans())
def test_generated_rules_round_trip(conditions: dict[str, Any], stop: bool) -> None:
    document = {**TRIGGER, "conditions": conditions, "stop_processing": stop}
    rule = rule_from_dict(document)
    assert rule_from_dict(rule_to_dict(rule)) == rule
