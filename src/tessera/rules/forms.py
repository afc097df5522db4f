"""Forms of the rules admin: a row-based builder for common rules, a JSON editor for all."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tessera.rules.actions import ActionType, Recipient
from tessera.rules.vocabulary import FIELDS, NO_VALUE, Event, Kind, Op, Since, field_spec

ROWS = 3

_BLANK: list[tuple[str, Any]] = [("", "—")]

# The vocabulary's codes are the rule language; these are what an administrator reads. A
# message context keeps short words ("is", "changed") apart from the same English elsewhere.
FIELD_GROUPS: dict[str, Promise] = {
    "ticket": pgettext_lazy("rule field group", "Ticket"),
    "contact": pgettext_lazy("rule field group", "Contact"),
    "organisation": pgettext_lazy("rule field group", "Organisation"),
    "message": pgettext_lazy("rule field group", "Message"),
    "event": pgettext_lazy("rule field group", "Event"),
    "time": pgettext_lazy("rule field group", "Time"),
}
FIELD_LABELS: dict[str, Promise] = {
    "ticket.number": pgettext_lazy("rule field", "Number"),
    "ticket.subject": pgettext_lazy("rule field", "Subject"),
    "ticket.status": pgettext_lazy("rule field", "Status"),
    "ticket.priority": pgettext_lazy("rule field", "Priority"),
    "ticket.type": pgettext_lazy("rule field", "Type"),
    "ticket.channel": pgettext_lazy("rule field", "Channel"),
    "ticket.department": pgettext_lazy("rule field", "Department"),
    "ticket.assignee": pgettext_lazy("rule field", "Assignee"),
    "ticket.requester": pgettext_lazy("rule field", "Requester"),
    "ticket.organisation": pgettext_lazy("rule field", "Organisation"),
    "ticket.tags": pgettext_lazy("rule field", "Tags"),
    "ticket.due_at": pgettext_lazy("rule field", "Due time"),
    "ticket.created_at": pgettext_lazy("rule field", "Created at"),
    "ticket.updated_at": pgettext_lazy("rule field", "Last updated at"),
    "ticket.first_response_at": pgettext_lazy("rule field", "First response at"),
    "ticket.resolved_at": pgettext_lazy("rule field", "Resolved at"),
    "ticket.status_changed_at": pgettext_lazy("rule field", "Status last changed at"),
    "ticket.last_customer_message_at": pgettext_lazy("rule field", "Last customer message at"),
    "ticket.last_agent_reply_at": pgettext_lazy("rule field", "Last agent reply at"),
    "ticket.is_spam": pgettext_lazy("rule field", "Is spam"),
    "ticket.needs_review": pgettext_lazy("rule field", "Needs review"),
    "contact.id": pgettext_lazy("rule field", "Contact ID"),
    "contact.name": pgettext_lazy("rule field", "Name"),
    "contact.email": pgettext_lazy("rule field", "Email address"),
    "contact.organisation": pgettext_lazy("rule field", "Organisation"),
    "contact.language": pgettext_lazy("rule field", "Language"),
    "contact.is_blocked": pgettext_lazy("rule field", "Is blocked"),
    "organisation.id": pgettext_lazy("rule field", "Organisation ID"),
    "organisation.name": pgettext_lazy("rule field", "Name"),
    "organisation.domains": pgettext_lazy("rule field", "Email domains"),
    "message.body_text": pgettext_lazy("rule field", "Text"),
    "message.kind": pgettext_lazy("rule field", "Reply or internal note"),
    "message.author_kind": pgettext_lazy("rule field", "Written by (agent, contact, system)"),
    "message.channel": pgettext_lazy("rule field", "Channel"),
    "message.from_address": pgettext_lazy("rule field", "Sender address"),
    "message.has_attachments": pgettext_lazy("rule field", "Has attachments"),
    "event.kind": pgettext_lazy("rule field", "What happened"),
    "event.field": pgettext_lazy("rule field", "Changed field"),
    "event.before": pgettext_lazy("rule field", "Value before the change"),
    "event.after": pgettext_lazy("rule field", "Value after the change"),
    "event.rating": pgettext_lazy("rule field", "Rating"),
    "time.within_business_hours": pgettext_lazy("rule field", "Within business hours"),
}
OPERATOR_LABELS: dict[str, Promise] = {
    Op.IS: pgettext_lazy("rule operator", "is"),
    Op.IS_NOT: pgettext_lazy("rule operator", "is not"),
    Op.CONTAINS: pgettext_lazy("rule operator", "contains"),
    Op.NOT_CONTAINS: pgettext_lazy("rule operator", "does not contain"),
    Op.STARTS_WITH: pgettext_lazy("rule operator", "starts with"),
    Op.ENDS_WITH: pgettext_lazy("rule operator", "ends with"),
    Op.MATCHES: pgettext_lazy("rule operator", "matches the pattern"),
    Op.GREATER: pgettext_lazy("rule operator", "is greater than"),
    Op.LESS: pgettext_lazy("rule operator", "is less than"),
    Op.GREATER_OR_EQUAL: pgettext_lazy("rule operator", "is at least"),
    Op.LESS_OR_EQUAL: pgettext_lazy("rule operator", "is at most"),
    Op.IN: pgettext_lazy("rule operator", "is one of"),
    Op.NOT_IN: pgettext_lazy("rule operator", "is none of"),
    Op.IS_EMPTY: pgettext_lazy("rule operator", "is empty"),
    Op.IS_NOT_EMPTY: pgettext_lazy("rule operator", "is not empty"),
    Op.CHANGED: pgettext_lazy("rule operator", "changed"),
    Op.CHANGED_FROM: pgettext_lazy("rule operator", "changed from"),
    Op.CHANGED_TO: pgettext_lazy("rule operator", "changed to"),
}
ACTION_LABELS: dict[str, Promise] = {
    ActionType.SET_FIELD: pgettext_lazy("rule action", "Set a field"),
    ActionType.ASSIGN: pgettext_lazy("rule action", "Assign"),
    ActionType.ADD_TAGS: pgettext_lazy("rule action", "Add tags"),
    ActionType.REMOVE_TAGS: pgettext_lazy("rule action", "Remove tags"),
    ActionType.ADD_NOTE: pgettext_lazy("rule action", "Add an internal note"),
    ActionType.SEND_EMAIL: pgettext_lazy("rule action", "Send an email"),
    ActionType.WEBHOOK: pgettext_lazy("rule action", "Call a webhook"),
    ActionType.MARK_SPAM: pgettext_lazy("rule action", "Mark as spam"),
    ActionType.APPLY_MACRO: pgettext_lazy("rule action", "Apply a macro"),
}
EVENT_LABELS: dict[str, Promise] = {
    Event.TICKET_CREATED: pgettext_lazy("rule event", "Ticket created"),
    Event.CUSTOMER_REPLIED: pgettext_lazy("rule event", "Customer replied"),
    Event.AGENT_REPLIED: pgettext_lazy("rule event", "Agent replied"),
    Event.NOTE_ADDED: pgettext_lazy("rule event", "Internal note added"),
    Event.FIELD_CHANGED: pgettext_lazy("rule event", "Field changed"),
    Event.STATUS_CHANGED: pgettext_lazy("rule event", "Status changed"),
    Event.ASSIGNED: pgettext_lazy("rule event", "Assigned"),
    Event.SLA_WARNING: pgettext_lazy("rule event", "SLA target approaching"),
    Event.SLA_BREACHED: pgettext_lazy("rule event", "SLA target missed"),
    Event.RATING_RECEIVED: pgettext_lazy("rule event", "Rating received"),
}
SINCE_LABELS: dict[str, Promise] = {
    Since.CREATED: pgettext_lazy("rule hours since", "Ticket created"),
    Since.UPDATED: pgettext_lazy("rule hours since", "Last update"),
    Since.LAST_CUSTOMER_MESSAGE: pgettext_lazy("rule hours since", "Last customer message"),
    Since.LAST_AGENT_REPLY: pgettext_lazy("rule hours since", "Last agent reply"),
    Since.STATUS_ENTERED: pgettext_lazy("rule hours since", "Status last changed"),
    Since.DUE: pgettext_lazy("rule hours since", "Due time"),
}


def _label(labels: dict[str, Promise], code: str) -> Any:
    # A code added to the vocabulary before it gets a label still shows, readably.
    return labels.get(code, code.replace("_", " "))


def _field_choices() -> list[tuple[Any, Any]]:
    """Fields grouped by what they describe (ticket, contact...), in the vocabulary's order."""
    groups: dict[str, list[tuple[str, Any]]] = {}
    for path in FIELDS:
        groups.setdefault(path.split(".", 1)[0], []).append((path, _label(FIELD_LABELS, path)))
    grouped: list[tuple[Any, Any]] = [(FIELD_GROUPS.get(prefix, prefix), choices) for prefix, choices in groups.items()]
    return [*_BLANK, *grouped]


