"""Forms of the admin settings pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as dt_time
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tessera.accounts.models import Availability, ClosingPolicy, Department, Role
from tessera.channels.models import AfterCommit, ImapSecurity, MailboxKind, OAuth2Provider
from tessera.tickets.models import FieldType

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

STAFF_ROLE_CHOICES = [(r.value, r.label) for r in (Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT)]


class DepartmentForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("Name"))
    email_address = forms.EmailField(required=False, label=_("Email address"))
    closing_policy = forms.ChoiceField(choices=ClosingPolicy.choices, label=_("Closing policy"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))


class AgentForm(forms.Form):
    username = forms.CharField(max_length=150, label=_("Username"))
    display_name = forms.CharField(max_length=200, required=False, label=_("Display name"))
    email = forms.EmailField(required=False, label=_("Email"))
    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES, label=_("Role"))
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.all(), required=False, label=_("Departments")
    )
    time_zone = forms.CharField(max_length=64, initial="UTC", label=_("Time zone"))
    language = forms.ChoiceField(choices=settings.LANGUAGES, label=_("Language"))
    max_open_tickets = forms.IntegerField(min_value=0, initial=0, label=_("Maximum open tickets (0: no limit)"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))
    password = forms.CharField(
        widget=forms.PasswordInput, required=False, min_length=8, label=_("Password (new agents)")
    )


class CustomFieldForm(forms.Form):
    key = forms.SlugField(max_length=64, label=_("Key"))
    label = forms.CharField(max_length=120, label=_("Label"))
    field_type = forms.ChoiceField(choices=FieldType.choices, label=_("Type"))
    choices = forms.CharField(required=False, max_length=2000, label=_("Choices (one per line)"))
    required = forms.BooleanField(required=False, label=_("Required"))
    visible_to_customers = forms.BooleanField(required=False, label=_("Visible to customers"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))


class AvailabilityForm(forms.Form):
    """The desk header's status control: an agent says whether tickets may come their way."""

    availability = forms.ChoiceField(choices=Availability.choices, label=_("Availability"))
    until = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        label=_("until"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("availability") == Availability.BREAK and data.get("until") is None:
            self.add_error("until", _("Say when your break ends."))
        return data

    def away_until(self, now: datetime) -> datetime | None:
        """The next time the clock in the agent's zone shows ``until``: today, or tomorrow
        when that time has passed (a break from 23:50 to 00:10)."""
        until: dt_time | None = self.cleaned_data.get("until")
        if until is None or self.cleaned_data["availability"] not in {Availability.AWAY, Availability.BREAK}:
            return None
        zone = timezone.get_current_timezone()
        local_now = now.astimezone(zone)
        moment = datetime.combine(local_now.date(), until, tzinfo=zone)
        if moment <= local_now:
            moment = datetime.combine(local_now.date() + timedelta(days=1), until, tzinfo=zone)
        return moment


def _secret_field(label: StrOrPromise, help_text: StrOrPromise, autocomplete: str = "off") -> forms.CharField:
    """A write-only secret: never rendered back, kept verbatim (spaces may belong to it)."""
    return forms.CharField(
        max_length=4096,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": autocomplete}),
        label=label,
        help_text=help_text,
    )


class MailboxForm(forms.Form):
    """A mailbox's settings. The secrets are never filled in: blank keeps what is stored."""

    name = forms.CharField(max_length=120, label=_("Name"))
    department = forms.ModelChoiceField(queryset=Department.objects.order_by("name"), label=_("Department"))
    address = forms.EmailField(required=False, label=_("Address customers write to"))
    kind = forms.ChoiceField(choices=MailboxKind.choices, label=_("How mail arrives"))
    imap_host = forms.CharField(max_length=255, required=False, label=_("IMAP server"))
    imap_port = forms.IntegerField(min_value=1, max_value=65535, initial=993, label=_("Port"))
    imap_security = forms.ChoiceField(choices=ImapSecurity.choices, label=_("Connection security"))
    username = forms.CharField(max_length=255, required=False, label=_("User name"))
    password = _secret_field(_("Password"), _("Leave blank to keep the stored one."), "new-password")
    clear_password = forms.BooleanField(required=False, label=_("Remove the stored password"))
    oauth2_access_token = _secret_field(
        _("OAuth2 access token (XOAUTH2)"),
        _("Used instead of the password when set. Leave blank to keep the stored one."),
    )
    clear_oauth2_access_token = forms.BooleanField(required=False, label=_("Remove the stored token"))
    oauth2_provider = forms.ChoiceField(
        choices=[("", "—"), *OAuth2Provider.choices], required=False, label=_("OAuth2 provider"),
        help_text=_("With an OAuth2 app the access token is renewed automatically after you sign in once."),
    )
    oauth2_client_id = forms.CharField(max_length=255, required=False, label=_("OAuth2 client id"))
    oauth2_client_secret = _secret_field(_("OAuth2 client secret"), _("Leave blank to keep the stored one."))
    clear_oauth2_client_secret = forms.BooleanField(required=False, label=_("Remove the stored client secret"))
    oauth2_authorize_url = forms.CharField(
        max_length=500, required=False, label=_("Authorization URL"),
        help_text=_("Only to replace the provider's (for example with a Microsoft tenant id)."),
    )
    oauth2_token_url = forms.CharField(max_length=500, required=False, label=_("Token URL"))
    oauth2_scope = forms.CharField(max_length=500, required=False, label=_("Scope"))
    folder = forms.CharField(max_length=255, initial="INBOX", label=_("Folder to fetch"))
    after_commit = forms.ChoiceField(choices=AfterCommit.choices, label=_("After a mail is stored"))
    move_to_folder = forms.CharField(max_length=255, required=False, label=_("Move to folder"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))

    SECRETS = ("password", "oauth2_access_token", "oauth2_client_secret")

    def changes(self) -> dict[str, Any]:
        """The cleaned data as the mailbox actions take it: None keeps a secret, "" removes it."""
        data = dict(self.cleaned_data)
        for secret in self.SECRETS:
            remove = data.pop(f"clear_{secret}", False)
            data[secret] = "" if remove else (data[secret] or None)
        return data
