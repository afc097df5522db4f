"""Admins configure SLA policies (with business calendars) and distribution in the UI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tessera.agent_ui.calendar_forms import CalendarForm
from tessera.core.time import frozen_at
from tessera.jobs.worker import run_worker
from tessera.routing.models import Distribution
from tessera.sla.calendar import BusinessCalendar
from tessera.sla.models import SlaPolicy
from tessera.tickets.models import Ticket
from tests.integration.agent_ui.test_calendar_form import as_post
from tests.integration.agent_ui.test_desk import WHO, client_for
from tests.integration.agent_ui.test_settings import ADMIN_ONLY

pytestmark = pytest.mark.django_db

CALENDAR = {
    "version": 1,
    "timezone": "Europe/Warsaw",
    "weekly_hours": {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": {"country": "PL"},
}


def policy_form(desk: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": "Pilne (PL)", "position": "0", "is_active": "on", "priority": ["urgent", "high"],
        "department": [desk["support"].pk], "tags": "vip, premium", "first_response_minutes": "60",
        "resolution_minutes": "480", "warn_before_minutes": "15", "pause_statuses": ["pending"],
        **as_post(CalendarForm(calendar=CALENDAR)), **extra,
    }


@pytest.mark.parametrize("who", WHO)
def test_sla_pages_matrix(desk: dict[str, Any], who: str) -> None:
    client = client_for(desk, who)
    existing = SlaPolicy.objects.create(name="Old", first_response_minutes=30)
    expected_get = 200 if who == "admin" else ADMIN_ONLY[who]
    expected_post = 302 if who == "admin" else ADMIN_ONLY[who]
    assert client.get("/desk/settings/sla/").status_code == expected_get
    assert client.get(f"/desk/settings/sla/{existing.pk}").status_code == expected_get
    assert client.post("/desk/settings/sla/", policy_form(desk)).status_code == expected_post
    assert client.post(f"/desk/settings/distribution/{desk['support'].pk}", {
        f"dist{desk['support'].pk}-strategy": "least_loaded", f"dist{desk['support'].pk}-auto_assign": "on",
    }).status_code == expected_post
    assert client.post(f"/desk/settings/sla/{existing.pk}/delete").status_code == expected_post
    admin = who == "admin"
    assert SlaPolicy.objects.filter(name="Pilne (PL)").exists() == admin
    assert Distribution.objects.filter(department=desk["support"], auto_assign=True).exists() == admin
    assert SlaPolicy.objects.filter(pk=existing.pk).exists() != admin


def test_policy_is_stored_as_configured(desk: dict[str, Any]) -> None:
    client_for(desk, "admin").post("/desk/settings/sla/", policy_form(desk))
    policy = SlaPolicy.objects.get(name="Pilne (PL)")
    assert policy.conditions == {"priority": ["urgent", "high"], "department": [desk["support"].pk], "tags": ["vip", "premium"]}
    # Stored in the canonical form, which reads back exactly.
    assert policy.calendar == BusinessCalendar.from_dict(CALENDAR).to_dict()
    assert BusinessCalendar.from_dict(policy.calendar).to_dict() == policy.calendar
    assert policy.calendar["holidays"] == {"country": "PL", "subdivision": None, "categories": []}
    assert (policy.first_response_minutes, policy.resolution_minutes, policy.warn_before_minutes) == (60, 480, 15)


def test_bad_calendar_is_explained_and_nothing_saved(desk: dict[str, Any]) -> None:
    client = client_for(desk, "admin")
    response = client.post("/desk/settings/sla/", policy_form(desk, **{
        "cal-hours_mon": "17:00-08:00", "cal-hours_tue": "08:00-13:00\n12:00-17:00",
        "cal-timezone": "Mars/Olympus", "cal-holiday_country": "XX", "first_response_minutes": "0",
    }))
    assert response.status_code == 422
    body = response.content.decode()
    # Faults of both forms at once, each beside its field.
    assert "In “17:00-08:00” the end is not after the start." in body
    assert "“08:00-13:00” and “12:00-17:00” overlap." in body
    assert "“Mars/Olympus” is not a known time zone" in body
    assert "does not know the country “XX”" in body
    assert 'id="id_first_response_minutes_error"' in body
    # What was typed is kept for correction.
    assert "17:00-08:00</textarea>" in body
    bad = dict(CALENDAR, weekly_hours={"mon": [["17:00", "08:00"]]})
    response = client.post("/desk/settings/sla/", policy_form(desk, **{"cal-json_import": json.dumps(bad)}))
    assert response.status_code == 422
    assert "weekly_hours.mon" in response.content.decode()
    response = client.post("/desk/settings/sla/", policy_form(desk, **{"cal-json_import": "{not json"}))
    assert response.status_code == 422
    assert "This is not valid JSON" in response.content.decode()
    assert not SlaPolicy.objects.exists()


def test_calendar_round_trips_through_the_page_and_json_import_still_works(desk: dict[str, Any]) -> None:
    client = client_for(desk, "admin")
    rich = {
        **BusinessCalendar.from_dict(CALENDAR).to_dict(),
        "closed_dates": [{"date": "2026-12-24", "label": "Wigilia"}],
        "closed_ranges": [{"start": "2026-06-04T12:00:00+02:00", "end": "2026-06-04T17:00:00+02:00", "label": "Przeprowadzka"}],
        "open_dates": [{"date": "2026-06-06", "hours": [["09:00", "13:00"]]}],
    }
    client.post("/desk/settings/sla/", policy_form(desk, **{"cal-json_import": json.dumps(rich)}))
    policy = SlaPolicy.objects.get(name="Pilne (PL)")
    assert policy.calendar == rich
    page = client.get(f"/desk/settings/sla/{policy.pk}").content.decode()
    assert "Przeprowadzka" in page and "Wigilia" in page
    assert "&quot;label&quot;: &quot;Wigilia&quot;" in page  # the export, escaped like all text
    # Saved again untouched through the form: not a byte changes.
    client.post(f"/desk/settings/sla/{policy.pk}", policy_form(desk, **as_post(CalendarForm(calendar=policy.calendar))))
    policy.refresh_from_db()
    assert policy.calendar == rich


def test_editing_the_calendar_moves_the_due_time(desk: dict[str, Any], make_ticket: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = client_for(desk, "admin")
    monday = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 08:00 in Warsaw
    with frozen_at(monday):
        client.post("/desk/settings/sla/", policy_form(desk, priority=[], department=[], tags="", resolution_minutes=""))
        policy = SlaPolicy.objects.get()
        ticket = make_ticket()
        run_worker(burst=True, scheduler=False)
        before = Ticket.objects.get(pk=ticket.pk).due_at
        assert before == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 60 business minutes later
        shown = CalendarForm(calendar=policy.calendar)
        # Monday starts at 10:00 now: the hour is due at 11:00 Warsaw time.
        response = client.post(f"/desk/settings/sla/{policy.pk}", policy_form(
            desk, priority=[], department=[], tags="", resolution_minutes="",
            **{**as_post(shown), "cal-hours_mon": "10:00-16:00"},
        ))
        assert response.status_code == 302
        run_worker(burst=True, scheduler=False)
    assert Ticket.objects.get(pk=ticket.pk).due_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
