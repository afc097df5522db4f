"""Inbound mail: store the raw bytes first, then turn them into exactly one ticket action.

Two steps with a commit between them:

* :func:`store_raw` (called by the IMAP fetcher, the SMTP listener, webhooks) inserts a
  ``RawInbound`` row and enqueues ``process_inbound`` in the same transaction. The row is unique
  per mailbox on the Message-ID (or the content hash), so the same mail arriving twice (a fetcher
  that crashed before flagging it, an MTA that retried) is stored once. Only when this returns
  may the caller flag the mail or answer 250.
* :func:`process_raw` (run by the task) parses the bytes (pure), and under a row lock calls one
  ticket action, or records a bounce or complaint, or quarantines the row with its reason. The
  row's status and the action's writes commit together, so running it twice never writes twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from email import message_from_bytes
from email.message import Message as EmailMessage
from email.parser import BytesHeaderParser, HeaderParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction

from tessera.accounts.actions import find_or_create_contact
from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact, ContactIdentity, Department, IdentityKind, Role, User
from tessera.channels.email.authresults import SenderCheck, verify_sender
from tessera.channels.email.forwards import strip_forward_prefixes
from tessera.channels.email.parser import EmailParseError, ParsedEmail, parse_email
from tessera.channels.models import (
    Delivery,
    DeliveryStatus,
    InboundStatus,
    Mailbox,
    RawInbound,
)
from tessera.channels.threading import ThreadMatch, bracketed, find_thread
from tessera.core import time
from tessera.core.effects import enqueue
from tessera.core.errors import TesseraError, ValidationFailed
from tessera.spam import store as spam_store
from tessera.spam.learning import score_parsed
from tessera.tickets.actions import (
    add_customer_message,
    create_ticket,
    link,
    mark_spam,
    record_delivery_failure,
    set_needs_review,
)
from tessera.tickets.attachments import NewAttachment
from tessera.tickets.models import Channel, LinkKind, Message, Ticket
from tessera.tickets.permissions import can_view
from tessera.tickets.states import Status

log = logging.getLogger(__name__)

# What is kept of a mail too large to store whole: enough to show who sent what, and why not.
HEAD_BYTES = 64 * 1024
MAX_KEY_CHARS = 500
MAX_NEW_CCS = 10
BOUNCE_LOOKBACK = 500  # Recent deliveries searched when a bounce names a recipient only.

_MSGID = re.compile(r"<[^<>\s]+>")
AGENT_ROLES = (Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT)


def inbound_limit() -> int:
    return int(str(settings.TESSERA["MAX_INBOUND_EMAIL_BYTES"]))


def _head(raw: bytes) -> bytes:
    """The header block of a mail (capped), for reading its Message-ID without parsing it all."""
    window = raw[:HEAD_BYTES]
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = window.find(separator)
        if end != -1:
            return window[: end + len(separator)]
    return window


def dedupe_key_for(raw: bytes) -> str:
    """``<message-id>`` as written, else ``sha256:<hex>`` of the bytes."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(_head(raw).lstrip(b"\r\n\t \xef\xbb\xbf"))
    value = headers.get("message-id")
    text = str(value).replace("\x00", "").strip() if value is not None else ""
    found = _MSGID.search(text)
    key = found.group(0) if found else (text.split()[0] if text.split() else "")
    if key in {"", "<>"}:
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    if len(key) > MAX_KEY_CHARS:
        # Still the same key for the same id, without an unbounded index entry.
        return "msgid-sha256:" + hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    return key


