"""A portal scene: customer A's ticket (with a note and attachments), a colleague of A in the
same organisation, a customer of another organisation, and an agent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    # Throttle counters live in the cache; one test's failures must not lock out the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def scene(desk: dict[str, Any], make_ticket: Any) -> dict[str, Any]:
    from tessera.accounts.actor import Actor
    from tessera.accounts.models import Contact, ContactIdentity, Role, User
    from tessera.tickets import actions
    from tessera.tickets.attachments import NewAttachment

    colleague_contact = Contact.objects.create(name="Piotr Wiśniewski", organisation=desk["org_a"])
    ContactIdentity.objects.create(contact=colleague_contact, kind="email", value="piotr@acme.test", is_primary=True)
    colleague = User.objects.create_user(
        username="colleague", email="piotr@acme.test", password="pw-colleague", role=Role.CUSTOMER, contact=colleague_contact
    )
    desk["agent"].display_name = "Somchai from Support"
    desk["agent"].save(update_fields=["display_name"])
    ticket = make_ticket(
        subject="Zamówienie nr 7 — drukarka",
        attachments=[NewAttachment("zdjęcie.png", b"\x89PNG\r\n\x1a\nfake", "image/png")],
    )
    agent = Actor.of(desk["agent"])
    note = actions.add_note(
        agent, ticket, body_text="INTERNAL: customer is on credit hold",
        attachments=[NewAttachment("internal-ledger.csv", b"secret,1\n", "text/csv")],
    )
    actions.add_agent_reply(agent, ticket, body_text="Chúng tôi đang kiểm tra.")
    other = make_ticket(subject="Globex secret order", requester=desk["contact_b"])
    ticket.refresh_from_db()
    return {
        "ticket": ticket,
        "other": other,
        "attachment": ticket.messages.filter(kind="public").first().attachments.get(),
        "note_attachment": note.attachments.get(),
        "colleague": colleague,
        "colleague_contact": colleague_contact,
    }


def client_for(desk: dict[str, Any], scene: dict[str, Any], who: str) -> Client:
    client = Client()
    users = {"customer_a": desk["customer_a"], "colleague": scene["colleague"], "other_org": desk["customer_b"],
             "agent": desk["agent"]}
    if who != "anonymous":
        client.force_login(users[who])
    return client


def mailed_code() -> str:
    """The six-digit code of the last e-mail sent."""
    found = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert found is not None, mail.outbox[-1].body
    return found.group(1)
