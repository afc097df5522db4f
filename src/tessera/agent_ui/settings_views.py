"""Admin settings pages: departments, agents and roles, custom fields, closing policy."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tessera.accounts import staff
from tessera.accounts.models import Department, User
from tessera.agent_ui.settings_forms import AgentForm, CustomFieldForm, DepartmentForm
from tessera.agent_ui.views import _actor
from tessera.channels.ingest import replay_inbound
from tessera.channels.models import InboundStatus, RawInbound
from tessera.core.errors import TesseraError
from tessera.tickets.custom_fields import define_field
from tessera.tickets.models import CustomField
from tessera.web.decorators import admin_required


def _page(request: HttpRequest, **forms: Any) -> HttpResponse:
    context = {
        "departments": Department.objects.order_by("name"),
        "agents": User.objects.filter(role__in=list(staff.STAFF_ROLES)).prefetch_related("departments").order_by("username"),
        "fields": CustomField.objects.order_by("position", "key"),
        "department_form": forms.get("department_form") or DepartmentForm(prefix="d"),
        "agent_form": forms.get("agent_form") or AgentForm(prefix="a"),
        "field_form": forms.get("field_form") or CustomFieldForm(prefix="f"),
        "editing": forms.get("editing"),
        "error": forms.get("error"),
    }
    return render(request, "agent_ui/settings.html", context, status=forms.get("status", 200))


@admin_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return _page(request)


@admin_required
def department_edit(request: HttpRequest, department_id: int | None = None) -> HttpResponse:
    department = Department.objects.filter(pk=department_id).first() if department_id else None
    if department_id and department is None:
        raise Http404
    if request.method != "POST":
        initial = {k: getattr(department, k) for k in ("name", "email_address", "closing_policy", "is_active")} if department else None
        return _page(request, department_form=DepartmentForm(prefix="d", initial=initial), editing=department)
    form = DepartmentForm(request.POST, prefix="d")
    if not form.is_valid():
        return _page(request, department_form=form, editing=department, status=422)
    try:
        if department:
            staff.update_department(_actor(request), department, form.cleaned_data)
        else:
            staff.create_department(_actor(request), **form.cleaned_data)
    except TesseraError as error:
        return _page(request, department_form=form, editing=department, error=error.message, status=error.status)
    messages.success(request, _("Department saved."))
    return redirect("desk:settings")


@admin_required
def agent_edit(request: HttpRequest, agent_id: int | None = None) -> HttpResponse:
    agent = User.objects.filter(pk=agent_id, role__in=list(staff.STAFF_ROLES)).first() if agent_id else None
    if agent_id and agent is None:
        raise Http404
    if request.method != "POST":
        initial = None
        if agent:
            initial = {k: getattr(agent, k) for k in ("username", "display_name", "email", "role", "time_zone", "language", "max_open_tickets", "is_active")}
            initial["departments"] = list(agent.departments.all())
        return _page(request, agent_form=AgentForm(prefix="a", initial=initial), editing=agent)
    form = AgentForm(request.POST, prefix="a")
    if not form.is_valid():
        return _page(request, agent_form=form, editing=agent, status=422)
    data = dict(form.cleaned_data)
    departments = data.pop("departments")
    username, password = data.pop("username"), data.pop("password")
    try:
        if agent:
            staff.update_agent(_actor(request), agent, data, departments=departments)
        else:
            staff.create_agent(_actor(request), username=username, password=password or "", departments=departments, **data)
    except TesseraError as error:
        return _page(request, agent_form=form, editing=agent, error=error.message, status=error.status)
    messages.success(request, _("Agent saved."))
    return redirect("desk:settings")


@admin_required
def field_edit(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        raise Http404
    form = CustomFieldForm(request.POST, prefix="f")
    if not form.is_valid():
        return _page(request, field_form=form, status=422)
    data = dict(form.cleaned_data)
    data["choices"] = [line for line in data["choices"].splitlines() if line.strip()]
    try:
        define_field(_actor(request), **data)
    except TesseraError as error:
        return _page(request, field_form=form, error=error.message, status=error.status)
    messages.success(request, _("Field saved."))
    return redirect("desk:settings")


@admin_required
def mail_quarantine(request: HttpRequest) -> HttpResponse:
    """Mail that could not become a message, with the reason, for an admin to look at."""
    rows = list(
        RawInbound.objects.filter(status__in=[InboundStatus.QUARANTINED, InboundStatus.IGNORED])
        .select_related("mailbox")
        .defer("raw")
        .order_by("-received_at", "-id")[:200]
    )
    return render(request, "agent_ui/mail_quarantine.html", {"rows": rows})


@admin_required
@require_POST
def mail_replay(request: HttpRequest, raw_id: int) -> HttpResponse:
    if not RawInbound.objects.filter(pk=raw_id).exists():
        raise Http404
    try:
        replay_inbound(raw_id)
    except TesseraError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The mail was queued for processing again."))
    return redirect("desk:mail_quarantine")