def store_raw(
    mailbox: Mailbox,
    raw: bytes,
    *,
    uid: int | None = None,
    envelope_to: Sequence[str] = (),
    declared_size: int | None = None,
) -> tuple[RawInbound, bool]:
    """Store one received mail and queue its processing; ``(row, created)``.

    Committed when this returns (a durable transaction: it refuses to run inside another one,
    which could still roll back after the caller flagged the mail or answered 250). A mail over
    the size limit is recorded with its head only and quarantined "too large", never dropped.
    ``declared_size`` is the size the server announced when only the head was fetched.
    """
    size = declared_size if declared_size is not None else len(raw)
    limit = inbound_limit()
    too_large = size > limit
    key = dedupe_key_for(raw)
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                row = RawInbound.objects.create(
                    mailbox=mailbox,
                    dedupe_key=key,
                    raw=_head(raw) if too_large else raw,
                    size=size,
                    truncated=too_large or len(raw) < size,
                    imap_uid=uid,
                    envelope_to=[str(a).replace("\x00", "") for a in envelope_to][:50],
                    status=InboundStatus.QUARANTINED if too_large else InboundStatus.PENDING,
                    error=f"too large: {size} bytes, the limit is {limit} bytes" if too_large else "",
                    processed_at=time.now() if too_large else None,
                )
        except IntegrityError:
            existing = RawInbound.objects.get(mailbox=mailbox, dedupe_key=key)
            return existing, False
        if not too_large:
            from tessera.channels.tasks import process_inbound

            enqueue(process_inbound, row.pk)
    return row, True


def replay_inbound(raw_id: int) -> RawInbound:
    """Queue a quarantined (or ignored) mail for processing again, after a fix."""
    with transaction.atomic():
        row = RawInbound.objects.select_for_update().get(pk=raw_id)
        if row.status not in {InboundStatus.QUARANTINED, InboundStatus.IGNORED}:
            raise ValidationFailed(f"Only quarantined or ignored mail can be replayed, not {row.status}")
        if row.truncated:
            raise ValidationFailed("Only the head of this mail was stored (it was too large); fetch it again")
        row.status = InboundStatus.PENDING
        row.error = ""
        row.processed_at = None
        row.save(update_fields=["status", "error", "processed_at"])
        from tessera.channels.tasks import process_inbound

        enqueue(process_inbound, row.pk)
        return row


@dataclass
class Outcome:
    status: str
    error: str = ""
    ticket: Ticket | None = None
    message: Message | None = None


def process_raw(raw_id: int) -> str:
    """Parse one stored mail and apply it; returns the row's final status."""
    with transaction.atomic():
        row = (
            RawInbound.objects.select_for_update(of=("self",))
            .select_related("mailbox", "mailbox__department")
            .filter(pk=raw_id)
            .first()
        )
        if row is None:
            return "missing"
        # Another run (a retried job, a replay racing a worker) got here first.
        if row.status != InboundStatus.PENDING:
            return str(row.status)
        row.attempts += 1
        try:
            parsed = parse_email(bytes(row.raw), max_bytes=inbound_limit())
        except EmailParseError as exc:
            return _finish(row, Outcome(InboundStatus.QUARANTINED, exc.reason))
        except Exception as exc:  # The parser is pure: a crash is tied to this mail, not the system.
            log.exception("inbound %s: the parser failed", row.pk)
            return _finish(row, Outcome(InboundStatus.QUARANTINED, f"parser error: {type(exc).__name__}: {exc}"))
        parsed = without_nul(parsed)
        row.kind = parsed.kind
        try:
            with transaction.atomic():
                outcome = _apply(row, parsed)
        except DatabaseError:
            # The database, not the mail, is at fault: let the job retry.
            raise
        except TesseraError as exc:
            outcome = Outcome(InboundStatus.QUARANTINED, f"{exc.code}: {exc.message}")
        except Exception as exc:
            # One mail that trips a bug must not stall the mailbox; it waits here for a replay.
            log.exception("inbound %s: applying the mail failed", row.pk)
            outcome = Outcome(InboundStatus.QUARANTINED, f"internal error: {type(exc).__name__}: {exc}")
        return _finish(row, outcome)


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_strip_nul(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_strip_nul(v) for v in value)
    if isinstance(value, dict):
        return {_strip_nul(k): _strip_nul(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _strip_nul(getattr(value, f.name)) for f in fields(value) if f.name != "content"})
    return value


