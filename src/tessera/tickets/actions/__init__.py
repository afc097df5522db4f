"""Every write to a ticket goes through one of these functions."""

from tessera.tickets.actions.contacts import merge_contacts
from tessera.tickets.actions.conversation import (
    add_agent_reply,
    add_customer_message,
    add_note,
    split_message,
)
from tessera.tickets.actions.create import create_ticket
from tessera.tickets.actions.fields import assign, change_fields, change_status, tag, untag
from tessera.tickets.actions.rating import rate
from tessera.tickets.actions.structure import link, merge, unlink

__all__ = [
    "add_agent_reply",
    "add_customer_message",
    "add_note",
    "assign",
    "change_fields",
    "change_status",
    "create_ticket",
    "link",
    "merge",
    "merge_contacts",
    "rate",
    "split_message",
    "tag",
    "unlink",
    "untag",
]

from tessera.tickets.actions.automation import mark_spam, record_rule_run, record_sla_event
from tessera.tickets.actions.channel import record_delivery_failure, set_needs_review

__all__ += ["mark_spam", "record_rule_run", "record_sla_event"]
__all__ += ["record_delivery_failure", "set_needs_review"]
