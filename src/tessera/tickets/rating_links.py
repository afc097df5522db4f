"""Signed rating links: the resolution email lets its recipient rate without signing in.

A link carries ``{"n": ticket number, "c": contact id, "at": issued (epoch seconds)}`` signed
under ``SECRET_KEY`` with its own salt, so it is good for one ticket and one contact only and
no other signed value of ours can stand in for it. Age is measured on Tessera's clock
(``core.time``), not inside the signature, so it expires after ``MAX_AGE`` however the link is
used. Following a link only shows a form: mail scanners open links, so a rating is only ever
given by the POST that form sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact
from tessera.core import time
from tessera.core.errors import NotFound, TesseraError
from tessera.tickets.access import access_ticket
from tessera.tickets.models import Ticket
from tessera.tickets.permissions import can_rate

SALT = "tessera.tickets.rating-link"
MAX_AGE = timedelta(days=30)
# The channel a rating given through a link is recorded under: it came from our email.
CHANNEL = "email"


class LinkExpired(TesseraError):
    """A genuine link that is too old: the page says so instead of pretending it never existed."""

    code = "link_expired"
    status = 410


def issue(ticket: Ticket, contact: Contact, *, at: datetime | None = None) -> str:
    issued = int((at or time.now()).timestamp())
    return signing.dumps({"n": ticket.number, "c": contact.pk, "at": issued}, salt=SALT, compress=False)


def url(ticket: Ticket, contact: Contact) -> str:
    """The absolute link for an email; the host comes from configuration, never a request."""
    path = reverse("portal:rate_link", args=[ticket.number, issue(ticket, contact)])
    return str(settings.TESSERA["SITE_URL"]).rstrip("/") + path


@dataclass(frozen=True)
class RatingLink:
    actor: Actor
    ticket: Ticket


def open_link(token: str, number: int) -> RatingLink:
    """The contact a link speaks for and the ticket it rates.

    NotFound for anything forged, altered, meant for another ticket, or whose contact is no
    longer one of the ticket's customers; LinkExpired for a genuine link past its age.
    """
    try:
        data = signing.loads(token, salt=SALT)
        linked_number, contact_id, issued = int(data["n"]), int(data["c"]), int(data["at"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("Ticket not found")) from None
    if linked_number != number:
        raise NotFound(_("Ticket not found"))
    if time.now().timestamp() - issued > MAX_AGE.total_seconds():
        raise LinkExpired(_("This rating link has expired."))
    contact = Contact.objects.select_related("organisation", "merged_into__organisation").filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("Ticket not found"))
    if contact.merged_into is not None:
        # Merged since the mail was sent: the surviving contact now owns the ticket.
        contact = contact.merged_into
    actor = Actor.customer(contact, CHANNEL)
    ticket = access_ticket(actor, number)
    if not can_rate(actor, ticket):
        raise NotFound(_("Ticket not found"))
    return RatingLink(actor=actor, ticket=ticket)