def without_nul(parsed: ParsedEmail) -> ParsedEmail:
    """The parsed mail without NUL characters, which PostgreSQL text columns refuse (hostile
    and broken mail carries them in headers and bodies alike)."""
    cleaned: ParsedEmail = _strip_nul(parsed)
    return cleaned


def _finish(row: RawInbound, outcome: Outcome) -> str:
    row.status = outcome.status
    row.error = outcome.error.replace("\x00", "")[:4000]
    row.ticket = outcome.ticket
    row.message = outcome.message
    row.processed_at = time.now()
    row.save(update_fields=["status", "error", "kind", "ticket", "message", "attempts", "processed_at"])
    return str(row.status)


# -- applying a parsed mail ---------------------------------------------------------------------


def _own_addresses() -> set[str]:
    """Addresses that are ours: mail from them is our own mail coming back (a loop)."""
    # One round trip for both tables: this runs for every inbound message.
    mailboxes = Mailbox.objects.exclude(address="").order_by().values_list("address", flat=True)
    departments = Department.objects.exclude(email_address="").order_by().values_list("email_address", flat=True)
    own = {a.lower() for a in mailboxes.union(departments, all=True).order_by()}
    if settings.DEFAULT_FROM_EMAIL:
        own.add(str(settings.DEFAULT_FROM_EMAIL).rsplit("<", 1)[-1].strip(">").lower())
    return own


def _is_own(address: str, own: set[str]) -> bool:
    local, _, domain = address.lower().rpartition("@")
    base = f"{local.split('+', 1)[0]}@{domain}"
    return address.lower() in own or base in own or domain == str(settings.TESSERA["REPLY_DOMAIN"]).lower()


def _apply(row: RawInbound, parsed: ParsedEmail) -> Outcome:
    if parsed.kind == "bounce":
        return _apply_bounce(row, parsed)
    if parsed.kind == "complaint":
        return _apply_complaint(row, parsed)
    sender = parsed.from_address.strip().lower()
    if not sender:
        if parsed.kind == "auto_reply":
            return Outcome(InboundStatus.IGNORED, "automatic reply without a sender address")
        return Outcome(InboundStatus.QUARANTINED, "no sender address (From: missing or unreadable)")
    own = _own_addresses()
    if _is_own(sender, own):
        return Outcome(InboundStatus.IGNORED, f"mail from our own address {sender} (a loop)")
    recipients = [*row.envelope_to, *(a for _, a in parsed.to), *(a for _, a in parsed.cc)]
    def agent_authenticated() -> bool:
        # Only where our MTA's verdict is available; without it, today's trust in the From.
        check = _sender_check(row, sender)
        return check is None or check.verified

    match = find_thread(
        sender=sender,
        recipients=recipients,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        subject=parsed.subject,
        agent_authenticated=agent_authenticated,
    )
    if parsed.kind == "auto_reply":
        return _apply_auto_reply(row, parsed, sender, match)
    forward: ForwardClaim | None = None
    if parsed.forwarded is not None and match.ticket is None:
        forward = _forward_claim(row, parsed, sender, own)
        if forward is not None and forward.requester is not None:
            return _deliver_to_ticket(row, parsed, forward.requester, match, own, forward=forward)
    try:
        contact = _contact_for(sender, parsed.from_name)
    except ValidationFailed as exc:
        return Outcome(InboundStatus.QUARANTINED, f"sender address {sender!r} is not usable: {exc.message}")
    if contact.is_blocked:
        return Outcome(InboundStatus.IGNORED, f"sender {sender} is blocked")
    return _deliver_to_ticket(row, parsed, contact, match, own, forward=forward)


def _forward_record(parsed: ParsedEmail) -> dict[str, Any]:
    """The forwarded original's header block, kept on the message's thread reason."""
    forwarded = parsed.forwarded
    if forwarded is None:
        return {}
    return {
        "forwarded": {
            "from": forwarded.from_address,
            "name": forwarded.from_name[:200],
            "to": [address for _, address in forwarded.to][:20],
            "subject": forwarded.subject[:500],
            "date": forwarded.date[:200],
        }
    }


