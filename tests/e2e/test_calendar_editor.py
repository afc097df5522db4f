"""An admin closes the desk for a few days in the calendar form (no JSON); the open ticket's due
time moves accordingly, and the agent sets a break from the desk header."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tessera.accounts.models import User
from tessera.sla.calendar import WEEKDAYS, BusinessCalendar
from tessera.sla.models import SlaPolicy
from tessera.tickets.models import Ticket
from tests.e2e.conftest import login, wait_for_jobs

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_admin_edits_a_calendar_in_the_form_and_the_due_time_moves(
    asgi_server: str, browser: Any, desk: dict[str, Any], make_ticket: Any, artifacts: Path
) -> None:
    always = {"version": 1, "timezone": "UTC", "weekly_hours": {d: [["00:00", "24:00"]] for d in WEEKDAYS}}
    policy = SlaPolicy.objects.create(name="Một giờ", first_response_minutes=60, calendar=always)
    ticket = make_ticket(subject="Máy in không in được")
    wait_for_jobs()
    before = Ticket.objects.get(pk=ticket.pk).due_at
    assert before is not None

    context = browser.new_context()
    page = login(context, asgi_server, "admin", "pw-admin")
    page.goto(f"{asgi_server}/desk/settings/sla/{policy.pk}")
    today = datetime.now(UTC).date()
    # Closed from yesterday for four whole days: the hour can only start counting after that.
    page.fill("#id_cal-closure_0_from", (today - timedelta(days=1)).isoformat())
    page.fill("#id_cal-closure_0_to", (today + timedelta(days=2)).isoformat())
    page.fill("#id_cal-closure_0_label", '<b>Nghỉ lễ</b>')
    page.fill("#id_cal-hours_sun", "")
    page.click("#policy-form button[type=submit]")
    page.wait_for_selector(".flash")
    wait_for_jobs()

    policy.refresh_from_db()
    assert policy.calendar["closed_ranges"][0]["label"] == "<b>Nghỉ lễ</b>"
    assert policy.calendar["weekly_hours"]["sun"] == []
    calendar = BusinessCalendar.from_dict(policy.calendar)
    after = Ticket.objects.get(pk=ticket.pk).due_at
    assert after is not None and after != before
    assert after == calendar.add_business_time(ticket.created_at, 3600)
    assert after >= datetime.combine(today + timedelta(days=3), datetime.min.time(), tzinfo=UTC)

    page.goto(f"{asgi_server}/desk/settings/sla/{policy.pk}")
    assert page.input_value("#id_cal-closure_0_label") == "<b>Nghỉ lễ</b>"
    page.screenshot(path=str(artifacts / "sla-calendar-form.png"), full_page=True)

    page.goto(f"{asgi_server}/desk/tickets/{ticket.number}/")
    shown = page.get_attribute("#due time", "datetime")
    assert shown is not None and datetime.fromisoformat(shown) == after

    # The header control: a break until a time, then back online.
    page.select_option("#availability-select", "break")
    page.fill("#availability-until", "23:59")
    page.click("#availability button[type=submit]")
    page.wait_for_selector("#availability-now.avail-break")
    assert User.objects.get(pk=desk["admin"].pk).availability == "break"
    assert page.url.endswith(f"/desk/tickets/{ticket.number}/")
    page.select_option("#availability-select", "online")
    page.click("#availability button[type=submit]")
    page.wait_for_selector("#availability-now.avail-online")
    assert page.js_errors == []
    context.close()
