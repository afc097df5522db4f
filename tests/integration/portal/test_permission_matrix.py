"""Every portal route by every kind of visitor, as a table; a route missing from it fails."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.accounts.models import ClosingPolicy
from tessera.portal import services
from tessera.tickets import actions, rating_links
from tessera.tickets.models import Ticket, TicketEvent
from tessera.tickets.states import Status
from tests.integration.portal.conftest import client_for

pytestmark = pytest.mark.django_db

# customer A asked the ticket; "colleague" is in A's organisation (sharing off here);
# "other_org" is a customer of another organisation.
WHO = ["anonymous", "customer_a", "colleague", "other_org", "agent"]

# Expected outcome: a status code, or "→/prefix" for a redirect to a URL starting there.
LOGIN = "→/portal/login/"
DESK = "→/desk/"
HOME = "→/portal/"
CUSTOMERS = {"customer_a", "colleague", "other_org"}


def row(anonymous: Any, a: Any, colleague: Any, other: Any, agent: Any) -> dict[str, Any]:
    return dict(zip(WHO, (anonymous, a, colleague, other, agent), strict=True))


def everyone(outcome: Any) -> dict[str, Any]:
    return row(outcome, outcome, outcome, outcome, outcome)


GET_MATRIX: dict[str, dict[str, Any]] = {
    "": row(LOGIN, 200, 200, 200, DESK),
    "organisation/": row(LOGIN, 404, 404, 404, DESK),
    "tickets/new/": row(LOGIN, 200, 200, 200, DESK),
    "tickets/<int:number>/": row(LOGIN, 200, 404, 404, DESK),
    "attachments/<int:attachment_id>": row(LOGIN, 200, 404, 404, DESK),
    # The signed link is the credential, whoever is signed in; agents are refused outright.
    "rate/<int:number>/<str:token>/": row(200, 200, 200, 200, 403),
    "login/": row(200, HOME, HOME, HOME, DESK),
    "login/code/": row(200, HOME, HOME, HOME, DESK),
    "login/code/verify/": row("→/portal/login/code/", HOME, HOME, HOME, DESK),
    "signup/": row(200, HOME, HOME, HOME, DESK),
    "signup/verify/": row("→/portal/signup/", HOME, HOME, HOME, DESK),
    "password/reset/": everyone(200),
    "password/reset/<uidb64>/<token>/": everyone(200),
    "form/": everyone(200),
    "form/token.json": everyone(200),
    "form/embed.js": everyone(200),
}

# POST routes: (form data, expected outcome, whether the ticket's timeline grows when allowed).
TICKET_PAGE = "→/portal/tickets/"
POST_MATRIX: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    "tickets/<int:number>/reply": ({"body": "Dziękuję, czekam."}, row(LOGIN, TICKET_PAGE, 404, 404, DESK)),
    "tickets/<int:number>/close": ({}, row(LOGIN, TICKET_PAGE, 404, 404, DESK)),
    "tickets/<int:number>/rate": ({"score": "4"}, row(LOGIN, TICKET_PAGE, 404, 404, DESK)),
    "rate/<int:number>/<str:token>/": ({"score": "4"}, row("→/portal/rate/", "→/portal/rate/", "→/portal/rate/",
                                                           "→/portal/rate/", 403)),
    "tickets/new/": ({"subject": "Nowe zgłoszenie", "description": "Opis", "type": "question", "department": "{d}"},
                     row(LOGIN, TICKET_PAGE, TICKET_PAGE, TICKET_PAGE, DESK)),
    "logout/": ({}, everyone(LOGIN)),
    "language": ({"language": "vi", "next": "/portal/"}, everyone(HOME)),
    "form/submit": ({"email": "visitor@example.test", "subject": "Hỏi giá", "message": "Bao nhiêu tiền?", "token": "{token}"},
                    everyone(201)),
}


def test_every_portal_route_is_in_a_matrix() -> None:
    from tessera.portal.urls import urlpatterns

    routes = {str(p.pattern) for p in urlpatterns}
    covered = set(GET_MATRIX) | set(POST_MATRIX)
    assert routes == covered, f"missing from the matrix: {routes - covered}; stale: {covered - routes}"


def _path(template: str, desk: dict[str, Any], scene: dict[str, Any]) -> str:
    path = (
        template.replace("<int:number>", str(scene["ticket"].number))
        .replace("<int:attachment_id>", str(scene["attachment"].pk))
        .replace("<uidb64>", "MQ")
        .replace("<token>", "set-password")
        .replace("<str:token>", rating_links.issue(scene["ticket"], desk["contact_a"]))
    )
    return "/portal/" + path


def _check(response: Any, expected: Any) -> None:
    if isinstance(expected, str):
        assert response.status_code == 302, (response.status_code, expected)
        assert response["Location"].startswith(expected.removeprefix("→")), (response["Location"], expected)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", list(GET_MATRIX))
def test_get_matrix(desk: dict[str, Any], scene: dict[str, Any], route: str, who: str) -> None:
    response = client_for(desk, scene, who).get(_path(route, desk, scene))
    _check(response, GET_MATRIX[route][who])
    if response.status_code == 404:
        # A refusal says nothing about the ticket it refused.
        body = response.content.decode()
        assert scene["ticket"].subject not in body
        assert "zdjęcie" not in body


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", list(POST_MATRIX))
def test_post_matrix(desk: dict[str, Any], scene: dict[str, Any], route: str, who: str) -> None:
    support = desk["support"]
    support.closing_policy = ClosingPolicy.CUSTOMER_ONLY
    support.save(update_fields=["closing_policy"])
    data, expected = POST_MATRIX[route]
    token = services.issue_form_token(issued_at=time.time() - 60)
    filled = {k: v.format(d=support.pk, token=token) for k, v in data.items()}
    ticket = scene["ticket"]
    if "rate" in route:
        # Only a solved ticket asks for a rating.
        actions.change_status(Actor.of(desk["agent"]), ticket, Status.RESOLVED)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    tickets_before = Ticket.objects.count()

    response = client_for(desk, scene, who).post(_path(route, desk, scene), filled)

    _check(response, expected[who])
    changed = TicketEvent.objects.filter(ticket=ticket).count() > events_before
    allowed_on_ticket = (route.startswith("tickets/<int:number>") and who == "customer_a") or (
        route.startswith("rate/") and who != "agent"
    )
    assert changed == allowed_on_ticket
    created = Ticket.objects.count() - tickets_before
    assert created == (1 if route == "form/submit" or (route == "tickets/new/" and who in CUSTOMERS) else 0)


@pytest.mark.parametrize("who", ["customer_a", "colleague", "other_org"])
def test_note_attachments_are_never_served(desk: dict[str, Any], scene: dict[str, Any], who: str) -> None:
    response = client_for(desk, scene, who).get(f"/portal/attachments/{scene['note_attachment'].pk}")
    assert response.status_code == 404


def test_the_web_home_sends_customers_to_the_portal(desk: dict[str, Any], scene: dict[str, Any]) -> None:
    response = client_for(desk, scene, "customer_a").get("/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