@dataclass(frozen=True)
class ForwardClaim:
    """An agent's address forwarding someone's mail to the desk, and what we make of it."""

    # The original sender, who becomes the requester; ``None``: the mail's own sender is.
    requester: Contact | None
    reason: dict[str, Any]
    # Mark the ticket for an agent's look: the forwarder's address could not be verified.
    review: bool


UNVERIFIED_SETTING_UNSET = (
    "not verified: TESSERA_MAIL_AUTHSERV_ID is not set, so the From address of the forward "
    "cannot be told from a forgery"
)


def _forward_claim(row: RawInbound, parsed: ParsedEmail, sender: str, own: set[str]) -> ForwardClaim | None:
    """When an agent forwards a customer's mail to the desk, the customer is the requester.

    Only for an agent's own address: anyone else forwarding is the requester themself (the
    forward is recorded, nothing more), so a stranger cannot open tickets in another person's
    name by writing a forwarded header block. And the agent's address must be authenticated,
    since a From header is as easy to forge as a header block: see :func:`_sender_check`.
    """
    forwarded = parsed.forwarded
    if forwarded is None or "@" not in forwarded.from_address:
        return None
    original = forwarded.from_address.strip().lower()
    agent = _agent_with_address(sender)
    if agent is None or original == sender or _is_own(original, own) or _agent_with_address(original):
        return None
    forwarded_by = {"user": agent.pk, "address": sender}
    check = _sender_check(row, sender)
    if check is not None and not check.verified:
        # Someone may be using an agent's address to open a ticket in a third person's name:
        # the ticket is theirs (the address they wrote from), and an agent looks at it.
        return ForwardClaim(
            None,
            {
                "forwarded_by": forwarded_by,
                "forward_sender": {"verified": False, "detail": check.detail[:500]},
                "needs_review": True,
            },
            review=True,
        )
    try:
        requester = _contact_for(original, forwarded.from_name)
    except ValidationFailed:
        return None
    if requester.is_blocked:
        return None
    reason: dict[str, Any] = {"requester_from_forward": True, "forwarded_by": forwarded_by}
    if check is None:
        # Today's behaviour where nothing can be verified, with the doubt written down.
        reason["forward_sender"] = {"verified": False, "detail": UNVERIFIED_SETTING_UNSET}
        reason["needs_review"] = True
        return ForwardClaim(requester, reason, review=True)
    reason["forward_sender"] = {"verified": True, "detail": check.detail[:500]}
    return ForwardClaim(requester, reason, review=False)


def _sender_check(row: RawInbound, sender: str) -> SenderCheck | None:
    """What our own MTA's Authentication-Results header says of the sender's domain; ``None``
    when no MTA of ours is configured (``TESSERA_MAIL_AUTHSERV_ID``).

    No channel vouches for the From address by itself: the IMAP mailbox (even on the desk's
    own domain), the SMTP listener and the provider webhooks all take mail from anyone on the
    Internet, and a webhook's signature proves which provider called, not who wrote the mail.
    So the header of a trusted MTA is the only evidence, whatever the channel.
    """
    configured = settings.TESSERA.get("MAIL_AUTHSERV_IDS")
    authserv_ids = [str(i) for i in configured] if isinstance(configured, list | tuple) else []
    if not authserv_ids:
        return None
    head = BytesHeaderParser(policy=compat32).parsebytes(_head(bytes(row.raw)).lstrip(b"\r\n\t \xef\xbb\xbf"))
    values = [str(v) for v in head.get_all("authentication-results", [])]
    return verify_sender(values, authserv_ids, sender)


def _agent_with_address(address: str) -> User | None:
    return (
        User.objects.filter(email__iexact=address, is_active=True, role__in=AGENT_ROLES).order_by("pk").first()
    )


