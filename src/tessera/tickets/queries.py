"""Read paths for tickets, already scoped to what the actor may see."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from tessera.accounts.actor import Actor
from tessera.accounts.models import Department, User
from tessera.core.errors import ValidationFailed
from tessera.search import filtering as search
from tessera.tickets.models import PRIORITY_RANK, Tag, Ticket
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
    updated_before: datetime | None = None
    created_since: datetime | None = None
    created_before: datetime | None = None
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
    if filters.updated_before is not None:
        qs = qs.filter(updated_at__lt=filters.updated_before)
    if filters.created_since is not None:
        qs = qs.filter(created_at__gte=filters.created_since)
    if filters.created_before is not None:
        qs = qs.filter(created_at__lt=filters.created_before)
    if filters.text.strip():
        # Words, phrases and exclusions over the folded search document, or the ticket number;
        # a customer's search never reads internal notes.
        qs = search.matching(qs, filters.text, include_notes=actor.is_staff_member or actor.is_system)
    for name in filters.tag:
        # One EXISTS per tag: "all of these tags", without duplicate rows from a join.
        through = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag__name__iexact=name)
        qs = qs.filter(Exists(through))
    return qs


_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)

# Each sort is a key of (column or annotation, descending?) ending in the id, so the order is
# total and a cursor (the last row's key) says exactly where the next page starts.
SORTS: dict[str, list[tuple[str, bool]]] = {
    "updated": [("updated_at", True), ("id", True)],
    "created": [("created_at", True), ("id", True)],
    "due": [("sort_due", False), ("id", False)],
    "priority": [("sort_priority", False), ("updated_at", True), ("id", True)],
}


def _annotate_sort(qs: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    if sort == "due":
        return qs.annotate(sort_due=Coalesce("due_at", Value(_FAR_FUTURE)))
    if sort == "priority":
        rank = Case(
            *[When(priority=p, then=Value(r)) for p, r in PRIORITY_RANK.items()],
            default=Value(9),
            output_field=IntegerField(),
        )
        return qs.annotate(sort_priority=rank)
    return qs


def _key_of(ticket: Ticket, sort: str) -> list[Any]:
    return [getattr(ticket, name) for name, _ in SORTS[sort]]


def encode_cursor(ticket: Ticket, sort: str = "updated") -> str:
    values = [["dt", v.isoformat()] if isinstance(v, datetime) else v for v in _key_of(ticket, sort)]
    raw = json.dumps([sort, values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str = "updated") -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_sort, raw_values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if cursor_sort != sort or len(raw_values) != len(SORTS[sort]):
            raise ValueError("cursor of another sort")
        values: list[Any] = []
        for raw in raw_values:
            if isinstance(raw, list) and len(raw) == 2 and raw[0] == "dt":
                moment = datetime.fromisoformat(raw[1])
                if moment.tzinfo is None:
                    raise ValueError("naive datetime")
                values.append(moment)
            elif isinstance(raw, int) and not isinstance(raw, bool):
                values.append(raw)
            else:
                raise ValueError("bad cursor value")
        return values
    except (ValueError, TypeError, KeyError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed("Invalid cursor", field="cursor") from None


def _after(qs: QuerySet[Ticket], sort: str, values: list[Any]) -> QuerySet[Ticket]:
    keys = SORTS[sort]
    condition = Q()
    for i, (name, descending) in enumerate(keys):
        step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
        for j in range(i):
            step &= Q(**{keys[j][0]: values[j]})
        condition |= step
    return qs.filter(condition)


def ticket_list(
    actor: Actor | User,
    filters: TicketFilters,
    *,
    limit: int = 25,
    cursor: str | None = None,
    sort: str = "updated",
) -> Page:
    """One page of tickets, keyset-paginated: page 1,000 costs what page 1 costs."""
    if isinstance(actor, User):
        actor = Actor.of(actor)
    if sort not in SORTS:
        raise ValidationFailed(f"Unknown sort {sort!r}", field="sort")
    qs = _annotate_sort(filtered(actor, filters), sort)
    if cursor:
        qs = _after(qs, sort, decode_cursor(cursor, sort))
    order = [f"{'-' if descending else ''}{name}" for name, descending in SORTS[sort]]
    # The page's ids first (a subquery), then only those rows with their department, assignee
    # and requester. Joined in one query, PostgreSQL joins the related rows of every match
    # before the sort when it has to sort (a search read through the trigram index): for a
    # Thai search matching 1,945 of a million tickets that tripled the statement's time.
    page_ids = qs.order_by(*order).values("pk")[: limit + 1]
    rows = list(
        _annotate_sort(Ticket.objects.filter(pk__in=page_ids), sort)
        .select_related("department", "assignee", "requester")
        .prefetch_related("tags")
        .order_by(*order)
    )
    next_cursor = encode_cursor(rows[limit - 1], sort) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


def department_counts(actor: Actor | User) -> list[dict[str, Any]]:
    """New / open / pending / resolved per department the actor works in.

    Counting costs in proportion to the unsolved tickets (about 55 ms at a million tickets,
    against 8 ms for the page of rows itself), and the list page shows the counts on every
    request. So they are cached for ``TESSERA_LIST_COUNTS_SECONDS`` (10 by default; 0 turns
    the cache off): a count may lag a change by that long, the rows never do.
    """
    if isinstance(actor, User):
        actor = Actor.of(actor)
    departments = Department.objects.filter(is_active=True)
    if not actor.is_admin:
        departments = departments.filter(pk__in=actor.department_ids)
    chosen = list(departments)
    ttl = int(str(settings.TESSERA.get("LIST_COUNTS_SECONDS", 0)))
    key = "tessera:department-counts:" + ",".join(str(d.pk) for d in chosen)
    table: dict[int, dict[str, int]] | None = cache.get(key) if ttl else None
    if table is None:
        table = {}
        counts = (
            Ticket.objects.filter(department__in=[d.pk for d in chosen], status__in=COUNTED_STATUSES)
            .values("department_id", "status")
            .annotate(n=Count("id"))
        )
        for row in counts:
            table.setdefault(row["department_id"], {})[row["status"]] = row["n"]
        if ttl:
            cache.set(key, table, ttl)
    return [{"department": d, **{s: table.get(d.pk, {}).get(s, 0) for s in COUNTED_STATUSES}} for d in chosen]


COUNTED_STATUSES = ("new", "open", "pending", "resolved")


def all_tags() -> QuerySet[Tag]:
    return Tag.objects.order_by("name")
