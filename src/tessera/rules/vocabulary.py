"""What a rule may talk about: fields, their kinds, operators, events. Pure data.

The evaluation context the runner builds is a set of plain mappings named ``ticket``,
``contact``, ``organisation``, ``message`` and ``event``. Keys mirror the model field names
(``ticket.status``, ``ticket.custom_fields.order_id``...) with two conventions: a foreign key
is given as its id under the field's own name (``ticket.assignee`` is the agent's id, not an
object), and tags are a list of tag names. Display values the runner may add for templates
(``ticket.assignee_name``...) are listed in ``TEMPLATE_ONLY_PATHS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    ID = "id"
    NUMBER = "number"
    DATETIME = "datetime"
    LIST = "list"
    BOOL = "bool"
    # Admin-defined values (custom fields, attributes): the type is only known at run time.
    ANY = "any"


# Copies of the ticket model's choices, kept here so this module never imports the models.
# tests/unit/rules/test_vocabulary.py fails if they drift apart.
STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")
TICKET_TYPES = ("question", "incident", "service_request", "problem", "change_request")
CHANNELS = (
    "email", "web_form", "portal", "chat", "phone", "sms", "facebook", "line", "telegram",
    "twitter", "whatsapp", "zalo", "api", "agent", "system",
)
MESSAGE_KINDS = ("public", "note")
AUTHOR_KINDS = ("agent", "contact", "system")


class Event(StrEnum):
    """What happened to a ticket, as triggers see it (the runner maps timeline kinds to these)."""

    TICKET_CREATED = "ticket_created"
    CUSTOMER_REPLIED = "customer_replied"
    AGENT_REPLIED = "agent_replied"
    NOTE_ADDED = "note_added"
    FIELD_CHANGED = "field_changed"
    STATUS_CHANGED = "status_changed"
    ASSIGNED = "assigned"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    RATING_RECEIVED = "rating_received"


# The event kind of a cycle started by the automation scheduler rather than by a change.
TIME_EVENT = "time_elapsed"


class Since(StrEnum):
    """The moment an automation's hours count from."""

    CREATED = "created"
    UPDATED = "updated"
    LAST_CUSTOMER_MESSAGE = "last_customer_message"
    LAST_AGENT_REPLY = "last_agent_reply"
    STATUS_ENTERED = "status_entered"
    DUE = "due"


# Which ticket context key holds each anchor.
SINCE_TICKET_KEY: dict[Since, str] = {
    Since.CREATED: "created_at",
    Since.UPDATED: "updated_at",
    Since.LAST_CUSTOMER_MESSAGE: "last_customer_message_at",
    Since.LAST_AGENT_REPLY: "last_agent_reply_at",
    Since.STATUS_ENTERED: "status_changed_at",
    Since.DUE: "due_at",
}


class Op(StrEnum):
    IS = "is"
    IS_NOT = "is_not"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    MATCHES = "matches"
    GREATER = "greater"
    LESS = "less"
    GREATER_OR_EQUAL = "greater_or_equal"
    LESS_OR_EQUAL = "less_or_equal"
    IN = "in"
    NOT_IN = "not_in"
    IS_EMPTY = "is_empty"
    IS_NOT_EMPTY = "is_not_empty"
    CHANGED = "changed"
    CHANGED_FROM = "changed_from"
    CHANGED_TO = "changed_to"


EQUALITY = frozenset({Op.IS, Op.IS_NOT, Op.IN, Op.NOT_IN, Op.IS_EMPTY, Op.IS_NOT_EMPTY})
CHANGE = frozenset({Op.CHANGED, Op.CHANGED_FROM, Op.CHANGED_TO})
TEXTUAL = frozenset({Op.CONTAINS, Op.NOT_CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH, Op.MATCHES})
ORDERING = frozenset({Op.GREATER, Op.LESS, Op.GREATER_OR_EQUAL, Op.LESS_OR_EQUAL})
NO_VALUE = frozenset({Op.IS_EMPTY, Op.IS_NOT_EMPTY, Op.CHANGED})

OPERATORS_BY_KIND: dict[Kind, frozenset[Op]] = {
    Kind.TEXT: EQUALITY | TEXTUAL | CHANGE,
    Kind.CHOICE: EQUALITY | CHANGE,
    Kind.ID: EQUALITY | CHANGE,
    Kind.NUMBER: EQUALITY | ORDERING | CHANGE,
    Kind.DATETIME: EQUALITY | ORDERING | CHANGE,
    # A tag list has no single "before" value worth comparing: only "changed" applies.
    Kind.LIST: EQUALITY | frozenset({Op.CONTAINS, Op.NOT_CONTAINS, Op.CHANGED}),
    Kind.BOOL: frozenset({Op.IS, Op.IS_NOT}) | CHANGE,
    Kind.ANY: frozenset(Op),
}


