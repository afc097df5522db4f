"""Portal forms: they bound and normalise input; services and actions decide what is allowed."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tessera.accounts.models import Department
from tessera.core.errors import ValidationFailed
from tessera.portal import services
from tessera.tickets.actions.rating import MAX_COMMENT
from tessera.tickets.attachments import NewAttachment
from tessera.tickets.models import TicketType

MAX_FILES = 10
MAX_SUBJECT = 200
MAX_BODY = 20_000
# The types a customer can sensibly pick; problems and changes are how agents file work.
CUSTOMER_TYPES = [(t.value, t.label) for t in (TicketType.QUESTION, TicketType.INCIDENT, TicketType.SERVICE_REQUEST)]


def _nfc(value: str, max_length: int) -> str:
    return services.clean_text(value, max_length=max_length)


class EmailField(forms.CharField):
    """An address normalised the way contact identities store it (lower case, trimmed)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("label", _("Email"))
        kwargs.setdefault("widget", forms.EmailInput(attrs={"autocomplete": "email"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        raw = str(super().clean(value) or "")
        if not raw and not self.required:
            return ""
        try:
            return services.normalise_email(raw)
        except ValidationFailed:
            raise forms.ValidationError(_("Enter a valid email address."), code="invalid") from None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files up to MAX_FILES, each within the attachment size limit."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(count)d files at a time.") % {"count": MAX_FILES}, code="too_many")
        limit = cast(int, settings.TESSERA["MAX_ATTACHMENT_BYTES"])
        cleaned: list[UploadedFile[bytes]] = []
        for upload in files:
            checked = cast("UploadedFile[bytes]", super().clean(upload, initial))
            if checked.size is not None and checked.size > limit:
                raise forms.ValidationError(
                    _("%(name)s is too large; the limit is %(limit)s.")
                    % {"name": checked.name, "limit": filesizeformat(limit)},
                    code="too_large",
                )
            cleaned.append(checked)
        return cleaned


def to_attachments(files: list[UploadedFile[bytes]]) -> list[NewAttachment]:
    return [
        NewAttachment(filename=f.name or "attachment", content=f.read(), content_type=f.content_type or "")
        for f in files
    ]


class LoginForm(forms.Form):
    email = EmailField()
    password = forms.CharField(label=_("Password"), max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class EmailOnlyForm(forms.Form):
    email = EmailField()


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from the email"), max_length=16,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = EmailField()
    password1 = forms.CharField(label=_("Password"), max_length=4096, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), max_length=4096, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def clean_name(self) -> str:
        name = _nfc(self.cleaned_data["name"], 200)
        if not name:
            raise forms.ValidationError(_("Please tell us your name."), code="required")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                services.check_password_strength(first, email=data.get("email", ""), name=data.get("name", ""))
            except ValidationFailed as error:
                self.add_error("password1", error.message)
        return data


class TicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT)
    description = forms.CharField(label=_("Description"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 8}))
    type = forms.ChoiceField(label=_("Type"), choices=CUSTOMER_TYPES, initial=TicketType.QUESTION)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    attachments = AttachmentsField()

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.departments = list(departments)
        field = cast("forms.ModelChoiceField[Department]", self.fields["department"])
        field.queryset = departments
        field.required = len(self.departments) > 1
        field.empty_label = None

    @property
    def offers_department(self) -> bool:
        return len(self.departments) > 1

    def clean_subject(self) -> str:
        subject = _nfc(self.cleaned_data["subject"], MAX_SUBJECT)
        if not subject:
            raise forms.ValidationError(_("Please write a subject."), code="required")
        return subject

    def clean_description(self) -> str:
        return _nfc(self.cleaned_data["description"], MAX_BODY)

    def clean_department(self) -> Department | None:
        chosen: Department | None = self.cleaned_data.get("department")
        if chosen is None and self.departments:
            return self.departments[0]
        return chosen


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), max_length=MAX_BODY, required=False, widget=forms.Textarea(attrs={"rows": 5}))
    attachments = AttachmentsField()

    def clean_body(self) -> str:
        return _nfc(self.cleaned_data["body"], MAX_BODY)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("body") and not data.get("attachments") and not self.errors:
            raise forms.ValidationError(_("Write a message or attach a file."), code="empty")
        return data


# Worst to best, the order a customer reads a scale in; the number is shown beside each label.
RATING_CHOICES = [
    (1, _("Very dissatisfied")),
    (2, _("Dissatisfied")),
    (3, _("Neutral")),
    (4, _("Satisfied")),
    (5, _("Very satisfied")),
]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=_("How satisfied are you with the help you received?"),
                                   choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Anything you would like to tell us? (optional)"), max_length=MAX_COMMENT,
                              required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_comment(self) -> str:
        return _nfc(self.cleaned_data["comment"], MAX_COMMENT)


def initial_score(raw: str | None) -> int | None:
    """A score preselected from a link's ``?score=``; anything else preselects nothing."""
    if raw is not None and raw.isascii() and raw.isdigit() and int(raw) in dict(RATING_CHOICES):
        return int(raw)
    return None


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=500)


HONEYPOT = "website_url"


class ContactForm(forms.Form):
    """The public contact form. Bounded everywhere: it is posted by anyone from anywhere."""

    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = EmailField()
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT)
    message = forms.CharField(label=_("Message"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 6}))
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.filter(is_active=True), required=False)
    token = forms.CharField(max_length=500, widget=forms.HiddenInput)
    # Invisible to people (hidden by CSS and skipped by keyboard), filled by form-spamming bots.
    website_url = forms.CharField(required=False, max_length=500, label=_("Leave this empty"))

    def clean_name(self) -> str:
        return _nfc(self.cleaned_data["name"], 200)

    def clean_subject(self) -> str:
        subject = _nfc(self.cleaned_data["subject"], MAX_SUBJECT)
        if not subject:
            raise forms.ValidationError(_("Please write a subject."), code="required")
        return subject

    def clean_message(self) -> str:
        message = _nfc(self.cleaned_data["message"], MAX_BODY)
        if not message:
            raise forms.ValidationError(_("Please write a message."), code="required")
        return message

    @property
    def is_bot(self) -> bool:
        return bool(str(self.data.get(HONEYPOT, "")).strip())
