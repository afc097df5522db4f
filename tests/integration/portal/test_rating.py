"""Asking for a rating: the form on a solved ticket's page, and the signed link in the email."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tessera.accounts.actor import Actor
from tessera.accounts.models import User
from tessera.core import time
from tessera.jobs.worker import run_worker
from tessera.tickets import actions, rating_links
from tessera.tickets.models import EventKind, SatisfactionRating, Ticket, TicketEvent
from tessera.tickets.states import Status
from tests.integration.portal.conftest import client_for

pytestmark = pytest.mark.django_db

HOSTILE = '</blockquote><script>window.__pwned=1</script><img src=x onerror="alert(1)">'


def _resolve(desk: dict[str, Any], ticket: Ticket) -> Ticket:
    actions.change_status(Actor.of(desk["agent"]), ticket, Status.RESOLVED)
    ticket.refresh_from_db()
    return ticket


def _ratings(ticket: Ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RATED).count()


def _link_path(ticket: Ticket, contact: Any) -> str:
    return urlsplit(rating_links.url(ticket, contact)).path


# -- the portal ticket page ---------------------------------------------------------------------


def test_the_form_appears_once_the_ticket_is_solved(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = scene["ticket"]
    client = client_for(desk, scene, "customer_a")
    assert 'id="rating"' not in client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    _resolve(desk, ticket)
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert 'id="rating"' in page and f'action="/portal/tickets/{ticket.number}/rate"' in page
    assert page.count('name="score"') == 5


def test_rate_then_change_from_the_portal(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = _resolve(desk, scene["ticket"])
    client = client_for(desk, scene, "customer_a")
    response = client.post(f"/portal/tickets/{ticket.number}/rate", {"score": "2", "comment": "Chờ lâu quá"})
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{ticket.number}/#rating"
    page = client.get(response["Location"]).content.decode()
    assert "You rated this request 2 out of 5." in page and "Chờ lâu quá" in page
    assert re.search(r'value="2"[^>]*checked', page), "the current score is preselected"

    assert client.post(f"/portal/tickets/{ticket.number}/rate", {"score": "5", "comment": ""}).status_code == 302
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment, rating.channel) == (5, "", "portal")
    assert _ratings(ticket) == 2


@pytest.mark.parametrize("data", [{"score": "0"}, {"score": "6"}, {"score": "abc"}, {}, {"score": "3", "comment": "x" * 2001}])
def test_bad_input_is_refused(desk: dict[str, Any], scene: dict[str, Any], data: dict[str, str]) -> None:
    ticket = _resolve(desk, scene["ticket"])
    response = client_for(desk, scene, "customer_a").post(f"/portal/tickets/{ticket.number}/rate", data)
    assert response.status_code == 422
    assert not SatisfactionRating.objects.exists()


def test_an_unsolved_ticket_cannot_be_rated_from_the_portal(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = scene["ticket"]
    response = client_for(desk, scene, "customer_a").post(f"/portal/tickets/{ticket.number}/rate", {"score": "5"})
    assert response.status_code == 422
    assert "once it is resolved" in response.content.decode()
    assert not SatisfactionRating.objects.exists()


def test_a_colleague_who_sees_the_ticket_through_sharing_is_not_asked(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    org = desk["org_a"]
    org.shares_tickets = True
    org.save(update_fields=["shares_tickets"])
    ticket = _resolve(desk, scene["ticket"])
    client = client_for(desk, scene, "colleague")
    page = client.get(f"/portal/tickets/{ticket.number}/")
    assert page.status_code == 200 and 'id="rating"' not in page.content.decode()
    assert client.post(f"/portal/tickets/{ticket.number}/rate", {"score": "1"}).status_code == 403
    assert not SatisfactionRating.objects.exists()


def test_the_portal_needs_the_csrf_token(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = _resolve(desk, scene["ticket"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk["customer_a"])
    assert client.post(f"/portal/tickets/{ticket.number}/rate", {"score": "5"}).status_code == 403
    assert not SatisfactionRating.objects.exists()


def test_a_hostile_comment_is_inert_on_the_portal_and_the_desk(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = _resolve(desk, scene["ticket"])
    customer = client_for(desk, scene, "customer_a")
    assert customer.post(f"/portal/tickets/{ticket.number}/rate", {"score": "1", "comment": HOSTILE}).status_code == 302
    agent = Client()
    agent.force_login(desk["agent"])
    desk_page = agent.get(f"/desk/tickets/{ticket.number}/").content.decode()
    pages = {
        "portal": customer.get(f"/portal/tickets/{ticket.number}/").content.decode(),
        "link": Client().get(_link_path(ticket, desk["contact_a"])).content.decode(),
        "desk": desk_page,
    }
    for where, body in pages.items():
        assert "<script>window.__pwned" not in body, where
        assert "<img src=x" not in body, where
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in body, where
    # On the desk both in the side panel and in the timeline sentence.
    assert desk_page.count("&lt;script&gt;window.__pwned=1&lt;/script&gt;") == 2
    assert 'id="rating"' in desk_page and "1 out of 5" in desk_page
    assert "rated 1 out of 5, commenting" in desk_page


def test_the_desk_timeline_reads_a_change_of_mind(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = _resolve(desk, scene["ticket"])
    customer = Actor.of(desk["customer_a"])
    actions.rate(customer, ticket, 2)
    actions.rate(customer, ticket, 4, "Ổn rồi")
    agent = Client()
    agent.force_login(desk["agent"])
    page = agent.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert "rated 2 out of 5" in page
    assert "changed the rating from 2 to 4 out of 5, commenting “Ổn rồi”" in page


def test_solved_ticket_page_query_count_is_pinned(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = scene["ticket"]
    client = client_for(desk, scene, "customer_a")
    with CaptureQueriesContext(connection) as unsolved:
        assert client.get(f"/portal/tickets/{ticket.number}/").status_code == 200
    _resolve(desk, ticket)
    actions.rate(Actor.of(desk["customer_a"]), ticket, 3, "Tạm được")
    client.get(f"/portal/tickets/{ticket.number}/")
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/portal/tickets/{ticket.number}/").status_code == 200
    for i in range(6):
        actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text=f"reply {i}", status=Status.RESOLVED)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/portal/tickets/{ticket.number}/").status_code == 200
    # The requester is asked without a CC lookup; the rating is the one extra read.
    assert len(few) == len(unsolved) + 1
    assert len(many) == len(few)
    assert len(many) <= 11


# -- the link in the resolution email ----------------------------------------------------------


def test_the_resolution_email_carries_a_rating_link_that_works_without_signing_in(
    desk: dict[str, Any], scene: dict[str, Any], mailoutbox: list[Any], settings: Any
) -> None:
    settings.TESSERA = {**settings.TESSERA, "SITE_URL": "https://help.example.test"}
    ticket = _resolve(desk, scene["ticket"])
    run_worker(burst=True, scheduler=False)
    [notice] = [m for m in mailoutbox if m.extra_headers.get("Auto-Submitted") == "auto-generated"]
    found = re.search(r"^https://help\.example\.test(/portal/rate/\d+/\S+/)$", notice.body, re.MULTILINE)
    assert found is not None, notice.body
    path = found.group(1)

    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(path + "?score=2")
    assert page.status_code == 200
    body = page.content.decode()
    assert ticket.subject in body and 'name="csrfmiddlewaretoken"' in body
    assert re.search(r'value="2"[^>]*checked', body), "?score preselects the choice"
    assert not SatisfactionRating.objects.exists(), "following the link must not rate"
    assert _ratings(ticket) == 0

    csrf = anonymous.cookies["csrftoken"].value
    response = anonymous.post(path, {"score": "2", "comment": "Cần nhanh hơn", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302 and response["Location"] == path
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment, rating.contact, rating.channel) == (2, "Cần nhanh hơn", desk["contact_a"], "email")
    after = anonymous.get(path).content.decode()
    assert "Thank you for rating our help." in after and "You rated this request 2 out of 5." in after

    # The same link changes the rating later.
    anonymous.post(path, {"score": "4", "csrfmiddlewaretoken": csrf})
    assert SatisfactionRating.objects.get(ticket=ticket).score == 4
    assert _ratings(ticket) == 2


def test_the_link_needs_the_csrf_token(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = _resolve(desk, scene["ticket"])
    response = Client(enforce_csrf_checks=True).post(_link_path(ticket, desk["contact_a"]), {"score": "5"})
    assert response.status_code == 403
    assert not SatisfactionRating.objects.exists()


def _tampered(token: str) -> list[str]:
    payload, _, rest = token.partition(":")
    data = signing.b64_decode(payload.encode())
    forged_payload = signing.b64_encode(data.replace(b'"c":', b'"c":1')).decode()
    last = "A" if token[-1] != "A" else "B"
    return [
        token[:-1] + last,  # signature altered
        f"{forged_payload}:{rest}",  # another contact, old signature
        signing.dumps({"n": 1, "c": 1, "at": 1}, salt="some-other-purpose", compress=False),
        "not-a-token",
    ]


def test_a_tampered_link_is_not_found(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = _resolve(desk, scene["ticket"])
    token = rating_links.issue(ticket, desk["contact_a"])
    for bad in _tampered(token):
        for method in ("get", "post"):
            response = getattr(Client(), method)(f"/portal/rate/{ticket.number}/{bad}/", {"score": "1"})
            assert response.status_code == 404, (bad, method)
            assert ticket.subject not in response.content.decode()
    assert not SatisfactionRating.objects.exists()


def test_a_link_for_one_ticket_does_not_rate_another(desk: dict[str, Any], scene: dict[str, Any], make_ticket: Any) -> None:
    ticket = _resolve(desk, scene["ticket"])
    other = _resolve(desk, make_ticket(subject="Another of Anna's requests"))
    token = rating_links.issue(ticket, desk["contact_a"])
    for method in ("get", "post"):
        response = getattr(Client(), method)(f"/portal/rate/{other.number}/{token}/", {"score": "1"})
        assert response.status_code == 404
    assert not SatisfactionRating.objects.exists()
    # Nor does a link issued to someone who is not one of the ticket's customers.
    stranger = rating_links.issue(scene["other"], desk["contact_a"])
    _resolve(desk, scene["other"])
    assert Client().post(f"/portal/rate/{scene['other'].number}/{stranger}/", {"score": "1"}).status_code == 404
    assert not SatisfactionRating.objects.exists()


def test_an_expired_link_says_so_and_rates_nothing(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = _resolve(desk, scene["ticket"])
    issued = time.now() - timedelta(days=31)
    path = f"/portal/rate/{ticket.number}/{rating_links.issue(ticket, desk['contact_a'], at=issued)}/"
    page = Client().get(path)
    assert page.status_code == 410
    assert "This rating link has expired." in page.content.decode()
    assert ticket.subject not in page.content.decode()
    assert Client().post(path, {"score": "1"}).status_code == 410
    assert not SatisfactionRating.objects.exists()

    fresh_enough = rating_links.issue(ticket, desk["contact_a"], at=time.now() - timedelta(days=29))
    assert Client().post(f"/portal/rate/{ticket.number}/{fresh_enough}/", {"score": "3"}).status_code == 302
    # And the same link a little later, on Tessera's clock, has expired.
    with time.frozen_at(time.now() + timedelta(days=2)):
        assert Client().post(f"/portal/rate/{ticket.number}/{fresh_enough}/", {"score": "1"}).status_code == 410
    assert SatisfactionRating.objects.get(ticket=ticket).score == 3


def test_a_signed_in_agent_cannot_use_a_customers_link(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = _resolve(desk, scene["ticket"])
    path = _link_path(ticket, desk["contact_a"])
    for who in ("agent", "admin"):
        client = Client()
        client.force_login(desk[who])
        assert client.get(path).status_code == 403
        assert client.post(path, {"score": "5"}).status_code == 403
    assert not SatisfactionRating.objects.exists()


def test_a_reopened_ticket_waits_for_its_next_resolution(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    ticket = _resolve(desk, scene["ticket"])
    path = _link_path(ticket, desk["contact_a"])
    actions.add_customer_message(Actor.customer(desk["contact_a"], "email"), ticket, body_text="Vẫn lỗi")
    page = Client().get(path)
    assert page.status_code == 200
    assert "This request is open again." in page.content.decode() and 'name="score"' not in page.content.decode()
    assert Client().post(path, {"score": "1"}).status_code == 422
    assert not SatisfactionRating.objects.exists()


def test_a_link_follows_a_contact_merged_since(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    from tessera.accounts.models import Contact

    ticket = _resolve(desk, scene["ticket"])
    path = _link_path(ticket, desk["contact_a"])
    # Anna's tickets now belong to a contact she was merged into (her other address).
    survivor = Contact.objects.create(name="Anna K.")
    User.objects.filter(contact=desk["contact_a"]).delete()
    actions.merge_contacts(Actor.of(desk["admin"]), desk["contact_a"], survivor)
    assert Client().post(path, {"score": "5"}).status_code == 302
    assert SatisfactionRating.objects.get(ticket=ticket).contact == survivor
