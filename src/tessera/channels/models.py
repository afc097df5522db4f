"""Channel plumbing: outbound deliveries (and, in the email subsystem, inbound raw mail)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tessera.accounts.models import Department
from tessera.channels.secret_fields import EncryptedTextField, UndecryptableSecret
from tessera.tickets.models import Message, Ticket


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class DeliveryPurpose(models.TextChoices):
    REPLY = "reply", _("Agent reply")
    NOTIFY_RESOLVED = "resolved", _("Resolution notice")
    NOTIFY_ASSIGNED = "assigned", _("Assignment notice")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    RULE = "rule", _("Rule email")


class Delivery(models.Model):
    """One outbound message to one channel address; sent by a task, retried, never lost."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="deliveries")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    purpose = models.CharField(max_length=16, choices=DeliveryPurpose.choices)
    channel = models.CharField(max_length=16)
    recipients = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    body_text = models.TextField(blank=True)
    # Our Message-ID for the outbound mail, fixed before the first attempt so that a retry after
    # a crash re-sends the same identity and the customer's client de-duplicates it.
    rfc_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status")]


class MailboxKind(models.TextChoices):
    IMAP = "imap", _("IMAP mailbox (fetched)")
    SMTP = "smtp", _("SMTP/LMTP listener (delivered to us)")
    WEBHOOK = "webhook", _("Provider inbound webhook")


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("TLS from the start (port 993)")
    STARTTLS = "starttls", _("STARTTLS")
    PLAIN = "plain", _("No encryption (loopback only)")


class AfterCommit(models.TextChoices):
    FLAG_SEEN = "seen", _("Mark as read")
    MOVE = "move", _("Move to a folder")


class OAuth2Provider(models.TextChoices):
    GOOGLE = "google", _("Google (Gmail, Google Workspace)")
    MICROSOFT = "microsoft", _("Microsoft 365, Outlook.com")
    CUSTOM = "custom", _("Another OAuth2 provider")


class Mailbox(models.Model):
    """An address customers write to, mapped to the department whose tickets it opens."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="mailboxes")
    # The public address (``support@example.com``); the SMTP listener maps RCPT TO by it.
    address = models.EmailField(_("address"), blank=True, db_index=True)
    kind = models.CharField(max_length=8, choices=MailboxKind.choices, default=MailboxKind.IMAP)

    imap_host = models.CharField(max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_security = models.CharField(max_length=8, choices=ImapSecurity.choices, default=ImapSecurity.SSL)
    username = models.CharField(max_length=255, blank=True)
    # Encrypted at rest with a key kept outside the database (see secret_fields).
    password = EncryptedTextField(blank=True)
    # When set, IMAP logs in with XOAUTH2 instead of the password (Gmail, Microsoft 365).
    oauth2_access_token = EncryptedTextField(blank=True)
    # With an OAuth2 app (client) and a refresh token, the access token above is renewed before
    # it expires (an hour for Google and Microsoft), so the mailbox keeps working unattended.
    oauth2_provider = models.CharField(max_length=16, choices=OAuth2Provider.choices, blank=True)
    oauth2_client_id = models.CharField(max_length=255, blank=True)
    oauth2_client_secret = EncryptedTextField(blank=True)
    oauth2_refresh_token = EncryptedTextField(blank=True)
    oauth2_authorize_url = models.CharField(max_length=500, blank=True)
    oauth2_token_url = models.CharField(max_length=500, blank=True)
    oauth2_scope = models.CharField(max_length=500, blank=True)
    oauth2_expires_at = models.DateTimeField(null=True, blank=True)
    folder = models.CharField(max_length=255, default="INBOX")
    # Fetched mail is never deleted by default: it is flagged \Seen, or moved when told to.
    after_commit = models.CharField(max_length=8, choices=AfterCommit.choices, default=AfterCommit.FLAG_SEEN)
    move_to_folder = models.CharField(max_length=255, blank=True)

    # IMAP UIDs are only meaningful within one UIDVALIDITY; when it changes the server renumbered
    # the folder and ``last_uid`` starts again (deduplication absorbs the re-fetch).
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Every encrypted column: key rotation and "cannot be decrypted" checks go through this list.
    SECRET_FIELDS = ("password", "oauth2_access_token", "oauth2_client_secret", "oauth2_refresh_token")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def undecryptable_secrets(self) -> list[str]:
        return [name for name in self.SECRET_FIELDS if isinstance(getattr(self, name), UndecryptableSecret)]


class InboundStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    PROCESSED = "processed", _("Processed")
    QUARANTINED = "quarantined", _("Quarantined")
    IGNORED = "ignored", _("Ignored")


class RawInbound(models.Model):
    """The raw bytes of one inbound mail, stored (and committed) before anything else happens.

    Unique per mailbox on its Message-ID (or content hash), so a mail fetched twice after a crash
    is stored once. Processing is a task; a row that cannot be processed is quarantined with its
    error and can be replayed.
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="inbound")
    # "<message-id>" as written in the mail, or "sha256:<hex of the raw bytes>" without one.
    dedupe_key = models.CharField(max_length=512)
    raw = models.BinaryField()
    # The size of the mail as received; ``raw`` holds only its head when ``truncated``.
    size = models.PositiveBigIntegerField()
    truncated = models.BooleanField(default=False)
    imap_uid = models.BigIntegerField(null=True, blank=True)
    # The envelope recipients (SMTP RCPT TO), which may carry a reply token the To: header lacks.
    envelope_to = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=InboundStatus.choices, default=InboundStatus.PENDING)
    error = models.TextField(blank=True)
    # message, auto_reply, bounce or complaint once parsed.
    kind = models.CharField(max_length=12, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "dedupe_key"], name="rawinbound_mailbox_dedupe"),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="rawinbound_status")]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.dedupe_key}"
