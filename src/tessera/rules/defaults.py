"""The rules a new desk starts with. Installed by ``tessera install_default_rules`` (and demo
data); admins may change or switch them off, and a re-install never touches a changed rule."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from tessera.rules import schema
from tessera.rules.models import Rule

UNANSWERED_BUSINESS_MINUTES = 30
PENDING_DAYS_BEFORE_CLOSING = 3

DEFAULTS: dict[str, dict[str, Any]] = {
    "acknowledge": {
        "schema": 1,
        "name": "Acknowledge new requests",
        "description": "Tell the customer we have their request and its number.",
        "kind": "trigger",
        "events": ["ticket_created"],
        "conditions": {"all": [{"field": "ticket.channel", "operator": "in",
                                "value": ["email", "web_form", "portal", "api"]}]},
        "actions": [{
            "type": "send_email", "to": "requester",
            "subject": "[{{ ticket.display_number }}] We received your request: {{ ticket.subject }}",
            "body": "Hello {{ contact.name }},\n\nThank you for writing to us. Your request has the "
                    "number {{ ticket.display_number }}; reply to this email to add anything.\n\n"
                    "{{ ticket.department_name }}",
        }],
        "stop_processing": False,
    },
    "unanswered_alert": {
        "schema": 1,
        "name": "Alert the department about unanswered tickets",
        "description": f"Unassigned or unanswered for {UNANSWERED_BUSINESS_MINUTES} business minutes.",
        "kind": "automation",
        "time_condition": {"since": "created", "hours": UNANSWERED_BUSINESS_MINUTES / 60, "business_hours": True},
        "conditions": {
            "all": [{"field": "ticket.status", "operator": "in", "value": ["new", "open"]}],
            "any": [{"field": "ticket.assignee", "operator": "is_empty"},
                    {"field": "ticket.first_response_at", "operator": "is_empty"}],
        },
        "actions": [
            {"type": "add_note", "text": "Waiting for an answer for " + str(UNANSWERED_BUSINESS_MINUTES)
                                         + " business minutes."},
            {"type": "send_email", "to": "department",
             "subject": "[{{ ticket.display_number }}] Waiting for an answer: {{ ticket.subject }}",
             "body": "{{ ticket.display_number }} from {{ ticket.requester_name }} has waited "
                     + str(UNANSWERED_BUSINESS_MINUTES) + " business minutes.\n{{ ticket.url }}"},
        ],
        "stop_processing": False,
    },
    "close_pending": {
        "schema": 1,
        "name": "Close tickets pending for 3 days",
        "description": "The customer did not answer for three days: say goodbye and close.",
        "kind": "automation",
        "time_condition": {"since": "status_entered", "hours": 24 * PENDING_DAYS_BEFORE_CLOSING,
                           "business_hours": False},
        "conditions": {"all": [{"field": "ticket.status", "operator": "is", "value": "pending"}]},
        "actions": [
            {"type": "send_email", "to": "requester",
             "subject": "[{{ ticket.display_number }}] Closing your request: {{ ticket.subject }}",
             "body": "Hello {{ contact.name }},\n\nWe have not heard back from you for three days, so "
                     "we are closing {{ ticket.display_number }}. Write to us any time to open a new "
                     "request.\n\n{{ ticket.department_name }}"},
            {"type": "set_field", "field": "status", "value": "closed"},
        ],
        "stop_processing": False,
    },
    "reopen_on_reply": {
        "schema": 1,
        "name": "Reopen on customer reply",
        "description": "A customer's answer puts the ticket back in the agents' queue.",
        "kind": "trigger",
        "events": ["customer_replied"],
        "conditions": {"any": [
            {"field": "ticket.status", "operator": "in", "value": ["pending", "on_hold", "resolved"]},
            {"field": "ticket.status", "operator": "changed"},
        ]},
        "actions": [{"type": "set_field", "field": "status", "value": "open"},
                    {"type": "add_tags", "tags": ["customer-replied"]}],
        "stop_processing": False,
    },
}


def install_defaults(*, active: bool = True) -> list[Rule]:
    """Create the default rules that are missing; existing ones (by key) are left as they are."""
    # Stored in canonical form, as ``store.save_rule`` does, so exports compare equal.
    canonical = {key: schema.rule_to_dict(schema.rule_from_dict(doc)) for key, doc in DEFAULTS.items()}
    created: list[Rule] = []
    with transaction.atomic():
        position = (Rule.objects.aggregate(m=Max("position"))["m"] or 0) + 10
        for key, document in canonical.items():
            if Rule.objects.filter(default_key=key).exists():
                continue
            created.append(Rule.objects.create(
                name=document["name"], kind=document["kind"], document=document, position=position,
                is_active=active, default_key=key,
            ))
            position += 10
    return created
