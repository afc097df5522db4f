"""The caller's own account: who am I, and my personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.params import P, PathEx

from tessera.accounts import actions
from tessera.accounts.models import ApiToken
from tessera.accounts.queries import token_list
from tessera.api.v1.auth import principal
from tessera.api.v1.errors import responses
from tessera.api.v1.schemas import MAX_ID, TokenName

router = Router(tags=["account"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    contact_id: int | None
    departments: list[int]
    token_scope: str | None = Field(description="Scope of the token used, or null for a session")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenList(Schema):
    items: list[TokenOut]


class TokenCreated(Schema):
    token: TokenOut
    raw: str = Field(description="The token itself. Shown this once; only a hash is kept.")


class TokenIn(Schema):
    name: TokenName
    scope: Literal["read", "write"] = "read"


def token_out(t: ApiToken) -> TokenOut:
    return TokenOut(
        id=t.pk, name=t.name, prefix=t.prefix, scope=t.scope, created_at=t.created_at,
        last_used_at=t.last_used_at, revoked_at=t.revoked_at,
    )


@router.get("/me", response=responses({200: MeOut}), operation_id="get_me")
def me(request: HttpRequest) -> MeOut:
    who = principal(request)
    user = who.user
    return MeOut(
        id=user.pk,
        username=user.username,
        name=user.label,
        role=user.role,
        contact_id=user.contact_id,
        departments=sorted(m.department_id for m in user.memberships.all()),
        token_scope=who.token.scope if who.token else None,
    )


@router.get("/tokens", response=responses({200: TokenList}), operation_id="list_tokens")
def list_tokens(request: HttpRequest) -> TokenList:
    return TokenList(items=[token_out(t) for t in token_list(principal(request).user)])


@router.post("/tokens", response=responses({201: TokenCreated}), operation_id="create_token")
def create_token(request: HttpRequest, payload: TokenIn) -> Status[Any]:
    token, raw = actions.create_api_token(principal(request).user, payload.name, payload.scope)
    return Status(201, TokenCreated(token=token_out(token), raw=raw))


@router.delete("/tokens/{token_id}", response=responses({204: None}), operation_id="revoke_token")
def revoke_token(request: HttpRequest, token_id: PathEx[int, P(ge=1, le=MAX_ID)]) -> HttpResponse:
    actions.revoke_api_token(principal(request).user, token_id)
    return HttpResponse(status=204)
