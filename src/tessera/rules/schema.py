"""The JSON document a rule is stored and exchanged as, its validation, import and export. Pure.

A rule (schema version 1)::

    {"schema": 1, "name": "VIP to urgent", "kind": "trigger",
     "events": ["ticket_created"],
     "conditions": {"all": [{"field": "contact.organisation", "operator": "in", "value": [4, 9]}],
                    "any": [...], "none": [...]},
     "actions": [{"type": "set_field", "field": "priority", "value": "urgent"}],
     "stop_processing": false}

An automation has ``"kind": "automation"``, no ``events``, and a ``time_condition``
``{"since": "updated", "hours": 48, "business_hours": true}``. Validation reports every
problem at once, each with the JSON path it concerns.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from tessera.rules.actions import (
    Action,
    ActionType,
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
from tessera.rules.conditions import (
    Condition,
    Gate,
    Group,
    Input,
    Node,
    Test,
    compile_node,
    gate_of,
    node_inputs,
)
from tessera.rules.templating import template_errors
from tessera.rules.text import UnsafePattern, compile_safe
from tessera.rules.vocabulary import (
    CHANGE,
    NO_VALUE,
    OPERATORS_BY_KIND,
    ORDERING,
    TEXTUAL,
    Event,
    FieldSpec,
    Kind,
    Op,
    Since,
    field_spec,
)

SCHEMA_VERSION = 1

MAX_DEPTH = 6
MAX_CONDITIONS = 200
MAX_ACTIONS = 50
MAX_LIST_VALUES = 500
MAX_TAGS = 50
MAX_HOURS = 24 * 365 * 2


class RuleKind(StrEnum):
    TRIGGER = "trigger"
    AUTOMATION = "automation"


@dataclass(frozen=True)
class TimeCondition:
    since: Since
    # Hours after the anchor; for ``due`` a negative number means "this long before due".
    hours: float
    business_hours: bool = False


@dataclass(frozen=True)
class Rule:
    name: str
    kind: RuleKind
    conditions: Group = field(default_factory=Group)
    actions: tuple[Action, ...] = ()
    events: tuple[Event, ...] = ()
    time_condition: TimeCondition | None = None
    stop_processing: bool = False
    # The stored row's identity, for reports and automation windows; not part of the document.
    id: str = ""
    description: str = ""

    @cached_property
    def event_names(self) -> frozenset[str]:
        """The events a trigger listens to, as the engine matches them (computed once: the
        engine asks for every rule on every pass)."""
        return frozenset(e.value for e in self.events)

    @cached_property
    def conditions_test(self) -> Test:
        """The conditions compiled once (``conditions.compile_node``): the parsed-rules cache
        keeps this object, so a desk's rules are compiled once per change, not per event."""
        return compile_node(self.conditions)

    @cached_property
    def condition_inputs(self) -> frozenset[Input]:
        """What in a context the conditions read (``conditions.node_inputs``)."""
        return node_inputs(self.conditions)

    @cached_property
    def gate(self) -> Gate | None:
        """A ticket-state test the rule cannot match without (``conditions.gate_of``)."""
        return gate_of(self.conditions)


@dataclass(frozen=True)
class Issue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RuleValidationError(ValueError):
    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(issue) for issue in issues))


