"""State the portal keeps of its own: one-time email codes and contact-form submissions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tessera.tickets.models import Ticket


class CodePurpose(models.TextChoices):
    SIGNUP = "signup", _("Confirm sign-up")
    LOGIN = "login", _("Sign in")


class EmailCode(models.Model):
    """A short code mailed to an address, proving that whoever types it reads that mailbox.

    Only a keyed hash of the code is stored, so a copy of the database does not hand out
    sign-ins; the attempt counter makes guessing the six digits hopeless.
    """

    email = models.CharField(max_length=320)
    purpose = models.CharField(max_length=8, choices=CodePurpose.choices)
    digest = models.CharField(max_length=64)
    # Sign-up keeps the chosen name, language and the *hashed* password here until the
    # address is confirmed: no User row exists for an address nobody has proved they own.
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["email", "purpose", "-created_at"], name="portal_code_lookup")]


class FormSubmission(models.Model):
    """One accepted contact-form post, keyed by the form's one-time nonce.

    The unique key is what makes a double-click or a retried POST create one ticket: the
    second insert fails on the constraint and the first submission's ticket is answered.
    """

    key = models.CharField(max_length=64, unique=True)
    # Hash of what was submitted, so a reused nonce carrying *different* text is refused
    # rather than silently answered with someone else's earlier ticket number.
    content_digest = models.CharField(max_length=64)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
