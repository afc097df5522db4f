"""Read paths for people and organisations, already scoped to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from tessera.accounts.access import require_agent, require_staff
from tessera.accounts.actor import Actor
from tessera.accounts.models import (
    ApiToken,
    Contact,
    ContactIdentity,
    Department,
    Organisation,
    Role,
    User,
)
from tessera.core.errors import ValidationFailed

M = TypeVar("M", bound=Model)

MAX_ID = 2**63 - 1


@dataclass
class IdPage[M: Model]:
    items: list[M]
    next_cursor: str | None


def _id_page[M: Model](qs: QuerySet[M], *, limit: int, cursor: str | None) -> IdPage[M]:
    """Keyset pages in id order; the cursor is the last id seen, so inserts never shift pages."""
    if cursor:
        if not cursor.isascii() or not cursor.isdigit() or int(cursor) > MAX_ID:
            raise ValidationFailed("Invalid cursor", field="cursor")
        qs = qs.filter(pk__gt=int(cursor))
    rows = list(qs.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return IdPage(items=rows, next_cursor=str(rows[-1].pk) if more else None)


def contact_list(actor: Actor, *, q: str = "", organisation: int | None = None,
                 limit: int = 25, cursor: str | None = None) -> IdPage[Contact]:
    """Staff search every contact by name or identity; a customer finds only themselves."""
    qs = Contact.objects.select_related("organisation").prefetch_related("identities")
    if not (actor.is_system or actor.is_staff_member):
        qs = qs.filter(pk=actor.contact.pk) if actor.contact is not None else qs.none()
    if q:
        needle = q.strip().lower()
        by_identity = ContactIdentity.objects.filter(contact_id=OuterRef("pk"), value__icontains=needle)
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(Exists(by_identity)))
    if organisation is not None:
        qs = qs.filter(organisation_id=organisation)
    return _id_page(qs, limit=limit, cursor=cursor)


def organisation_list(actor: Actor, *, q: str = "", limit: int = 25, cursor: str | None = None) -> IdPage[Organisation]:
    require_staff(actor)
    qs = Organisation.objects.all()
    if q:
        qs = qs.filter(name__icontains=q.strip())
    return _id_page(qs, limit=limit, cursor=cursor)


def department_list(actor: Actor) -> list[Department]:
    qs = Department.objects.order_by("name")
    if not (actor.is_system or actor.is_staff_member):
        qs = qs.filter(is_active=True)
    return list(qs)


def agent_list(actor: Actor, *, department: int | None = None) -> list[User]:
    require_agent(actor)
    qs = User.objects.filter(
        role__in=[Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT], is_active=True
    ).prefetch_related("memberships")
    if department is not None:
        qs = qs.filter(memberships__department_id=department)
    return list(qs.order_by("username"))


def token_list(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))
