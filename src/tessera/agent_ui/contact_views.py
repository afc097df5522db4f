"""Contacts in the agent desk, and opening a ticket on a customer's behalf."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tessera.accounts.access import access_contact
from tessera.accounts.actions import (
    add_contact_note,
    contact_for_identity,
    create_contact,
    normalise_identity,
)
from tessera.accounts.models import Contact, IdentityKind
from tessera.agent_ui.forms import NewTicketForm
from tessera.agent_ui.views import _actor
from tessera.core.errors import NotFound, TesseraError, ValidationFailed
from tessera.tickets import actions
from tessera.tickets.models import Ticket
from tessera.tickets.permissions import visible_tickets
from tessera.web.decorators import agent_required


@agent_required
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        contact = access_contact(actor, contact_id)
    except NotFound:
        raise Http404 from None
    tickets = list(
        visible_tickets(actor, Ticket.objects.filter(requester=contact))
        .select_related("department", "assignee")
        .order_by("-updated_at", "-id")[:100]
    )
    notes = list(contact.notes.select_related("author").order_by("-created_at")[:50])
    return render(
        request,
        "agent_ui/contact.html",
        {"contact": contact, "identities": list(contact.identities.all()), "tickets": tickets, "notes": notes},
    )


def _find_contact(raw: str) -> tuple[str, str, Contact | None]:
    """The identity a desk user typed, normalised, and the contact it belongs to, if any."""
    kind = IdentityKind.EMAIL if "@" in raw else IdentityKind.PHONE
    value = normalise_identity(kind, raw)
    return kind, value, contact_for_identity(kind, value)


@agent_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = NewTicketForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "agent_ui/new_ticket.html", {"form": form}, status=422 if request.method == "POST" else 200)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            kind, value, contact = _find_contact(data["requester"])
            if contact is None:
                contact = create_contact(actor, name=data["requester_name"], identities=[(kind, value)])
            ticket = actions.create_ticket(
                actor,
                subject=data["subject"],
                requester=contact,
                department=data["department"],
                body_text=data["body"],
                channel=data["channel"],
                type=data["type"],
                priority=data["priority"],
            )
    except ValidationFailed as error:
        form.add_error("requester" if error.field in {"value", "kind"} else None, error.message)
        return render(request, "agent_ui/new_ticket.html", {"form": form}, status=422)
    except TesseraError as error:
        return render(request, "agent_ui/new_ticket.html", {"form": form, "error": error.message}, status=error.status)
    messages.success(request, _("Ticket %(number)s created.") % {"number": ticket.display_number})
    return redirect("desk:ticket", number=ticket.number)


@agent_required
@require_POST
def post_contact_note(request: HttpRequest, contact_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        contact = access_contact(actor, contact_id)
        add_contact_note(actor, contact, request.POST.get("body", ""))
    except NotFound:
        raise Http404 from None
    except TesseraError as error:
        messages.error(request, error.message)
    return redirect("desk:contact", contact_id=contact_id)


@agent_required
@require_POST
def post_contact_merge(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Merge another contact (by id, email or phone) into this one."""
    actor = _actor(request)
    try:
        target = access_contact(actor, contact_id)
        raw = request.POST.get("other", "").strip()
        if raw.isdigit():
            other = access_contact(actor, int(raw))
        else:
            found = _find_contact(raw)[2]
            if found is None:
                raise NotFound("No contact has that address")
            other = found
        actions.merge_contacts(actor, other, target)
    except NotFound as error:
        if error.message == "No contact has that address":
            messages.error(request, error.message)
            return redirect("desk:contact", contact_id=contact_id)
        raise Http404 from None
    except TesseraError as error:
        messages.error(request, error.message)
        return redirect("desk:contact", contact_id=contact_id)
    messages.success(request, _("Contacts merged."))
    return redirect("desk:contact", contact_id=contact_id)