# Upgrades from older document versions, keyed by the version they read. Empty while only
# version 1 exists; a version 2 adds ``{1: upgrade_1_to_2}`` and old rows keep loading.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class _Checker:
    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.condition_count = 0

    def error(self, path: str, message: str) -> None:
        self.issues.append(Issue(path, message))

    def keys(self, path: str, document: Mapping[str, Any], allowed: set[str]) -> None:
        for key in document:
            if key not in allowed:
                self.error(f"{path}.{key}" if path else str(key), "unknown key")

    # ------------------------------------------------------------------ conditions

    def group(self, path: str, document: Any, depth: int) -> Group:
        if not isinstance(document, Mapping):
            self.error(path, "must be an object with all/any/none lists")
            return Group()
        if depth > MAX_DEPTH:
            self.error(path, f"groups may be nested at most {MAX_DEPTH} deep")
            return Group()
        self.keys(path, document, {"all", "any", "none"})
        parts: dict[str, tuple[Node, ...]] = {}
        for name in ("all", "any", "none"):
            items = document.get(name, [])
            if not isinstance(items, list):
                self.error(f"{path}.{name}", "must be a list")
                items = []
            parts[name] = tuple(self.node(f"{path}.{name}[{i}]", item, depth) for i, item in enumerate(items))
        return Group(all=parts["all"], any=parts["any"], none=parts["none"])

    def node(self, path: str, document: Any, depth: int) -> Node:
        if isinstance(document, Mapping) and "field" not in document and (
            {"all", "any", "none"} & set(document)
        ):
            return self.group(path, document, depth + 1)
        return self.condition(path, document)

    def condition(self, path: str, document: Any) -> Condition:
        placeholder = Condition("", Op.IS)
        self.condition_count += 1
        if self.condition_count == MAX_CONDITIONS + 1:
            self.error(path, f"a rule may have at most {MAX_CONDITIONS} conditions")
        if not isinstance(document, Mapping):
            self.error(path, "must be a condition object or a group")
            return placeholder
        self.keys(path, document, {"field", "operator", "value", "accent_insensitive"})
        name = document.get("field")
        raw_op = document.get("operator")
        if not isinstance(name, str):
            self.error(f"{path}.field", "required, a string")
            return placeholder
        spec = field_spec(name)
        if spec is None:
            self.error(f"{path}.field", f"unknown field {name!r}")
            return placeholder
        op = _member(Op, raw_op)
        if op is None:
            self.error(f"{path}.operator", f"unknown operator {raw_op!r}")
            return placeholder
        if op not in OPERATORS_BY_KIND[spec.kind]:
            self.error(f"{path}.operator", f"{op.value!r} does not apply to {name} (a {spec.kind.value} field)")
            return placeholder
        if op in CHANGE and not spec.change_key:
            self.error(f"{path}.operator", f"{name} is not a ticket field, so it cannot change")
            return placeholder
        insensitive = document.get("accent_insensitive", False)
        if not isinstance(insensitive, bool):
            self.error(f"{path}.accent_insensitive", "must be true or false")
            insensitive = False
        value = self.value(f"{path}.value", spec, op, document, insensitive)
        return Condition(name, op, value, insensitive)

    def value(self, path: str, spec: FieldSpec, op: Op, document: Mapping[str, Any], insensitive: bool) -> Any:
        present = "value" in document
        value = document.get("value")
        if op in NO_VALUE:
            if value is not None:
                self.error(path, f"{op.value!r} takes no value")
            return None
        if not present:
            self.error(path, f"required for {op.value!r}")
            return None
        if op in {Op.IN, Op.NOT_IN}:
            if not isinstance(value, list) or not value:
                self.error(path, "must be a non-empty list")
                return ()
            if len(value) > MAX_LIST_VALUES:
                self.error(path, f"at most {MAX_LIST_VALUES} values")
            scalar_kind = Kind.TEXT if spec.kind is Kind.LIST else spec.kind
            for i, item in enumerate(value):
                self.scalar(f"{path}[{i}]", spec, scalar_kind, item, nullable=False)
            return tuple(value)
        if op is Op.MATCHES:
            if not isinstance(value, str) or not value:
                self.error(path, "must be a non-empty regular expression")
                return value
            try:
                compile_safe(value, accent_insensitive=insensitive)
            except UnsafePattern as exc:
                self.error(path, str(exc))
            return value
        if op in TEXTUAL:
            if spec.kind in {Kind.LIST, Kind.ANY} and isinstance(value, list):
                if not value or not all(isinstance(v, str) and v for v in value):
                    self.error(path, "must be a non-empty list of non-empty strings")
                return tuple(value)
            if not isinstance(value, str) or not value:
                self.error(path, "must be a non-empty string")
            return value
        if op in ORDERING:
            kind = spec.kind
            if kind is Kind.NUMBER and not _is_number(value):
                self.error(path, "must be a number")
            elif kind is Kind.DATETIME and not _is_iso_moment(value):
                self.error(path, "must be an ISO 8601 date or date-time")
            elif kind is Kind.ANY and not (_is_number(value) or _is_iso_moment(value)):
                self.error(path, "must be a number or an ISO 8601 date")
            return value
        # is / is_not / changed_from / changed_to
        if spec.kind is Kind.LIST:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.error(path, "must be a list of strings")
                return ()
            return tuple(value)
        self.scalar(path, spec, spec.kind, value, nullable=op not in {Op.IS, Op.IS_NOT} or spec.kind is Kind.ID)
        return value

    def scalar(self, path: str, spec: FieldSpec, kind: Kind, value: Any, *, nullable: bool) -> None:
        if value is None:
            if not nullable and kind is not Kind.ANY:
                self.error(path, "must not be null (use is_empty)")
            return
        match kind:
            case Kind.TEXT:
                if not isinstance(value, str):
                    self.error(path, "must be a string")
            case Kind.CHOICE:
                if value not in spec.choices:
                    self.error(path, f"must be one of {', '.join(spec.choices)}")
            case Kind.ID:
                if not (isinstance(value, int) and not isinstance(value, bool) and value > 0) and not (
                    isinstance(value, str) and value.isdigit()
                ):
                    self.error(path, "must be a positive id")
            case Kind.NUMBER:
                if not _is_number(value):
                    self.error(path, "must be a number")
            case Kind.DATETIME:
                if not _is_iso_moment(value):
                    self.error(path, "must be an ISO 8601 date or date-time")
            case Kind.BOOL:
                if not isinstance(value, bool):
                    self.error(path, "must be true or false")
            case _:
                if not isinstance(value, str | int | float | bool):
                    self.error(path, "must be a string, number or boolean")

    # ------------------------------------------------------------------ actions

    def template(self, path: str, value: Any, *, required: bool, single_line: bool = False) -> str:
        if value is None or value == "":
            if required:
                self.error(path, "required, a non-empty string")
            return ""
        if not isinstance(value, str):
            self.error(path, "must be a string")
            return ""
        for message in template_errors(value):
            self.error(path, message)
        if single_line and ("\n" in value or "\r" in value):
            self.error(path, "must be a single line")
        return value

    def positive_id(self, path: str, value: Any) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        self.error(path, "must be a positive integer id")
        return None

    def tags(self, path: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            self.error(path, "must be a non-empty list of tag names")
            return ()
        if len(value) > MAX_TAGS:
            self.error(path, f"at most {MAX_TAGS} tags")
        cleaned: list[str] = []
        for i, tag in enumerate(value):
            name = unicodedata.normalize("NFC", tag).strip() if isinstance(tag, str) else ""
            if not name or len(name) > 64:
                self.error(f"{path}[{i}]", "must be a tag name of 1 to 64 characters")
            elif name not in cleaned:
                cleaned.append(name)
        return tuple(cleaned)

    def action(self, path: str, document: Any) -> Action | None:
        if not isinstance(document, Mapping):
            self.error(path, "must be an action object")
            return None
        raw_type = document.get("type")
        kind = _member(ActionType, raw_type)
        if kind is None:
            self.error(f"{path}.type", f"unknown action {raw_type!r}")
            return None
        match kind:
            case ActionType.SET_FIELD:
                self.keys(path, document, {"type", "field", "value"})
                return self.set_field(path, document)
            case ActionType.ASSIGN:
                self.keys(path, document, {"type", "agent_id", "department_id", "distribution", "unassign"})
                return self.assign(path, document)
            case ActionType.ADD_TAGS | ActionType.REMOVE_TAGS:
                self.keys(path, document, {"type", "tags"})
                tags = self.tags(f"{path}.tags", document.get("tags"))
                return AddTags(tags) if kind is ActionType.ADD_TAGS else RemoveTags(tags)
            case ActionType.ADD_NOTE:
                self.keys(path, document, {"type", "text"})
                return AddNote(self.template(f"{path}.text", document.get("text"), required=True))
            case ActionType.SEND_EMAIL:
                self.keys(path, document, {"type", "to", "address", "template_id", "subject", "body"})
                return self.send_email(path, document)
            case ActionType.WEBHOOK:
                self.keys(path, document, {"type", "url", "method", "headers", "body"})
                return self.webhook(path, document)
            case ActionType.MARK_SPAM:
                self.keys(path, document, {"type"})
                return MarkSpam()
            case ActionType.APPLY_MACRO:
                self.keys(path, document, {"type", "macro_id"})
                macro = self.positive_id(f"{path}.macro_id", document.get("macro_id"))
                return ApplyMacro(macro or 0)
        return None

    def set_field(self, path: str, document: Mapping[str, Any]) -> SetField:
        name = document.get("field")
        value = document.get("value")
        spec = field_spec(f"ticket.{name}") if isinstance(name, str) else None
        if not isinstance(name, str) or spec is None or not spec.settable:
            self.error(f"{path}.field", f"{name!r} cannot be set by a rule (settable: subject, status, "
                       "priority, type, due_at, custom_fields.<key>)")
            return SetField(str(name), value)
        if "value" not in document:
            self.error(f"{path}.value", "required")
        elif name == "status" and value == "new":
            self.error(f"{path}.value", "a ticket never goes back to new")
        elif name == "subject" and (not isinstance(value, str) or not value.strip() or len(value) > 250):
            self.error(f"{path}.value", "must be a non-empty subject of at most 250 characters")
        else:
            self.scalar(f"{path}.value", spec, spec.kind, value, nullable=spec.kind in {Kind.DATETIME, Kind.ANY})
        return SetField(name, value)

    def assign(self, path: str, document: Mapping[str, Any]) -> Assign:
        agent = document.get("agent_id")
        department = document.get("department_id")
        distribution = document.get("distribution", False)
        unassign = document.get("unassign", False)
        if not isinstance(distribution, bool) or not isinstance(unassign, bool):
            self.error(path, "distribution and unassign must be true or false")
            return Assign()
        chosen = sum([agent is not None, department is not None or distribution, unassign])
        if chosen != 1:
            self.error(path, "give exactly one of agent_id, department_id (optionally with "
                       "distribution), distribution: true, or unassign: true")
            return Assign()
        return Assign(
            agent_id=self.positive_id(f"{path}.agent_id", agent) if agent is not None else None,
            department_id=self.positive_id(f"{path}.department_id", department) if department is not None else None,
            distribution=distribution,
            unassign=unassign,
        )

    def send_email(self, path: str, document: Mapping[str, Any]) -> SendEmail:
        to = _member(Recipient, document.get("to"))
        if to is None:
            self.error(f"{path}.to", "must be requester, assignee, department or address")
            to = Recipient.REQUESTER
        address = document.get("address", "")
        if to is Recipient.ADDRESS:
            if not isinstance(address, str) or not _EMAIL.fullmatch(address):
                self.error(f"{path}.address", "must be one email address")
                address = ""
        elif address:
            self.error(f"{path}.address", "only used when to is 'address'")
        template_id = document.get("template_id")
        if template_id is not None:
            template_id = self.positive_id(f"{path}.template_id", template_id)
        subject = self.template(f"{path}.subject", document.get("subject"), required=False, single_line=True)
        body = self.template(f"{path}.body", document.get("body"), required=template_id is None)
        if template_id is not None and (subject or body):
            self.error(path, "give either template_id or subject and body, not both")
        return SendEmail(to=to, address=str(address), template_id=template_id, subject=subject, body=body)

    def webhook(self, path: str, document: Mapping[str, Any]) -> Webhook:
        url = document.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if (
            parts is None
            or parts.scheme not in {"https", "http"}
            or not parts.hostname
            or len(str(url)) > 2000
            or any(c.isspace() for c in str(url))
        ):
            self.error(f"{path}.url", "must be an http(s) URL of at most 2000 characters")
        method = document.get("method", "POST")
        if method not in {"POST", "PUT", "PATCH"}:
            self.error(f"{path}.method", "must be POST, PUT or PATCH")
        raw_headers = document.get("headers", {})
        headers: list[tuple[str, str]] = []
        if not isinstance(raw_headers, Mapping):
            self.error(f"{path}.headers", "must be an object of header names to values")
        else:
            for name, value in raw_headers.items():
                if not isinstance(value, str) or not _HEADER_NAME.fullmatch(name) or "\n" in value or "\r" in value:
                    self.error(f"{path}.headers.{name}", "must be a token name with a single-line value")
                elif name.lower() in {"host", "content-length", "transfer-encoding", "connection"}:
                    self.error(f"{path}.headers.{name}", "is set by the sender")
                else:
                    headers.append((name, value))
        body = self.template(f"{path}.body", document.get("body"), required=False)
        return Webhook(url=str(url), method=str(method), headers=tuple(headers), body=body)

    # ------------------------------------------------------------------ the document

    def time_condition(self, path: str, document: Any) -> TimeCondition | None:
        if not isinstance(document, Mapping):
            self.error(path, "must be an object with since, hours and business_hours")
            return None
        self.keys(path, document, {"since", "hours", "business_hours"})
        since = _member(Since, document.get("since"))
        if since is None:
            self.error(f"{path}.since", f"must be one of {', '.join(s.value for s in Since)}")
            return None
        raw_hours = document.get("hours")
        if not isinstance(raw_hours, int | float) or not _is_number(raw_hours):
            self.error(f"{path}.hours", "must be a number")
            return None
        hours = float(raw_hours)
        low = -MAX_HOURS if since is Since.DUE else 0
        if not (low <= hours <= MAX_HOURS) or (since is not Since.DUE and hours <= 0):
            allowed = "between -17520 and 17520" if since is Since.DUE else "above 0 and at most 17520"
            self.error(f"{path}.hours", f"must be {allowed}")
        business = document.get("business_hours", False)
        if not isinstance(business, bool):
            self.error(f"{path}.business_hours", "must be true or false")
            business = False
        return TimeCondition(since, hours, business)

    def rule(self, document: Mapping[str, Any]) -> Rule:
        self.keys("", document, {"schema", "name", "description", "kind", "events", "time_condition",
                                 "conditions", "actions", "stop_processing"})
        name = document.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            self.error("name", "required, 1 to 200 characters")
            name = ""
        description = document.get("description", "")
        if not isinstance(description, str):
            self.error("description", "must be a string")
            description = ""
        kind = _member(RuleKind, document.get("kind"))
        if kind is None:
            self.error("kind", "must be trigger or automation")
            kind = RuleKind.TRIGGER
        events: list[Event] = []
        time_condition: TimeCondition | None = None
        if kind is RuleKind.TRIGGER:
            raw_events = document.get("events")
            if not isinstance(raw_events, list) or not raw_events:
                self.error("events", "a trigger needs a non-empty list of events")
            else:
                for i, raw in enumerate(raw_events):
                    event = _member(Event, raw)
                    if event is None:
                        self.error(f"events[{i}]", f"unknown event {raw!r}")
                        continue
                    if event not in events:
                        events.append(event)
            if document.get("time_condition") is not None:
                self.error("time_condition", "only automations have a time condition")
        else:
            if document.get("events"):
                self.error("events", "automations run on time, not on events")
            if "time_condition" not in document:
                self.error("time_condition", "an automation needs a time condition")
            else:
                time_condition = self.time_condition("time_condition", document["time_condition"])
        conditions = self.group("conditions", document.get("conditions", {}), 0)
        raw_actions = document.get("actions")
        actions: list[Action] = []
        if not isinstance(raw_actions, list) or not raw_actions:
            self.error("actions", "a rule needs a non-empty list of actions")
        elif len(raw_actions) > MAX_ACTIONS:
            self.error("actions", f"at most {MAX_ACTIONS} actions")
        else:
            for i, raw in enumerate(raw_actions):
                action = self.action(f"actions[{i}]", raw)
                if action is not None:
                    actions.append(action)
        stop = document.get("stop_processing", False)
        if not isinstance(stop, bool):
            self.error("stop_processing", "must be true or false")
            stop = False
        return Rule(
            name=name.strip(),
            kind=kind,
            conditions=conditions,
            actions=tuple(actions),
            events=tuple(events),
            time_condition=time_condition,
            stop_processing=stop,
            description=description,
        )


_EMAIL = re.compile(r"[^@\s,;<>\"]{1,64}@[^@\s,;<>\"]{1,255}\.[^@\s,;<>\".]{2,63}")
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}")


