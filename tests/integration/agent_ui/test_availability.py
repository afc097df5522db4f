"""Agents set their availability from the desk header; admins see it and edit working hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tessera.accounts.actor import Actor
from tessera.accounts.models import Membership, User
from tessera.core.time import frozen_at
from tessera.jobs.worker import run_worker
from tessera.routing.assign import auto_assign
from tessera.routing.models import AgentRouting, Distribution
from tessera.sla.calendar import BusinessCalendar
from tessera.tickets import actions
from tessera.tickets.models import EventKind, Ticket, TicketEvent
from tests.integration.agent_ui.test_calendar_form import FULL, as_post
from tests.integration.agent_ui.test_desk import WHO, client_for

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)  # a Wednesday
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _mail_in_memory(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def reload(user: User) -> User:
    return User.objects.get(pk=user.pk)


# ----------------------------------------------------------------------------- permissions


AVAILABILITY_POST = {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 302, "outsider": 302, "light": 302, "admin": 302}
# The working hours of the agent in Support: admins edit them, the agent may only look.
HOURS_GET = {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 200, "outsider": 404, "light": 404, "admin": 200}
HOURS_POST = {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 403, "outsider": 404, "light": 404, "admin": 302}


@pytest.mark.parametrize("who", WHO)
def test_availability_matrix(desk: dict[str, Any], who: str) -> None:
    client = client_for(desk, who)
    response = client.post("/desk/me/availability", {"availability": "online"})
    assert response.status_code == AVAILABILITY_POST[who]
    if who in {"anonymous"}:
        assert "/login/" in response["Location"]
    for name in WHO[1:]:
        # Only the person who asked changes; nobody else, and no customer at all.
        assert reload(desk[name]).availability == ("online" if name == who and AVAILABILITY_POST[who] == 302 else "offline")
    assert client.get("/desk/me/availability").status_code == {"anonymous": 302, "customer_a": 404, "customer_b": 404}.get(who, 405)


@pytest.mark.parametrize("who", WHO)
def test_working_hours_matrix(desk: dict[str, Any], who: str) -> None:
    client = client_for(desk, who)
    url = f"/desk/agents/{desk['agent'].pk}/hours"
    assert client.get(url).status_code == HOURS_GET[who]
    post = as_post_for(desk["agent"], enabled=True)
    assert client.post(url, post).status_code == HOURS_POST[who]
    saved = AgentRouting.objects.filter(user=desk["agent"]).exclude(working_hours={}).exists()
    assert saved == (who == "admin")
    # Customers are never staff: their id answers 404 even to an admin.
    assert client.get(f"/desk/agents/{desk['customer_a'].pk}/hours").status_code == {"anonymous": 302}.get(who, 404)
    assert client.get("/desk/agents/999999/hours").status_code == {"anonymous": 302}.get(who, 404)


def as_post_for(agent: User, *, enabled: bool, calendar: dict[str, Any] | None = None) -> dict[str, Any]:
    from tessera.agent_ui.calendar_forms import CalendarForm

    form = CalendarForm(calendar=calendar or FULL, optional_label="x", default_timezone=agent.time_zone)
    post = as_post(form)
    if enabled:
        post["cal-enabled"] = "on"
    else:
        post.pop("cal-enabled", None)
    return post


# ----------------------------------------------------------------------------- header control


def test_every_desk_page_has_the_control_and_customers_never_see_it(desk: dict[str, Any], make_ticket: Any) -> None:
    ticket = make_ticket()
    agent = client_for(desk, "agent")
    for url in ["/desk/", f"/desk/tickets/{ticket.number}/", f"/desk/contacts/{desk['contact_a'].pk}/", "/desk/tickets/new"]:
        body = agent.get(url).content.decode()
        assert 'id="availability"' in body, url
        assert f'value="{url}"' in body  # back to the same page after the change
    admin = client_for(desk, "admin")
    for url in ["/desk/settings/", "/desk/settings/sla/", "/desk/admin/rules/"]:
        assert 'id="availability"' in admin.get(url).content.decode(), url
    customer = client_for(desk, "customer_a")
    assert 'id="availability"' not in customer.get("/", follow=True).content.decode()
    assert 'id="availability"' not in customer.get("/portal/", follow=True).content.decode()


def test_the_control_adds_no_query_to_the_list(desk: dict[str, Any]) -> None:
    client = client_for(desk, "agent")
    client.get("/desk/")
    User.objects.filter(pk=desk["agent"].pk).update(availability="break", away_until=datetime.now(UTC) + timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/desk/").content.decode()
    assert "On a break until" in body
    assert len(queries) <= 11


def test_break_needs_an_end_and_the_next_such_time_is_used(desk: dict[str, Any]) -> None:
    client = client_for(desk, "agent")
    User.objects.filter(pk=desk["agent"].pk).update(time_zone="Asia/Bangkok", availability="online")
    response = client.post("/desk/me/availability", {"availability": "break", "next": "/desk/"}, follow=True)
    assert "Say when your break ends." in response.content.decode()
    assert reload(desk["agent"]).availability == "online"
    with frozen_at(NOW):  # 17:00 in Bangkok
        client.post("/desk/me/availability", {"availability": "break", "until": "17:30"})
        assert reload(desk["agent"]).away_until == datetime(2026, 4, 1, 10, 30, tzinfo=UTC)
        # A time already past today means tomorrow (a break across midnight).
        client.post("/desk/me/availability", {"availability": "away", "until": "08:00"})
        assert reload(desk["agent"]).away_until == datetime(2026, 4, 2, 1, 0, tzinfo=UTC)
        client.post("/desk/me/availability", {"availability": "online", "until": "08:00"})
        assert (reload(desk["agent"]).availability, reload(desk["agent"]).away_until) == ("online", None)
    response = client.post("/desk/me/availability", {"availability": "asleep"})
    assert reload(desk["agent"]).availability == "online"


def test_next_must_stay_on_this_site(desk: dict[str, Any]) -> None:
    client = client_for(desk, "agent")
    response = client.post("/desk/me/availability", {"availability": "online", "next": "https://evil.example/"})
    assert response["Location"] == "/desk/"
    response = client.post("/desk/me/availability", {"availability": "online", "next": "/desk/settings/"})
    assert response["Location"] == "/desk/settings/"


# ----------------------------------------------------------------------------- routing


def test_agent_on_break_gets_no_ticket_until_the_break_is_over(desk: dict[str, Any], make_ticket: Any) -> None:
    Distribution.objects.create(department=desk["support"], auto_assign=False)
    client = client_for(desk, "agent")
    with frozen_at(NOW):
        client.post("/desk/me/availability", {"availability": "break", "until": "10:30"})
        ticket = make_ticket()
        assert auto_assign(ticket) is None
    with frozen_at(NOW + timedelta(minutes=29)):
        assert auto_assign(ticket) is None
    # The break is over: routing, the header and the admin pages all say online.
    with frozen_at(NOW + timedelta(minutes=31)):
        assert 'class="avail avail-online"' in client.get("/desk/").content.decode()
        assert "Online" in client_for(desk, "admin").get("/desk/settings/").content.decode()
        assert auto_assign(ticket) == desk["agent"]


def test_coming_back_online_hands_out_queued_tickets(desk: dict[str, Any], make_ticket: Any) -> None:
    Distribution.objects.create(department=desk["support"], auto_assign=True)
    with frozen_at(NOW):
        ticket = make_ticket()
        run_worker(burst=True, scheduler=False)
        assert Ticket.objects.get(pk=ticket.pk).assignee_id is None  # everybody offline
        client_for(desk, "agent").post("/desk/me/availability", {"availability": "online"})
        run_worker(burst=True, scheduler=False)
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == desk["agent"].pk


def test_going_offline_returns_tickets_to_the_queue(desk: dict[str, Any], make_ticket: Any) -> None:
    Distribution.objects.create(department=desk["support"], requeue_on_offline=True)
    User.objects.filter(pk=desk["agent"].pk).update(availability="online")
    ticket = make_ticket()
    actions.assign(Actor.system(), ticket, desk["agent"])
    Membership.objects.create(user=desk["agent"], department=desk["billing"])
    kept = make_ticket(department=desk["billing"])
    actions.assign(Actor.system(), kept, desk["agent"])  # no requeue in Billing
    client_for(desk, "agent").post("/desk/me/availability", {"availability": "offline"})
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
    assert Ticket.objects.get(pk=kept.pk).assignee_id == desk["agent"].pk
    last = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).order_by("-id").first()
    assert last is not None and last.via_channel == "distribution"


def test_working_hours_edited_by_an_admin_steer_routing(desk: dict[str, Any], make_ticket: Any) -> None:
    User.objects.filter(pk=desk["agent"].pk).update(availability="online")
    night = {"version": 1, "timezone": "Asia/Bangkok", "weekly_hours": {d: [["20:00", "23:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
             "holidays": None, "closed_dates": [], "closed_ranges": [], "open_dates": []}
    admin = client_for(desk, "admin")
    response = admin.post(f"/desk/agents/{desk['agent'].pk}/hours", as_post_for(desk["agent"], enabled=True, calendar=night))
    assert response.status_code == 302
    stored = AgentRouting.objects.get(user=desk["agent"]).working_hours
    assert stored == BusinessCalendar.from_dict(night).to_dict()
    with frozen_at(NOW):  # 17:00 in Bangkok
        assert auto_assign(make_ticket()) is None
    with frozen_at(NOW + timedelta(hours=4)):  # 21:00 in Bangkok
        assert auto_assign(make_ticket()) == desk["agent"]
    # Switched off: always working again.
    admin.post(f"/desk/agents/{desk['agent'].pk}/hours", as_post_for(desk["agent"], enabled=False, calendar=night))
    assert AgentRouting.objects.get(user=desk["agent"]).working_hours == {}


def test_agent_sees_own_hours_read_only(desk: dict[str, Any]) -> None:
    AgentRouting.objects.create(user=desk["agent"], working_hours=FULL)
    body = client_for(desk, "agent").get(f"/desk/agents/{desk['agent'].pk}/hours").content.decode()
    assert "08:00-12:00" in body and "Sylwester" in body
    assert 'id="hours-form"' not in body and "disabled" in body


def test_bad_working_hours_are_explained_and_nothing_saved(desk: dict[str, Any]) -> None:
    post = as_post_for(desk["agent"], enabled=True)
    post["cal-hours_mon"] = "17:00-08:00"
    response = client_for(desk, "admin").post(f"/desk/agents/{desk['agent'].pk}/hours", post)
    assert response.status_code == 422
    assert "the end is not after the start" in response.content.decode()
    assert not AgentRouting.objects.filter(user=desk["agent"]).exists()


# ----------------------------------------------------------------------------- admin pages


def test_admins_see_everyones_availability(desk: dict[str, Any]) -> None:
    User.objects.filter(pk=desk["agent"].pk).update(availability="break", away_until=datetime.now(UTC) + timedelta(hours=1))
    User.objects.filter(pk=desk["outsider"].pk).update(availability="online", display_name=HOSTILE)
    client = client_for(desk, "admin")
    settings_page = client.get("/desk/settings/").content.decode()
    assert "On a break until" in settings_page
    assert 'avail-online">Online' in settings_page
    distribution = client.get("/desk/settings/sla/").content.decode()
    section = distribution[distribution.index('id="distribution"'):]
    assert "On a break until" in section and 'avail-online">Online' in section
    for body in (settings_page, distribution):
        assert HOSTILE not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_hostile_closure_labels_are_escaped(desk: dict[str, Any]) -> None:
    calendar = dict(FULL, closed_dates=[{"date": "2026-12-24", "label": HOSTILE}])
    AgentRouting.objects.create(user=desk["agent"], working_hours=calendar)
    for who in ("admin", "agent"):
        body = client_for(desk, who).get(f"/desk/agents/{desk['agent'].pk}/hours").content.decode()
        assert HOSTILE not in body
        assert "&lt;script&gt;" in body


def test_distribution_page_query_count_does_not_grow_with_agents(desk: dict[str, Any]) -> None:
    client = client_for(desk, "admin")
    client.get("/desk/settings/sla/")
    with CaptureQueriesContext(connection) as few:
        client.get("/desk/settings/sla/")
    for i in range(12):
        user = User.objects.create_user(username=f"extra{i}", password="x", role="agent", availability="online")
        Membership.objects.create(user=user, department=desk["support" if i % 2 else "billing"])
    with CaptureQueriesContext(connection) as many:
        body = client.get("/desk/settings/sla/").content.decode()
    assert body.count('class="avail avail-online"') >= 12
    assert len(many) == len(few)
