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
import heapq
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
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
from tessera.rules.conditions import (
    CHANGE_INPUT,
    MISSING,
    ConditionError,
    Context,
    Gate,
    Getter,
    Input,
    as_datetime,
    compile_path,
    event_changes,
)
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


# Values that never change in place, so a copy may share them (``copy.deepcopy`` rebuilds a
# datetime through pickling, which was a fifth of a cycle's cost).
_IMMUTABLE = (str, int, float, bool, type(None), datetime, date, Decimal)


def _deep(value: Any) -> Any:
    """A copy as ``copy.deepcopy`` makes it, faster for the JSON-like values of a context."""
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is dict:
        return {key: _deep(item) for key, item in value.items()}
    if kind is list:
        return [_deep(item) for item in value]
    return copy.deepcopy(value)


def _copy(context: Context) -> Context:
    return dataclasses.replace(
        context,
        ticket=_deep(context.ticket),
        contact=_deep(context.contact),
        organisation=_deep(context.organisation),
        message=_deep(context.message),
        event=_deep(context.event),
    )


# ------------------------------------------------------------------------- the rule book
#
# The module docstring defines a cycle as "every pass tries every rule in order". Doing that
# costs a thousand rule tries per event on a large desk, nearly all of them answering "no" for
# the same reason as last time. The book and the cycle below give exactly the same outcome
# while trying far fewer rules:
#
# - A trigger can only match once one of its events has been raised, so the first pass looks
#   only at the rules listening to the cycle's event (the book indexes them by event).
# - A rule's answer is a function of its inputs: the events raised so far and the parts of the
#   context its conditions read (``conditions.node_inputs``). The cycle remembers when it last
#   found each rule not matching, and after every firing works out which inputs the firing
#   changed, by comparing the context before and after it. Only rules with a changed input are
#   tried again: later in the same pass when they come after the firing rule, in the next pass
#   otherwise. Every other rule would answer "no" again, so skipping it changes nothing. (The
#   one answer that is not a function of its inputs is a pattern timing out under load: such a
#   pattern is now tried only when its inputs change, which can only mean fewer timeouts.)
# - A trigger whose first tests are about the ticket's state ("status in open, pending") is
#   filed under the values it wants (``conditions.gate_of``); at the start of a cycle the
#   rules wanting other values are known not to match, and are set aside like those above.
# - Automations are tried in every pass: their window reads the clock and the ticket's times.
#
# tests/unit/rules/test_rule_book.py compares this with the literal definition on random rules.


_NAMESPACES = ("ticket", "contact", "organisation", "message", "event")
# A trigger's window depends on these: ("raised", event name).
_RAISED = "raised"
_FIRST_PASSES_KEPT = 4096


@dataclass(frozen=True)
class _Entry:
    index: int
    rule: Rule
    key: str
    # None: tried in every pass (automations).
    inputs: frozenset[Input] | None


