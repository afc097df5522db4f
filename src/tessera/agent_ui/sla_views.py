"""Admin pages for SLA policies (with their business calendars) and automatic distribution.

A policy's calendar is edited with the same form as agents' working hours (``CalendarForm``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tessera.accounts.models import Department, Role, User
from tessera.agent_ui.calendar_forms import CalendarForm
from tessera.core.errors import TesseraError
from tessera.routing.models import Distribution, StrategyChoice
from tessera.sla.models import SlaPolicy, default_calendar
from tessera.sla.policies import delete_policy, save_policy
from tessera.tickets.models import Channel, Priority, TicketType
from tessera.tickets.states import STATUS_LABELS, Status
from tessera.web.decorators import admin_required


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=200, label=gettext_lazy("Name"))
    position = forms.IntegerField(min_value=0, initial=0, label=gettext_lazy("Position (first match wins)"))
    is_active = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Active"))
    priority = forms.MultipleChoiceField(required=False, choices=Priority.choices, label=gettext_lazy("Priority"))
    type = forms.MultipleChoiceField(required=False, choices=TicketType.choices, label=gettext_lazy("Type"))
    department = forms.ModelMultipleChoiceField(queryset=Department.objects.all(), required=False, label=gettext_lazy("Department"))
    channel = forms.MultipleChoiceField(required=False, choices=Channel.choices, label=gettext_lazy("Channel"))
    tags = forms.CharField(required=False, max_length=500, label=gettext_lazy("Any of these tags (comma separated)"))
    first_response_minutes = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("First response (business minutes)"))
    next_response_minutes = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Next response (business minutes)"))
    resolution_minutes = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Resolution (business minutes)"))
    periodic_update_minutes = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Periodic update (business minutes)"))
    warn_before_minutes = forms.IntegerField(min_value=0, initial=30, label=gettext_lazy("Warn this many minutes before"))
    pause_statuses = forms.MultipleChoiceField(
        required=False,
        choices=[(s.value, STATUS_LABELS[s]) for s in (Status.PENDING, Status.ON_HOLD)],
        initial=[Status.PENDING],
        label=gettext_lazy("Clock stops while"),
    )

    def conditions(self) -> dict[str, Any]:
        data = self.cleaned_data
        found: dict[str, Any] = {}
        for key in ("priority", "type", "channel"):
            if data[key]:
                found[key] = list(data[key])
        if data["department"]:
            found["department"] = [d.pk for d in data["department"]]
        tags = [t.strip() for t in data["tags"].split(",") if t.strip()]
        if tags:
            found["tags"] = tags
        return found


class DistributionForm(forms.Form):
    strategy = forms.ChoiceField(choices=StrategyChoice.choices, label=gettext_lazy("Strategy"))
    auto_assign = forms.BooleanField(required=False, label=gettext_lazy("Assign new tickets automatically"))
    requeue_on_offline = forms.BooleanField(required=False, label=gettext_lazy("Return tickets to the queue when the agent goes offline"))


def _initial(policy: SlaPolicy | None) -> dict[str, Any]:
    if policy is None:
        return {}
    cond = policy.conditions or {}
    return {
        "name": policy.name, "position": policy.position, "is_active": policy.is_active,
        "priority": cond.get("priority", []), "type": cond.get("type", []), "channel": cond.get("channel", []),
        "department": cond.get("department", []), "tags": ", ".join(cond.get("tags", [])),
        "first_response_minutes": policy.first_response_minutes, "next_response_minutes": policy.next_response_minutes,
        "resolution_minutes": policy.resolution_minutes, "periodic_update_minutes": policy.periodic_update_minutes,
        "warn_before_minutes": policy.warn_before_minutes, "pause_statuses": policy.pause_statuses,
    }


def _calendar_form(policy: SlaPolicy | None, data: QueryDict | None = None) -> CalendarForm:
    return CalendarForm(data, calendar=policy.calendar if policy is not None else default_calendar())


def _page(request: HttpRequest, *, form: PolicyForm | None = None, calendar_form: CalendarForm | None = None,
          editing: SlaPolicy | None = None, error: str | None = None, status: int = 200) -> HttpResponse:
    # Who each department can hand tickets to, with their availability as routing sees it.
    team = User.objects.filter(role__in=[Role.ADMIN, Role.AGENT], is_active=True).order_by("username")
    departments = list(
        Department.objects.order_by("name").prefetch_related(Prefetch("members", queryset=team, to_attr="team"))
    )
    distributions = {d.department_id: d for d in Distribution.objects.all()}
    rows = [
        (d, DistributionForm(prefix=f"dist{d.pk}", initial={
            "strategy": distributions[d.pk].strategy if d.pk in distributions else StrategyChoice.ROUND_ROBIN,
            "auto_assign": distributions[d.pk].auto_assign if d.pk in distributions else False,
            "requeue_on_offline": distributions[d.pk].requeue_on_offline if d.pk in distributions else False,
        }))
        for d in departments
    ]
    return render(request, "agent_ui/sla.html", {
        "policies": SlaPolicy.objects.order_by("position", "id"),
        "form": form or PolicyForm(initial=_initial(editing)),
        "calendar_form": calendar_form or _calendar_form(editing),
        "editing": editing,
        "error": error,
        "distribution_rows": rows,
    }, status=status)


@admin_required
def sla_index(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    policy = SlaPolicy.objects.filter(pk=policy_id).first() if policy_id else None
    if policy_id and policy is None:
        raise Http404
    if request.method != "POST":
        return _page(request, editing=policy)
    form = PolicyForm(request.POST)
    calendar_form = _calendar_form(policy, request.POST)
    # Both forms validated, so every fault on the page is reported at once.
    if not all([form.is_valid(), calendar_form.is_valid()]):
        return _page(request, form=form, calendar_form=calendar_form, editing=policy, status=422)
    assert calendar_form.calendar is not None
    data = form.cleaned_data
    target = policy or SlaPolicy()
    target.name = data["name"]
    target.position = data["position"]
    target.is_active = data["is_active"]
    target.conditions = form.conditions()
    for key in ("first_response_minutes", "next_response_minutes", "resolution_minutes", "periodic_update_minutes", "warn_before_minutes"):
        setattr(target, key, data[key])
    target.pause_statuses = list(data["pause_statuses"])
    target.calendar = calendar_form.calendar
    try:
        save_policy(target)
    except TesseraError as error:
        return _page(request, form=form, calendar_form=calendar_form, editing=policy, error=error.message, status=422)
    messages.success(request, _("SLA policy saved; open tickets are being recalculated."))
    return redirect("desk:sla")


@admin_required
@require_POST
def sla_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise Http404
    delete_policy(policy)
    messages.success(request, _("SLA policy deleted."))
    return redirect("desk:sla")


@admin_required
@require_POST
def distribution_save(request: HttpRequest, department_id: int) -> HttpResponse:
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise Http404
    form = DistributionForm(request.POST, prefix=f"dist{department.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a distribution strategy."))
        return redirect("desk:sla")
    Distribution.objects.update_or_create(department=department, defaults=form.cleaned_data)
    messages.success(request, _("Distribution saved."))
    return redirect("desk:sla")