FIELD_CHOICES = _field_choices()
OPERATOR_CHOICES = _BLANK + [(op.value, _label(OPERATOR_LABELS, op)) for op in Op]
ACTION_CHOICES = _BLANK + [(t.value, _label(ACTION_LABELS, t)) for t in ActionType]
EVENT_CHOICES = [(e.value, _label(EVENT_LABELS, e)) for e in Event]
SINCE_CHOICES = _BLANK + [(s.value, _label(SINCE_LABELS, s)) for s in Since]


class RuleBuilderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Kind"), choices=[("trigger", _("Trigger")), ("automation", _("Automation"))])
    events = forms.MultipleChoiceField(
        label=_("Events"), required=False, choices=EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    since = forms.ChoiceField(label=_("Hours since"), required=False, choices=SINCE_CHOICES)
    hours = forms.FloatField(label=_("Hours"), required=False)
    business_hours = forms.BooleanField(label=_("Count business hours only"), required=False)
    match = forms.ChoiceField(label=_("Match"), choices=[("all", _("all conditions")), ("any", _("any condition"))])
    stop_processing = forms.BooleanField(label=_("Stop processing later rules"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(ROWS):
            self.fields[f"condition_{i}_field"] = forms.ChoiceField(choices=FIELD_CHOICES, required=False, label=_("Field"))
            self.fields[f"condition_{i}_operator"] = forms.ChoiceField(choices=OPERATOR_CHOICES, required=False, label=_("Operator"))
            self.fields[f"condition_{i}_value"] = forms.CharField(required=False, label=_("Value"))
        for i in range(ROWS):
            self.fields[f"action_{i}_type"] = forms.ChoiceField(choices=ACTION_CHOICES, required=False, label=_("Action"))
            self.fields[f"action_{i}_target"] = forms.CharField(required=False, label=_("Field / target"))
            self.fields[f"action_{i}_value"] = forms.CharField(required=False, label=_("Value"), widget=forms.Textarea(attrs={"rows": 2}))

    def condition_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"condition_{i}_field"], self[f"condition_{i}_operator"], self[f"condition_{i}_value"]) for i in range(ROWS)]

    def action_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"action_{i}_type"], self[f"action_{i}_target"], self[f"action_{i}_value"]) for i in range(ROWS)]

    def document(self) -> dict[str, Any]:
        """The rule document the rows describe; the schema validates it afterwards."""
        data = self.cleaned_data
        document: dict[str, Any] = {"schema": 1, "name": data["name"], "kind": data["kind"]}
        if data.get("description"):
            document["description"] = data["description"]
        if data["kind"] == "trigger":
            document["events"] = list(data.get("events") or [])
        else:
            document["time_condition"] = {
                "since": data.get("since") or "", "hours": data.get("hours"),
                "business_hours": bool(data.get("business_hours")),
            }
        conditions = []
        for i in range(ROWS):
            field = data.get(f"condition_{i}_field") or ""
            operator = data.get(f"condition_{i}_operator") or ""
            if not field and not operator:
                continue
            condition: dict[str, Any] = {"field": field, "operator": operator}
            if operator not in {op.value for op in NO_VALUE}:
                condition["value"] = condition_value(field, operator, data.get(f"condition_{i}_value") or "")
            conditions.append(condition)
        document["conditions"] = {data["match"]: conditions} if conditions else {}
        document["actions"] = [
            action_document(data[f"action_{i}_type"], (data.get(f"action_{i}_target") or "").strip(),
                            data.get(f"action_{i}_value") or "")
            for i in range(ROWS) if data.get(f"action_{i}_type")
        ]
        document["stop_processing"] = bool(data.get("stop_processing"))
        return document


