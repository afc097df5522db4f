"""The database side of the rules engine: build a context, run the pure engine, apply its plan.

Triggers run from ``tickets.tasks.process_ticket_events`` after every committed action;
automations run from a periodic job. Every planned action is applied through the ticket
actions with ``Actor.system(rule=<rule name>)``, so each change lands on the timeline named
after its rule, and every firing is recorded as a ``RuleRun`` and a timeline entry.

Loop guard: the engine already lets every rule see the changes earlier rules made within one
cycle. Timeline entries written on a rule's behalf carry ``via_rule``, and this module never
starts a trigger cycle for such entries, so "A sets X, B unsets X" ends inside one cycle
instead of bouncing between jobs forever.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact, Department, Membership, Role, User
from tessera.core import time
from tessera.core.errors import TesseraError
from tessera.rules import engine, schema
from tessera.rules.actions import (
    Action,
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
    describe,
)
from tessera.rules.active import ActiveRules, active_rule_set, active_rules
from tessera.rules.conditions import Context, as_datetime
from tessera.rules.models import (
    AutoMailCount,
    AutomationFiring,
    EmailTemplate,
    Macro,
    Rule,
    RuleKind,
    RuleRun,
    WebhookCall,
)
from tessera.rules.templating import render
from tessera.rules.vocabulary import SINCE_TICKET_KEY, TIME_EVENT, Event, Since
from tessera.sla.calendar import BusinessCalendar
from tessera.tickets import actions as ticket_actions
from tessera.tickets.models import EventKind, Message, Ticket, TicketEvent
from tessera.tickets.states import Status

log = logging.getLogger("tessera.rules")

DEFAULT_DAILY_MAIL_CAP = 20


def daily_mail_cap() -> int:
    """Automatic mails one address may get per day (``TESSERA_RULE_MAILS_PER_ADDRESS_PER_DAY``)."""
    return int(getattr(settings, "TESSERA_RULE_MAILS_PER_ADDRESS_PER_DAY", DEFAULT_DAILY_MAIL_CAP))


# ----------------------------------------------------------------------------- context


def ticket_values(ticket: Ticket) -> dict[str, Any]:
    site = str(settings.TESSERA.get("SITE_URL", "")).rstrip("/")
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "display_number": ticket.display_number,
        "url": f"{site}/desk/tickets/{ticket.number}/",
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "type": ticket.type,
        "channel": ticket.channel,
        "department": ticket.department_id,
        "department_name": ticket.department.name,
        "assignee": ticket.assignee_id,
        "assignee_name": ticket.assignee.label if ticket.assignee else "",
        "requester": ticket.requester_id,
        "requester_name": str(ticket.requester),
        "organisation": ticket.organisation_id,
        "organisation_name": ticket.organisation.name if ticket.organisation else "",
        "tags": sorted(ticket.tags.values_list("name", flat=True)),
        "custom_fields": dict(ticket.custom_fields or {}),
        "due_at": ticket.due_at,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
        "status_changed_at": ticket.status_changed_at,
        "last_customer_message_at": ticket.last_customer_message_at,
        "last_agent_reply_at": ticket.last_agent_reply_at,
        "is_spam": ticket.is_spam,
        "needs_review": ticket.needs_review,
    }


def _contact_values(ticket: Ticket) -> dict[str, Any]:
    contact = ticket.requester
    return {
        "id": contact.pk,
        "name": contact.name,
        "email": contact.primary_email,
        "organisation": contact.organisation_id,
        "language": contact.language,
        "is_blocked": contact.is_blocked,
        "attributes": dict(contact.attributes or {}),
    }


def _organisation_values(ticket: Ticket) -> dict[str, Any]:
    org = ticket.organisation
    if org is None:
        return {}
    return {"id": org.pk, "name": org.name, "domains": list(org.domains or []), "attributes": dict(org.attributes or {})}


def _message_values(message: Message | None, *, requester: Contact | None = None,
                    requester_email: str | None = None) -> dict[str, Any]:
    if message is None:
        return {}
    from_address = ""
    if requester is not None and requester_email is not None and message.author_contact_id == requester.pk:
        # The usual case, a customer writing on their own ticket: the address is already known.
        from_address = requester_email
    elif message.author_contact is not None:
        from_address = message.author_contact.primary_email
    elif message.author_user is not None:
        from_address = message.author_user.email
    return {
        "id": message.pk,
        "body_text": message.body_text,
        "kind": message.kind,
        "author_kind": message.author_kind,
        "channel": message.channel,
        "from_address": from_address,
        "has_attachments": message.attachments.exists(),
    }


def build_context(
    ticket: Ticket,
    *,
    event: dict[str, Any],
    message: Message | None = None,
    now: datetime | None = None,
) -> Context:
    return _TicketFacts(ticket).context(event, message, now)


class _TicketFacts:
    """What a context says about a ticket, its requester and organisation, read once and
    shared by the cycles of one batch until a rule changes the ticket."""

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.values = ticket_values(ticket)
        self.contact = _contact_values(ticket)
        self.organisation = _organisation_values(ticket)
        self.calendar = _LazyCalendar(ticket)

    def context(self, event: dict[str, Any], message: Message | None, now: datetime | None = None) -> Context:
        # The engine works on its own deep copy, so these dicts can be handed to every cycle.
        return Context(
            now=now or time.now(),
            ticket=self.values,
            contact=self.contact,
            organisation=self.organisation,
            message=_message_values(message, requester=self.ticket.requester, requester_email=self.contact["email"]),
            event=event,
            is_business_hours=self.calendar.is_open,
        )


class _LazyCalendar:
    """The ticket's business calendar, looked up only when a rule asks about business time.

    Most rules never do, and finding the calendar means finding the ticket's SLA policy: done
    for every cycle, that was a fifth of the cost of running 1,000 rules on an event.
    """

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self._calendar: BusinessCalendar | None = None

    def get(self) -> BusinessCalendar:
        if self._calendar is None:
            from tessera.sla.policies import calendar_for_ticket

            self._calendar = calendar_for_ticket(self.ticket)
        return self._calendar

    def is_open(self, at: datetime) -> bool:
        return bool(self.get().is_open(at))

    def seconds_between(self, start: datetime, end: datetime) -> float:
        return float(self.get().business_seconds_between(start, end))


def _load_ticket(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related("department", "assignee", "requester", "organisation").get(pk=ticket_id)


_LOADED_WITH_TICKET = ("department", "assignee", "requester")


def _entry_ticket(entry: TicketEvent) -> Ticket:
    """The entry's ticket, read with it when the caller did so (``process_ticket_events``
    reads each round's entries fresh, with the ticket and these relations), else read now."""
    if TicketEvent.ticket.is_cached(entry):
        ticket = entry.ticket
        if all(getattr(Ticket, name).is_cached(ticket) for name in _LOADED_WITH_TICKET):
            return ticket
    return _load_ticket(entry.ticket_id)


