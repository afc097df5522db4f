"""The note/email template sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from tessera.rules.templating import render, template_errors

SECRET = "django-insecure-do-not-leak"


@dataclass
class Sneaky:
    subject: str = "visible"

    def delete(self) -> str:
        raise AssertionError("a template called a method")


VALUES: dict[str, Any] = {
    "ticket": {
        "number": 1042,
        "display_number": "#1042",
        "subject": "Không nhận được hóa đơn",
        "tags": ["vip", "hóa đơn"],
        "due_at": datetime(2025, 3, 11, 9, 0, tzinfo=UTC),
        "is_spam": False,
        "custom_fields": {"order_id": "ORD-77", "nested": {"a": 1}},
        "row": Sneaky(),
    },
    "contact": {"name": "Nguyễn Văn Bình <script>alert(1)</script>"},
    "rule": {"name": "VIP"},
    "settings": {"SECRET_KEY": SECRET},
}


def test_whitelisted_placeholders_render_plain_values() -> None:
    template = "Ticket {{ ticket.display_number }} ({{ticket.subject}}) for {{ contact.name }}: {{ ticket.tags }}"
    assert render(template, VALUES) == (
        "Ticket #1042 (Không nhận được hóa đơn) for Nguyễn Văn Bình <script>alert(1)</script>: vip, hóa đơn"
    )
    assert render("{{ ticket.due_at }} {{ ticket.is_spam }} {{ ticket.custom_fields.order_id }}", VALUES) == (
        "2025-03-11T09:00+00:00 no ORD-77"
    )


def test_missing_values_render_empty() -> None:
    assert render("[{{ ticket.assignee_name }}][{{ ticket.custom_fields.nope }}]", VALUES) == "[][]"


@pytest.mark.parametrize(
    "template",
    [
        "{{ ticket.__class__ }}",
        "{{ ticket.__class__.__mro__ }}",
        "{{ ticket.row.delete }}",
        "{{ ticket.row.subject }}",
        "{{ settings.SECRET_KEY }}",
        "{{ ticket.custom_fields.nested }}",
        "{{ ticket.subject|upper }}",
        "{{ ticket.number + 1 }}",
        "{{ ''.__class__.__base__ }}",
        "{{ request.user.password }}",
        "{{ ticket }}",
    ],
)
def test_anything_off_the_whitelist_renders_nothing(template: str) -> None:
    assert render(template, VALUES) == ""


def test_template_tags_are_inert_text() -> None:
    out = render("{% load static %}{% debug %}{{ rule.name }}", VALUES)
    assert out == "{% load static %}{% debug %}VIP"
    assert SECRET not in out


def test_values_are_not_rendered_again() -> None:
    # A customer who names themselves after a placeholder gets their name printed, no more.
    values = {**VALUES, "contact": {"name": "{{ settings.SECRET_KEY }} {{ ticket.number }}"}}
    assert render("Hi {{ contact.name }}", values) == "Hi {{ settings.SECRET_KEY }} {{ ticket.number }}"


def test_validation_explains_what_will_not_work() -> None:
    assert template_errors("Hello {{ contact.name }}, ticket {{ ticket.number }}") == []
    assert template_errors("{{ ticket.custom_fields.order_id }}") == []
    assert template_errors("{{ ticket.__class__ }} {% load x %} {{ settings.SECRET_KEY }}") == [
        "template tags like {% ... %} are not supported; only {{ placeholders }}",
        "unknown placeholder {{ ticket.__class__ }}",
        "unknown placeholder {{ settings.SECRET_KEY }}",
    ]
    assert template_errors("x" * 20_001) == ["template is longer than 20000 characters"]
