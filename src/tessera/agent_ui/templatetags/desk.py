"""Template helpers of the agent desk."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tessera.tickets.models import Channel, EventKind, LinkKind, Priority, TicketEvent, TicketType
from tessera.tickets.states import STATUS_LABELS

register = template.Library()

# The side panel's own labels, so the timeline names a field the way the agent sees it.
FIELD_LABELS: dict[str, Promise] = {
    "subject": gettext_lazy("Subject"),
    "type": gettext_lazy("Type"),
    "priority": gettext_lazy("Priority"),
    "status": gettext_lazy("Status"),
    "department": gettext_lazy("Department"),
    "assignee": gettext_lazy("Assignee"),
    "due_at": gettext_lazy("Due"),
    "requester": gettext_lazy("Requester"),
}

# Fields that are yes/no flags: a sentence per direction reads better than "from False to True".
FLAG_SENTENCES: dict[str, tuple[Promise, Promise]] = {
    "needs_review": (gettext_lazy("marked the ticket for review"), gettext_lazy("cleared the review mark")),
}

# Fields whose stored values are codes: shown by their label in the reader's language.
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "status": {status.value: label for status, label in STATUS_LABELS.items()},
    "priority": dict(Priority.choices),
    "type": dict(TicketType.choices),
}


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _field_value(field: str, value: Any) -> str:
    labels = VALUE_LABELS.get(field)
    if labels is not None and isinstance(value, str) and value in labels:
        return str(labels[value])
    if field == "due_at" and isinstance(value, str):
        # Stored as ISO 8601 in UTC; the agent reads it in their own time zone and format.
        moment = parse_datetime(value)
        if moment is not None and timezone.is_aware(moment):
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return _value(value)


def _label(choices: type[Channel] | type[LinkKind], value: Any) -> str:
    """A choice's label; a value no longer among the choices is shown as it was stored."""
    if isinstance(value, str) and value in choices.values:
        return str(choices(value).label)
    return _value(value)


# Long enough to read the gist on the timeline; the whole comment is in the side panel.
# Characters, not words: Thai does not put spaces between words.
RATING_COMMENT_CHARS = 200


def _rating_summary(event: TicketEvent) -> str:
    after = event.after if isinstance(event.after, dict) else {}
    before = event.before if isinstance(event.before, dict) else {}
    values = {"score": after.get("score", "—"), "before": before.get("score", "—")}
    if before:
        line = _("changed the rating from %(before)s to %(score)s out of 5") % values
    else:
        line = _("rated %(score)s out of 5") % values
    comment = str(after.get("comment") or "")
    if not comment:
        return line
    return _("%(rating)s, commenting “%(comment)s”") % {
        "rating": line, "comment": Truncator(comment).chars(RATING_COMMENT_CHARS),
    }


@register.filter
def event_summary(event: TicketEvent) -> str:
    """One line a person can read; autoescaped by the template like any other text.

    Each sentence is one translatable string with named placeholders: a translation is free
    to put the field, the values and the verb in the order its grammar wants.
    """
    kind = event.kind
    if kind == EventKind.CREATED:
        after = event.after or {}
        if "split_from" in after:
            return _("created by splitting a message off #%(number)s") % {"number": after["split_from"]}
        return _("created the ticket (%(channel)s)") % {"channel": _label(Channel, after.get("channel"))}
    if kind == EventKind.FIELD and event.field in FLAG_SENTENCES:
        set_it, cleared = FLAG_SENTENCES[event.field]
        return str(set_it if event.after else cleared)
    if kind == EventKind.DELIVERY and event.field == "failed":
        details = event.after if isinstance(event.after, dict) else {}
        return _("could not deliver the mail to %(recipients)s: %(error)s") % {
            "recipients": _value(details.get("recipients")),
            "error": details.get("error") or "—",
        }
    if kind in {EventKind.FIELD, EventKind.STATUS, EventKind.ASSIGNED}:
        field = event.field or kind
        return _("changed %(field)s from %(before)s to %(after)s") % {
            "field": str(FIELD_LABELS.get(field, field)),
            "before": _field_value(field, event.before),
            "after": _field_value(field, event.after),
        }
    if kind == EventKind.TAGGED:
        return _("added tags %(tags)s") % {"tags": _value(event.after)}
    if kind == EventKind.UNTAGGED:
        return _("removed tags %(tags)s") % {"tags": _value(event.before)}
    if kind in {EventKind.LINKED, EventKind.UNLINKED}:
        values = {
            "number": (event.after or event.before or {}).get("ticket", "—"),
            "link": _label(LinkKind, event.field),
        }
        if kind == EventKind.LINKED:
            return _("linked #%(number)s (%(link)s)") % values
        return _("unlinked #%(number)s (%(link)s)") % values
    if kind == EventKind.MERGED:
        return _("merged into #%(number)s") % {"number": (event.after or {}).get("into", "—")}
    if kind == EventKind.MERGED_FROM:
        return _("received the conversation of #%(number)s") % {"number": (event.after or {}).get("from", "—")}
    if kind == EventKind.SPLIT:
        return _("split a message off into #%(number)s") % {"number": (event.after or {}).get("ticket", "—")}
    if kind == EventKind.RATED:
        return _rating_summary(event)
    label = str(EventKind(kind).label) if kind in EventKind.values else kind
    if event.after in (None, "", {}, []):
        return label
    # "Label: detail" is punctuation every supported language shares, not a sentence.
    return f"{label}: {_value(event.after)}"
