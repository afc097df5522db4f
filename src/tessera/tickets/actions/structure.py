"""How tickets relate: merging duplicates, linking problems to incidents, parents to children."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.core import time
from tessera.core.errors import ValidationFailed
from tessera.tickets.actions._base import event, lock, require, save_ticket, write_events
from tessera.tickets.models import EventKind, LinkKind, Message, Ticket, TicketLink
from tessera.tickets.permissions import can_edit
from tessera.tickets.states import Status


def merge(actor: Actor, source: Ticket, target: Ticket) -> Ticket:
    """Fold ``source`` into ``target``: its conversation moves, it is closed and points there."""
    if source.pk == target.pk:
        raise ValidationFailed(_("A ticket cannot be merged into itself"), field="target")
    with transaction.atomic():
        # Lock in id order so two merges of the same pair in opposite directions cannot deadlock.
        first, second = sorted([source.pk, target.pk])
        locked = {first: lock(actor, first), second: lock(actor, second)}
        src, dst = locked[source.pk], locked[target.pk]
        require(can_edit(actor, src) and can_edit(actor, dst))
        if src.merged_into_id is not None:
            raise ValidationFailed(_("That ticket was already merged"), field="source")
        if dst.status == Status.CLOSED or dst.merged_into_id is not None:
            raise ValidationFailed(_("Cannot merge into a closed or merged ticket"), field="target")
        at = time.now()
        moved = Message.objects.filter(ticket=src).update(ticket=dst)
        if src.requester_id != dst.requester_id:
            dst.ccs.add(src.requester_id)
        dst.ccs.add(*src.ccs.values_list("pk", flat=True))
        dst.tags.add(*src.tags.all())
        dst.followers.add(*src.followers.all())
        before_status = src.status
        src.status = Status.CLOSED
        src.closed_at = at
        src.resolved_at = src.resolved_at or at
        src.status_changed_at = at
        src.merged_into = dst
        TicketLink.objects.get_or_create(source=src, target=dst, kind=LinkKind.MERGED_INTO)
        save_ticket(src, ["status", "closed_at", "resolved_at", "status_changed_at", "merged_into"], at)
        save_ticket(dst, [], at)
        write_events(
            [
                event(src, actor, EventKind.MERGED, field="status", before=before_status,
                      after={"into": dst.number, "messages": moved}, at=at),
                event(dst, actor, EventKind.MERGED_FROM, after={"from": src.number, "messages": moved}, at=at),
            ]
        )
        return dst


def link(actor: Actor, source: Ticket, target: Ticket, kind: str) -> TicketLink:
    if kind not in {LinkKind.PROBLEM_INCIDENT, LinkKind.PARENT_CHILD, LinkKind.RELATED}:
        raise ValidationFailed(f"Unknown link kind {kind!r}", field="kind")
    if source.pk == target.pk:
        raise ValidationFailed(_("A ticket cannot be linked to itself"), field="target")
    with transaction.atomic():
        first, second = sorted([source.pk, target.pk])
        locked = {first: lock(actor, first), second: lock(actor, second)}
        src, dst = locked[source.pk], locked[target.pk]
        require(can_edit(actor, src) and can_edit(actor, dst))
        if kind == LinkKind.PROBLEM_INCIDENT and src.type != "problem":
            raise ValidationFailed(_("Incidents are linked to a ticket of type problem"), field="source")
        if kind == LinkKind.PARENT_CHILD and TicketLink.objects.filter(
            source=dst, target=src, kind=LinkKind.PARENT_CHILD
        ).exists():
            raise ValidationFailed(_("That would make a ticket its own grandparent"), field="target")
        created_link, created = TicketLink.objects.get_or_create(source=src, target=dst, kind=kind)
        if created:
            at = time.now()
            save_ticket(src, [], at)
            save_ticket(dst, [], at)
            write_events(
                [
                    event(src, actor, EventKind.LINKED, field=kind, after={"ticket": dst.number, "role": "source"}, at=at),
                    event(dst, actor, EventKind.LINKED, field=kind, after={"ticket": src.number, "role": "target"}, at=at),
                ]
            )
        return created_link


def unlink(actor: Actor, source: Ticket, target: Ticket, kind: str) -> None:
    with transaction.atomic():
        first, second = sorted([source.pk, target.pk])
        locked = {first: lock(actor, first), second: lock(actor, second)}
        src, dst = locked[source.pk], locked[target.pk]
        require(can_edit(actor, src) and can_edit(actor, dst))
        deleted, _ = TicketLink.objects.filter(source=src, target=dst, kind=kind).delete()
        if deleted:
            at = time.now()
            save_ticket(src, [], at)
            save_ticket(dst, [], at)
            write_events(
                [
                    event(src, actor, EventKind.UNLINKED, field=kind, before={"ticket": dst.number}, at=at),
                    event(dst, actor, EventKind.UNLINKED, field=kind, before={"ticket": src.number}, at=at),
                ]
            )
