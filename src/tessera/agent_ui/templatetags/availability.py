"""The agent availability shown in the desk header and on the admin pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tessera.accounts.models import Availability, User
from tessera.core import time
from tessera.routing.strategies import effective_availability

register = template.Library()


def availability_state(user: User, now: datetime | None = None) -> str:
    return str(effective_availability(user.availability, user.away_until, now or time.now()))


@register.filter
def availability_label(user: User, now: datetime | None = None) -> str:
    """"Online", "On a break until 14:30", ...: the status as routing reads it now, so a break
    whose end has passed shows as online, exactly as tickets are handed out."""
    now = now or time.now()
    state = availability_state(user, now)
    if state in {Availability.AWAY, Availability.BREAK} and user.away_until is not None:
        local = timezone.localtime(user.away_until)
        if local.date() == timezone.localtime(now).date():
            when = formats.time_format(local, "TIME_FORMAT")
        else:
            when = formats.date_format(local, "SHORT_DATETIME_FORMAT")
        if state == Availability.AWAY:
            return _("Away until %(time)s") % {"time": when}
        return _("On a break until %(time)s") % {"time": when}
    return str(Availability(state).label)


@register.filter(name="availability_state")
def availability_state_filter(user: User) -> str:
    return availability_state(user)


@register.inclusion_tag("agent_ui/_availability.html", takes_context=True)
def availability_control(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    if request is None:  # a template rendered outside a request has no one to show
        return {"show": False}
    user = request.user
    now = time.now()
    state = availability_state(user, now)
    until = ""
    if state in {Availability.AWAY, Availability.BREAK} and user.away_until is not None:
        until = timezone.localtime(user.away_until).strftime("%H:%M")
    return {
        "show": True,
        "user": user,
        "state": state,
        "label": availability_label(user, now),
        "until": until,
        "choices": Availability.choices,
        # After a failed POST the current path may answer only POST; go to the list then.
        "next": request.get_full_path() if request.method == "GET" else "",
        "csrf_token": context.get("csrf_token"),
    }
