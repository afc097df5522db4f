"""Run ordered rules against one context and plan their actions. Pure.

One *cycle* handles one event on one ticket. Rules are tried in order; a rule whose event and
conditions hold *fires*: its actions are rendered, recorded, and applied to a private copy of
the context, so later rules see the changes (a rule-made change also counts as the matching
``field_changed``/``status_changed``/``assigned`` event for the rest of the cycle). When a pass
over the rules fired something, another pass gives earlier rules a chance to react to later
ones. A rule fires at most once per cycle, so a cycle always ends; ``max_passes`` is a second,
configurable guard, and hitting it is reported as ``loop_guard_tripped``.

Because rule-made changes are seen inside the cycle, the runner must not start new trigger
cycles for the changes it applies on a rule's behalf: that is what keeps "A sets X, B unsets
X" from bouncing between cycles forever.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tessera.rules.actions import (
    Action,
    AddNote,
    AddTags,
    Assign,
    MarkSpam,
    RemoveTags,
    SendEmail,
    SetField,
    Webhook,
    describe,
)
from tessera.rules.conditions import ConditionError, Context, as_datetime, evaluate, event_changes
from tessera.rules.schema import Rule, RuleKind
from tessera.rules.templating import render
from tessera.rules.text import fold
from tessera.rules.vocabulary import SINCE_TICKET_KEY, TIME_EVENT, Event, Since

DEFAULT_MAX_PASSES = 5

type BusinessSecondsBetween = Callable[[datetime, datetime], float]


@dataclass(frozen=True)
class FiredRule:
    rule_id: str
    rule_name: str
    # Rendered: notes and emails hold their final plain text.
    actions: tuple[Action, ...]
    pass_number: int
    # For automations: the window this firing used up (the runner stores it).
    window_key: str | None = None

    def timeline_lines(self) -> list[str]:
        """"rule VIP escalation set priority to urgent", one line per action."""
        return [f"rule {self.rule_name} {describe(action)}" for action in self.actions]


@dataclass(frozen=True)
class RuleFailure:
    rule_id: str
    rule_name: str
    error: str


@dataclass(frozen=True)
class EngineResult:
    fired: tuple[FiredRule, ...]
    failures: tuple[RuleFailure, ...]
    passes: int
    loop_guard_tripped: bool
    # The id (or position) of the rule whose stop_processing ended the cycle.
    stopped_by: str | None
    # The context as the planned actions leave it.
    context: Context

    @property
    def actions(self) -> list[tuple[FiredRule, Action]]:
        """Every planned action in the order it should be applied, with the rule behind it."""
        return [(fired, action) for fired in self.fired for action in fired.actions]


# ------------------------------------------------------------------------- automations


@dataclass(frozen=True)
class TicketTimes:
    created: datetime | None = None
    updated: datetime | None = None
    last_customer_message: datetime | None = None
    last_agent_reply: datetime | None = None
    status_entered: datetime | None = None
    due: datetime | None = None

    @classmethod
    def from_ticket(cls, ticket: Mapping[str, Any]) -> TicketTimes:
        """Read the anchors from a ticket context (datetimes or ISO strings)."""
        values = {since.value: as_datetime(ticket.get(key)) for since, key in SINCE_TICKET_KEY.items()}
        return cls(**values)

    def anchor(self, since: Since) -> datetime | None:
        value: datetime | None = getattr(self, since.value)
        return value


def _times(ticket_times: TicketTimes | Mapping[str, Any]) -> TicketTimes:
    return ticket_times if isinstance(ticket_times, TicketTimes) else TicketTimes.from_ticket(ticket_times)


def automation_due(
    rule: Rule,
    ticket_times: TicketTimes | Mapping[str, Any],
    now: datetime,
    business_seconds_between: BusinessSecondsBetween | None = None,
) -> bool:
    """Whether the rule's time condition holds now (its other conditions are not looked at)."""
    condition = rule.time_condition
    if rule.kind is not RuleKind.AUTOMATION or condition is None:
        return False
    anchor = _times(ticket_times).anchor(condition.since)
    if anchor is None:
        return False
    seconds = condition.hours * 3600
    if not condition.business_hours:
        return now >= anchor + timedelta(seconds=seconds)
    if business_seconds_between is None:
        raise ConditionError(f"rule {rule.name!r} counts business hours but no calendar was given")
    if seconds >= 0:
        return now >= anchor and business_seconds_between(anchor, now) >= seconds
    # "N business hours before due": due once the business time left is at most N hours.
    return now >= anchor or business_seconds_between(now, anchor) <= -seconds


