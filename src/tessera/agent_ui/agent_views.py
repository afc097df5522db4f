"""An agent's own routing state: availability (from the desk header) and working hours."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tessera.accounts import staff
from tessera.accounts.models import User
from tessera.agent_ui.calendar_forms import CalendarForm
from tessera.agent_ui.settings_forms import AvailabilityForm
from tessera.agent_ui.templatetags.availability import availability_label
from tessera.core import time
from tessera.core.errors import TesseraError
from tessera.routing.assign import set_availability, set_working_hours
from tessera.routing.models import AgentRouting
from tessera.web.decorators import agent_required, request_actor

WORKING_HOURS_SWITCH = gettext_lazy("Hand out tickets only during these hours")


@agent_required
@require_POST
def post_availability(request: HttpRequest) -> HttpResponse:
    user = request_actor(request).user
    assert user is not None
    form = AvailabilityForm(request.POST)
    if form.is_valid():
        now = time.now()
        set_availability(user, form.cleaned_data["availability"], away_until=form.away_until(now))
        messages.success(request, _("Your availability: %(state)s.") % {"state": availability_label(user, now)})
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = ""
    return redirect(target or "desk:list")


@agent_required
def agent_hours(request: HttpRequest, agent_id: int) -> HttpResponse:
    """Admins edit any agent's working hours; an agent may look at their own."""
    actor = request_actor(request)
    agent = User.objects.filter(pk=agent_id, role__in=list(staff.STAFF_ROLES)).first()
    if agent is None or not (actor.is_admin or actor.user == agent):
        raise Http404
    owner: User = agent
    routing = AgentRouting.objects.filter(user=agent).first()
    stored = routing.working_hours if routing is not None else {}

    def calendar_form(data: QueryDict | None = None) -> CalendarForm:
        return CalendarForm(
            data, calendar=stored, optional_label=str(WORKING_HOURS_SWITCH), default_timezone=owner.time_zone
        )

    if request.method != "POST":
        form = calendar_form()
        if not actor.is_admin:
            form.make_read_only()
        return render(request, "agent_ui/working_hours.html", {"agent": agent, "form": form, "editable": actor.is_admin})
    if not actor.is_admin:
        raise PermissionDenied
    form = calendar_form(request.POST)
    error = None
    if form.is_valid():
        assert form.calendar is not None
        try:
            set_working_hours(agent, form.calendar)
        except TesseraError as exc:
            error = exc.message
        else:
            messages.success(request, _("Working hours saved."))
            return redirect("desk:agent_hours", agent_id=agent.pk)
    return render(
        request, "agent_ui/working_hours.html",
        {"agent": agent, "form": form, "editable": True, "error": error}, status=422,
    )
