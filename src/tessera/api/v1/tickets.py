"""Tickets: list, open, read, change, tag, converse, merge and link.

Each write validates its input and calls exactly one ticket action; each read starts from
``access_ticket`` or ``queries.ticket_list``, so the permission rules live in one place.

Customers get the ``portal`` view of a ticket, a separate schema without the agents' working
data (tags, links, internal flags, agent-only custom fields), so a field added to the agent
view cannot leak to them by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.params import HeaderEx, P, PathEx, QueryEx
from pydantic import StringConstraints

from tessera.accounts.access import access_agent, access_contact, access_department
from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact
from tessera.api.v1.auth import actor_of
from tessera.api.v1.errors import responses
from tessera.api.v1.schemas import (
    MAX_ID,
    AwareDateTime,
    Body,
    Cursor,
    Id,
    JsonObject,
    Limit,
    Subject,
    TagName,
    Version,
)
from tessera.core.errors import NotFound, PermissionDenied, ValidationFailed
from tessera.tickets import actions
from tessera.tickets.access import access_ticket
from tessera.tickets.actions.rating import MAX_COMMENT
from tessera.tickets.models import (
    Channel,
    CustomField,
    LinkKind,
    Message,
    MessageKind,
    SatisfactionRating,
    Ticket,
    TicketLink,
)
from tessera.tickets.queries import TicketFilters, decode_cursor, ticket_list

router = Router(tags=["tickets"])

T = TypeVar("T")

StatusName = Literal["new", "open", "pending", "on_hold", "resolved", "closed"]
PriorityName = Literal["urgent", "high", "normal", "low"]
TypeName = Literal["question", "incident", "service_request", "problem", "change_request"]
ChannelName = Literal[
    "email", "web_form", "portal", "chat", "phone", "sms", "facebook", "line", "telegram",
    "twitter", "whatsapp", "api", "agent", "system",
]
LinkKindName = Literal["problem_incident", "parent_child", "related"]
TicketNumber = PathEx[int, P(ge=1, le=MAX_ID, description="The ticket number (not a database id)")]


# -- output ------------------------------------------------------------------------------------


class DepartmentRef(Schema):
    id: int
    name: str


class ContactRef(Schema):
    id: int
    name: str


class AgentRef(Schema):
    id: int
    name: str


class OrganisationRef(Schema):
    id: int
    name: str


class LinkOut(Schema):
    id: int
    kind: str
    source: int = Field(description="Number of the source ticket")
    target: int = Field(description="Number of the target ticket")


class AgentTicketSummary(Schema):
    view: Literal["agent"] = "agent"
    number: int
    display_number: str
    subject: str
    type: str
    status: str
    priority: str
    channel: str
    department: DepartmentRef
    requester: ContactRef
    organisation_id: int | None
    assignee: AgentRef | None
    tags: list[str]
    custom_fields: dict[str, Any]
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    needs_review: bool
    is_spam: bool
    version: int


class RatingOut(Schema):
    score: int = Field(ge=1, le=5, description="1 (very dissatisfied) to 5 (very satisfied)")
    comment: str
    channel: str = Field(description="Where it was given: portal, email (the resolution email's link) or api")
    created_at: datetime
    updated_at: datetime = Field(description="When the customer last changed it")


class AgentTicketOut(AgentTicketSummary):
    organisation: OrganisationRef | None
    ccs: list[ContactRef]
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    merged_into: int | None
    links: list[LinkOut]
    rating: RatingOut | None = Field(description="The customer's satisfaction rating, once given")


class PortalTicketSummary(Schema):
    view: Literal["portal"] = "portal"
    number: int
    display_number: str
    subject: str
    type: str
    status: str
    priority: str
    department: DepartmentRef
    requester: ContactRef
    created_at: datetime
    updated_at: datetime
    version: int


class PortalTicketOut(PortalTicketSummary):
    assignee_name: str | None
    custom_fields: dict[str, Any]
    resolved_at: datetime | None
    closed_at: datetime | None
    rating: RatingOut | None = Field(description="The satisfaction rating given for this ticket, if any")


TicketOut = Annotated[AgentTicketOut | PortalTicketOut, Field(discriminator="view")]
TicketSummary = Annotated[AgentTicketSummary | PortalTicketSummary, Field(discriminator="view")]


class TicketPage(Schema):
    items: list[TicketSummary]
    next_cursor: str | None


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    kind: str
    author_kind: str
    author_name: str
    body_text: str
    body_html: str = Field(description="Sanitised HTML: no scripts, event handlers or javascript: links")
    channel: str
    created_at: datetime
    attachments: list[AttachmentOut]


class MessageList(Schema):
    items: list[MessageOut]


class TagsOut(Schema):
    tags: list[str]
    version: int


# -- input -------------------------------------------------------------------------------------


class TicketQuery(Schema):
    status: list[StatusName] = Field(default_factory=list)
    department: list[Id] = Field(default_factory=list)
    assignee: list[Id] = Field(default_factory=list)
    unassigned: bool = False
    priority: list[PriorityName] = Field(default_factory=list)
    type: list[TypeName] = Field(default_factory=list)
    tag: list[TagName] = Field(default_factory=list, max_length=20)
    channel: list[ChannelName] = Field(default_factory=list)
    requester: list[Id] = Field(default_factory=list)
    updated_since: AwareDateTime | None = None
    q: str = Field("", max_length=500, description='Words (all must match), "a phrase", -excluded, or a ticket number; accents optional')
    cursor: Cursor | None = None
    limit: Limit = 25


class TicketCreateIn(Schema):
    subject: Subject
    body: Body = ""
    body_html: Body = ""
    type: TypeName = "question"
    priority: PriorityName = "normal"
    department: Id
    requester: Id | None = Field(None, description="Contact id; customers may omit it (themselves)")
    tags: list[TagName] = Field(default_factory=list, max_length=50)
    custom_fields: JsonObject = Field(default_factory=dict)
    cc: list[Id] = Field(default_factory=list, max_length=50)


class TicketPatchIn(Schema):
    version: Version | None = Field(None, description="The version you read; or send If-Match")
    subject: Subject | None = None
    type: TypeName | None = None
    priority: PriorityName | None = None
    department: Id | None = None
    due_at: AwareDateTime | None = None
    custom_fields: JsonObject | None = None
    status: StatusName | None = None
    assignee: Id | None = None


class TagsIn(Schema):
    tags: list[TagName] = Field(min_length=1, max_length=50)
    version: Version | None = None


class MessageIn(Schema):
    kind: Literal["public", "note"] = "public"
    body: Body = ""
    body_html: Body = ""
    status: StatusName | None = Field(None, description="Agents: status after a public reply")


class RatingIn(Schema):
    score: int = Field(ge=1, le=5, description="1 (very dissatisfied) to 5 (very satisfied)")
    comment: Annotated[Body, StringConstraints(max_length=MAX_COMMENT)] = ""
    version: Version | None = Field(None, description="The version you read, to refuse a stale rating (optional)")


class MergeIn(Schema):
    into: Id = Field(description="Number of the ticket to merge this one into")


class LinkIn(Schema):
    target: Id = Field(description="Number of the other ticket")
    kind: LinkKindName


# -- helpers -----------------------------------------------------------------------------------


def referenced[T](fetch: Callable[[], T], field: str) -> T:
    """An object named in the request body: one that cannot be found is bad input (422)."""
    try:
        return fetch()
    except NotFound as exc:
        raise ValidationFailed(exc.message, field=field) from None


def is_portal(actor: Actor) -> bool:
    return not actor.is_staff_member


def customer_visible_keys() -> set[str]:
    return set(CustomField.objects.filter(visible_to_customers=True).values_list("key", flat=True))


def _department(ticket: Ticket) -> DepartmentRef:
    return DepartmentRef(id=ticket.department_id, name=ticket.department.name)


def _requester(ticket: Ticket) -> ContactRef:
    return ContactRef(id=ticket.requester_id, name=str(ticket.requester))


def agent_summary(ticket: Ticket) -> AgentTicketSummary:
    return AgentTicketSummary(**_agent_fields(ticket))


def _agent_fields(ticket: Ticket, tags: Sequence[str] | None = None) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "display_number": ticket.display_number,
        "subject": ticket.subject,
        "type": ticket.type,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "department": _department(ticket),
        "requester": _requester(ticket),
        "organisation_id": ticket.organisation_id,
        "assignee": AgentRef(id=ticket.assignee.pk, name=ticket.assignee.label) if ticket.assignee else None,
        "tags": sorted(t.name for t in ticket.tags.all()) if tags is None else sorted(tags),
        "custom_fields": ticket.custom_fields,
        "due_at": ticket.due_at,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "needs_review": ticket.needs_review,
        "is_spam": ticket.is_spam,
        "version": ticket.version,
    }


def _portal_fields(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "display_number": ticket.display_number,
        "subject": ticket.subject,
        "type": ticket.type,
        "status": ticket.status,
        "priority": ticket.priority,
        "department": _department(ticket),
        "requester": _requester(ticket),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "version": ticket.version,
    }


def rating_out(rating: SatisfactionRating) -> RatingOut:
    return RatingOut(score=rating.score, comment=rating.comment, channel=rating.channel,
                     created_at=rating.created_at, updated_at=rating.updated_at)


def _rating(ticket: Ticket, *, new: bool) -> RatingOut | None:
    # A ticket this request created has no rating yet: no query to find that out.
    found = None if new else SatisfactionRating.objects.filter(ticket=ticket).first()
    return rating_out(found) if found is not None else None


def ticket_out(
    actor: Actor,
    ticket: Ticket,
    *,
    new_with_ccs: list[Contact] | None = None,
    new_tags: Sequence[str] | None = None,
) -> AgentTicketOut | PortalTicketOut:
    """The ticket as the actor may see it. ``new_with_ccs`` and ``new_tags``: the ticket was
    created by this request with these CCs and tags, so it has no links yet and neither needs
    to be read back."""
    rating = _rating(ticket, new=new_with_ccs is not None)
    if is_portal(actor):
        keys = customer_visible_keys()
        return PortalTicketOut(
            **_portal_fields(ticket),
            assignee_name=ticket.assignee.label if ticket.assignee else None,
            custom_fields={k: v for k, v in ticket.custom_fields.items() if k in keys},
            resolved_at=ticket.resolved_at,
            closed_at=ticket.closed_at,
            rating=rating,
        )
    links = (
        []
        if new_with_ccs is not None
        else list(
            TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
            .select_related("source", "target")
            .order_by("pk")
        )
    )
    if new_with_ccs is not None:
        # As the action stored them: once each, never the requester.
        unique = {c.pk: c for c in new_with_ccs if c.pk != ticket.requester_id}
        ccs = [unique[pk] for pk in sorted(unique)]
    else:
        ccs = list(ticket.ccs.order_by("pk"))
    merged_into = ticket.merged_into.number if ticket.merged_into_id and ticket.merged_into else None
    return AgentTicketOut(
        **_agent_fields(ticket, new_tags),
        organisation=OrganisationRef(id=ticket.organisation.pk, name=ticket.organisation.name)
        if ticket.organisation else None,
        ccs=[ContactRef(id=c.pk, name=str(c)) for c in ccs],
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        merged_into=merged_into,
        links=[LinkOut(id=lk.pk, kind=lk.kind, source=lk.source.number, target=lk.target.number)
               for lk in links],
        rating=rating,
    )


def message_out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.pk,
        kind=message.kind,
        author_kind=message.author_kind,
        author_name=message.author_label,
        body_text=message.body_text,
        body_html=message.body_html,
        channel=message.channel,
        created_at=message.created_at,
        attachments=[
            AttachmentOut(id=a.pk, filename=a.filename, content_type=a.content_type, size=a.size)
            for a in message.attachments.all()
        ],
    )


def expected_version(body_version: int | None, if_match: str | None) -> int:
    """The version the client read, from the body or an ``If-Match: "<version>"`` header."""
    header_version: int | None = None
    if if_match is not None:
        raw = if_match.strip().removeprefix("W/").strip('"')
        if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
            raise ValidationFailed('If-Match must be a ticket version, e.g. "3"', field="If-Match")
        header_version = int(raw)
    if body_version is not None and header_version is not None and body_version != header_version:
        raise ValidationFailed("The body's version and If-Match disagree", field="version")
    version = body_version if body_version is not None else header_version
    if version is None:
        raise ValidationFailed(
            "Send the version you read (body field 'version' or If-Match) so no change is lost",
            field="version",
        )
    return version


def _fresh(actor: Actor, number: int) -> AgentTicketOut | PortalTicketOut:
    return ticket_out(actor, access_ticket(actor, number))


# -- endpoints ---------------------------------------------------------------------------------


@router.get("/tickets", response=responses({200: TicketPage}), operation_id="list_tickets")
def list_tickets(request: HttpRequest, params: Query[TicketQuery]) -> TicketPage:
    """Newest-updated first. Repeat a filter to match any of its values (tags: all of them)."""
    actor = actor_of(request)
    if params.cursor:
        _, last_pk = decode_cursor(params.cursor)
        if not 0 < last_pk <= MAX_ID:
            raise ValidationFailed("Invalid cursor", field="cursor")
    filters = TicketFilters(
        status=params.status,
        department=params.department,
        assignee=params.assignee,
        unassigned=params.unassigned,
        priority=params.priority,
        type=params.type,
        tag=params.tag,
        channel=params.channel,
        requester=params.requester,
        updated_since=params.updated_since,
        text=params.q,
    )
    page = ticket_list(actor, filters, limit=params.limit, cursor=params.cursor or None)
    items: list[AgentTicketSummary | PortalTicketSummary]
    if is_portal(actor):
        items = [PortalTicketSummary(**_portal_fields(t)) for t in page.items]
    else:
        items = [agent_summary(t) for t in page.items]
    return TicketPage(items=items, next_cursor=page.next_cursor)


@router.post("/tickets", response=responses({201: TicketOut}), operation_id="create_ticket")
def create_ticket(request: HttpRequest, payload: TicketCreateIn) -> Status[Any]:
    actor = actor_of(request)
    requester: Contact
    if is_portal(actor):
        if actor.contact is None:
            raise PermissionDenied("Your account is not linked to a contact")
        if payload.requester not in (None, actor.contact.pk):
            raise PermissionDenied("Customers open tickets for themselves only")
        if payload.cc:
            raise PermissionDenied("Customers may not add CCs")
        unknown = set(payload.custom_fields) - customer_visible_keys()
        if unknown:
            key = sorted(unknown)[0]
            raise ValidationFailed(f"Unknown custom field {key!r}", field=f"custom_fields.{key}")
        requester = actor.contact
    else:
        if payload.requester is None:
            raise ValidationFailed("An agent must name the requester (a contact id)", field="requester")
        requester_id = payload.requester
        requester = referenced(lambda: access_contact(actor, requester_id, with_identities=False), "requester")
    department = referenced(lambda: access_department(actor, payload.department), "department")
    ccs = [referenced(lambda cid=cid: access_contact(actor, cid), "cc") for cid in payload.cc]  # type: ignore[misc]
    ticket = actions.create_ticket(
        actor,
        subject=payload.subject,
        requester=requester,
        department=department,
        body_text=payload.body,
        body_html=payload.body_html,
        type=payload.type,
        priority=payload.priority,
        channel=Channel.API,
        tags=payload.tags,
        custom_fields=payload.custom_fields,
        ccs=ccs,
    )
    # Answered from the new row itself: an agent may open a ticket in a department they do
    # not work in, and then could not read it back through access_ticket.
    # Tags given are read back: the action may have matched them to existing tags' spelling.
    return Status(201, ticket_out(actor, ticket, new_with_ccs=ccs, new_tags=None if payload.tags else []))


@router.get("/tickets/{number}", response=responses({200: TicketOut}), operation_id="get_ticket")
def get_ticket(request: HttpRequest, number: TicketNumber) -> AgentTicketOut | PortalTicketOut:
    return _fresh(actor_of(request), number)


@router.patch("/tickets/{number}", response=responses({200: TicketOut}), operation_id="update_ticket")
def update_ticket(
    request: HttpRequest,
    number: TicketNumber,
    payload: TicketPatchIn,
    if_match: HeaderEx[str | None, P(alias="If-Match", max_length=40)] = None,
) -> AgentTicketOut | PortalTicketOut:
    """Change fields. Carry the ``version`` you read; if the ticket changed since, 409."""
    actor = actor_of(request)
    ticket = access_ticket(actor, number)
    changes = payload.model_dump(exclude_unset=True)
    version = expected_version(changes.pop("version", None), if_match)
    if is_portal(actor):
        if set(changes) - {"status"}:
            raise PermissionDenied("Customers may only close their ticket")
        if "status" in changes:
            actions.change_status(actor, ticket, changes["status"], expected_version=version)
        return _fresh(actor, number)
    for required in ("subject", "type", "priority", "department", "status"):
        if required in changes and changes[required] is None:
            raise ValidationFailed(f"{required} cannot be empty", field=required)
    if "department" in changes:
        department_id = changes["department"]
        changes["department"] = referenced(lambda: access_department(actor, department_id), "department")
    if changes.get("assignee") is not None:
        assignee_id = changes["assignee"]
        changes["assignee"] = referenced(lambda: access_agent(actor, assignee_id), "assignee")
    if "custom_fields" in changes and changes["custom_fields"] is None:
        changes["custom_fields"] = {}
    actions.change_fields(actor, ticket, changes, expected_version=version)
    return _fresh(actor, number)


@router.post("/tickets/{number}/tags", response=responses({200: TagsOut}), operation_id="add_ticket_tags")
def add_tags(request: HttpRequest, number: TicketNumber, payload: TagsIn) -> TagsOut:
    actor = actor_of(request)
    ticket = actions.tag(actor, access_ticket(actor, number), payload.tags, expected_version=payload.version)
    return TagsOut(tags=sorted(t.name for t in ticket.tags.all()), version=ticket.version)


@router.delete("/tickets/{number}/tags", response=responses({200: TagsOut}), operation_id="remove_ticket_tags")
def remove_tags(
    request: HttpRequest,
    number: TicketNumber,
    tag: QueryEx[list[TagName], P(min_length=1, max_length=50, description="Repeat to remove several")],
    version: QueryEx[Version | None, P()] = None,
) -> TagsOut:
    actor = actor_of(request)
    ticket = actions.untag(actor, access_ticket(actor, number), tag, expected_version=version)
    return TagsOut(tags=sorted(t.name for t in ticket.tags.all()), version=ticket.version)


@router.get("/tickets/{number}/messages", response=responses({200: MessageList}), operation_id="list_ticket_messages")
def list_messages(request: HttpRequest, number: TicketNumber) -> MessageList:
    """The conversation, oldest first. Customers never see internal notes."""
    actor = actor_of(request)
    ticket = access_ticket(actor, number)
    qs = ticket.messages.select_related("author_user", "author_contact").prefetch_related("attachments")
    if is_portal(actor):
        qs = qs.filter(kind=MessageKind.PUBLIC)
    return MessageList(items=[message_out(m) for m in qs.order_by("created_at", "id")])


@router.post("/tickets/{number}/messages", response=responses({201: MessageOut}), operation_id="add_ticket_message")
def add_message(request: HttpRequest, number: TicketNumber, payload: MessageIn) -> Status[Any]:
    """Agents: a public reply or an internal note. Customers: a message on their ticket."""
    actor = actor_of(request)
    ticket = access_ticket(actor, number)
    message: Message
    if is_portal(actor):
        if payload.kind == "note":
            raise PermissionDenied("Customers cannot write internal notes")
        if payload.status is not None:
            raise PermissionDenied("Customers cannot set a status with a message")
        message = actions.add_customer_message(actor, ticket, body_text=payload.body, body_html=payload.body_html)
    elif payload.kind == "note":
        if payload.status is not None:
            raise ValidationFailed("A note does not change the status", field="status")
        message = actions.add_note(actor, ticket, body_text=payload.body, body_html=payload.body_html)
    else:
        message = actions.add_agent_reply(
            actor, ticket, body_text=payload.body, body_html=payload.body_html, status=payload.status
        )
    return Status(201, message_out(message))


@router.post("/tickets/{number}/rating", response=responses({200: RatingOut}), operation_id="rate_ticket")
def rate_ticket(request: HttpRequest, number: TicketNumber, payload: RatingIn) -> RatingOut:
    """Customers: rate a resolved or closed ticket they asked (or are copied on), or change
    their rating. Agents cannot rate: the rating is the customer's to give."""
    actor = actor_of(request)
    ticket = access_ticket(actor, number)
    rating = actions.rate(actor, ticket, payload.score, payload.comment, expected_version=payload.version)
    return rating_out(rating)


