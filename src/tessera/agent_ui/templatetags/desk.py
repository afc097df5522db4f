"""Template helpers of the agent desk."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from tessera.tickets.models import EventKind, TicketEvent

register = template.Library()


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


@register.filter
def event_summary(event: TicketEvent) -> str:
    """One line a person can read; autoescaped by the template like any other text."""
    kind = event.kind
    if kind == EventKind.CREATED:
        after = event.after or {}
        if "split_from" in after:
            return _("created by splitting a message off #%(number)s") % {"number": after["split_from"]}
        return _("created the ticket (%(channel)s)") % {"channel": after.get("channel", "—")}
    if kind in {EventKind.FIELD, EventKind.STATUS, EventKind.ASSIGNED}:
        return _("changed %(field)s from %(before)s to %(after)s") % {
            "field": event.field or kind,
            "before": _value(event.before),
            "after": _value(event.after),
        }
    if kind == EventKind.TAGGED:
        return _("added tags %(tags)s") % {"tags": _value(event.after)}
    if kind == EventKind.UNTAGGED:
        return _("removed tags %(tags)s") % {"tags": _value(event.before)}
    if kind in {EventKind.LINKED, EventKind.UNLINKED}:
        ticket = (event.after or event.before or {}).get("ticket", "—")
        verb = _("linked") if kind == EventKind.LINKED else _("unlinked")
        return f"{verb} #{ticket} ({event.field})"
    if kind == EventKind.MERGED:
        return _("merged into #%(number)s") % {"number": (event.after or {}).get("into", "—")}
    if kind == EventKind.MERGED_FROM:
        return _("received the conversation of #%(number)s") % {"number": (event.after or {}).get("from", "—")}
    if kind == EventKind.SPLIT:
        return _("split a message off into #%(number)s") % {"number": (event.after or {}).get("ticket", "—")}
    label = str(EventKind(kind).label) if kind in EventKind.values else kind
    detail = _value(event.after) if event.after not in (None, "", {}, []) else ""
    return f"{label}: {detail}" if detail else label
