"""Organisations: staff read them, administrators change them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.params import P, PathEx

from tessera.accounts import actions
from tessera.accounts.access import access_organisation
from tessera.accounts.models import Organisation
from tessera.accounts.queries import organisation_list
from tessera.api.v1.auth import actor_of
from tessera.api.v1.errors import responses
from tessera.api.v1.schemas import (
    MAX_ID,
    Body,
    Cursor,
    Domain,
    JsonObject,
    Limit,
    RequiredName,
    ShortText,
)
from tessera.core.errors import ValidationFailed

router = Router(tags=["organisations"])



class OrganisationOut(Schema):
    id: int
    name: str
    domains: list[str]
    shares_tickets: bool
    attributes: dict[str, Any]
    notes: str
    created_at: datetime


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    next_cursor: str | None


class OrganisationQuery(Schema):
    q: ShortText = ""
    cursor: Cursor | None = None
    limit: Limit = 25


class OrganisationIn(Schema):
    name: RequiredName
    domains: list[Domain] = Field(default_factory=list, max_length=50)
    shares_tickets: bool = False
    attributes: JsonObject = Field(default_factory=dict)
    notes: Body = ""


class OrganisationPatchIn(Schema):
    name: RequiredName | None = None
    domains: list[Domain] | None = Field(None, max_length=50)
    shares_tickets: bool | None = None
    attributes: JsonObject | None = None
    notes: Body | None = None


def organisation_out(org: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=org.pk,
        name=org.name,
        domains=list(org.domains or []),
        shares_tickets=org.shares_tickets,
        attributes=org.attributes,
        notes=org.notes,
        created_at=org.created_at,
    )


@router.get("/organisations", response=responses({200: OrganisationPage}), operation_id="list_organisations")
def list_organisations(request: HttpRequest, params: Query[OrganisationQuery]) -> OrganisationPage:
    page = organisation_list(actor_of(request), q=params.q, limit=params.limit, cursor=params.cursor)
    return OrganisationPage(items=[organisation_out(o) for o in page.items], next_cursor=page.next_cursor)


@router.post("/organisations", response=responses({201: OrganisationOut}), operation_id="create_organisation")
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[Any]:
    org = actions.create_organisation(actor_of(request), **payload.model_dump())
    return Status(201, organisation_out(org))


@router.get(
    "/organisations/{organisation_id}", response=responses({200: OrganisationOut}), operation_id="get_organisation"
)
def get_organisation(request: HttpRequest, organisation_id: PathEx[int, P(ge=1, le=MAX_ID)]) -> OrganisationOut:
    return organisation_out(access_organisation(actor_of(request), organisation_id))


@router.patch(
    "/organisations/{organisation_id}", response=responses({200: OrganisationOut}), operation_id="update_organisation"
)
def update_organisation(
    request: HttpRequest, organisation_id: PathEx[int, P(ge=1, le=MAX_ID)], payload: OrganisationPatchIn
) -> OrganisationOut:
    actor = actor_of(request)
    org = access_organisation(actor, organisation_id)
    changes = payload.model_dump(exclude_unset=True)
    for required in ("name", "shares_tickets"):
        if required in changes and changes[required] is None:
            raise ValidationFailed(f"{required} cannot be empty", field=required)
    return organisation_out(actions.update_organisation(actor, org, changes))
