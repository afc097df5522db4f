"""Read paths for tickets, already scoped to what the actor may see."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from tessera.accounts.actor import Actor
from tessera.accounts.models import Department, User
from tessera.core.errors import ValidationFailed
from tessera.tickets.models import Tag, Ticket
from tessera.tickets.permissions import visible_tickets


@dataclass
class TicketFilters:
    status: Sequence[str] = ()
    department: Sequence[int] = ()
    assignee: Sequence[int] = ()
    unassigned: bool = False
    priority: Sequence[str] = ()
    type: Sequence[str] = ()
    tag: Sequence[str] = ()
    channel: Sequence[str] = ()
    requester: Sequence[int] = ()
    updated_since: datetime | None = None
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    items: list[Ticket]
    next_cursor: str | None


def filtered(actor: Actor, filters: TicketFilters) -> QuerySet[Ticket]:
    qs = visible_tickets(actor)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.department:
        qs = qs.filter(department_id__in=filters.department)
    assignee_q = Q()
    if filters.assignee:
        assignee_q |= Q(assignee_id__in=filters.assignee)
    if filters.unassigned:
        assignee_q |= Q(assignee__isnull=True)
    if assignee_q:
        qs = qs.filter(assignee_q)
    if filters.priority:
        qs = qs.filter(priority__in=filters.priority)
    if filters.type:
        qs = qs.filter(type__in=filters.type)
    if filters.channel:
        qs = qs.filter(channel__in=filters.channel)
    if filters.requester:
        qs = qs.filter(requester_id__in=filters.requester)
    if filters.updated_since is not None:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    if filters.text.strip():
        text = filters.text.strip()
        match = Q(subject__icontains=text)
        digits = text.lstrip("#")
        if digits.isdigit() and len(digits) < 18:
            match |= Q(number=int(digits))
        qs = qs.filter(match)
    for name in filters.tag:
        # One EXISTS per tag: "all of these tags", without duplicate rows from a join.
        through = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag__name__iexact=name)
        qs = qs.filter(Exists(through))
    return qs


def encode_cursor(ticket: Ticket) -> str:
    raw = json.dumps([ticket.updated_at.isoformat(), ticket.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        updated, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(updated), int(pk)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ValidationFailed("Invalid cursor", field="cursor") from None


def ticket_list(
    actor: Actor | User, filters: TicketFilters, *, limit: int = 25, cursor: str | None = None
) -> Page:
    """Newest-updated first, keyset-paginated: page 1,000 costs what page 1 costs."""
    if isinstance(actor, User):
        actor = Actor.of(actor)
    qs = filtered(actor, filters)
    if cursor:
        updated_at, pk = decode_cursor(cursor)
        qs = qs.filter(Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, pk__lt=pk))
    rows = list(
        qs.select_related("department", "assignee", "requester")
        .prefetch_related("tags")
        .order_by("-updated_at", "-id")[: limit + 1]
    )
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


def department_counts(actor: Actor | User) -> list[dict[str, Any]]:
    """New / open / pending / resolved per department the actor works in."""
    if isinstance(actor, User):
        actor = Actor.of(actor)
    departments = Department.objects.filter(is_active=True)
    if not actor.is_admin:
        departments = departments.filter(pk__in=actor.department_ids)
    counts = (
        Ticket.objects.filter(department__in=departments, status__in=["new", "open", "pending", "resolved"])
        .values("department_id", "status")
        .annotate(n=Count("id"))
    )
    table: dict[int, dict[str, int]] = {}
    for row in counts:
        table.setdefault(row["department_id"], {})[row["status"]] = row["n"]
    return [
        {"department": d, **{s: table.get(d.pk, {}).get(s, 0) for s in ("new", "open", "pending", "resolved")}}
        for d in departments
    ]


def all_tags() -> QuerySet[Tag]:
    return Tag.objects.order_by("name")
