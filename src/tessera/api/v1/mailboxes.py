"""Mailboxes: administrators configure how mail reaches the desk.

Secrets are write-only: ``password`` and ``oauth2_access_token`` are accepted on create and
update (omitted or null keeps the stored one, ``""`` removes it) and answered only as
``has_password`` / ``has_oauth2_token``; so are the OAuth2 app's client secret and refresh token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from ninja.params import P, PathEx
from pydantic import AfterValidator, Field, StringConstraints

from tessera.api.v1.auth import actor_of
from tessera.api.v1.errors import responses
from tessera.api.v1.schemas import MAX_ID, Id, RequiredName, _no_nul
from tessera.channels import mailboxes
from tessera.channels.models import Mailbox
from tessera.core.errors import ValidationFailed

router = Router(tags=["mailboxes"])
# Write-only: null or absent keeps the stored value, "" removes it.
SECRETS = {"password", "oauth2_access_token", "oauth2_client_secret", "oauth2_refresh_token"}

Text255 = Annotated[str, StringConstraints(max_length=255), AfterValidator(_no_nul)]
Text500 = Annotated[str, StringConstraints(max_length=500), AfterValidator(_no_nul)]
OAuthProvider = Literal["", "google", "microsoft", "custom"]
Secret = Annotated[str, StringConstraints(max_length=4096), AfterValidator(_no_nul)]
Port = Annotated[int, Field(ge=1, le=65535)]
Kind = Literal["imap", "smtp", "webhook"]
Security = Literal["ssl", "starttls", "plain"]
AfterCommitChoice = Literal["seen", "move"]
MailboxPath = PathEx[int, P(ge=1, le=MAX_ID)]


class MailboxOut(Schema):
    id: int
    name: str
    department: int
    address: str
    kind: str
    imap_host: str
    imap_port: int
    imap_security: str
    username: str
    has_password: bool
    has_oauth2_token: bool
    oauth2_provider: str
    oauth2_client_id: str
    has_oauth2_client_secret: bool
    has_oauth2_refresh_token: bool
    oauth2_authorize_url: str
    oauth2_token_url: str
    oauth2_scope: str
    oauth2_expires_at: datetime | None
    folder: str
    after_commit: str
    move_to_folder: str
    is_active: bool
    last_polled_at: datetime | None
    last_error: str
    pending: int | None = None
    quarantined: int | None = None


class MailboxList(Schema):
    items: list[MailboxOut]


class MailboxIn(Schema):
    name: RequiredName
    department: Id
    address: Text255 = ""
    kind: Kind = "imap"
    imap_host: Text255 = ""
    imap_port: Port = 993
    imap_security: Security = "ssl"
    username: Text255 = ""
    password: Secret = ""
    oauth2_access_token: Secret = ""
    oauth2_provider: OAuthProvider = ""
    oauth2_client_id: Text255 = ""
    oauth2_client_secret: Secret = ""
    oauth2_refresh_token: Secret = ""
    oauth2_authorize_url: Text500 = ""
    oauth2_token_url: Text500 = ""
    oauth2_scope: Text500 = ""
    folder: Text255 = "INBOX"
    after_commit: AfterCommitChoice = "seen"
    move_to_folder: Text255 = ""
    is_active: bool = True


class MailboxPatchIn(Schema):
    name: RequiredName | None = None
    department: Id | None = None
    address: Text255 | None = None
    kind: Kind | None = None
    imap_host: Text255 | None = None
    imap_port: Port | None = None
    imap_security: Security | None = None
    username: Text255 | None = None
    password: Secret | None = None
    oauth2_access_token: Secret | None = None
    oauth2_provider: OAuthProvider | None = None
    oauth2_client_id: Text255 | None = None
    oauth2_client_secret: Secret | None = None
    oauth2_refresh_token: Secret | None = None
    oauth2_authorize_url: Text500 | None = None
    oauth2_token_url: Text500 | None = None
    oauth2_scope: Text500 | None = None
    folder: Text255 | None = None
    after_commit: AfterCommitChoice | None = None
    move_to_folder: Text255 | None = None
    is_active: bool | None = None


class CheckOut(Schema):
    ok: bool
    detail: str
    messages: int | None
    unseen: int | None
    idle: bool | None


def mailbox_out(mailbox: Mailbox, row: mailboxes.MailboxRow | None = None) -> MailboxOut:
    return MailboxOut(
        id=mailbox.pk,
        name=mailbox.name,
        department=mailbox.department_id,
        address=mailbox.address,
        kind=mailbox.kind,
        imap_host=mailbox.imap_host,
        imap_port=mailbox.imap_port,
        imap_security=mailbox.imap_security,
        username=mailbox.username,
        has_password=bool(mailbox.password),
        has_oauth2_token=bool(mailbox.oauth2_access_token),
        oauth2_provider=mailbox.oauth2_provider,
        oauth2_client_id=mailbox.oauth2_client_id,
        has_oauth2_client_secret=bool(mailbox.oauth2_client_secret),
        has_oauth2_refresh_token=bool(mailbox.oauth2_refresh_token),
        oauth2_authorize_url=mailbox.oauth2_authorize_url,
        oauth2_token_url=mailbox.oauth2_token_url,
        oauth2_scope=mailbox.oauth2_scope,
        oauth2_expires_at=mailbox.oauth2_expires_at,
        folder=mailbox.folder,
        after_commit=mailbox.after_commit,
        move_to_folder=mailbox.move_to_folder,
        is_active=mailbox.is_active,
        last_polled_at=mailbox.last_polled_at,
        last_error=mailbox.last_error,
        pending=row.pending if row else None,
        quarantined=row.quarantined if row else None,
    )


@router.get("/mailboxes", response=responses({200: MailboxList}), operation_id="list_mailboxes")
def list_mailboxes(request: HttpRequest) -> MailboxList:
    rows = mailboxes.mailbox_rows(actor_of(request))
    return MailboxList(items=[mailbox_out(row.mailbox, row) for row in rows])


@router.post("/mailboxes", response=responses({201: MailboxOut}), operation_id="create_mailbox")
def create_mailbox(request: HttpRequest, payload: MailboxIn) -> Status[Any]:
    mailbox = mailboxes.create_mailbox(actor_of(request), **payload.model_dump())
    return Status(201, mailbox_out(mailbox))


@router.get("/mailboxes/{mailbox_id}", response=responses({200: MailboxOut}), operation_id="get_mailbox")
def get_mailbox(request: HttpRequest, mailbox_id: MailboxPath) -> MailboxOut:
    return mailbox_out(mailboxes.get_mailbox(actor_of(request), mailbox_id))


@router.patch("/mailboxes/{mailbox_id}", response=responses({200: MailboxOut}), operation_id="update_mailbox")
def update_mailbox(request: HttpRequest, mailbox_id: MailboxPath, payload: MailboxPatchIn) -> MailboxOut:
    actor = actor_of(request)
    mailbox = mailboxes.get_mailbox(actor, mailbox_id)
    changes = payload.model_dump(exclude_unset=True)
    for key, value in list(changes.items()):
        if value is None and key not in SECRETS:
            raise ValidationFailed(f"{key} cannot be null", field=key)
    return mailbox_out(mailboxes.update_mailbox(actor, mailbox, changes))


@router.delete("/mailboxes/{mailbox_id}", response=responses({204: None}), operation_id="delete_mailbox")
def delete_mailbox(request: HttpRequest, mailbox_id: MailboxPath) -> HttpResponse:
    actor = actor_of(request)
    mailboxes.delete_mailbox(actor, mailboxes.get_mailbox(actor, mailbox_id))
    return HttpResponse(status=204)


@router.post("/mailboxes/{mailbox_id}/check", response=responses({200: CheckOut}), operation_id="check_mailbox")
def check_mailbox(request: HttpRequest, mailbox_id: MailboxPath) -> CheckOut:
    actor = actor_of(request)
    result = mailboxes.check_connection(actor, mailboxes.get_mailbox(actor, mailbox_id))
    return CheckOut(ok=result.ok, detail=result.detail, messages=result.messages, unseen=result.unseen, idle=result.idle)