def _apply_auto_reply(row: RawInbound, parsed: ParsedEmail, sender: str, match: ThreadMatch) -> Outcome:
    # Machine mail never opens a ticket (that is how helpdesks end up talking to themselves);
    # an out-of-office answering one of ours is kept on that ticket for the agent to see.
    if match.ticket is None:
        return Outcome(InboundStatus.IGNORED, "automatic reply that answers none of our tickets")
    if match.ticket.status == Status.CLOSED:
        return Outcome(InboundStatus.IGNORED, f"automatic reply to closed ticket {match.ticket.display_number}")
    contact = _contact_for(sender, parsed.from_name)
    reason = {**match.reason, "auto_submitted": True}
    message = add_customer_message(
        _actor_for(contact, match.ticket), match.ticket, author=contact, **_message_fields(parsed, reason)
    )
    return Outcome(InboundStatus.PROCESSED, ticket=match.ticket, message=message)


def _actor_for(contact: Contact, ticket: Ticket) -> Actor:
    """The customer themself where they may see the ticket; the email channel otherwise.

    A sender proven by the reply token but not (yet) on the ticket (the customer writing from
    another address, a colleague they forwarded our mail to) cannot act as a customer on a
    ticket they cannot see; the channel writes for them and the message names them as author.
    """
    actor = Actor.customer(contact, Channel.EMAIL)
    return actor if can_view(actor, ticket) else Actor.system(channel=Channel.EMAIL)


def _message_fields(parsed: ParsedEmail, reason: dict[str, Any]) -> dict[str, Any]:
    limit = int(str(settings.TESSERA["MAX_ATTACHMENT_BYTES"]))
    attachments = [
        NewAttachment(
            filename=a.filename,
            content=a.content,
            content_type=a.content_type,
            content_id=a.content_id or "",
            is_inline=a.is_inline,
        )
        for a in parsed.attachments
        if a.size <= limit
    ]
    dropped = [{"filename": a.filename, "size": a.size} for a in parsed.attachments if a.size > limit]
    if dropped:
        # The rest of the mail is still worth having; the agent sees what was left out.
        reason = {**reason, "dropped_attachments": dropped}
    body = parsed.reply_text.strip() or parsed.text.strip()
    if not body and not parsed.html.strip() and not attachments:
        body = "(empty message)"
    return {
        "body_text": body,
        "body_html": parsed.html,
        "full_text": parsed.text,
        "channel": Channel.EMAIL,
        "external_id": bracketed(parsed.message_id) if parsed.message_id else "",
        "thread_reason": reason,
        "attachments": attachments,
    }


def _deliver_to_ticket(
    row: RawInbound,
    parsed: ParsedEmail,
    contact: Contact,
    match: ThreadMatch,
    own: set[str],
    *,
    forward: ForwardClaim | None = None,
) -> Outcome:
    target = match.ticket
    reason = {**match.reason, **_forward_record(parsed), **(forward.reason if forward else {})}
    if target is not None and target.status != Status.CLOSED:
        message = add_customer_message(
            _actor_for(contact, target), target, author=contact, **_message_fields(parsed, reason)
        )
        return Outcome(InboundStatus.PROCESSED, ticket=target, message=message)

    related = match.related
    if target is not None:
        # A closed ticket stays closed: the customer's new words open a follow-up beside it.
        reason["follow_up_of"] = target.number
        related = target
    # Only mail that opens a conversation is scored: an answer on a thread we started, or a
    # forward an agent chose to send in, is not spam whatever its words look like.
    spam = score_parsed(parsed) if target is None and forward is None else None
    if spam is not None:
        reason["spam_probability"] = round(spam.probability, 4)
        reason["spam_clues"] = [token for token, _f in spam.clues[:5]]
    fields = _message_fields(parsed, reason)
    fields.pop("channel")
    subject = parsed.subject.strip()
    if forward is not None and forward.requester is not None and parsed.forwarded is not None:
        # The customer's words and subject open the ticket; the agent's note and the whole
        # forward stay in the full text.
        subject = parsed.forwarded.subject.strip() or strip_forward_prefixes(subject)
        if parsed.forwarded.body.strip():
            fields["body_text"] = parsed.forwarded.body.strip()
    ticket = create_ticket(
        Actor.system(channel=Channel.EMAIL),
        subject=subject or "(no subject)",
        requester=contact,
        department=row.mailbox.department,
        channel=Channel.EMAIL,
        ccs=_cc_contacts(parsed, contact, own),
        **fields,
    )
    if related is not None:
        link(Actor.system(channel=Channel.EMAIL), ticket, related, LinkKind.RELATED)
    if match.related is not None or (forward is not None and forward.review):
        # A stranger's mail that matched someone else's ticket, or a forward whose agent
        # address is unverified: an agent decides what it is.
        ticket = set_needs_review(Actor.system(channel=Channel.EMAIL), ticket, True)
    if spam is not None and spam.probability >= spam_store.threshold():
        ticket = mark_spam(Actor.system(channel=Channel.EMAIL), ticket)
    return Outcome(InboundStatus.PROCESSED, ticket=ticket, message=ticket.messages.order_by("id").first())