class RuleBook:
    """Rules in run order with their indexes, built once per set of rules (the runner keeps
    one per change of the stored rules)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        entries: list[_Entry] = []
        readers: dict[Input, list[int]] = {}
        always: list[int] = []
        for index, rule in enumerate(self.rules):
            inputs: frozenset[Input] | None = None
            if rule.kind is RuleKind.TRIGGER:
                inputs = rule.condition_inputs | {(_RAISED, name) for name in rule.event_names}
                for found in inputs:
                    readers.setdefault(found, []).append(index)
            else:
                always.append(index)
            entries.append(_Entry(index, rule, rule.id or f"#{index}", inputs))
        self.entries: tuple[_Entry, ...] = tuple(entries)
        self.readers: dict[Input, tuple[int, ...]] = {k: tuple(v) for k, v in readers.items()}
        self.always: tuple[int, ...] = tuple(always)
        # The readers of an input by event listened to: a change only needs to bring back the
        # triggers listening to an event raised so far (the others cannot match yet, and the
        # raising of their event brings them back).
        by_event: dict[Input, dict[str, list[int]]] = {}
        for found, indexes in self.readers.items():
            for index in indexes:
                for name in self.rules[index].event_names:
                    by_event.setdefault(found, {}).setdefault(name, []).append(index)
        self.readers_by_event: dict[Input, dict[str, tuple[int, ...]]] = {
            found: {name: tuple(indexes) for name, indexes in events.items()} for found, events in by_event.items()
        }
        # Triggers by gate (``conditions.gate_of``), bucketed by the key their gate wants.
        gated: dict[tuple[str, bool, str], tuple[Getter, set[int], dict[Any, set[int]]]] = {}
        for index, rule in enumerate(self.rules):
            gate = rule.gate if rule.kind is RuleKind.TRIGGER else None
            if gate is None:
                continue
            where = (gate.path, gate.accent_insensitive, gate.kind)
            if where not in gated:
                gated[where] = (compile_path(gate.path), set(), {})
            _, members, buckets = gated[where]
            members.add(index)
            for key in gate.keys:
                buckets.setdefault(key, set()).add(index)
        self.gates: list[tuple[Gate, Getter, set[int], dict[Any, set[int]]]] = [
            (Gate(path, insensitive, kind, frozenset(buckets)), getter, members, buckets)
            for (path, insensitive, kind), (getter, members, buckets) in gated.items()
        ]
        # (event, gate keys) -> the first pass's rules; shared by the worker's threads, which
        # at worst compute the same entry twice.
        self._first_passes: dict[tuple[str, tuple[Any, ...]], tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.rules)

    def listening(self, events: Collection[str]) -> set[int]:
        found: set[int] = set(self.always)
        for name in events:
            found.update(self.readers.get((_RAISED, name), ()))
        return found

    def first_pass(self, event: str, context: Context) -> tuple[int, ...]:
        """The rules a cycle starting on ``event`` in ``context`` must try, in order: those
        listening to the event whose gate holds or cannot tell (and every automation). Every
        other rule is known not to match the context as the cycle starts."""
        keys = tuple(gate.key(getter(context)) for gate, getter, _, _ in self.gates)
        found = self._first_passes.get((event, keys))
        if found is None:
            candidates = self.listening({event})
            for (_, _, members, buckets), key in zip(self.gates, keys, strict=True):
                if key is not None:
                    candidates -= members - buckets.get(key, set())
            found = tuple(sorted(candidates))
            if len(self._first_passes) >= _FIRST_PASSES_KEPT:
                # Bounded: a desk has few events and states, but ids (departments) can be many.
                self._first_passes.clear()
            self._first_passes[(event, keys)] = found
        return found


def _same(a: Any, b: Any) -> bool:
    """Whether two context values are indistinguishable to a condition (strict: a 1 and a
    True differ, and so does anything this cannot compare)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(_same(value, b[key]) for key, value in a.items())
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str | int | float | bool | datetime | date | Decimal | type(None)):
        return bool(a == b)
    return False


type _Snapshot = tuple[tuple[Any, ...], dict[str, tuple[Any, Any]]]


def _snapshot(context: Context) -> _Snapshot:
    return tuple(_deep(getattr(context, name)) for name in _NAMESPACES), event_changes(context)


def _changed_inputs(before: _Snapshot, context: Context) -> set[Input] | None:
    """The inputs whose value differs between the snapshot and the context now; None when a
    part changed in a way that cannot be told key by key (then everything counts as changed)."""
    spaces, changes = before
    changed: set[Input] = set()
    for name, old in zip(_NAMESPACES, spaces, strict=True):
        new = getattr(context, name)
        if _same(old, new):
            continue
        if type(old) is not dict or type(new) is not dict:
            return None
        changed.add((name, ""))
        for key in old.keys() | new.keys():
            if isinstance(key, str) and not _same(old.get(key, MISSING), new.get(key, MISSING)):
                changed.add((name, key))
    now = event_changes(context)
    for key in changes.keys() | now.keys():
        if not _same(changes.get(key), now.get(key)):
            changed.add((CHANGE_INPUT, key))
    return changed


