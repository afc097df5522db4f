"""Tickets, their conversation, their history and their links."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from tessera.accounts.models import Contact, Department, Organisation, User
from tessera.tickets.states import STATUS_CHOICES, Status


class TicketType(models.TextChoices):
    QUESTION = "question", _("Question")
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Service request")
    PROBLEM = "problem", _("Problem")
    CHANGE_REQUEST = "change_request", _("Change request")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEB_FORM = "web_form", _("Web form")
    PORTAL = "portal", _("Customer portal")
    CHAT = "chat", _("Live chat")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    FACEBOOK = "facebook", _("Facebook")
    LINE = "line", _("LINE")
    TELEGRAM = "telegram", _("Telegram")
    TWITTER = "twitter", _("Twitter")
    WHATSAPP = "whatsapp", _("WhatsApp")
    ZALO = "zalo", _("Zalo")
    API = "api", _("API")
    AGENT = "agent", _("Agent desk")
    SYSTEM = "system", _("System")


class Tag(models.Model):
    name = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes/no")
    CHOICE = "choice", _("Choice")


class CustomField(models.Model):
    """A ticket field an admin defined; values live in ``Ticket.custom_fields`` by key."""

    key = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=120)
    field_type = models.CharField(max_length=16, choices=FieldType.choices)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    visible_to_customers = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.label


class Ticket(models.Model):
    number = models.BigIntegerField(unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=250)
    type = models.CharField(max_length=20, choices=TicketType.choices, default=TicketType.QUESTION)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=Status.NEW)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="tickets")
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    requester = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="tickets")
    # Copied from the requester at creation so organisation-wide views need no join.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    ccs = models.ManyToManyField(Contact, blank=True, related_name="cc_tickets")
    followers = models.ManyToManyField(User, blank=True, related_name="followed_tickets")
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    custom_fields = models.JSONField(default=dict, blank=True)

    due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_reply_at = models.DateTimeField(null=True, blank=True)

    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    is_spam = models.BooleanField(default=False)
    # Set when a message could not be threaded with certainty and an agent should look.
    needs_review = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["department", "status", "-updated_at", "-id"], name="ticket_dept_status_upd"),
            models.Index(fields=["status", "-updated_at", "-id"], name="ticket_status_upd"),
            models.Index(fields=["assignee", "status", "-updated_at"], name="ticket_assignee_status"),
            models.Index(fields=["requester", "-updated_at"], name="ticket_requester_upd"),
            models.Index(fields=["organisation", "-updated_at"], name="ticket_org_upd"),
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated"),
            models.Index(fields=["due_at"], name="ticket_due"),
        ]

    def __str__(self) -> str:
        return f"{self.display_number} {self.subject}"

    @property
    def display_number(self) -> str:
        return f"{settings.TESSERA['TICKET_PREFIX']}{self.number}"


class MessageKind(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    NOTE = "note", _("Internal note")


class AuthorKind(models.TextChoices):
    AGENT = "agent", _("Agent")
    CONTACT = "contact", _("Contact")
    SYSTEM = "system", _("System")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=MessageKind.choices, default=MessageKind.PUBLIC)
    author_kind = models.CharField(max_length=8, choices=AuthorKind.choices)
    author_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # The new text only (quoted history and signature removed for inbound mail).
    body_text = models.TextField(blank=True)
    # Sanitised on the way in; templates may mark it safe.
    body_html = models.TextField(blank=True)
    # The whole original text, for "show quoted text".
    full_text = models.TextField(blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    external_id = models.CharField(max_length=998, blank=True, db_index=True)
    # Why an inbound message landed on this ticket (threading), for agents to see.
    thread_reason = models.JSONField(default=dict, blank=True)
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="message_ticket_created")]

    @property
    def is_note(self) -> bool:
        return self.kind == MessageKind.NOTE

    @property
    def author_label(self) -> str:
        if self.author_user is not None:
            return self.author_user.label
        if self.author_contact is not None:
            return str(self.author_contact)
        return "Tessera"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is the content hash: user-supplied names never reach the filesystem.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(max_length=255, blank=True)
    is_inline = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def is_image(self) -> bool:
        return self.content_type in {"image/png", "image/jpeg", "image/gif", "image/webp"}


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    MESSAGE = "message", _("Customer message")
    REPLY = "reply", _("Agent reply")
    NOTE = "note", _("Internal note")
    FIELD = "field", _("Field changed")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    TAGGED = "tagged", _("Tag added")
    UNTAGGED = "untagged", _("Tag removed")
    MERGED = "merged", _("Merged")
    MERGED_FROM = "merged_from", _("Merged into this ticket")
    LINKED = "linked", _("Linked")
    UNLINKED = "unlinked", _("Unlinked")
    SPLIT = "split", _("Split")
    CC = "cc", _("CCs changed")
    DELIVERY = "delivery", _("Delivery")
    RULE = "rule", _("Rule ran")
    SLA = "sla", _("SLA")
    RATED = "rated", _("Rated")


class TicketEvent(models.Model):
    """A timeline entry: one durable record of one change to a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    field = models.CharField(max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    actor_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    via_channel = models.CharField(max_length=16, blank=True)
    via_rule = models.CharField(max_length=200, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="event_ticket_created")]


class LinkKind(models.TextChoices):
    # source is the problem, target one of its incidents
    PROBLEM_INCIDENT = "problem_incident", _("Problem / incident")
    # source is the parent, target the child
    PARENT_CHILD = "parent_child", _("Parent / child")
    # source was merged into target
    MERGED_INTO = "merged_into", _("Merged into")
    # source was opened because target received mail that could not be threaded safely
    RELATED = "related", _("Related")


class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="outgoing_links")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="incoming_links")
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="link_unique"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="link_not_self"),
        ]


RATING_MIN = 1
RATING_MAX = 5


class SatisfactionRating(models.Model):
    """The customer's current verdict on how their ticket was handled (CSAT).

    One row per ticket, overwritten when the customer changes their mind; every rating given
    is also a ``rated`` timeline entry, so the history is kept there.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]
    )
    comment = models.TextField(blank=True)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Where it was given: the portal page, the link in the resolution email, or the API.
    channel = models.CharField(max_length=16)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=RATING_MIN, score__lte=RATING_MAX), name="rating_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}/{RATING_MAX}"