# ----------------------------------------------------------------------------- triggers


_MESSAGE_EVENTS = {
    EventKind.MESSAGE: Event.CUSTOMER_REPLIED,
    EventKind.REPLY: Event.AGENT_REPLIED,
    EventKind.NOTE: Event.NOTE_ADDED,
}


@dataclass
class _Cycle:
    event: str
    changes: dict[str, dict[str, Any]]
    message: Message | None
    extra: dict[str, Any]


def _change(event: TicketEvent, ticket: Ticket) -> tuple[str, Any, Any] | None:
    """The (key, before, after) an entry reports, in the engine's terms (ids, tag lists)."""
    if event.kind == EventKind.STATUS:
        return "status", event.before, event.after
    if event.kind == EventKind.ASSIGNED:
        # The entry holds display labels; the engine compares ids, and "changed" only needs
        # the two sides to differ, which a label and an id always do.
        return "assignee", event.before, ticket.assignee_id
    if event.kind in {EventKind.TAGGED, EventKind.UNTAGGED}:
        now = sorted(ticket.tags.values_list("name", flat=True))
        names = list(event.after or event.before or [])
        folded = {n.casefold() for n in names}
        if event.kind == EventKind.TAGGED:
            return "tags", [t for t in now if t.casefold() not in folded], now
        return "tags", sorted(now + names), now
    if event.kind == EventKind.FIELD and event.field:
        old, new = event.before, event.after
        if event.field == "department":
            ids: dict[Any, Any] = dict(Department.objects.filter(name__in=[old, new]).values_list("name", "pk"))
            old, new = ids.get(old, old), ids.get(new, new)
        return event.field, old, new
    return None