@router.post("/tickets/{number}/merge", response=responses({200: TicketOut}), operation_id="merge_ticket")
def merge_ticket(request: HttpRequest, number: TicketNumber, payload: MergeIn) -> AgentTicketOut | PortalTicketOut:
    """Merge this ticket into another; answers with the ticket that remains."""
    actor = actor_of(request)
    source = access_ticket(actor, number)
    target = referenced(lambda: access_ticket(actor, payload.into), "into")
    kept = actions.merge(actor, source, target)
    return _fresh(actor, kept.number)


@router.post("/tickets/{number}/links", response=responses({201: LinkOut}), operation_id="link_ticket")
def link_ticket(request: HttpRequest, number: TicketNumber, payload: LinkIn) -> Status[Any]:
    actor = actor_of(request)
    source = access_ticket(actor, number)
    target = referenced(lambda: access_ticket(actor, payload.target), "target")
    created = actions.link(actor, source, target, payload.kind)
    return Status(201, LinkOut(id=created.pk, kind=created.kind, source=source.number, target=target.number))


@router.delete(
    "/tickets/{number}/links/{link_id}", response=responses({204: None}), operation_id="unlink_ticket"
)
def unlink_ticket(
    request: HttpRequest, number: TicketNumber, link_id: PathEx[int, P(ge=1, le=MAX_ID)]
) -> HttpResponse:
    actor = actor_of(request)
    ticket = access_ticket(actor, number)
    found = (
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket), pk=link_id)
        .select_related("source", "target")
        .first()
    )
    if found is None:
        raise NotFound("Link not found")
    if found.kind == LinkKind.MERGED_INTO:
        raise ValidationFailed("A merge cannot be undone by removing its link", field="link_id")
    actions.unlink(actor, found.source, found.target, found.kind)
    return HttpResponse(status=204)