def _scalar(kind: Kind, raw: str) -> Any:
    text = raw.strip()
    if kind in {Kind.NUMBER, Kind.ID}:
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    if kind is Kind.BOOL:
        return text.casefold() in {"true", "yes", "1", "on"}
    return text


def condition_value(field: str, operator: str, raw: str) -> Any:
    spec = field_spec(field)
    kind = spec.kind if spec is not None else Kind.TEXT
    if operator in {Op.IN.value, Op.NOT_IN.value} or (kind is Kind.LIST and operator in {"is", "is_not"}):
        scalar = Kind.TEXT if kind is Kind.LIST else kind
        return [_scalar(scalar, part) for part in raw.split(",") if part.strip()]
    if kind in {Kind.TEXT, Kind.ANY, Kind.LIST}:
        return raw
    return _scalar(kind, raw)


def _tags(raw: str) -> list[str]:
    return [t.strip() for t in raw.split(",") if t.strip()]


def action_document(kind: str, target: str, value: str) -> dict[str, Any]:
    match kind:
        case ActionType.SET_FIELD:
            return {"type": kind, "field": target, "value": value.strip()}
        case ActionType.ADD_TAGS | ActionType.REMOVE_TAGS:
            return {"type": kind, "tags": _tags(value or target)}
        case ActionType.ADD_NOTE:
            return {"type": kind, "text": value}
        case ActionType.ASSIGN:
            if target == "distribution":
                return {"type": kind, "distribution": True}
            if target == "unassign":
                return {"type": kind, "unassign": True}
            key = "department_id" if target == "department" else "agent_id"
            return {"type": kind, key: _scalar(Kind.ID, value)}
        case ActionType.SEND_EMAIL:
            if "@" in target:
                return {"type": kind, "to": Recipient.ADDRESS.value, "address": target, "body": value}
            return {"type": kind, "to": target or Recipient.REQUESTER.value, "body": value}
        case ActionType.WEBHOOK:
            return {"type": kind, "url": target or value.strip()}
        case ActionType.APPLY_MACRO:
            return {"type": kind, "macro_id": _scalar(Kind.ID, value or target)}
    return {"type": kind}


class RuleDocumentForm(forms.Form):
    document = forms.CharField(label=_("Rule (JSON)"), widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}))
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def clean_document(self) -> Any:
        try:
            return json.loads(self.cleaned_data["document"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": exc}) from exc


class ImportForm(forms.Form):
    payload = forms.CharField(label=_("Rules to import (JSON export)"), widget=forms.Textarea(attrs={"rows": 8}))