def window_key(rule: Rule, ticket_times: TicketTimes | Mapping[str, Any]) -> str | None:
    """Identifies one firing opportunity: the rule plus the moment its hours count from.

    When the anchor moves (a new customer message, a status change) a new window opens, so
    "remind after 24h without a reply" fires again after the next reply, but never twice for
    the same silence. None when the anchor is unset (nothing to fire for).
    """
    condition = rule.time_condition
    if condition is None:
        return None
    anchor = _times(ticket_times).anchor(condition.since)
    if anchor is None:
        return None
    return f"{rule.id}:{condition.since.value}:{anchor.isoformat()}"


# ------------------------------------------------------------------------- the cycle


def template_values(context: Context, rule: Rule) -> dict[str, Any]:
    return {
        "ticket": context.ticket,
        "contact": context.contact,
        "organisation": context.organisation,
        "message": context.message,
        "event": context.event,
        "rule": {"name": rule.name},
    }


def render_action(action: Action, context: Context, rule: Rule) -> Action:
    """The action with its templates filled in from the context as it is at firing time."""
    values = template_values(context, rule)
    match action:
        case AddNote(text=text):
            return dataclasses.replace(action, text=render(text, values))
        case SendEmail(subject=subject, body=body):
            # A rendered value could contain a newline; a subject must stay one header line.
            rendered_subject = " ".join(render(subject, values).split())
            return dataclasses.replace(action, subject=rendered_subject, body=render(body, values))
        case Webhook(body=body) if body:
            return dataclasses.replace(action, body=render(body, values))
    return action


def _record_change(context: Context, key: str, before: Any, after: Any) -> None:
    original = event_changes(context).get(key)
    changes = dict(context.event.get("changes") or {})
    # Keep the value from before the cycle, so changed_from still compares with it.
    changes[key] = {"before": original[0] if original else before, "after": after}
    context.event["changes"] = changes


def _fold_tag(tag: str) -> str:
    return fold(tag)


def apply_action(action: Action, context: Context) -> set[str]:
    """Apply one planned action to the context in place; return the events it amounts to."""
    ticket = context.ticket
    match action:
        case SetField(field=name, value=value):
            if name.startswith("custom_fields."):
                key = name.removeprefix("custom_fields.")
                values = dict(ticket.get("custom_fields") or {})
                before = values.get(key)
                values[key] = value
                ticket["custom_fields"] = values
            else:
                before = ticket.get(name)
                ticket[name] = value
            if before == value:
                return set()
            _record_change(context, name, before, value)
            return {Event.STATUS_CHANGED} if name == "status" else {Event.FIELD_CHANGED}
        case Assign():
            raised: set[str] = set()
            if action.department_id is not None and ticket.get("department") != action.department_id:
                _record_change(context, "department", ticket.get("department"), action.department_id)
                ticket["department"] = action.department_id
                raised.add(Event.FIELD_CHANGED)
            target = action.agent_id if action.agent_id is not None else None
            if (action.agent_id is not None or action.unassign) and ticket.get("assignee") != target:
                _record_change(context, "assignee", ticket.get("assignee"), target)
                ticket["assignee"] = target
                raised.add(Event.ASSIGNED)
            return raised
        case AddTags(tags=tags) | RemoveTags(tags=tags):
            current = list(ticket.get("tags") or [])
            present = {_fold_tag(t) for t in current}
            if isinstance(action, AddTags):
                updated = current + [t for t in tags if _fold_tag(t) not in present]
            else:
                gone = {_fold_tag(t) for t in tags}
                updated = [t for t in current if _fold_tag(t) not in gone]
            if updated == current:
                return set()
            _record_change(context, "tags", current, updated)
            ticket["tags"] = updated
            return {Event.FIELD_CHANGED}
        case MarkSpam():
            if ticket.get("is_spam") is True:
                return set()
            _record_change(context, "is_spam", ticket.get("is_spam", False), True)
            ticket["is_spam"] = True
            return {Event.FIELD_CHANGED}
    # Notes, emails, webhooks and macros change nothing a condition can see.
    return set()