def _rating_extra(entry: TicketEvent) -> dict[str, Any]:
    """``event.rating`` is the score just given; before/after let "changed" conditions see an
    earlier score (None on a first rating)."""
    after = entry.after if isinstance(entry.after, dict) else {}
    before = entry.before if isinstance(entry.before, dict) else {}
    score = after.get("score")
    return {"rating": score, "field": "rating", "before": before.get("score"), "after": score}


def _cycles(batch: Sequence[TicketEvent], ticket: Ticket) -> list[_Cycle]:
    changes: dict[str, dict[str, Any]] = {}
    for entry in batch:
        found = _change(entry, ticket)
        if found is not None:
            key, before, after = found
            first = changes.get(key)
            changes[key] = {"before": first["before"] if first else before, "after": after}
    if any(e.kind == EventKind.CREATED for e in batch):
        first_message = next((e.message for e in batch if e.kind == EventKind.MESSAGE and e.message), None)
        return [_Cycle(Event.TICKET_CREATED, changes, first_message, {})]
    cycles: list[_Cycle] = []
    seen: set[str] = set()
    for entry in batch:
        name: str | None = None
        message: Message | None = None
        extra: dict[str, Any] = {}
        if entry.kind in _MESSAGE_EVENTS:
            name, message = _MESSAGE_EVENTS[EventKind(entry.kind)], entry.message
        elif entry.kind == EventKind.STATUS:
            name = Event.STATUS_CHANGED
        elif entry.kind == EventKind.ASSIGNED:
            name = Event.ASSIGNED
        elif entry.kind in {EventKind.FIELD, EventKind.TAGGED, EventKind.UNTAGGED}:
            name = Event.FIELD_CHANGED
        elif entry.kind == EventKind.SLA and entry.field in {Event.SLA_WARNING, Event.SLA_BREACHED}:
            # ``event.field`` names the target (first_response, resolution...) for conditions.
            details = entry.after if isinstance(entry.after, dict) else {}
            name, extra = entry.field, {"field": details.get("metric", ""), "after": details.get("summary", "")}
        elif entry.kind == EventKind.RATED:
            name, extra = Event.RATING_RECEIVED, _rating_extra(entry)
        if name is None or name in seen:
            continue
        seen.add(name)
        cycles.append(_Cycle(name, changes, message, extra))
    return cycles


def run_triggers_for_events(events: Iterable[TicketEvent]) -> list[RuleRun]:
    """Start one trigger cycle per engine event of each ticket's batch of timeline entries."""
    by_ticket: dict[int, list[TicketEvent]] = {}
    for entry in events:
        if entry.via_rule or entry.kind == EventKind.RULE:
            continue
        by_ticket.setdefault(entry.ticket_id, []).append(entry)
    if not by_ticket:
        return []
    rules = active_rule_set(RuleKind.TRIGGER)
    if not rules.pairs:
        return []
    runs: list[RuleRun] = []
    for ticket_id, batch in by_ticket.items():
        ticket = _entry_ticket(batch[0])
        if ticket.merged_into_id is not None:
            continue
        fired_in_batch: set[str] = set()
        facts: _TicketFacts | None = None
        for cycle in _cycles(batch, ticket):
            event: dict[str, Any] = {"kind": cycle.event, "changes": cycle.changes, **cycle.extra}
            if len(cycle.changes) == 1:
                key, change = next(iter(cycle.changes.items()))
                event.update(field=key, before=change["before"], after=change["after"])
            if facts is None:
                facts = _TicketFacts(ticket)
            context = facts.context(event, cycle.message)
            made, applied = _run_cycle(rules, ticket, context, cycle.event, message=cycle.message,
                                       skip=fired_in_batch)
            # A rule runs at most once per batch, and a broken one is not tried again either.
            fired_in_batch.update(str(run.rule_id) for run in made if run.rule_id is not None)
            if applied:
                # The rules of this cycle changed the ticket: the next cycle reads it again.
                ticket = _load_ticket(ticket_id)
                facts = None
            runs += made
    return runs


