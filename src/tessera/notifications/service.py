"""Who is told what when a ticket changes (by email, through deliveries)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import translation
from django.utils.translation import gettext as _

from tessera.channels.delivery import plan_notice
from tessera.channels.models import DeliveryPurpose
from tessera.core import time
from tessera.tickets import rating_links
from tessera.tickets.models import EventKind, TicketEvent
from tessera.tickets.states import Status

# A notice about something that happened long ago is noise (a restored backlog, imported
# history): the ticket itself shows it; only fresh changes are mailed.
STALE_AFTER = timedelta(hours=24)


def notify_for_events(events: list[TicketEvent]) -> None:
    cutoff = time.now() - STALE_AFTER
    for event in events:
        if event.created_at < cutoff:
            continue
        ticket = event.ticket
        if event.kind == EventKind.STATUS and event.after == Status.RESOLVED:
            to = [i.value for i in ticket.requester.identities.all() if i.kind == "email" and not i.bounced_at][:1]
            with translation.override(ticket.requester.language or "en"):
                body = _(
                    "Your request %(number)s has been marked resolved. If something is still "
                    "wrong, simply reply to this email and the ticket will reopen."
                ) % {"number": ticket.display_number}
                # Only the requester is mailed, so the link speaks for the requester alone.
                body += "\n\n" + _("How did we do? Please rate the help you received:\n%(url)s") % {
                    "url": rating_links.url(ticket, ticket.requester)
                }
                plan_notice(
                    ticket,
                    DeliveryPurpose.NOTIFY_RESOLVED,
                    to,
                    _("[%(number)s] Your request was resolved: %(subject)s")
                    % {"number": ticket.display_number, "subject": ticket.subject},
                    body,
                )
        elif event.kind == EventKind.ASSIGNED and ticket.assignee is not None:
            assignee = ticket.assignee
            if event.actor_user_id == assignee.pk or not assignee.email:
                continue
            with translation.override(assignee.language or "en"):
                plan_notice(
                    ticket,
                    DeliveryPurpose.NOTIFY_ASSIGNED,
                    [assignee.email],
                    _("[%(number)s] Assigned to you: %(subject)s")
                    % {"number": ticket.display_number, "subject": ticket.subject},
                    _("%(actor)s assigned ticket %(number)s to you.")
                    % {"actor": event.actor_label or "Tessera", "number": ticket.display_number},
                )
