"""Merging two contacts that turned out to be one person (reached through several channels)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact, ContactIdentity, ContactNote, User
from tessera.core import time
from tessera.core.errors import PermissionDenied, ValidationFailed
from tessera.tickets.actions._base import event, write_events
from tessera.tickets.models import EventKind, Message, Ticket


def merge_contacts(actor: Actor, source: Contact, target: Contact) -> Contact:
    """Fold ``source`` into ``target``: identities, tickets, messages, CCs and notes move;
    ``source`` stays as a pointer so old links keep working."""
    if not actor.is_agent:
        raise PermissionDenied(_("Only agents may merge contacts"))
    if source.pk == target.pk:
        raise ValidationFailed(_("A contact cannot be merged into itself"), field="target")
    with transaction.atomic():
        first, second = sorted([source.pk, target.pk])
        locked = {c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=[first, second])}
        src, dst = locked[source.pk], locked[target.pk]
        if src.merged_into_id is not None or dst.merged_into_id is not None:
            raise ValidationFailed(_("One of these contacts was already merged"), field="source")
        src_user = User.objects.filter(contact=src).first()
        if src_user is not None and User.objects.filter(contact=dst).exists():
            raise ValidationFailed(_("Both contacts have portal accounts; merge the accounts first"), field="source")
        at = time.now()
        tickets = list(Ticket.objects.select_for_update(of=("self",)).filter(requester=src).order_by("pk"))
        events = [
            event(t, actor, EventKind.FIELD, field="requester", before=str(src), after=str(dst), at=at)
            for t in tickets
        ]
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
            requester=dst, organisation=dst.organisation, version=F("version") + 1, updated_at=at
        )
        through = Ticket.ccs.through
        cc_ticket_ids = set(through.objects.filter(contact_id=dst.pk).values_list("ticket_id", flat=True))
        through.objects.filter(contact_id=src.pk, ticket_id__in=cc_ticket_ids).delete()
        through.objects.filter(contact_id=src.pk).update(contact_id=dst.pk)
        Message.objects.filter(author_contact=src).update(author_contact=dst)
        ContactIdentity.objects.filter(contact=src).update(contact=dst, is_primary=False)
        ContactNote.objects.filter(contact=src).update(contact=dst)
        if src_user is not None:
            src_user.contact = dst
            src_user.save(update_fields=["contact"])
        dst.attributes = {**src.attributes, **dst.attributes}
        if not dst.name:
            dst.name = src.name
        if dst.organisation_id is None:
            dst.organisation_id = src.organisation_id
        dst.save(update_fields=["attributes", "name", "organisation", "updated_at"])
        src.merged_into = dst
        src.save(update_fields=["merged_into", "updated_at"])
        if events:
            for t in tickets:
                t.version += 1
            write_events(events)
        return dst