def _business_seconds(ticket: Ticket) -> Callable[[datetime, datetime], float]:
    return _LazyCalendar(ticket).seconds_between


def run_cycle(
    rules: Sequence[tuple[Rule, schema.Rule]] | ActiveRules,
    ticket: Ticket,
    context: Context,
    event_name: str,
    *,
    message: Message | None = None,
    used_windows: set[str] | frozenset[str] = frozenset(),
    claim_window: Callable[[engine.FiredRule], bool] | None = None,
) -> list[RuleRun]:
    """Run the engine on one context and apply what it plans; one ``RuleRun`` per firing."""
    return _run_cycle(rules, ticket, context, event_name, message=message, used_windows=used_windows,
                      claim_window=claim_window)[0]


def _run_cycle(
    rules: Sequence[tuple[Rule, schema.Rule]] | ActiveRules,
    ticket: Ticket,
    context: Context,
    event_name: str,
    *,
    message: Message | None = None,
    used_windows: set[str] | frozenset[str] = frozenset(),
    claim_window: Callable[[engine.FiredRule], bool] | None = None,
    skip: Collection[str] = frozenset(),
) -> tuple[list[RuleRun], list[str]]:
    """``run_cycle``, also saying which rules fired and had their actions applied."""
    active = rules if isinstance(rules, ActiveRules) else ActiveRules.of(list(rules))
    if not active.pairs:
        return [], []
    result = engine.run(
        active.book,
        context,
        business_seconds_between=_business_seconds(ticket),
        used_windows=used_windows,
        skip=skip,
    )
    runs: list[RuleRun] = []
    for failure in result.failures:
        runs.append(RuleRun.objects.create(
            rule=active.rows.get(failure.rule_id), rule_name=failure.rule_name, ticket=ticket, event=event_name,
            errors=[failure.error], created_at=time.now(),
        ))
    applied: list[str] = []
    for fired in result.fired:
        if claim_window is not None and not claim_window(fired):
            continue
        runs.append(apply_fired(fired, active.rows.get(fired.rule_id), ticket, context, event_name,
                                message=message, loop_guard_tripped=result.loop_guard_tripped))
        applied.append(fired.rule_id)
    if result.loop_guard_tripped:
        log.warning("ticket %s: rule loop guard tripped on %s", ticket.display_number, event_name)
    return runs, applied


def apply_fired(
    fired: engine.FiredRule,
    row: Rule | None,
    ticket: Ticket,
    context: Context,
    event_name: str,
    *,
    message: Message | None = None,
    loop_guard_tripped: bool = False,
) -> RuleRun:
    actor = Actor.system(rule=fired.rule_name)
    done: list[str] = []
    errors: list[str] = []
    for action in fired.actions:
        try:
            # A savepoint per action: one refused change (a transition the status machine
            # forbids, an agent outside the department) does not undo the rule's other actions.
            # The ticket actions behind these are each one transaction already, refusing
            # before they write or rolling back what they wrote, so a second savepoint around
            # them would only cost two statements.
            if isinstance(action, _ONE_TICKET_ACTION):
                outcome = apply_action(actor, ticket.pk, action, context, message=message, rule_name=fired.rule_name)
            else:
                with transaction.atomic():
                    outcome = apply_action(actor, ticket.pk, action, context, message=message,
                                           rule_name=fired.rule_name)
        except TesseraError as exc:
            errors.append(f"{describe(action)}: {exc}")
            continue
        done.append(outcome or describe(action))
    run = RuleRun.objects.create(
        rule=row, rule_name=fired.rule_name, ticket=ticket, event=event_name, actions=done,
        errors=errors, loop_guard_tripped=loop_guard_tripped, created_at=time.now(),
    )
    lines = [f"rule {fired.rule_name} {line}" for line in done]
    lines += [f"rule {fired.rule_name} could not {line}" for line in errors]
    if lines:
        ticket_actions.record_rule_run(actor, ticket, "; ".join(lines))
    return run


