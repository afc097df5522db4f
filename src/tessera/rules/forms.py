"""Forms of the rules admin: a row-based builder for common rules, a JSON editor for all."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tessera.rules.actions import ActionType, Recipient
from tessera.rules.vocabulary import FIELDS, NO_VALUE, Event, Kind, Op, Since, field_spec

ROWS = 3

_BLANK = [("", "—")]
FIELD_CHOICES = _BLANK + [(path, path) for path in sorted(FIELDS)]
OPERATOR_CHOICES = _BLANK + [(op.value, op.value.replace("_", " ")) for op in Op]
ACTION_CHOICES = _BLANK + [(t.value, t.value.replace("_", " ")) for t in ActionType]


class RuleBuilderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Kind"), choices=[("trigger", _("Trigger")), ("automation", _("Automation"))])
    events = forms.MultipleChoiceField(
        label=_("Events"), required=False, choices=[(e.value, e.value.replace("_", " ")) for e in Event],
        widget=forms.CheckboxSelectMultiple,
    )
    since = forms.ChoiceField(label=_("Hours since"), required=False, choices=_BLANK + [(s.value, s.value) for s in Since])
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
