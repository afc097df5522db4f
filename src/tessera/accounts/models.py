"""People: agents (users of the desk), customers (contacts) and how they are organised."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    AGENT = "agent", _("Agent")
    LIGHT_AGENT = "light_agent", _("Light agent")
    CUSTOMER = "customer", _("Customer")


class Availability(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    BREAK = "break", _("On a break")
    OFFLINE = "offline", _("Offline")


class ClosingPolicy(models.TextChoices):
    AGENTS_MAY_CLOSE = "agents", _("Agents may close")
    CUSTOMER_ONLY = "customer", _("Only the customer may close")


class Department(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    email_address = models.EmailField(_("email address"), blank=True)
    closing_policy = models.CharField(
        _("closing policy"),
        max_length=16,
        choices=ClosingPolicy.choices,
        default=ClosingPolicy.AGENTS_MAY_CLOSE,
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    domains = models.JSONField(default=list, blank=True)
    # Off by default: a contact sees colleagues' tickets only where an admin said so.
    shares_tickets = models.BooleanField(_("members see each other's tickets"), default=False)
    attributes = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """One customer, however many channels they reach us through."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    language = models.CharField(max_length=8, default="en")
    time_zone = models.CharField(max_length=64, default="UTC")
    attributes = models.JSONField(default=dict, blank=True)
    is_blocked = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or f"Contact {self.pk}"

    @property
    def primary_email(self) -> str:
        for identity in self.identities.all():
            if identity.kind == IdentityKind.EMAIL:
                return identity.value
        return ""


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    FACEBOOK = "facebook", _("Facebook")
    LINE = "line", _("LINE")
    TELEGRAM = "telegram", _("Telegram")
    TWITTER = "twitter", _("Twitter")
    WHATSAPP = "whatsapp", _("WhatsApp")
    ZALO = "zalo", _("Zalo")
    CHAT = "chat", _("Live chat visitor")


class ContactIdentity(models.Model):
    """An address at which a contact can be reached; unique across contacts."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    # Normalised (lower-cased email, E.164 phone) so lookups by the same address always match.
    value = models.CharField(max_length=320)
    is_primary = models.BooleanField(default=False)
    # Set by bounces; delivery to a flagged address is skipped and shown to agents.
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_kind_value")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ContactNote(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey("User", null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class User(AbstractUser):
    """A person who signs in: an agent or admin of the desk, or a customer of the portal."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    departments = models.ManyToManyField(
        Department, through="Membership", related_name="members", blank=True
    )
    contact = models.OneToOneField(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )
    display_name = models.CharField(max_length=200, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    language = models.CharField(max_length=8, default="en")
    availability = models.CharField(
        max_length=16, choices=Availability.choices, default=Availability.OFFLINE
    )
    away_until = models.DateTimeField(null=True, blank=True)
    max_open_tickets = models.PositiveIntegerField(default=0)  # 0: no cap
    skills = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique", condition=~models.Q(email=""))
        ]

    @property
    def is_agent(self) -> bool:
        return self.role in {Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT}

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def label(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="membership_unique")
        ]


class ApiTokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=ApiTokenScope.choices, default=ApiTokenScope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return "tsr_" + secrets.token_urlsafe(32)