# ----------------------------------------------------------------------------- actions

# Actions that are exactly one call of a ticket action.
_ONE_TICKET_ACTION = (SetField, AddTags, RemoveTags, AddNote, MarkSpam)


def apply_action(
    actor: Actor,
    ticket_id: int,
    action: Action,
    context: Context,
    *,
    message: Message | None = None,
    rule_name: str = "",
    in_macro: bool = False,
) -> str | None:
    """Apply one planned (rendered) action; returns a timeline line when ``describe`` is not
    the whole story (an email that was skipped, the agent distribution chose)."""
    # The ticket actions lock and re-read the ticket by its id and work only on that copy
    # (``tickets.actions._base.lock``): for them a reference is enough, and loading the ticket
    # here as well would be one more query per action. The others need the ticket as it is now.
    ticket = Ticket(pk=ticket_id) if isinstance(action, _ONE_TICKET_ACTION) else _load_ticket(ticket_id)
    match action:
        case SetField(field=name, value=value):
            if name == "status":
                ticket_actions.change_status(actor, ticket, str(value))
            elif name.startswith("custom_fields."):
                ticket_actions.change_fields(actor, ticket, {"custom_fields": {name.removeprefix("custom_fields."): value}})
            elif name == "due_at":
                ticket_actions.change_fields(actor, ticket, {"due_at": as_datetime(value) if value else None})
            else:
                ticket_actions.change_fields(actor, ticket, {name: value})
            return None
        case Assign():
            return _assign(actor, ticket, action)
        case AddTags(tags=tags):
            ticket_actions.tag(actor, ticket, list(tags))
            return None
        case RemoveTags(tags=tags):
            ticket_actions.untag(actor, ticket, list(tags))
            return None
        case AddNote(text=text):
            if text.strip():
                ticket_actions.add_note(actor, ticket, body_text=text)
            return None
        case SendEmail():
            return send_rule_email(ticket, action, context, message=message, rule_name=rule_name)
        case Webhook():
            queue_webhook(ticket, action, context, rule_name=rule_name)
            return None
        case MarkSpam():
            ticket_actions.mark_spam(actor, ticket)
            return None
        case ApplyMacro(macro_id=macro_id):
            if in_macro:
                return "skipped a macro inside a macro"
            macro = Macro.objects.filter(pk=macro_id, is_active=True).first()
            if macro is None:
                return f"skipped macro #{macro_id} (missing or inactive)"
            apply_macro(actor, ticket, macro, context=context)
            return f"applied macro {macro.name}"
    raise AssertionError(f"unhandled action {action!r}")


def _assign(actor: Actor, ticket: Ticket, action: Assign) -> str | None:
    from tessera.routing.assign import auto_assign

    if action.unassign:
        ticket_actions.assign(actor, ticket, None)
        return None
    if action.agent_id is not None:
        agent = User.objects.filter(pk=action.agent_id, is_active=True).first()
        if agent is None:
            return f"skipped assigning to agent #{action.agent_id} (no such active agent)"
        ticket_actions.assign(actor, ticket, agent)
        return f"assigned to {agent.label}"
    if action.department_id is not None:
        department = Department.objects.filter(pk=action.department_id).first()
        if department is None:
            return f"skipped moving to department #{action.department_id} (no such department)"
        ticket = ticket_actions.change_fields(actor, ticket, {"department": department})
        if not action.distribution:
            return f"moved to department {department.name}"
    chosen = auto_assign(ticket.pk, actor=actor)
    if chosen is None:
        return "sent to distribution: no agent available, left in the queue"
    return f"assigned to {chosen.label} by distribution"


def _template_values(context: Context, rule_name: str) -> dict[str, Any]:
    return {
        "ticket": context.ticket,
        "contact": context.contact,
        "organisation": context.organisation,
        "message": context.message,
        "event": context.event,
        "rule": {"name": rule_name},
    }


