"""An admin builds a trigger in the browser; a new ticket matches it; the ticket page shows
the effect, with the rule named on the timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tessera.jobs.worker import run_worker
from tessera.rules.models import Rule
from tessera.tickets.models import Ticket
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_admin_builds_a_trigger_and_a_new_ticket_shows_its_effect(
    asgi_server: str, browser: Any, desk: dict[str, Any], make_ticket: Any, artifacts: Path
) -> None:
    context = browser.new_context()
    page = login(context, asgi_server, "admin", "pw-admin")
    page.goto(asgi_server + "/desk/admin/rules/")
    page.click("#new-rule")
    page.fill("#id_name", "Máy in khẩn")
    page.check("input[name=events][value=ticket_created]")
    page.select_option("#id_condition_0_field", "ticket.subject")
    page.select_option("#id_condition_0_operator", "contains")
    page.fill("#id_condition_0_value", "máy in")
    page.select_option("#id_action_0_type", "set_field")
    page.fill("#id_action_0_target", "priority")
    page.fill("#id_action_0_value", "urgent")
    page.select_option("#id_action_1_type", "add_tags")
    page.fill("#id_action_1_value", "printer")
    page.click("#rule-builder button[type=submit]")
    page.wait_for_selector("#rule-list")
    assert "Máy in khẩn" in page.inner_text("#rule-list")
    assert Rule.objects.get().name == "Máy in khẩn"
    page.screenshot(path=str(artifacts / "rules-list.png"), full_page=True)

    matching = make_ticket(subject="Máy in không hoạt động")
    other = make_ticket(subject="Drukarka")
    run_worker(burst=True, scheduler=False)
    run_worker(burst=True, scheduler=False)
    assert Ticket.objects.get(pk=matching.pk).priority == "urgent"
    assert Ticket.objects.get(pk=other.pk).priority == "normal"

    page.goto(f"{asgi_server}/desk/tickets/{matching.number}/")
    timeline = page.inner_text("#timeline")
    assert "rule Máy in khẩn set priority to urgent" in timeline
    assert "(rule Máy in khẩn)" in timeline
    assert "printer" in page.content()
    page.screenshot(path=str(artifacts / "rules-ticket.png"), full_page=True)
    assert page.js_errors == []
    context.close()
