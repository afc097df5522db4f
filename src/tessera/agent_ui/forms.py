"""Forms of the agent desk: they validate input; the actions decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tessera.accounts.models import Department, User
from tessera.tickets.models import Priority, TicketType
from tessera.tickets.states import STATUS_CHOICES


class FilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label=_("Search"))
    status = forms.MultipleChoiceField(required=False, choices=STATUS_CHOICES, label=_("Status"))
    department = forms.ModelChoiceField(queryset=Department.objects.filter(is_active=True), required=False, label=_("Department"))
    assignee = forms.CharField(required=False, max_length=20, label=_("Assignee"))
    priority = forms.MultipleChoiceField(required=False, choices=Priority.choices, label=_("Priority"))
    type = forms.MultipleChoiceField(required=False, choices=TicketType.choices, label=_("Type"))
    tag = forms.CharField(required=False, max_length=64, label=_("Tag"))
    channel = forms.CharField(required=False, max_length=16, label=_("Channel"))
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
    add_tags = forms.CharField(required=False, max_length=500, label=_("Add tags (comma separated)"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {k: data[k] for k in ("status", "priority", "type", "department", "assignee")}


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