def _recipients(ticket: Ticket, to: Recipient, address: str) -> list[str]:
    match to:
        case Recipient.REQUESTER:
            if ticket.requester.is_blocked:
                return []
            return [i.value for i in ticket.requester.identities.all() if i.kind == "email" and not i.bounced_at][:1]
        case Recipient.ASSIGNEE:
            return [ticket.assignee.email] if ticket.assignee and ticket.assignee.email else []
        case Recipient.DEPARTMENT:
            members = (
                Membership.objects.filter(
                    department_id=ticket.department_id, user__is_active=True,
                    user__role__in=[Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT],
                )
                .exclude(user__email="")
                .order_by("user_id")
                .values_list("user__email", flat=True)
            )
            return list(dict.fromkeys(members))
        case Recipient.ADDRESS:
            return [address] if address else []
    return []


def _take_mail_allowance(addresses: list[str]) -> tuple[list[str], list[str]]:
    """Split addresses into those still under today's cap (and count them) and those over."""
    cap = daily_mail_cap()
    today = time.now().date()
    kept: list[str] = []
    over: list[str] = []
    for address in addresses:
        key = address.strip().lower()
        AutoMailCount.objects.get_or_create(address=key, day=today)
        row = AutoMailCount.objects.select_for_update().get(address=key, day=today)
        if row.count >= cap:
            over.append(address)
            continue
        row.count += 1
        row.save(update_fields=["count"])
        kept.append(address)
    return kept, over


def _is_machine_message(message: Message | None) -> bool:
    return bool(message is not None and (message.thread_reason or {}).get("auto_submitted"))


def send_rule_email(
    ticket: Ticket, action: SendEmail, context: Context, *, message: Message | None = None, rule_name: str = ""
) -> str:
    """Plan an automatic mail (``Auto-Submitted: auto-generated``, see channels.tasks)."""
    from tessera.channels.delivery import plan_notice
    from tessera.channels.models import DeliveryPurpose

    if action.to is Recipient.REQUESTER and (_is_machine_message(message) or ticket.is_spam):
        # Answering an out-of-office or a spammer is how mail loops and backscatter start.
        return "skipped emailing the requester (automatic or spam mail)"
    subject, body = action.subject, action.body
    if action.template_id is not None:
        template = EmailTemplate.objects.filter(pk=action.template_id).first()
        if template is None:
            return f"skipped an email: template #{action.template_id} is missing"
        values = _template_values(context, rule_name)
        subject = " ".join(render(template.subject, values).split())
        body = render(template.body, values)
    if not subject:
        subject = f"[{ticket.display_number}] {ticket.subject}"
    recipients = _recipients(ticket, action.to, action.address)
    if not recipients:
        return f"skipped {describe(action)} (no address)"
    kept, over = _take_mail_allowance(recipients)
    if kept:
        plan_notice(ticket, DeliveryPurpose.RULE, kept, subject[:998], body)
    if over:
        log.warning("rule %s: daily automatic mail cap reached for %s", rule_name, ", ".join(over))
        return f"{describe(action)} ({len(over)} address(es) over today's automatic mail cap skipped)"
    return describe(action)


def webhook_payload(context: Context, rule_name: str) -> str:
    keys = ("id", "number", "display_number", "url", "subject", "status", "priority", "type", "channel",
            "department", "assignee", "requester", "organisation", "tags", "due_at", "created_at", "updated_at")
    ticket = {key: context.ticket.get(key) for key in keys}
    return json.dumps(
        {"rule": rule_name, "event": context.event.get("kind"), "ticket": ticket},
        default=lambda value: value.isoformat() if isinstance(value, datetime) else str(value),
        ensure_ascii=False,
    )


def queue_webhook(ticket: Ticket, action: Webhook, context: Context, *, rule_name: str) -> WebhookCall:
    from tessera.core.effects import enqueue
    from tessera.rules.tasks import send_webhook

    call = WebhookCall.objects.create(
        ticket=ticket, rule_name=rule_name, url=action.url, method=action.method,
        headers=dict(action.headers), body=action.body or webhook_payload(context, rule_name),
        created_at=time.now(),
    )
    enqueue(send_webhook, call.pk)
    return call


# ----------------------------------------------------------------------------- macros