def _cc_contacts(parsed: ParsedEmail, requester: Contact, own: set[str]) -> list[Contact]:
    """The people the customer copied in: they get our replies and may answer on the ticket."""
    contacts: list[Contact] = []
    seen: set[str] = set()
    for name, address in parsed.cc:
        email = address.strip().lower()
        if not email or email in seen or _is_own(email, own):
            continue
        seen.add(email)
        try:
            contact = _contact_for(email, name)
        except ValidationFailed:
            continue
        if contact.pk != requester.pk:
            contacts.append(contact)
        if len(contacts) >= MAX_NEW_CCS:
            break
    return contacts


def _contact_for(address: str, name: str) -> Contact:
    """The contact owning this email address, created on first contact."""
    return find_or_create_contact(Actor.system(channel=Channel.EMAIL), IdentityKind.EMAIL, address, name=name)


# -- bounces and complaints ---------------------------------------------------------------------

_ENCLOSED_TYPES = {"message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers", "message/global-headers"}
_REPORT_ADDRESS = re.compile(r"^(?:original-rcpt-to|removal-recipient)\s*:\s*(?:rfc822\s*;)?\s*<?([^\s<>]+@[^\s<>]+)>?", re.IGNORECASE | re.MULTILINE)


@dataclass
class EnclosedReport:
    """What a DSN or ARF report says about the mail of ours it is about."""

    message_ids: list[str] = field(default_factory=list)
    # ARF Original-Rcpt-To, else the enclosed mail's To: (who complained).
    recipients: list[str] = field(default_factory=list)


def read_report(raw: bytes, *, max_parts: int = 200) -> EnclosedReport:
    report = EnclosedReport()
    try:
        msg = message_from_bytes(raw, policy=compat32)
    except Exception:  # A report too broken to walk simply yields nothing.
        return report
    enclosed_to: list[str] = []
    for count, part in enumerate(msg.walk()):
        if count >= max_parts:
            break
        content_type = part.get_content_type()
        if content_type == "message/feedback-report":
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes):
                inner = part.get_payload()
                data = (
                    b"\n".join(p.as_bytes() for p in inner if isinstance(p, EmailMessage))
                    if isinstance(inner, list)
                    else str(inner).encode()
                )
            report.recipients += [a.lower() for a in _REPORT_ADDRESS.findall(data.decode("utf-8", "replace"))]
            continue
        if content_type not in _ENCLOSED_TYPES:
            continue
        payload = part.get_payload()
        enclosed: EmailMessage | None = None
        if isinstance(payload, list) and payload and isinstance(payload[0], EmailMessage):
            enclosed = payload[0]
        else:
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                enclosed = HeaderParser(policy=compat32).parsestr(data.decode("utf-8", "replace"))
        if enclosed is None:
            continue
        value = enclosed.get("message-id")
        if value:
            report.message_ids += _MSGID.findall(str(value))
        enclosed_to += [a.lower() for _, a in getaddresses([str(v) for v in enclosed.get_all("to", [])]) if "@" in a]
    if not report.recipients:
        report.recipients = enclosed_to
    report.message_ids = list(dict.fromkeys(report.message_ids))
    report.recipients = list(dict.fromkeys(report.recipients))
    return report