def _copy(context: Context) -> Context:
    return dataclasses.replace(
        context,
        ticket=copy.deepcopy(context.ticket),
        contact=copy.deepcopy(context.contact),
        organisation=copy.deepcopy(context.organisation),
        message=copy.deepcopy(context.message),
        event=copy.deepcopy(context.event),
    )


class _Cycle:
    def __init__(
        self,
        rules: Sequence[Rule],
        context: Context,
        business_seconds_between: BusinessSecondsBetween | None,
        used_windows: Collection[str],
    ) -> None:
        self.rules = rules
        self.context = _copy(context)
        self.business_seconds_between = business_seconds_between
        self.used_windows = used_windows
        self.events: set[str] = {str(context.event.get("kind", ""))}
        self.done: set[str] = set()
        self.fired: list[FiredRule] = []
        self.failures: list[RuleFailure] = []

    @staticmethod
    def key(rule: Rule, index: int) -> str:
        return rule.id or f"#{index}"

    def window(self, rule: Rule) -> tuple[bool, str | None]:
        """Whether the rule may run in this cycle, and the automation window it would use."""
        if rule.kind is RuleKind.TRIGGER:
            return not self.events.isdisjoint(rule.event_names), None
        if TIME_EVENT not in self.events:
            return False, None
        times = TicketTimes.from_ticket(self.context.ticket)
        key = window_key(rule, times)
        if key is None or key in self.used_windows:
            return False, None
        due = automation_due(rule, times, self.context.now, self.business_seconds_between)
        return due, key

    def matches(self, rule: Rule) -> tuple[bool, str | None]:
        applicable, key = self.window(rule)
        if not applicable:
            return False, None
        return evaluate(rule.conditions, self.context), key

    def try_rule(self, index: int, rule: Rule, pass_number: int) -> bool:
        rule_key = self.key(rule, index)
        if rule_key in self.done:
            return False
        try:
            matched, window = self.matches(rule)
        except ConditionError as exc:
            # A broken rule must not stop the others; the runner shows this to admins.
            self.failures.append(RuleFailure(rule_key, rule.name, str(exc)))
            self.done.add(rule_key)
            return False
        if not matched:
            return False
        planned: list[Action] = []
        # One at a time, so a note after "set priority" already shows the new priority.
        for action in rule.actions:
            rendered = render_action(action, self.context, rule)
            planned.append(rendered)
            self.events |= {str(e) for e in apply_action(rendered, self.context)}
        self.done.add(rule_key)
        self.fired.append(FiredRule(rule_key, rule.name, tuple(planned), pass_number, window))
        return True

    def would_fire_again(self) -> bool:
        for index, rule in enumerate(self.rules):
            if self.key(rule, index) in self.done:
                continue
            try:
                if self.matches(rule)[0]:
                    return True
            except ConditionError:
                continue
        return False

    def result(self, passes: int, tripped: bool, stopped_by: str | None) -> EngineResult:
        return EngineResult(
            fired=tuple(self.fired),
            failures=tuple(self.failures),
            passes=passes,
            loop_guard_tripped=tripped,
            stopped_by=stopped_by,
            context=self.context,
        )


def run(
    rules: Sequence[Rule],
    context: Context,
    *,
    max_passes: int = DEFAULT_MAX_PASSES,
    business_seconds_between: BusinessSecondsBetween | None = None,
    used_windows: Collection[str] = frozenset(),
) -> EngineResult:
    """Plan what the rules do about ``context.event``; the caller's context is not modified.

    ``used_windows`` are the automation window keys already spent on this ticket; a fired
    automation reports the key it spends in ``FiredRule.window_key``.
    """
    if max_passes < 1:
        raise ValueError("max_passes must be at least 1")
    cycle = _Cycle(rules, context, business_seconds_between, used_windows)
    for pass_number in range(1, max_passes + 1):
        fired_any = False
        for index, rule in enumerate(rules):
            if cycle.try_rule(index, rule, pass_number):
                fired_any = True
                if rule.stop_processing:
                    return cycle.result(pass_number, False, cycle.key(rule, index))
        if not fired_any:
            return cycle.result(pass_number, False, None)
    return cycle.result(max_passes, cycle.would_fire_again(), None)