class _Cycle:
    def __init__(
        self,
        book: RuleBook,
        context: Context,
        business_seconds_between: BusinessSecondsBetween | None,
        used_windows: Collection[str],
        skip: Collection[str],
    ) -> None:
        self.book = book
        self.context = _copy(context)
        self.business_seconds_between = business_seconds_between
        self.used_windows = used_windows
        self.events: set[str] = {str(context.event.get("kind", ""))}
        self.done: set[str] = set(skip)
        self.fired: list[FiredRule] = []
        self.failures: list[RuleFailure] = []
        # Firings so far; when each input last changed; when each rule was last found not to
        # match (-1: not known). At the start every rule is known not to match except those
        # of the first pass (``RuleBook.first_pass``).
        self.version = 0
        self.changed_at: dict[Input, int] = {}
        self.looked_at: list[int] = [0] * len(book)
        self.next_pass: set[int] = set()
        self.queued: set[int] = set()

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
        return rule.conditions_test(self.context), key

    def stale(self, entry: _Entry) -> bool:
        """Whether the rule could answer differently than when it was last found not to match."""
        seen = self.looked_at[entry.index]
        if entry.inputs is None or seen < 0:
            return True
        changed_at = self.changed_at
        return any(changed_at.get(found, -1) > seen for found in entry.inputs)

    def try_rule(self, entry: _Entry, pass_number: int, queue: list[int]) -> bool:
        if entry.key in self.done or not self.stale(entry):
            return False
        rule = entry.rule
        try:
            matched, window = self.matches(rule)
        except ConditionError as exc:
            # A broken rule must not stop the others; the runner shows this to admins.
            self.failures.append(RuleFailure(entry.key, rule.name, str(exc)))
            self.done.add(entry.key)
            return False
        if not matched:
            self.looked_at[entry.index] = self.version
            return False
        before = _snapshot(self.context)
        raised: set[str] = set()
        planned: list[Action] = []
        # One at a time, so a note after "set priority" already shows the new priority.
        for action in rule.actions:
            rendered = render_action(action, self.context, rule)
            planned.append(rendered)
            raised |= {str(e) for e in apply_action(rendered, self.context)}
        self.done.add(entry.key)
        self.fired.append(FiredRule(entry.key, rule.name, tuple(planned), pass_number, window))
        new_events = raised - self.events
        self.events |= raised
        self.changed(entry.index, before, new_events, queue)
        return True

    def changed(self, index: int, before: _Snapshot, raised: set[str], queue: list[int]) -> None:
        """Note what the firing at ``index`` changed (``raised``: the events it raised first);
        queue the rules that read it: later in this pass when they come after ``index``, in
        the next pass otherwise."""
        self.version += 1
        inputs = _changed_inputs(before, self.context)
        affected: set[int] = set()
        if inputs is None:
            # Told apart only as "something changed": every rule may answer differently now.
            self.changed_at.update(dict.fromkeys(self.book.readers, self.version))
            affected.update(range(len(self.book)))
        else:
            inputs |= {(_RAISED, name) for name in raised}
            for found in inputs:
                self.changed_at[found] = self.version
                listening = self.book.readers_by_event.get(found)
                if listening:
                    for name in self.events:
                        affected.update(listening.get(name, ()))
        for other in affected:
            if other > index:
                if other not in self.queued:
                    self.queued.add(other)
                    heapq.heappush(queue, other)
            else:
                self.next_pass.add(other)

    def would_fire_again(self) -> bool:
        for entry in self.book.entries:
            if entry.key in self.done or not self.stale(entry):
                continue
            try:
                if self.matches(entry.rule)[0]:
                    return True
            except ConditionError:
                continue
        return False

    def run_pass(self, pass_number: int, candidates: Collection[int]) -> tuple[bool, str | None]:
        """One pass over the candidates in rule order: (whether any fired, the key of the
        rule whose stop_processing ends the cycle)."""
        self.next_pass = set()
        queue = sorted(candidates)
        self.queued = set(queue)
        fired_any = False
        last = -1
        while queue:
            index = heapq.heappop(queue)
            if index == last:
                continue
            last = index
            entry = self.book.entries[index]
            if self.try_rule(entry, pass_number, queue):
                fired_any = True
                if entry.rule.stop_processing:
                    return True, entry.key
        return fired_any, None

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
    rules: Sequence[Rule] | RuleBook,
    context: Context,
    *,
    max_passes: int = DEFAULT_MAX_PASSES,
    business_seconds_between: BusinessSecondsBetween | None = None,
    used_windows: Collection[str] = frozenset(),
    skip: Collection[str] = frozenset(),
) -> EngineResult:
    """Plan what the rules do about ``context.event``; the caller's context is not modified.

    ``used_windows`` are the automation window keys already spent on this ticket; a fired
    automation reports the key it spends in ``FiredRule.window_key``. Rules whose key (id) is
    in ``skip`` are left out, as if they were not in ``rules``.
    """
    if max_passes < 1:
        raise ValueError("max_passes must be at least 1")
    book = rules if isinstance(rules, RuleBook) else RuleBook(rules)
    cycle = _Cycle(book, context, business_seconds_between, used_windows, skip)
    candidates: Collection[int] = book.first_pass(str(context.event.get("kind", "")), cycle.context)
    for index in candidates:
        cycle.looked_at[index] = -1
    for pass_number in range(1, max_passes + 1):
        fired_any, stopped_by = cycle.run_pass(pass_number, candidates)
        if stopped_by is not None:
            return cycle.result(pass_number, False, stopped_by)
        if not fired_any:
            return cycle.result(pass_number, False, None)
        candidates = cycle.next_pass | set(book.always)
    return cycle.result(max_passes, cycle.would_fire_again(), None)
