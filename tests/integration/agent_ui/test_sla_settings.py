"""Admins configure SLA policies (with business calendars) and distribution in the UI."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tessera.routing.models import Distribution
from tessera.sla.models import SlaPolicy
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
        "calendar": json.dumps(CALENDAR), **extra,
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
    assert policy.calendar["holidays"] == {"country": "PL"}
    assert (policy.first_response_minutes, policy.resolution_minutes, policy.warn_before_minutes) == (60, 480, 15)


def test_bad_calendar_is_explained_and_nothing_saved(desk: dict[str, Any]) -> None:
    client = client_for(desk, "admin")
    bad = dict(CALENDAR, weekly_hours={"mon": [["17:00", "08:00"]]})
    response = client.post("/desk/settings/sla/", policy_form(desk, calendar=json.dumps(bad)))
    assert response.status_code == 422
    assert "weekly_hours.mon" in response.content.decode()
    response = client.post("/desk/settings/sla/", policy_form(desk, calendar="{not json"))
    assert response.status_code == 422
    assert not SlaPolicy.objects.exists()