def macro_rule(macro: Macro) -> schema.Rule:
    """The macro's actions, validated by the rule schema (as a rule that never fires)."""
    if not macro.actions:
        return schema.Rule(name=macro.name, kind=schema.RuleKind.TRIGGER)
    document = {"schema": schema.SCHEMA_VERSION, "name": macro.name, "kind": "trigger",
                "events": [Event.TICKET_CREATED.value], "actions": macro.actions}
    return schema.rule_from_dict(document)


def apply_macro(actor: Actor, ticket: Ticket, macro: Macro, *, context: Context | None = None) -> list[str]:
    """Apply a macro's actions and post its reply; returns what was done, one line each."""
    rule = macro_rule(macro)
    ticket = _load_ticket(ticket.pk)
    context = context or build_context(ticket, event={"kind": "macro"})
    done: list[str] = []
    for action in rule.actions:
        rendered = engine.render_action(action, context, rule)
        outcome = apply_action(actor, ticket.pk, rendered, context, rule_name=macro.name, in_macro=True)
        done.append(outcome or describe(rendered))
    if macro.reply_template.strip():
        ticket = _load_ticket(ticket.pk)
        fresh = build_context(ticket, event=context.event)
        text = render(macro.reply_template, _template_values(fresh, macro.name))
        if text.strip():
            ticket_actions.add_agent_reply(actor, ticket, body_text=text)
            done.append("replied to the customer")
    return done


# ----------------------------------------------------------------------------- automations


def _candidates(rule: schema.Rule, now: datetime) -> QuerySet[Ticket]:
    """Tickets that could be due for the automation: anchor old enough, window not yet used."""
    condition = rule.time_condition
    assert condition is not None
    anchor = SINCE_TICKET_KEY[condition.since]
    qs = Ticket.objects.filter(merged_into__isnull=True).exclude(status=Status.CLOSED).filter(
        **{f"{anchor}__isnull": False}
    )
    if condition.hours > 0 or not condition.business_hours:
        # Business time never runs faster than the wall clock, so for positive hours this
        # bound holds with business hours too; "N business hours before due" has no such bound.
        qs = qs.filter(**{f"{anchor}__lte": now - timedelta(hours=condition.hours)})
    used = AutomationFiring.objects.filter(rule_id=int(rule.id), ticket_id=OuterRef("pk"), anchor=OuterRef(anchor))
    return qs.filter(~Q(Exists(used)))


def run_automations(now: datetime | None = None, *, limit: int = 2000) -> int:
    """Evaluate every active automation once; returns how many firings were applied."""
    now = now or time.now()
    rules = active_rules(RuleKind.AUTOMATION)
    if not rules:
        return 0
    wanted: dict[int, list[tuple[Rule, schema.Rule]]] = {}
    for row, rule in rules:
        for ticket_id in _candidates(rule, now).order_by("id").values_list("id", flat=True)[:limit]:
            wanted.setdefault(ticket_id, []).append((row, rule))
    applied = 0
    for ticket_id, ticket_rules in sorted(wanted.items()):
        with transaction.atomic():
            applied += _automate_ticket(ticket_id, ticket_rules, now)
    return applied


def _automate_ticket(ticket_id: int, rules: list[tuple[Rule, schema.Rule]], now: datetime) -> int:
    ticket = _load_ticket(ticket_id)
    used = set(AutomationFiring.objects.filter(ticket=ticket).values_list("window_key", flat=True))
    context = build_context(ticket, event={"kind": TIME_EVENT}, now=now)
    rows = {str(row.pk): row for row, _ in rules}

    def claim(fired: engine.FiredRule) -> bool:
        if fired.window_key is None:
            return True
        row = rows[fired.rule_id]
        rule = row.parsed()
        assert rule.time_condition is not None
        anchor = context.ticket.get(SINCE_TICKET_KEY[Since(rule.time_condition.since)])
        try:
            with transaction.atomic():
                AutomationFiring.objects.create(
                    rule=row, ticket=ticket, window_key=fired.window_key[:300], anchor=anchor, created_at=now
                )
        except IntegrityError:
            # Another run claimed this window first: exactly once means it, not us.
            return False
        return True

    runs = run_cycle(rules, ticket, context, TIME_EVENT, used_windows=frozenset(used), claim_window=claim)
    return sum(1 for run in runs if not (run.errors and not run.actions))