@dataclass(frozen=True)
class FieldSpec:
    path: str
    kind: Kind
    choices: tuple[str, ...] = ()
    # The key under which the runner reports a change of this field in ``event.changes``;
    # empty when the field cannot change through a ticket event.
    change_key: str = ""
    settable: bool = False


def _ticket(name: str, kind: Kind, choices: tuple[str, ...] = (), *, settable: bool = False) -> FieldSpec:
    return FieldSpec(f"ticket.{name}", kind, choices, change_key=name, settable=settable)


FIELDS: dict[str, FieldSpec] = {
    spec.path: spec
    for spec in (
        _ticket("number", Kind.NUMBER),
        _ticket("subject", Kind.TEXT, settable=True),
        _ticket("status", Kind.CHOICE, STATUSES, settable=True),
        _ticket("priority", Kind.CHOICE, PRIORITIES, settable=True),
        _ticket("type", Kind.CHOICE, TICKET_TYPES, settable=True),
        _ticket("channel", Kind.CHOICE, CHANNELS),
        _ticket("department", Kind.ID),
        _ticket("assignee", Kind.ID),
        _ticket("requester", Kind.ID),
        _ticket("organisation", Kind.ID),
        _ticket("tags", Kind.LIST),
        _ticket("due_at", Kind.DATETIME, settable=True),
        _ticket("created_at", Kind.DATETIME),
        _ticket("updated_at", Kind.DATETIME),
        _ticket("first_response_at", Kind.DATETIME),
        _ticket("resolved_at", Kind.DATETIME),
        _ticket("status_changed_at", Kind.DATETIME),
        _ticket("last_customer_message_at", Kind.DATETIME),
        _ticket("last_agent_reply_at", Kind.DATETIME),
        _ticket("is_spam", Kind.BOOL),
        _ticket("needs_review", Kind.BOOL),
        FieldSpec("contact.id", Kind.ID),
        FieldSpec("contact.name", Kind.TEXT),
        FieldSpec("contact.email", Kind.TEXT),
        FieldSpec("contact.organisation", Kind.ID),
        FieldSpec("contact.language", Kind.TEXT),
        FieldSpec("contact.is_blocked", Kind.BOOL),
        FieldSpec("organisation.id", Kind.ID),
        FieldSpec("organisation.name", Kind.TEXT),
        FieldSpec("organisation.domains", Kind.LIST),
        FieldSpec("message.body_text", Kind.TEXT),
        FieldSpec("message.kind", Kind.CHOICE, MESSAGE_KINDS),
        FieldSpec("message.author_kind", Kind.CHOICE, AUTHOR_KINDS),
        FieldSpec("message.channel", Kind.CHOICE, CHANNELS),
        FieldSpec("message.from_address", Kind.TEXT),
        FieldSpec("message.has_attachments", Kind.BOOL),
        FieldSpec("event.kind", Kind.TEXT),
        FieldSpec("event.field", Kind.TEXT),
        FieldSpec("event.before", Kind.ANY),
        FieldSpec("event.after", Kind.ANY),
        FieldSpec("event.rating", Kind.NUMBER),
        # Computed by the engine from the injected business-hours callable.
        FieldSpec("time.within_business_hours", Kind.BOOL),
    )
}

# Free-form keys below these prefixes are allowed; their kind is only known at run time.
DYNAMIC_PREFIXES: dict[str, FieldSpec] = {
    "ticket.custom_fields.": FieldSpec("ticket.custom_fields.*", Kind.ANY, change_key="custom_fields", settable=True),
    "contact.attributes.": FieldSpec("contact.attributes.*", Kind.ANY),
    "organisation.attributes.": FieldSpec("organisation.attributes.*", Kind.ANY),
}

# A key segment of a dynamic path: a slug, as custom-field keys are, but never starting with
# "_" so no path can name a private or dunder attribute.
KEY_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"


def field_spec(path: str) -> FieldSpec | None:
    """The spec of a condition field path, or None when the path is not known."""
    spec = FIELDS.get(path)
    if spec is not None:
        return spec
    for prefix, dynamic in DYNAMIC_PREFIXES.items():
        rest = path.removeprefix(prefix)
        if rest != path and re.fullmatch(KEY_SEGMENT, rest):
            change_key = f"{dynamic.change_key}.{rest}" if dynamic.change_key else ""
            return FieldSpec(path, dynamic.kind, change_key=change_key, settable=dynamic.settable)
    return None


# Paths that templates may read and conditions may not test (display strings the runner adds).
TEMPLATE_ONLY_PATHS = frozenset({
    "ticket.display_number",
    "ticket.url",
    "ticket.department_name",
    "ticket.assignee_name",
    "ticket.requester_name",
    "ticket.organisation_name",
    "rule.name",
})
