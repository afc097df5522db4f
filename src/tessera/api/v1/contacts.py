"""Contacts (customers) and the addresses they reach us from.

Staff read every contact; agents and admins change them. A customer reads only their own
contact, in the ``portal`` view without the agents' attributes and flags.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.params import P, PathEx

from tessera.accounts import actions
from tessera.accounts.access import access_contact, access_organisation, require_agent
from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact, ContactIdentity
from tessera.accounts.queries import contact_list
from tessera.api.v1.auth import actor_of
from tessera.api.v1.errors import responses
from tessera.api.v1.schemas import (
    MAX_ID,
    Cursor,
    Id,
    IdentityValue,
    JsonObject,
    Limit,
    Name,
    ShortText,
    TimeZone,
)
from tessera.api.v1.tickets import OrganisationRef, referenced
from tessera.core.errors import ValidationFailed

router = Router(tags=["contacts"])

ContactId = PathEx[int, P(ge=1, le=MAX_ID)]
IdentityKindName = Literal["email", "phone", "facebook", "line", "telegram", "twitter", "whatsapp", "zalo", "chat"]
Language = Annotated[str, Field(min_length=1, max_length=8, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,4})?$")]


class IdentityOut(Schema):
    id: int
    kind: str
    value: str
    is_primary: bool
    bounced: bool


class AgentContactOut(Schema):
    view: Literal["agent"] = "agent"
    id: int
    name: str
    organisation: OrganisationRef | None
    language: str
    time_zone: str
    attributes: dict[str, Any]
    is_blocked: bool
    identities: list[IdentityOut]
    created_at: datetime
    updated_at: datetime


class PortalContactOut(Schema):
    view: Literal["portal"] = "portal"
    id: int
    name: str
    organisation: OrganisationRef | None
    language: str
    time_zone: str
    identities: list[IdentityOut]


ContactOut = Annotated[AgentContactOut | PortalContactOut, Field(discriminator="view")]


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactQuery(Schema):
    q: ShortText = Field("", description="Part of a name or of an address (email, phone, handle)")
    organisation: Id | None = None
    cursor: Cursor | None = None
    limit: Limit = 25


class IdentityIn(Schema):
    kind: IdentityKindName
    value: IdentityValue
    is_primary: bool = False


class ContactCreateIn(Schema):
    name: Name = ""
    organisation: Id | None = None
    language: Language = "en"
    time_zone: TimeZone = "UTC"
    attributes: JsonObject = Field(default_factory=dict)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=20)


class ContactPatchIn(Schema):
    name: Name | None = None
    organisation: Id | None = None
    language: Language | None = None
    time_zone: TimeZone | None = None
    attributes: JsonObject | None = None
    is_blocked: bool | None = None


def _identity(i: ContactIdentity) -> IdentityOut:
    return IdentityOut(id=i.pk, kind=i.kind, value=i.value, is_primary=i.is_primary, bounced=i.bounced_at is not None)


def contact_out(actor: Actor, contact: Contact) -> AgentContactOut | PortalContactOut:
    org = contact.organisation
    common: dict[str, Any] = {
        "id": contact.pk,
        "name": contact.name,
        "organisation": OrganisationRef(id=org.pk, name=org.name) if org else None,
        "language": contact.language,
        "time_zone": contact.time_zone,
        "identities": [_identity(i) for i in sorted(contact.identities.all(), key=lambda i: i.pk)],
    }
    if not actor.is_staff_member:
        return PortalContactOut(**common)
    return AgentContactOut(
        **common,
        attributes=contact.attributes,
        is_blocked=contact.is_blocked,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


@router.get("/contacts", response=responses({200: ContactPage}), operation_id="list_contacts")
def list_contacts(request: HttpRequest, params: Query[ContactQuery]) -> ContactPage:
    actor = actor_of(request)
    page = contact_list(actor, q=params.q, organisation=params.organisation, limit=params.limit, cursor=params.cursor)
    return ContactPage(items=[contact_out(actor, c) for c in page.items], next_cursor=page.next_cursor)


@router.post("/contacts", response=responses({201: ContactOut}), operation_id="create_contact")
def create_contact(request: HttpRequest, payload: ContactCreateIn) -> Status[Any]:
    actor = actor_of(request)
    require_agent(actor)
    organisation_id = payload.organisation
    organisation = (
        referenced(lambda: access_organisation(actor, organisation_id), "organisation")
        if organisation_id is not None else None
    )
    contact = actions.create_contact(
        actor,
        name=payload.name,
        organisation=organisation,
        language=payload.language,
        time_zone=payload.time_zone,
        attributes=payload.attributes,
        identities=[(i.kind, i.value) for i in payload.identities],
    )
    return Status(201, contact_out(actor, access_contact(actor, contact.pk)))


@router.get("/contacts/{contact_id}", response=responses({200: ContactOut}), operation_id="get_contact")
def get_contact(request: HttpRequest, contact_id: ContactId) -> AgentContactOut | PortalContactOut:
    actor = actor_of(request)
    return contact_out(actor, access_contact(actor, contact_id))


@router.patch("/contacts/{contact_id}", response=responses({200: ContactOut}), operation_id="update_contact")
def update_contact(request: HttpRequest, contact_id: ContactId, payload: ContactPatchIn) -> AgentContactOut | PortalContactOut:
    actor = actor_of(request)
    contact = access_contact(actor, contact_id)
    changes = payload.model_dump(exclude_unset=True)
    for required in ("language", "time_zone", "is_blocked"):
        if required in changes and changes[required] is None:
            raise ValidationFailed(f"{required} cannot be empty", field=required)
    if changes.get("organisation") is not None:
        organisation_id = changes["organisation"]
        changes["organisation"] = referenced(lambda: access_organisation(actor, organisation_id), "organisation")
    actions.update_contact(actor, contact, changes)
    return contact_out(actor, access_contact(actor, contact_id))


@router.post(
    "/contacts/{contact_id}/identities", response=responses({201: IdentityOut}), operation_id="add_contact_identity"
)
def add_identity(request: HttpRequest, contact_id: ContactId, payload: IdentityIn) -> Status[Any]:
    actor = actor_of(request)
    contact = access_contact(actor, contact_id)
    identity = actions.add_identity(actor, contact, payload.kind, payload.value, is_primary=payload.is_primary)
    return Status(201, _identity(identity))


@router.delete(
    "/contacts/{contact_id}/identities/{identity_id}",
    response=responses({204: None}),
    operation_id="remove_contact_identity",
)
def remove_identity(
    request: HttpRequest, contact_id: ContactId, identity_id: PathEx[int, P(ge=1, le=MAX_ID)]
) -> HttpResponse:
    actor = actor_of(request)
    contact = access_contact(actor, contact_id)
    actions.remove_identity(actor, contact, identity_id)
    return HttpResponse(status=204)
