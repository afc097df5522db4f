"""Which ticket an inbound mail belongs to, and why: explainable threading.

Tried in order, first accepted match wins:

1. ``token``: our signed token, in a recipient address (``support+<token>@…``) or inside one of
   our Message-IDs echoed in In-Reply-To/References. The signature proves the sender was sent
   mail about that ticket, so no participant check is needed.
2. ``in_reply_to`` / ``references``: the ids against stored inbound ``Message.external_id`` and
   our outbound ``Delivery.rfc_message_id``.
3. ``subject_tag``: ``[<prefix><number>]`` in the subject.

Methods 2 and 3 are guessable by anyone (a ticket number in a subject, a Message-ID copied from
a forwarded mail), so their match is accepted only when the sender takes part in the ticket
(requester, CC, agent). A rejected match does not fall through to "new ticket" silently: the
caller opens a new ticket linked to the one the mail claimed, marked for review, and the reason
names both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from tessera.accounts.models import ContactIdentity, IdentityKind, Role, User
from tessera.channels import tokens
from tessera.channels.models import Delivery
from tessera.tickets.models import Message, Ticket

AGENT_ROLES = (Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT)
MAX_REFERENCES = 50  # A hostile References header must not turn into an unbounded query.


@dataclass
class ThreadMatch:
    """``ticket``: append there. ``related``: open a new ticket linked to this one, for review."""

    ticket: Ticket | None
    related: Ticket | None
    reason: dict[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return str(self.reason.get("method", "new"))


def bracketed(message_id: str) -> str:
    """Message-IDs are compared in their written form, ``<id@host>``."""
    value = message_id.strip()
    if not value:
        return value
    return value if value.startswith("<") else f"<{value.strip('<>')}>"


def _follow_merges(ticket: Ticket) -> Ticket:
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def is_participant(ticket: Ticket, sender: str, agent_authenticated: Callable[[], bool] | None = None) -> bool:
    """The requester, a CC contact, or an agent of the desk, by email address.

    An agent may write to any ticket, which makes an agent's address the one worth forging;
    ``agent_authenticated`` (asked only when the sender is an agent) can refuse a From that our
    MTA did not authenticate.
    """
    address = sender.strip().lower()
    if not address:
        return False
    contact_ids = [ticket.requester_id, *ticket.ccs.values_list("pk", flat=True)]
    if ContactIdentity.objects.filter(
        kind=IdentityKind.EMAIL, value=address, contact_id__in=contact_ids
    ).exists():
        return True
    if not User.objects.filter(email__iexact=address, role__in=AGENT_ROLES, is_active=True).exists():
        return False
    return agent_authenticated is None or agent_authenticated()


def _by_token(recipients: Iterable[str], message_ids: Sequence[tuple[str, str]]) -> tuple[Ticket, dict[str, Any]] | None:
    for address in recipients:
        number = tokens.number_from_address(address)
        if number is not None:
            ticket = Ticket.objects.filter(number=number).first()
            if ticket is not None:
                return ticket, {"ticket": ticket.number, "via": "address", "address": address}
    for header, message_id in message_ids:
        number = tokens.number_from_message_id(message_id)
        if number is not None:
            ticket = Ticket.objects.filter(number=number).first()
            if ticket is not None:
                return ticket, {"ticket": ticket.number, "via": header, "message_id": message_id}
    return None


def _tickets_for_ids(ids: Sequence[str]) -> dict[str, list[int]]:
    """Message-ID → ticket ids that hold it (inbound messages first, then our deliveries)."""
    found: dict[str, list[int]] = {}
    for external_id, ticket_id in Message.objects.filter(external_id__in=ids).order_by("id").values_list(
        "external_id", "ticket_id"
    ):
        found.setdefault(external_id, []).append(ticket_id)
    for rfc_id, ticket_id in Delivery.objects.filter(rfc_message_id__in=ids).order_by("id").values_list(
        "rfc_message_id", "ticket_id"
    ):
        found.setdefault(rfc_id, []).append(ticket_id)
    return found


def subject_numbers(subject: str) -> list[int]:
    prefix = re.escape(str(settings.TESSERA["TICKET_PREFIX"]))
    pattern = re.compile(r"\[\s*" + prefix + r"\s*(\d{1,18})\s*\]")
    return [int(n) for n in pattern.findall(subject or "")]


def find_thread(
    *,
    sender: str,
    recipients: Sequence[str],
    in_reply_to: str | None,
    references: Sequence[str],
    subject: str,
    agent_authenticated: Callable[[], bool] | None = None,
) -> ThreadMatch:
    rejected: list[dict[str, Any]] = []
    header_ids: list[tuple[str, str]] = []
    if in_reply_to:
        header_ids.append(("in_reply_to", bracketed(in_reply_to)))
    # The newest reference is the last one: try those first.
    for ref in list(reversed(list(references)))[:MAX_REFERENCES]:
        header_ids.append(("references", bracketed(ref)))

    token_match = _by_token(recipients, header_ids)
    if token_match is not None:
        ticket, matched = token_match
        return ThreadMatch(_follow_merges(ticket), None, {"method": "token", "matched": matched, "rejected": rejected})

    first_rejected: Ticket | None = None

    def consider(method: str, ticket: Ticket, matched: dict[str, Any]) -> Ticket | None:
        nonlocal first_rejected
        target = _follow_merges(ticket)
        if is_participant(target, sender, agent_authenticated):
            return target
        rejected.append({
            "method": method,
            "ticket": target.number,
            "why": f"{sender or 'the sender'} is not the requester, a CC or an authenticated agent of this ticket",
            **matched,
        })
        if first_rejected is None:
            first_rejected = target
        return None

    if header_ids:
        by_id = _tickets_for_ids([mid for _, mid in header_ids])
        tried: set[int] = set()
        for header, message_id in header_ids:
            for ticket_id in by_id.get(message_id, []):
                if ticket_id in tried:
                    continue
                tried.add(ticket_id)
                ticket = Ticket.objects.get(pk=ticket_id)
                accepted = consider(header, ticket, {"message_id": message_id})
                if accepted is not None:
                    return ThreadMatch(accepted, None, {
                        "method": header,
                        "matched": {"ticket": accepted.number, "message_id": message_id},
                        "rejected": rejected,
                    })

    for number in subject_numbers(subject):
        tagged = Ticket.objects.filter(number=number).first()
        if tagged is None:
            continue
        accepted = consider("subject_tag", tagged, {"tag_number": number})
        if accepted is not None:
            return ThreadMatch(accepted, None, {
                "method": "subject_tag",
                "matched": {"ticket": accepted.number, "tag_number": number},
                "rejected": rejected,
            })

    reason: dict[str, Any] = {"method": "new", "matched": None, "rejected": rejected}
    if first_rejected is not None:
        reason["needs_review"] = True
        reason["related_to"] = first_rejected.number
    return ThreadMatch(None, first_rejected, reason)
