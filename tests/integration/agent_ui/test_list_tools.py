"""Saved views, bulk actions, sorting and due-time highlighting on the ticket list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tessera.agent_ui.models import SavedView
from tessera.core import time
from tessera.tickets.models import Ticket
from tests.integration.agent_ui.test_desk import WHO, client_for

pytestmark = pytest.mark.django_db

AGENTS_ONLY = {"anonymous": 302, "customer_a": 404, "customer_b": 404}


@pytest.mark.parametrize("who", WHO)
def test_save_view_matrix(desk: dict[str, Any], who: str) -> None:
    response = client_for(desk, who).post("/desk/views", {"name": "Pilne", "query": "priority=urgent&evil=1"})
    assert response.status_code == AGENTS_ONLY.get(who, 302)
    saved = SavedView.objects.filter(name="Pilne").first()
    assert (saved is not None) == (who not in AGENTS_ONLY)
    if saved:
        assert saved.query == "priority=urgent"


@pytest.mark.parametrize("who", WHO)
def test_delete_view_matrix(desk: dict[str, Any], who: str) -> None:
    view = SavedView.objects.create(owner=desk["agent"], name="Mine", query="status=open")
    response = client_for(desk, who).post(f"/desk/views/{view.pk}/delete")
    # Another agent's personal view does not exist for them; the owner and admins may delete.
    expected = AGENTS_ONLY.get(who) or (302 if who in {"agent", "admin"} else 404)
    assert response.status_code == expected
    assert SavedView.objects.filter(pk=view.pk).exists() == (who not in {"agent", "admin"})


def test_shared_views_are_for_admins_to_make_and_everyone_to_see(desk: dict[str, Any]) -> None:
    client_for(desk, "agent").post("/desk/views", {"name": "Agent shared", "query": "", "shared": "on"})
    assert not SavedView.objects.filter(name="Agent shared").exists()
    client_for(desk, "admin").post("/desk/views", {"name": "Wszyscy", "query": "status=open", "shared": "on"})
    body = client_for(desk, "outsider").get("/desk/").content.decode()
    assert "Wszyscy" in body


@pytest.mark.parametrize("who", WHO)
def test_bulk_matrix(desk: dict[str, Any], make_ticket: Any, who: str) -> None:
    a, b = make_ticket(subject="A"), make_ticket(subject="B")
    response = client_for(desk, who).post("/desk/bulk", {"numbers": [a.number, b.number], "operation": "priority", "priority": "urgent"})
    assert response.status_code == AGENTS_ONLY.get(who, 302)
    changed = Ticket.objects.filter(pk__in=[a.pk, b.pk], priority="urgent").count()
    assert changed == (2 if who in {"agent", "admin"} else 0)


def test_bulk_assign_status_tag_merge(desk: dict[str, Any], make_ticket: Any) -> None:
    client = client_for(desk, "agent")
    tickets = [make_ticket(subject=f"B{i}") for i in range(3)]
    billing = make_ticket(subject="Not mine", department=desk["billing"])
    numbers = [t.number for t in tickets] + [billing.number]
    client.post("/desk/bulk", {"numbers": numbers, "operation": "assign", "assignee": desk["agent"].pk})
    assert Ticket.objects.filter(assignee=desk["agent"]).count() == 3
    response = client.post("/desk/bulk", {"numbers": numbers, "operation": "tag", "tag": "วีไอพี"}, follow=True)
    assert f"Not changed: {billing.number}" in response.content.decode()
    assert all(t.tags.filter(name="วีไอพี").exists() for t in tickets)
    client.post("/desk/bulk", {"numbers": [t.number for t in tickets], "operation": "status", "status": "pending"})
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("status", flat=True)) == {"pending"}
    client.post("/desk/bulk", {"numbers": [t.number for t in tickets], "operation": "merge"})
    assert Ticket.objects.filter(merged_into=tickets[0]).count() == 2


def test_sort_and_due_highlighting(desk: dict[str, Any], make_ticket: Any) -> None:
    now = time.now()
    late = make_ticket(subject="Late one", due_at=now - dt.timedelta(hours=1))
    soon = make_ticket(subject="Soon one", due_at=now + dt.timedelta(minutes=30))
    make_ticket(subject="No due")
    body = client_for(desk, "agent").get("/desk/?sort=due").content.decode()
    assert body.index("Late one") < body.index("Soon one") < body.index("No due")
    assert f'overdue" data-number="{late.number}"' in body
    assert f'due-soon" data-number="{soon.number}"' in body


def test_filters_by_type_channel_requester_and_dates(desk: dict[str, Any], make_ticket: Any) -> None:
    old = make_ticket(subject="Old phone incident", type="incident", channel="phone", created_at=time.now() - dt.timedelta(days=40))
    make_ticket(subject="Fresh email question", requester=desk["contact_b"])
    client = client_for(desk, "agent")

    def rows(query: str) -> list[str]:
        body = client.get("/desk/?" + query).content.decode()
        return [s for s in ("Old phone incident", "Fresh email question") if s in body]

    assert rows("type=incident") == ["Old phone incident"]
    assert rows("channel=phone") == ["Old phone incident"]
    assert rows(f"requester={desk['contact_b'].pk}") == ["Fresh email question"]
    created_to = (time.now() - dt.timedelta(days=30)).date().isoformat()
    assert rows(f"created_to={created_to}") == ["Old phone incident"]
    assert rows(f"created_from={time.now().date().isoformat()}") == ["Fresh email question"]
    assert old.number
