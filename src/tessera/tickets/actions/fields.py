"""Changing a ticket's fields: properties, assignee, status, tags."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.accounts.models import Department, User
from tessera.core import time
from tessera.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tessera.tickets.actions._base import event, lock, require, save_ticket, write_events
from tessera.tickets.custom_fields import clean_values
from tessera.tickets.models import EventKind, Priority, Tag, Ticket, TicketEvent, TicketType
from tessera.tickets.permissions import can_close, can_edit
from tessera.tickets.states import Status, can_transition


def clean_subject(subject: str) -> str:
    subject = unicodedata.normalize("NFC", " ".join((subject or "").split()))
    if not subject:
        raise ValidationFailed(_("A subject is required"), field="subject")
    return subject[:250]


def clean_tag(name: str) -> str:
    tag = unicodedata.normalize("NFC", " ".join((name or "").split()))
    if not tag or len(tag) > 64:
        raise ValidationFailed(_("A tag is 1 to 64 characters"), field="tags")
    return tag


def resolve_tags(names: Iterable[str]) -> list[Tag]:
    wanted = {clean_tag(n).casefold(): clean_tag(n) for n in names}
    if not wanted:
        return []
    match = Q()
    for name in wanted.values():
        match |= Q(name__iexact=name)
    existing: dict[str, Tag] = {t.name.casefold(): t for t in Tag.objects.filter(match)}
    tags: list[Tag] = []
    for key, name in wanted.items():
        found = existing.get(key)
        if found is None:
            found, _ = Tag.objects.get_or_create(name=name)
        tags.append(found)
    return tags


EDITABLE = {"subject", "type", "priority", "department", "due_at", "custom_fields"}


def change_fields(
    actor: Actor,
    ticket: Ticket,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
) -> Ticket:
    """Change properties; ``status`` and ``assignee`` may be included and go through their rules."""
    unknown = set(changes) - EDITABLE - {"status", "assignee"}
    if unknown:
        raise ValidationFailed(f"Unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    with transaction.atomic():
        locked = lock(actor, ticket, expected_version)
        require(can_edit(actor, locked))
        at = time.now()
        events: list[TicketEvent] = []
        dirty: set[str] = set()
        for name in ("subject", "type", "priority", "due_at"):
            if name not in changes:
                continue
            value = changes[name]
            if name == "subject":
                value = clean_subject(value)
            elif name == "type" and value not in TicketType.values:
                raise ValidationFailed(f"Unknown type {value!r}", field="type")
            elif name == "priority" and value not in Priority.values:
                raise ValidationFailed(f"Unknown priority {value!r}", field="priority")
            elif name == "due_at" and value is not None and not isinstance(value, datetime):
                raise ValidationFailed("due_at must be a date and time", field="due_at")
            before = getattr(locked, name)
            if before == value:
                continue
            setattr(locked, name, value)
            dirty.add(name)
            events.append(
                event(locked, actor, EventKind.FIELD, field=name, before=_plain(before), after=_plain(value), at=at)
            )
        if "department" in changes:
            department = changes["department"]
            if not isinstance(department, Department) or not department.is_active:
                raise ValidationFailed(_("Unknown or inactive department"), field="department")
            if department.pk != locked.department_id:
                events.append(
                    event(locked, actor, EventKind.FIELD, field="department",
                          before=locked.department.name, after=department.name, at=at)
                )
                locked.department = department
                dirty.add("department")
        if "custom_fields" in changes:
            cleaned = clean_values(changes["custom_fields"] or {})
            merged = {**locked.custom_fields, **cleaned}
            for key in sorted(cleaned):
                if locked.custom_fields.get(key) != cleaned[key]:
                    events.append(
                        event(locked, actor, EventKind.FIELD, field=f"custom_fields.{key}",
                              before=locked.custom_fields.get(key), after=cleaned[key], at=at)
                    )
            if merged != locked.custom_fields:
                locked.custom_fields = merged
                dirty.add("custom_fields")
        if "assignee" in changes:
            events += _assign(actor, locked, changes["assignee"], at, dirty)
        if "status" in changes:
            events += _status(actor, locked, changes["status"], at, dirty)
        if events:
            save_ticket(locked, dirty, at)
            write_events(events)
        return locked


def assign(
    actor: Actor, ticket: Ticket, assignee: User | None, *, expected_version: int | None = None
) -> Ticket:
    return change_fields(actor, ticket, {"assignee": assignee}, expected_version=expected_version)


def change_status(
    actor: Actor, ticket: Ticket, status: str, *, expected_version: int | None = None
) -> Ticket:
    with transaction.atomic():
        locked = lock(actor, ticket, expected_version)
        at = time.now()
        dirty: set[str] = set()
        if actor.is_customer:
            # Customers change status only by closing their own ticket where policy allows.
            if status != Status.CLOSED:
                raise PermissionDenied(_("Customers may only close a ticket"))
        else:
            require(can_edit(actor, locked))
        events = _status(actor, locked, status, at, dirty)
        if events:
            save_ticket(locked, dirty, at)
            write_events(events)
        return locked


def _assign(actor: Actor, ticket: Ticket, assignee: User | None, at: datetime, dirty: set[str]) -> list[TicketEvent]:
    if assignee is not None:
        if not assignee.is_agent or not assignee.is_active:
            raise ValidationFailed(_("Tickets can only be assigned to active agents"), field="assignee")
        if not assignee.is_admin and not assignee.memberships.filter(department_id=ticket.department_id).exists():
            raise ValidationFailed(_("The agent is not a member of the ticket's department"), field="assignee")
    if (assignee.pk if assignee else None) == ticket.assignee_id:
        return []
    before = ticket.assignee.label if ticket.assignee else None
    ticket.assignee = assignee
    dirty.add("assignee")
    events = [event(ticket, actor, EventKind.ASSIGNED, field="assignee", before=before,
                    after=assignee.label if assignee else None, at=at)]
    if assignee is not None and ticket.status == Status.NEW:
        events += _status(actor, ticket, Status.OPEN, at, dirty)
    return events


def _status(actor: Actor, ticket: Ticket, status: str, at: datetime, dirty: set[str]) -> list[TicketEvent]:
    if status not in Status.__members__.values():
        raise ValidationFailed(f"Unknown status {status!r}", field="status")
    if status == ticket.status:
        return []
    if not can_transition(ticket.status, status):
        raise InvalidTransition(
            _("A ticket cannot go from %(before)s to %(after)s")
            % {"before": Status(ticket.status).label, "after": Status(status).label},
            field="status",
        )
    if status == Status.CLOSED and not can_close(actor, ticket):
        raise PermissionDenied(_("This department's closing policy does not let you close tickets"))
    before = ticket.status
    ticket.status = status
    ticket.status_changed_at = at
    dirty.update({"status", "status_changed_at"})
    if status == Status.RESOLVED:
        ticket.resolved_at = at
        dirty.add("resolved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = at
        if ticket.resolved_at is None:
            ticket.resolved_at = at
        dirty.update({"closed_at", "resolved_at"})
    return [event(ticket, actor, EventKind.STATUS, field="status", before=before, after=status, at=at)]


def tag(actor: Actor, ticket: Ticket, names: Sequence[str], *, expected_version: int | None = None) -> Ticket:
    with transaction.atomic():
        locked = lock(actor, ticket, expected_version)
        require(can_edit(actor, locked))
        present = {t.name.casefold() for t in locked.tags.all()}
        new = [t for t in resolve_tags(names) if t.name.casefold() not in present]
        if new:
            locked.tags.add(*new)
            at = time.now()
            save_ticket(locked, [], at)
            write_events([event(locked, actor, EventKind.TAGGED, after=sorted(t.name for t in new), at=at)])
        return locked


def untag(actor: Actor, ticket: Ticket, names: Sequence[str], *, expected_version: int | None = None) -> Ticket:
    with transaction.atomic():
        locked = lock(actor, ticket, expected_version)
        require(can_edit(actor, locked))
        wanted = {clean_tag(n).casefold() for n in names}
        gone = [t for t in locked.tags.all() if t.name.casefold() in wanted]
        if gone:
            locked.tags.remove(*gone)
            at = time.now()
            save_ticket(locked, [], at)
            write_events([event(locked, actor, EventKind.UNTAGGED, before=sorted(t.name for t in gone), at=at)])
        return locked


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value
