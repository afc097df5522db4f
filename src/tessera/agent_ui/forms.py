"""Forms of the agent desk: they validate input; the actions decide what is allowed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tessera.accounts.models import Department, User
from tessera.tickets.models import Channel, CustomField, FieldType, Priority, TicketType
from tessera.tickets.states import STATUS_CHOICES


class FilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label=_("Search"))
    status = forms.MultipleChoiceField(required=False, choices=STATUS_CHOICES, label=_("Status"))
    department = forms.ModelChoiceField(queryset=Department.objects.filter(is_active=True), required=False, label=_("Department"))
    assignee = forms.CharField(required=False, max_length=20, label=_("Assignee"))
    priority = forms.MultipleChoiceField(required=False, choices=Priority.choices, label=_("Priority"))
    type = forms.MultipleChoiceField(required=False, choices=TicketType.choices, label=_("Type"))
    tag = forms.CharField(required=False, max_length=64, label=_("Tag"))
    channel = forms.ChoiceField(required=False, choices=[("", "—"), *Channel.choices], label=_("Channel"))
    requester = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    created_from = forms.DateField(required=False, label=_("Created from"), widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, label=_("Created until"), widget=forms.DateInput(attrs={"type": "date"}))
    updated_from = forms.DateField(required=False, label=_("Updated from"), widget=forms.DateInput(attrs={"type": "date"}))
    updated_to = forms.DateField(required=False, label=_("Updated until"), widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(
        required=False,
        choices=[("updated", _("Last updated")), ("created", _("Newest")), ("priority", _("Priority")), ("due", _("Due soonest"))],
        label=_("Sort"),
    )
    cursor = forms.CharField(required=False, max_length=200)


class SaveViewForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("View name"))
    query = forms.CharField(max_length=2000, required=False)
    shared = forms.BooleanField(required=False, label=_("Share with all agents"))


BULK_OPERATIONS = [
    ("assign", _("Assign to")),
    ("status", _("Set status")),
    ("priority", _("Set priority")),
    ("tag", _("Add tag")),
    ("merge", _("Merge into the first selected")),
]


class BulkForm(forms.Form):
    numbers = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=_("Tickets"))
    operation = forms.ChoiceField(choices=BULK_OPERATIONS, label=_("Action"))
    assignee = forms.ModelChoiceField(queryset=User.objects.filter(role__in=["admin", "agent", "light_agent"], is_active=True), required=False)
    status = forms.ChoiceField(choices=[("", "—"), *STATUS_CHOICES], required=False)
    priority = forms.ChoiceField(choices=[("", "—"), *Priority.choices], required=False)
    tag = forms.CharField(max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any number is accepted here; which tickets the agent may touch is the actions' call.
        raw = self.data.getlist("numbers") if hasattr(self.data, "getlist") else []
        self.fields["numbers"].choices = [(n, n) for n in raw if str(n).isdigit()][:100]  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    KIND_CHOICES = [("public", _("Public reply")), ("note", _("Internal note"))]
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="public")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000, required=False)
    status = forms.ChoiceField(choices=[("", _("Keep status")), *STATUS_CHOICES], required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class FieldsForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_CHOICES)
    priority = forms.ChoiceField(choices=Priority.choices)
    type = forms.ChoiceField(choices=TicketType.choices)
    department = forms.ModelChoiceField(queryset=Department.objects.filter(is_active=True))
    assignee = forms.ModelChoiceField(queryset=User.objects.filter(role__in=["admin", "agent", "light_agent"], is_active=True), required=False)
    due_at = forms.DateTimeField(
        required=False,
        label=_("Due"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    add_tags = forms.CharField(required=False, max_length=500, label=_("Add tags (comma separated)"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, custom_fields: Sequence[CustomField] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.custom_definitions = list(custom_fields)
        for definition in self.custom_definitions:
            self.fields[f"cf_{definition.key}"] = _custom_form_field(definition)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {k: data[k] for k in ("status", "priority", "type", "department", "assignee", "due_at")}
        if self.custom_definitions:
            changes["custom_fields"] = {
                d.key: _plain(data.get(f"cf_{d.key}")) for d in self.custom_definitions
            }
        return changes


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _custom_form_field(definition: CustomField) -> forms.Field:
    """A form field for an admin-defined ticket field; the action re-validates the value."""
    label = definition.label
    match definition.field_type:
        case FieldType.NUMBER:
            return forms.DecimalField(required=False, label=label)
        case FieldType.DATE:
            return forms.DateField(required=False, label=label, widget=forms.DateInput(attrs={"type": "date"}))
        case FieldType.BOOLEAN:
            return forms.NullBooleanField(required=False, label=label)
        case FieldType.CHOICE:
            return forms.ChoiceField(
                required=False, label=label, choices=[("", "—"), *[(c, c) for c in definition.choices]]
            )
    return forms.CharField(required=False, label=label, max_length=10_000)


class LinkForm(forms.Form):
    KIND_CHOICES = [
        ("problem_incident", _("This problem causes ticket…")),
        ("parent_child", _("This is the parent of ticket…")),
        ("related", _("Related to ticket…")),
    ]
    kind = forms.ChoiceField(choices=KIND_CHOICES, label=_("Link"))
    target = forms.IntegerField(min_value=1, label=_("Ticket number"))


class MergeForm(forms.Form):
    target = forms.IntegerField(min_value=1, label=_("Merge into ticket number"))


class NewTicketForm(forms.Form):
    requester = forms.CharField(max_length=320, label=_("Requester email or phone"))
    requester_name = forms.CharField(max_length=200, required=False, label=_("Name (for a new contact)"))
    subject = forms.CharField(max_length=250, label=_("Subject"))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000, label=_("What the customer said"))
    department = forms.ModelChoiceField(queryset=Department.objects.filter(is_active=True), label=_("Department"))
    channel = forms.ChoiceField(
        choices=[("phone", _("Phone")), ("email", _("Email")), ("chat", _("Live chat")), ("agent", _("Agent desk"))],
        initial="phone",
        label=_("Channel"),
    )
    type = forms.ChoiceField(choices=TicketType.choices, label=_("Type"))
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL, label=_("Priority"))