def _apply_bounce(row: RawInbound, parsed: ParsedEmail) -> Outcome:
    ids = read_report(bytes(row.raw)).message_ids
    if parsed.in_reply_to:
        ids.append(bracketed(parsed.in_reply_to))
    ids += [bracketed(r) for r in parsed.references]
    permanent = sorted({r.address.strip().lower() for r in parsed.bounced_recipients if not r.temporary and r.address})
    temporary = sorted({r.address.strip().lower() for r in parsed.bounced_recipients if r.temporary and r.address})
    details = "; ".join(
        f"{r.address} {r.status or '?'} {r.action or ''}".strip() for r in parsed.bounced_recipients
    )[:2000]

    deliveries = list(Delivery.objects.filter(rfc_message_id__in=ids, channel=Channel.EMAIL)) if ids else []
    matched_by = "message_id" if deliveries else ""
    if not deliveries and permanent:
        recent = Delivery.objects.filter(channel=Channel.EMAIL).order_by("-id")[:BOUNCE_LOOKBACK]
        wanted = set(permanent)
        for delivery in recent:
            addresses = {str(a).lower() for a in [*delivery.recipients, *delivery.cc]}
            if addresses & wanted:
                deliveries.append(delivery)
                wanted -= addresses
            if not wanted:
                break
        matched_by = "recipient" if deliveries else ""

    if permanent:
        # A delay (4.x.x) is not a failure: the remote server is still trying.
        for delivery in deliveries:
            if delivery.status in {DeliveryStatus.SENT, DeliveryStatus.PENDING}:
                delivery.status = DeliveryStatus.FAILED
                delivery.last_error = f"bounced ({matched_by}): {details}"
                delivery.save(update_fields=["status", "last_error"])
                record_delivery_failure(
                    Actor.system(channel=Channel.EMAIL),
                    delivery.ticket_id,
                    delivery_id=delivery.pk,
                    recipients=[str(a) for a in [*delivery.recipients, *delivery.cc]],
                    error=delivery.last_error,
                )
        ContactIdentity.objects.filter(kind=IdentityKind.EMAIL, value__in=permanent).update(
            bounced_at=time.now(), bounce_reason=details or "bounced"
        )
    ticket = deliveries[0].ticket if deliveries else None
    if not deliveries and not permanent:
        summary = "temporary delivery problem for " + ", ".join(temporary) if temporary else "no recipients found"
        return Outcome(InboundStatus.IGNORED, f"bounce matched no delivery of ours ({summary})", ticket=ticket)
    return Outcome(InboundStatus.PROCESSED, ticket=ticket)


def _apply_complaint(row: RawInbound, parsed: ParsedEmail) -> Outcome:
    # The recipient told their provider our mail is spam: stop mailing the address.
    report = read_report(bytes(row.raw))
    delivery = (
        Delivery.objects.filter(rfc_message_id__in=report.message_ids).first() if report.message_ids else None
    )
    addresses = {r.address.strip().lower() for r in parsed.bounced_recipients if r.address}
    addresses |= set(report.recipients)
    if not addresses and delivery is not None:
        addresses = {str(a).lower() for a in delivery.recipients}
    if addresses:
        ContactIdentity.objects.filter(kind=IdentityKind.EMAIL, value__in=sorted(addresses)).update(
            bounced_at=time.now(), bounce_reason="abuse complaint (the recipient reported our mail as spam)"
        )
    return Outcome(
        InboundStatus.PROCESSED,
        "" if addresses or delivery else "complaint names no address or delivery of ours",
        ticket=delivery.ticket if delivery else None,
    )
