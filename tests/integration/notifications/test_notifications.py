"""The first background jobs: replies and notices reach people by email, through the worker."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.channels.models import Delivery
from tessera.jobs.worker import run_worker
from tessera.tickets import actions
from tessera.tickets.states import Status

pytestmark = pytest.mark.django_db


def work() -> None:
    run_worker(burst=True, scheduler=False)


def test_agent_reply_is_mailed_to_the_requester_with_threading_headers(desk: dict[str, Any], make_ticket: Any, mailoutbox: list[Any]) -> None:
    ticket = make_ticket(external_id="<customer-1@acme.test>")
    actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text="Chúng tôi đang kiểm tra.")
    assert mailoutbox == []  # nothing is sent inside the request: the worker sends
    work()
    [mail] = [m for m in mailoutbox if "anna@acme.test" in m.to]
    assert "Chúng tôi đang kiểm tra." in mail.body
    assert mail.extra_headers["In-Reply-To"] == "<customer-1@acme.test>"
    delivery = Delivery.objects.get(ticket=ticket, purpose="reply")
    assert mail.extra_headers["Message-ID"] == delivery.rfc_message_id
    assert delivery.status == "sent"
    work()
    assert len([m for m in mailoutbox if "anna@acme.test" in m.to]) == 1  # exactly once


def test_resolution_notice_goes_to_the_requester_in_their_language(desk: dict[str, Any], make_ticket: Any, mailoutbox: list[Any]) -> None:
    contact = desk["contact_a"]
    contact.language = "pl"
    contact.save()
    ticket = make_ticket()
    actions.change_status(Actor.of(desk["agent"]), ticket, Status.RESOLVED)
    work()
    notices = [m for m in mailoutbox if m.extra_headers.get("Auto-Submitted") == "auto-generated"]
    assert len(notices) == 1
    assert notices[0].to == ["anna@acme.test"]


def test_assignment_notifies_the_agent_but_not_when_they_took_it_themselves(desk: dict[str, Any], make_ticket: Any, mailoutbox: list[Any]) -> None:
    ticket = make_ticket()
    actions.assign(Actor.of(desk["admin"]), ticket, desk["agent"])
    work()
    assert [m.to for m in mailoutbox] == [["agent@example.test"]]
    other = make_ticket()
    actions.assign(Actor.of(desk["agent"]), other, desk["agent"])
    work()
    assert len(mailoutbox) == 1
