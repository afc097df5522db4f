"""Learning from agents' spam marks, and scoring new mail.

A ticket teaches the filter through its first customer message, re-read from the raw mail
where it is still stored (so the tokens learned are the tokens an inbound mail is scored on,
headers included) and from the stored message otherwise. Each ticket is learned at most once
per class: :class:`LearnedTicket` keeps the class and the exact tokens, so a ticket unmarked
after being learned as spam is taken back out and counted as ham, never twice.
"""

from __future__ import annotations

from django.db import transaction

from tessera.channels.email.parser import EmailParseError, ParsedEmail, parse_email
from tessera.channels.models import RawInbound
from tessera.core import time
from tessera.spam import store
from tessera.spam.classifier import Verdict
from tessera.spam.models import LearnedTicket
from tessera.spam.tokens import MailText, mail_from_parsed, tokenize
from tessera.tickets.models import AuthorKind, Message, Ticket


def score_parsed(parsed: ParsedEmail) -> Verdict | None:
    """The spam probability of an inbound mail; ``None`` while the filter is untrained."""
    return store.classify(tokenize(mail_from_parsed(parsed)))


def _first_customer_message(ticket: Ticket) -> Message | None:
    return (
        Message.objects.filter(ticket=ticket, author_kind=AuthorKind.CONTACT)
        .select_related("author_contact")
        .order_by("created_at", "id")
        .first()
    )


def mail_of(message: Message) -> MailText:
    raw = (
        RawInbound.objects.filter(message=message).exclude(truncated=True).values_list("raw", flat=True).first()
    )
    if raw:
        try:
            return mail_from_parsed(parse_email(bytes(raw)))
        except EmailParseError:
            pass
    sender = message.author_contact.primary_email if message.author_contact else ""
    return MailText(
        subject=message.ticket.subject,
        text=message.full_text or message.body_text,
        html=message.body_html,
        sender=sender,
        attachment_types=tuple(message.attachments.values_list("content_type", flat=True)),
    )


def learn_ticket(ticket_id: int) -> str:
    """Bring what the filter learned from a ticket in line with its current spam mark.

    Reads the mark when the job runs, not when it was queued: an agent who marks and unmarks
    quickly leaves the filter as if only the last click had happened.
    """
    with transaction.atomic():
        # The ticket row lock serialises two jobs for the same ticket.
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            return "gone"
        learned = LearnedTicket.objects.filter(ticket=ticket).first()
        if learned is not None and learned.is_spam == ticket.is_spam:
            return "unchanged"
        if learned is not None:
            store.unlearn(learned.tokens, learned.is_spam)
            tokens = list(learned.tokens)
        else:
            message = _first_customer_message(ticket)
            if message is None:
                return "nothing to learn"
            tokens = tokenize(mail_of(message))
        store.learn(tokens, ticket.is_spam)
        LearnedTicket.objects.update_or_create(
            ticket=ticket, defaults={"is_spam": ticket.is_spam, "tokens": tokens, "learned_at": time.now()}
        )
        return "spam" if ticket.is_spam else "ham"