def _member[E: StrEnum](cls: type[E], value: Any) -> E | None:
    if not isinstance(value, str):
        return None
    try:
        return cls(value)
    except ValueError:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _is_iso_moment(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    for parse in (datetime.fromisoformat, date.fromisoformat):
        try:
            parse(value)
        except ValueError:
            continue
        return True
    return False


def upgrade(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document in the current schema version, or RuleValidationError if it cannot be."""
    version = document.get("schema")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RuleValidationError([Issue("schema", "required, a positive integer version")])
    if version > SCHEMA_VERSION:
        raise RuleValidationError([Issue(
            "schema", f"version {version} is newer than this Tessera understands ({SCHEMA_VERSION}); upgrade Tessera"
        )])
    current = dict(document)
    while version < SCHEMA_VERSION:
        current = MIGRATIONS[version](current)
        version = current["schema"]
    return current


def rule_from_dict(document: Any, *, rule_id: str = "") -> Rule:
    """Validate a rule document and build its typed form, or raise RuleValidationError."""
    if not isinstance(document, Mapping):
        raise RuleValidationError([Issue("", "a rule must be a JSON object")])
    checker = _Checker()
    rule = checker.rule(upgrade(document))
    if checker.issues:
        raise RuleValidationError(checker.issues)
    return dataclasses.replace(rule, id=rule_id)


def validate(document: Any) -> list[Issue]:
    """Every problem with a rule document; empty when it is valid."""
    try:
        rule_from_dict(document)
    except RuleValidationError as exc:
        return exc.issues
    return []


def _node_to_dict(node: Node) -> dict[str, Any]:
    if isinstance(node, Condition):
        out: dict[str, Any] = {"field": node.field, "operator": node.operator.value}
        if node.operator not in NO_VALUE:
            out["value"] = list(node.value) if isinstance(node.value, tuple) else node.value
        if node.accent_insensitive:
            out["accent_insensitive"] = True
        return out
    group: dict[str, Any] = {}
    for name in ("all", "any", "none"):
        children: tuple[Node, ...] = getattr(node, name)
        if children or name == "all":
            group[name] = [_node_to_dict(child) for child in children]
    return group


def action_to_dict(action: Action) -> dict[str, Any]:
    match action:
        case SetField(field=name, value=value):
            return {"type": action.type.value, "field": name, "value": value}
        case Assign():
            out: dict[str, Any] = {"type": action.type.value}
            if action.agent_id is not None:
                out["agent_id"] = action.agent_id
            if action.department_id is not None:
                out["department_id"] = action.department_id
            if action.distribution:
                out["distribution"] = True
            if action.unassign:
                out["unassign"] = True
            return out
        case AddTags(tags=tags) | RemoveTags(tags=tags):
            return {"type": action.type.value, "tags": list(tags)}
        case AddNote(text=text):
            return {"type": action.type.value, "text": text}
        case SendEmail():
            mail: dict[str, Any] = {"type": action.type.value, "to": action.to.value}
            if action.address:
                mail["address"] = action.address
            if action.template_id is not None:
                mail["template_id"] = action.template_id
            if action.subject:
                mail["subject"] = action.subject
            if action.body:
                mail["body"] = action.body
            return mail
        case Webhook():
            hook: dict[str, Any] = {"type": action.type.value, "url": action.url, "method": action.method}
            if action.headers:
                hook["headers"] = dict(action.headers)
            if action.body:
                hook["body"] = action.body
            return hook
        case MarkSpam():
            return {"type": action.type.value}
        case ApplyMacro(macro_id=macro):
            return {"type": action.type.value, "macro_id": macro}
    raise AssertionError(f"unhandled action {action!r}")


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """The rule as a current-version document; ``rule_from_dict`` reads it back unchanged."""
    out: dict[str, Any] = {"schema": SCHEMA_VERSION, "name": rule.name, "kind": rule.kind.value}
    if rule.description:
        out["description"] = rule.description
    if rule.kind is RuleKind.TRIGGER:
        out["events"] = [event.value for event in rule.events]
    elif rule.time_condition is not None:
        hours = rule.time_condition.hours
        out["time_condition"] = {
            "since": rule.time_condition.since.value,
            "hours": int(hours) if hours == int(hours) else hours,
            "business_hours": rule.time_condition.business_hours,
        }
    out["conditions"] = _node_to_dict(rule.conditions)
    out["actions"] = [action_to_dict(action) for action in rule.actions]
    out["stop_processing"] = rule.stop_processing
    return out
