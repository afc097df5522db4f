"""Contact page and new tickets on a customer's behalf."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tessera.accounts.models import Contact, ContactIdentity
from tessera.tickets.models import Ticket
from tests.integration.agent_ui.test_desk import WHO, client_for

pytestmark = pytest.mark.django_db

CONTACT_PAGE = {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 200, "outsider": 200, "light": 200, "admin": 200}
NEW_TICKET_POST = {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 302, "outsider": 302, "light": 403, "admin": 302}


@pytest.mark.parametrize("who", WHO)
def test_contact_page_matrix(desk: dict[str, Any], make_ticket: Any, who: str) -> None:
    make_ticket(subject="Visible in Support")
    response = client_for(desk, who).get(f"/desk/contacts/{desk['contact_a'].pk}/")
    assert response.status_code == CONTACT_PAGE[who]
    if who == "outsider":
        # The outsider may know the contact but not the Support ticket.
        assert "Visible in Support" not in response.content.decode()
    if who == "agent":
        assert "Visible in Support" in response.content.decode()


@pytest.mark.parametrize("who", WHO)
def test_new_ticket_matrix(desk: dict[str, Any], who: str) -> None:
    client = client_for(desk, who)
    get = client.get("/desk/tickets/new")
    assert get.status_code == {"anonymous": 302, "customer_a": 404, "customer_b": 404}.get(who, 200)
    post = client.post("/desk/tickets/new", {
        "requester": "+48 600 100 200", "requester_name": "Zofia Łęcka", "subject": "Telefon: brak internetu",
        "body": "Klientka dzwoniła", "department": desk["billing"].pk, "channel": "phone", "type": "incident", "priority": "high",
    })
    assert post.status_code == NEW_TICKET_POST[who]
    created = Ticket.objects.filter(subject="Telefon: brak internetu")
    assert created.exists() == (NEW_TICKET_POST[who] == 302 and who != "anonymous")


def test_new_ticket_reuses_an_existing_contact(desk: dict[str, Any]) -> None:
    client = client_for(desk, "agent")
    response = client.post("/desk/tickets/new", {
        "requester": "ANNA@acme.test", "subject": "Called about invoice", "body": "She called.",
        "department": desk["support"].pk, "channel": "phone", "type": "question", "priority": "normal",
    })
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Called about invoice")
    assert ticket.requester == desk["contact_a"]
    assert ticket.channel == "phone"
    assert Contact.objects.count() == 2


def test_new_ticket_creates_a_contact_with_a_normalised_phone(desk: dict[str, Any]) -> None:
    client = client_for(desk, "agent")
    client.post("/desk/tickets/new", {
        "requester": "+84 90 123 4567", "requester_name": "Trần Thị Hoa", "subject": "Gọi điện: mất mạng",
        "body": "Khách gọi", "department": desk["support"].pk, "channel": "phone", "type": "incident", "priority": "urgent",
    })
    ticket = Ticket.objects.get(subject="Gọi điện: mất mạng")
    assert ticket.requester.name == "Trần Thị Hoa"
    assert ContactIdentity.objects.get(contact=ticket.requester).kind == "phone"


def test_bad_requester_is_a_form_error(desk: dict[str, Any]) -> None:
    response = client_for(desk, "agent").post("/desk/tickets/new", {
        "requester": "not an address@", "subject": "x", "body": "x", "department": desk["support"].pk,
        "channel": "phone", "type": "question", "priority": "normal",
    })
    assert response.status_code == 422
    assert not Ticket.objects.filter(subject="x").exists()


def test_contact_page_query_count_is_flat(desk: dict[str, Any], make_ticket: Any) -> None:
    client = client_for(desk, "agent")
    make_ticket()
    url = f"/desk/contacts/{desk['contact_a'].pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(15):
        make_ticket(subject=f"more {i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


NOTE_OR_MERGE = {"anonymous": 302, "customer_a": 404, "customer_b": 404, "agent": 302, "outsider": 302, "light": 302, "admin": 302}


@pytest.mark.parametrize("who", WHO)
def test_contact_note_matrix(desk: dict[str, Any], who: str) -> None:
    response = client_for(desk, who).post(f"/desk/contacts/{desk['contact_a'].pk}/notes", {"body": "Khách VIP"})
    assert response.status_code == NOTE_OR_MERGE[who]
    assert desk["contact_a"].notes.filter(body="Khách VIP").exists() == (who not in {"anonymous", "customer_a", "customer_b"})


@pytest.mark.parametrize("who", WHO)
def test_contact_merge_matrix(desk: dict[str, Any], make_ticket: Any, who: str) -> None:
    other = Contact.objects.create(name="Anna on LINE")
    ContactIdentity.objects.create(contact=other, kind="line", value="U4af4980629")
    make_ticket(subject="From LINE", requester=other)
    response = client_for(desk, who).post(f"/desk/contacts/{desk['contact_a'].pk}/merge", {"other": str(other.pk)})
    assert response.status_code == NOTE_OR_MERGE[who]
    merged = who in {"agent", "outsider", "admin"}
    other.refresh_from_db()
    assert (other.merged_into_id == desk["contact_a"].pk) == merged
    assert Ticket.objects.get(subject="From LINE").requester_id == (desk["contact_a"].pk if merged else other.pk)


def test_merge_moves_identities_tickets_and_records_timeline(desk: dict[str, Any], make_ticket: Any) -> None:
    from tessera.accounts.actor import Actor
    from tessera.tickets import actions
    from tessera.tickets.models import EventKind, TicketEvent

    phone_contact = Contact.objects.create(name="", attributes={"tier": "gold"})
    ContactIdentity.objects.create(contact=phone_contact, kind="phone", value="+48600100200")
    ticket = make_ticket(subject="Phone ticket", requester=phone_contact)
    cc_ticket = make_ticket(subject="CC ticket", ccs=[phone_contact])
    actions.merge_contacts(Actor.of(desk["agent"]), phone_contact, desk["contact_a"])
    ticket.refresh_from_db()
    assert ticket.requester == desk["contact_a"]
    assert ticket.organisation == desk["org_a"]
    assert set(desk["contact_a"].identities.values_list("kind", flat=True)) == {"email", "phone"}
    assert list(cc_ticket.ccs.all()) == [desk["contact_a"]]
    desk["contact_a"].refresh_from_db()
    assert desk["contact_a"].attributes == {"tier": "gold"}
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FIELD, field="requester").count() == 1
