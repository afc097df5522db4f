"""The agent desk. Views parse input, call one query or one action, and render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tessera.accounts.actor import Actor
from tessera.accounts.models import User
from tessera.agent_ui.forms import (
    BulkForm,
    FieldsForm,
    FilterForm,
    LinkForm,
    MergeForm,
    ReplyForm,
    SaveViewForm,
)
from tessera.agent_ui.saved_views import delete_view, save_view, visible_views
from tessera.core import time
from tessera.core.errors import Conflict, NotFound, TesseraError, ValidationFailed
from tessera.sla import timers as sla_timers
from tessera.tickets import actions, queries
from tessera.tickets.access import access_ticket
from tessera.tickets.attachments import NewAttachment
from tessera.tickets.models import (
    Attachment,
    CustomField,
    Message,
    SatisfactionRating,
    Ticket,
    TicketEvent,
    TicketLink,
)
from tessera.tickets.permissions import can_edit, can_view
from tessera.web.decorators import agent_required, request_actor
from tessera.web.files import attachment_response

_actor = request_actor


def _day_start(day: date | None, *, next_day: bool = False) -> datetime | None:
    if day is None:
        return None
    if next_day:
        day = day + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, dt_time.min))


def _filters(form: FilterForm, user: User) -> queries.TicketFilters:
    data = form.cleaned_data if form.is_valid() else {}
    filters = queries.TicketFilters(
        status=data.get("status") or [],
        priority=data.get("priority") or [],
        type=data.get("type") or [],
        tag=[data["tag"]] if data.get("tag") else [],
        channel=[data["channel"]] if data.get("channel") else [],
        department=[data["department"].pk] if data.get("department") else [],
        requester=[data["requester"]] if data.get("requester") else [],
        text=data.get("q") or "",
        # Dates are days in the agent's own time zone; "until" includes that whole day.
        created_since=_day_start(data.get("created_from")),
        created_before=_day_start(data.get("created_to"), next_day=True),
        updated_since=_day_start(data.get("updated_from")),
        updated_before=_day_start(data.get("updated_to"), next_day=True),
    )
    assignee = data.get("assignee") or ""
    if assignee == "me":
        filters.assignee = [user.pk]
    elif assignee == "unassigned":
        filters.unassigned = True
    elif assignee.isdigit():
        filters.assignee = [int(assignee)]
    return filters


@agent_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    assert isinstance(request.user, User)
    form = FilterForm(request.GET or None)
    filters = _filters(form, request.user)
    sort = form.cleaned_data.get("sort") or "updated" if form.is_valid() else "updated"
    try:
        page = queries.ticket_list(actor, filters, limit=25, cursor=request.GET.get("cursor") or None, sort=sort)
    except TesseraError:
        page = queries.ticket_list(actor, filters, limit=25, sort=sort)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "agent_ui/list.html",
        {
            "form": form,
            "page": page,
            "counts": queries.department_counts(actor),
            "query": query.urlencode(),
            "views": list(visible_views(actor)),
            "save_form": SaveViewForm(initial={"query": query.urlencode()}),
            "bulk_form": BulkForm(),
            "now": time.now(),
            "soon": time.now() + timedelta(hours=2),
        },
    )


@agent_required
@require_POST
def post_save_view(request: HttpRequest) -> HttpResponse:
    form = SaveViewForm(request.POST)
    if form.is_valid():
        try:
            view = save_view(_actor(request), **form.cleaned_data)
        except TesseraError as error:
            messages.error(request, error.message)
            return redirect("desk:list")
        return redirect(reverse("desk:list") + "?" + view.query)
    messages.error(request, _("A view needs a name."))
    return redirect("desk:list")


@agent_required
@require_POST
def post_delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        delete_view(_actor(request), view_id)
    except NotFound:
        raise Http404 from None
    except TesseraError as error:
        messages.error(request, error.message)
    return redirect("desk:list")


@agent_required
@require_POST
def post_bulk(request: HttpRequest) -> HttpResponse:
    """One action per ticket; each may fail on its own (permission, transition) without
    stopping the rest, and the agent is told which ones did."""
    actor = _actor(request)
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose tickets and an action."))
        return redirect("desk:list")
    data = form.cleaned_data
    done, failed = 0, []
    tickets = []
    for number in data["numbers"]:
        try:
            tickets.append(access_ticket(actor, number))
        except NotFound:
            failed.append(str(number))
    operation = data["operation"]
    if operation == "merge":
        target, sources = (tickets[0], tickets[1:]) if tickets else (None, [])
        for ticket in sources:
            try:
                assert target is not None
                actions.merge(actor, ticket, target)
                done += 1
            except TesseraError:
                failed.append(str(ticket.number))
    else:
        for ticket in tickets:
            try:
                if operation == "assign":
                    actions.assign(actor, ticket, data["assignee"])
                elif operation == "status" and data["status"]:
                    actions.change_status(actor, ticket, data["status"])
                elif operation == "priority" and data["priority"]:
                    actions.change_fields(actor, ticket, {"priority": data["priority"]})
                elif operation == "tag" and data["tag"].strip():
                    actions.tag(actor, ticket, [data["tag"]])
                else:
                    raise ValidationFailed("Nothing to do")
                done += 1
            except TesseraError:
                failed.append(str(ticket.number))
    if done:
        messages.success(
            request, ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", done) % {"count": done}
        )
    if failed:
        messages.error(request, _("Not changed: %(numbers)s") % {"numbers": ", ".join(failed)})
    back = request.POST.get("next") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("desk:list")


def _ticket_context(request: HttpRequest, number: int) -> dict[str, Any]:
    actor = _actor(request)
    try:
        ticket = access_ticket(actor, number)
    except NotFound:
        raise Http404 from None
    conversation = list(
        Message.objects.filter(ticket=ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("-created_at", "-id")[:200])
    definitions = list(CustomField.objects.filter(is_active=True))
    return {
        "ticket": ticket,
        "conversation": conversation,
        "events": events,
        "tags": list(ticket.tags.all()),
        "links": list(ticket.outgoing_links.select_related("target")) + list(ticket.incoming_links.select_related("source")),
        "may_edit": can_edit(actor, ticket),
        "rating": SatisfactionRating.objects.filter(ticket=ticket).first(),
        "sla_explanation": sla_timers.explain(ticket),
        "reply_form": ReplyForm(initial={"version": ticket.version}),
        "fields_form": FieldsForm(
            initial={
                "status": ticket.status,
                "priority": ticket.priority,
                "type": ticket.type,
                "department": ticket.department_id,
                "assignee": ticket.assignee_id,
                "due_at": timezone.localtime(ticket.due_at) if ticket.due_at else None,
                "version": ticket.version,
                **{f"cf_{k}": v for k, v in ticket.custom_fields.items()},
            },
            custom_fields=definitions,
        ),
        "merge_form": MergeForm(),
        "link_form": LinkForm(),
    }


@agent_required
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    return render(request, "agent_ui/ticket.html", _ticket_context(request, number))


@agent_required
@require_POST
def post_reply(request: HttpRequest, number: int) -> HttpResponse:
    actor = _actor(request)
    form = ReplyForm(request.POST)
    context = _ticket_context(request, number)
    ticket = context["ticket"]
    if not form.is_valid():
        context["reply_form"] = form
        return render(request, "agent_ui/ticket.html", context, status=422)
    data = form.cleaned_data
    uploads = [
        NewAttachment(filename=f.name or "attachment", content=f.read(), content_type=f.content_type or "")
        for f in request.FILES.getlist("attachments")
    ]
    try:
        if data["kind"] == "note":
            actions.add_note(actor, ticket, body_text=data["body"], attachments=uploads)
        else:
            actions.add_agent_reply(
                actor,
                ticket,
                body_text=data["body"],
                attachments=uploads,
                status=data["status"] or None,
                expected_version=data["version"],
            )
    except Conflict:
        # Someone else changed the ticket since this page loaded: show what changed and keep
        # every word the agent typed, so they can send it again after a look.
        context = _ticket_context(request, number)
        form = ReplyForm(initial={**data, "version": context["ticket"].version})
        context["reply_form"] = form
        context["collision"] = True
        return render(request, "agent_ui/ticket.html", context, status=409)
    except TesseraError as error:
        context["reply_form"] = form
        context["error"] = error.message
        return render(request, "agent_ui/ticket.html", context, status=error.status)
    messages.success(request, _("Note added.") if data["kind"] == "note" else _("Reply sent."))
    return redirect("desk:ticket", number=number)


@agent_required
@require_POST
def post_fields(request: HttpRequest, number: int) -> HttpResponse:
    actor = _actor(request)
    context = _ticket_context(request, number)
    ticket = context["ticket"]
    form = FieldsForm(request.POST, custom_fields=context["fields_form"].custom_definitions)
    if not form.is_valid():
        context["fields_form"] = form
        return render(request, "agent_ui/ticket.html", context, status=422)
    try:
        updated = actions.change_fields(actor, ticket, form.changes(), expected_version=form.cleaned_data["version"])
        tags = [t for t in form.cleaned_data["add_tags"].split(",") if t.strip()]
        if tags:
            actions.tag(actor, updated, tags)
    except Conflict:
        context = _ticket_context(request, number)
        context["collision"] = True
        return render(request, "agent_ui/ticket.html", context, status=409)
    except TesseraError as error:
        context["error"] = error.message
        return render(request, "agent_ui/ticket.html", context, status=error.status)
    messages.success(request, _("Ticket updated."))
    return redirect("desk:ticket", number=number)


@agent_required
@require_POST
def post_merge(request: HttpRequest, number: int) -> HttpResponse:
    actor = _actor(request)
    context = _ticket_context(request, number)
    form = MergeForm(request.POST)
    if not form.is_valid():
        context["merge_form"] = form
        return render(request, "agent_ui/ticket.html", context, status=422)
    try:
        target = access_ticket(actor, form.cleaned_data["target"])
        actions.merge(actor, context["ticket"], target)
    except TesseraError as error:
        context["error"] = error.message
        return render(request, "agent_ui/ticket.html", context, status=error.status)
    messages.success(request, _("Merged."))
    return redirect("desk:ticket", number=target.number)


@agent_required
@require_POST
def post_assign_me(request: HttpRequest, number: int) -> HttpResponse:
    actor = _actor(request)
    assert isinstance(request.user, User)
    context = _ticket_context(request, number)
    version = request.POST.get("version", "")
    try:
        actions.assign(
            actor, context["ticket"], request.user, expected_version=int(version) if version.isdigit() else None
        )
    except Conflict:
        context = _ticket_context(request, number)
        context["collision"] = True
        return render(request, "agent_ui/ticket.html", context, status=409)
    except TesseraError as error:
        context["error"] = error.message
        return render(request, "agent_ui/ticket.html", context, status=error.status)
    return redirect("desk:ticket", number=number)


def _structure_error(request: HttpRequest, number: int, error: TesseraError) -> HttpResponse:
    context = _ticket_context(request, number)
    context["error"] = error.message
    return render(request, "agent_ui/ticket.html", context, status=error.status)


def _on_ticket(request: HttpRequest, number: int, act: Callable[[Actor, Ticket], object]) -> HttpResponse:
    """Run one structural change on a ticket the agent may see; back to the ticket page after.

    A ticket or related object the agent may not see is a 404; any refusal of the action is
    shown on the ticket page with its reason.
    """
    actor = _actor(request)
    try:
        act(actor, access_ticket(actor, number))
    except NotFound:
        raise Http404 from None
    except TesseraError as error:
        return _structure_error(request, number, error)
    return redirect("desk:ticket", number=number)


@agent_required
@require_POST
def post_link(request: HttpRequest, number: int) -> HttpResponse:
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _structure_error(request, number, ValidationFailed(_("Choose a link and a ticket number.")))

    def link(actor: Actor, source: Ticket) -> None:
        target = access_ticket(actor, form.cleaned_data["target"])
        actions.link(actor, source, target, form.cleaned_data["kind"])

    return _on_ticket(request, number, link)


@agent_required
@require_POST
def post_unlink(request: HttpRequest, number: int, link_id: int) -> HttpResponse:
    def unlink(actor: Actor, ticket: Ticket) -> None:
        link = TicketLink.objects.filter(pk=link_id).filter(Q(source=ticket) | Q(target=ticket)).first()
        if link is None:
            raise NotFound("Link not found")
        actions.unlink(actor, link.source, link.target, link.kind)

    return _on_ticket(request, number, unlink)


@agent_required
@require_POST
def post_untag(request: HttpRequest, number: int) -> HttpResponse:
    tag = request.POST.get("tag", "")
    return _on_ticket(request, number, lambda actor, ticket: actions.untag(actor, ticket, [tag]))


@agent_required
@require_POST
def post_spam(request: HttpRequest, number: int) -> HttpResponse:
    # Anything but an explicit "0" marks: a missing field should not silently unmark.
    is_spam = request.POST.get("is_spam", "1") != "0"
    return _on_ticket(request, number, lambda actor, ticket: actions.mark_spam(actor, ticket, is_spam=is_spam))


@agent_required
@require_POST
def post_split(request: HttpRequest, number: int, message_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        ticket = access_ticket(actor, number)
        if not Message.objects.filter(pk=message_id, ticket=ticket).exists():
            raise NotFound("Message not found")
        new = actions.split_message(actor, message_id)
    except NotFound:
        raise Http404 from None
    except TesseraError as error:
        return _structure_error(request, number, error)
    messages.success(request, _("Split into %(number)s.") % {"number": new.display_number})
    return redirect("desk:ticket", number=new.number)


@agent_required
def download_attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    actor = _actor(request)
    try:
        attachment = Attachment.objects.select_related("message__ticket").get(pk=attachment_id)
    except Attachment.DoesNotExist:
        raise Http404 from None
    if not can_view(actor, attachment.message.ticket):
        raise Http404
    return attachment_response(request, attachment)
