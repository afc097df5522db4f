"""The demo desk, loaded once for this module (40 tickets) and inspected from every side."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from tessera.accounts.models import ClosingPolicy, Contact, ContactIdentity, Department, Role, User
from tessera.channels.models import Delivery, DeliveryStatus
from tessera.demo import content
from tessera.demo.loader import DemoSummary, load_demo
from tessera.tickets.models import (
    AuthorKind,
    EventKind,
    LinkKind,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
    TicketLink,
)

VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)
THAI = re.compile(r"[\u0E01-\u0E5B]")
POLISH = re.compile(r"[ąćęłńśźż]", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoSummary]:
    # One load for the whole module, rolled back at the end like setUpTestData, so other
    # modules never see the demo's users and departments.
    # The suite's fast hasher is switched on per test; this load runs before that, so it asks
    # for the same hasher itself, or the stored hashes could not be checked later.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        yield load_demo(tickets=40, seed=3)
        transaction.set_rollback(True)


@pytest.fixture
def tickets(demo: DemoSummary, db: Any) -> list[Ticket]:
    return list(
        Ticket.objects.select_related("requester", "department", "assignee").order_by("number")
    )


def test_summary_counts_what_is_in_the_database(demo: DemoSummary, tickets: list[Ticket]) -> None:
    assert demo.created is True
    assert demo.tickets == len(tickets) == 40
    assert demo.messages == Message.objects.filter(kind=MessageKind.PUBLIC).count()
    assert demo.notes == Message.objects.filter(kind=MessageKind.NOTE).count() > 0
    assert sum(demo.by_status.values()) == 40


def test_all_four_languages_in_their_own_script(tickets: list[Ticket]) -> None:
    by_language: dict[str, list[str]] = {}
    for message in Message.objects.filter(
        kind=MessageKind.PUBLIC, author_kind=AuthorKind.CONTACT
    ).select_related("ticket__requester"):
        by_language.setdefault(message.ticket.requester.language, []).append(message.body_text)
    assert set(by_language) == {"en", "vi", "th", "pl"}
    assert all(VIETNAMESE.search(text) for text in by_language["vi"])
    assert all(THAI.search(text) for text in by_language["th"])
    assert any(POLISH.search(text) for text in by_language["pl"])
    # English customers write English: none of the other scripts leaks into their texts.
    assert not any(THAI.search(t) or VIETNAMESE.search(t) for t in by_language["en"])


def test_variety_of_channels_statuses_types_and_priorities(tickets: list[Ticket]) -> None:
    channels = {t.channel for t in tickets}
    statuses = {t.status for t in tickets}
    assert len(channels) >= 5, channels
    assert statuses == {"new", "open", "pending", "on_hold", "resolved", "closed"}
    assert len({t.type for t in tickets}) >= 4
    assert len({t.priority for t in tickets}) >= 3
    solved = sum(t.status in {"resolved", "closed"} for t in tickets)
    assert solved > len(tickets) / 3  # a desk that has been running for a while


def test_every_ticket_has_a_conversation_and_a_created_entry(tickets: list[Ticket]) -> None:
    created = dict(
        TicketEvent.objects.filter(kind=EventKind.CREATED)
        .values_list("ticket_id")
        .annotate(n=Count("id"))
    )
    merged = [t for t in tickets if t.merged_into_id is not None]
    assert len(merged) == 1
    for ticket in tickets:
        assert created.get(ticket.pk) == 1, ticket
        if ticket not in merged:  # a merge moves the duplicate's messages to the original
            assert ticket.messages.exists(), ticket


def test_merged_duplicate_lives_on_in_the_original(tickets: list[Ticket]) -> None:
    duplicate = next(t for t in tickets if t.merged_into_id is not None)
    original = duplicate.merged_into
    assert original is not None
    assert duplicate.status == "closed"
    assert original.requester_id == duplicate.requester_id
    assert original.events.filter(kind=EventKind.MERGED_FROM).exists()
    stock = next(v for k, v in content.STOCK.items() if k == original.requester.language)
    duplicate_text = stock.duplicate.split("{")[0][:20]
    assert original.messages.filter(body_text__contains=duplicate_text).exists()
    assert original.messages.filter(kind=MessageKind.NOTE).exists()


def test_assignees_and_repliers_belong_to_the_ticket_department(tickets: list[Ticket]) -> None:
    assigned = [t for t in tickets if t.assignee is not None]
    assert len(assigned) >= len(tickets) // 2
    for ticket in assigned:
        assert ticket.assignee is not None
        assert ticket.assignee.role in {Role.AGENT, Role.ADMIN}
        assert ticket.assignee.memberships.filter(department=ticket.department).exists(), ticket
    for message in Message.objects.filter(author_kind=AuthorKind.AGENT).select_related(
        "ticket", "author_user"
    ):
        assert message.author_user is not None
        assert message.author_user.memberships.filter(
            department=message.ticket.department_id
        ).exists()
    assert not any(t.assignee is not None for t in tickets if t.status == "new")


def test_timeline_is_in_the_past_and_consistent(tickets: list[Ticket]) -> None:
    now = timezone.now()
    oldest = now - timedelta(days=61)
    for ticket in tickets:
        assert oldest < ticket.created_at <= ticket.updated_at <= now, ticket
        for message in ticket.messages.all():
            assert message.created_at <= now
        if ticket.status in {"resolved", "closed"} and ticket.merged_into_id is None:
            assert ticket.resolved_at is not None
        if ticket.status == "closed":
            assert ticket.closed_at is not None
        if ticket.status == "pending":
            last = ticket.messages.filter(kind=MessageKind.PUBLIC).last()
            assert last is not None and last.author_kind == AuthorKind.AGENT
        if ticket.first_response_at is not None:
            assert ticket.first_response_at > ticket.created_at
    # Some conversations run for more than one turn each way.
    assert any(t.messages.filter(author_kind=AuthorKind.CONTACT).count() >= 2 for t in tickets)


def test_customers_act_in_their_own_name(tickets: list[Ticket]) -> None:
    events = TicketEvent.objects.filter(kind=EventKind.MESSAGE).select_related("ticket", "message")
    assert events
    for entry in events:
        assert entry.message is not None and entry.message.author_contact_id is not None
        if entry.via_channel == "phone":
            continue  # a phone call is written down by the agent who took it
        if entry.actor_user is not None:  # signed in to the portal
            assert entry.actor_user.contact_id == entry.message.author_contact_id
        else:
            assert entry.actor_contact_id == entry.message.author_contact_id


def test_customer_only_department_is_closed_by_customers_or_automation(
    tickets: list[Ticket],
) -> None:
    department = Department.objects.get(closing_policy=ClosingPolicy.CUSTOMER_ONLY)
    closings = TicketEvent.objects.filter(
        ticket__department=department, kind=EventKind.STATUS, after="closed"
    )
    for entry in closings:
        assert entry.actor_user is None or entry.actor_user.role == Role.CUSTOMER


def test_problems_link_their_incidents(tickets: list[Ticket]) -> None:
    problems = [t for t in tickets if t.type == "problem"]
    assert problems
    links = TicketLink.objects.filter(kind=LinkKind.PROBLEM_INCIDENT)
    assert links.count() >= 2
    for link in links:
        assert link.source.type == "problem"
        assert link.target.type == "incident"
    for problem in problems:
        assert problem.messages.filter(kind=MessageKind.NOTE).exists()


def test_contacts_are_reachable_on_several_channels(demo: DemoSummary, db: Any) -> None:
    kinds = set(ContactIdentity.objects.values_list("kind", flat=True))
    assert {"email", "phone"} <= kinds
    assert kinds & {"line", "facebook", "zalo", "telegram"}
    multi = [
        c
        for c in Contact.objects.prefetch_related("identities")
        if len({i.kind for i in c.identities.all()}) >= 2
    ]
    assert len(multi) >= 3
    emails = list(ContactIdentity.objects.filter(kind="email").values_list("value", flat=True))
    # Demo mail never goes anywhere real.
    assert all(e.endswith(".example") for e in emails)


def test_no_delivery_is_left_to_send(demo: DemoSummary, db: Any) -> None:
    assert Delivery.objects.exists()
    assert not Delivery.objects.exclude(status=DeliveryStatus.SKIPPED).exists()


def test_printed_logins_work(demo: DemoSummary, db: Any) -> None:
    by_name = {login.username: login for login in demo.logins}
    assert {"admin", "lan", "somchai", "agnieszka", "alex", "customer"} <= set(by_name)
    for username in ("admin", "lan", "customer"):
        login = by_name[username]
        user = authenticate(username=username, password=login.password)
        assert user is not None, username
        assert user.role == login.role
    assert authenticate(username="lan", password="wrong") is None
    customer = User.objects.get(username="customer")
    assert customer.contact is not None and customer.contact.tickets.exists()
    light = User.objects.get(username="hoa")
    assert light.role == Role.LIGHT_AGENT
    zones = set(User.objects.filter(role=Role.AGENT).values_list("time_zone", flat=True))
    assert zones == {"Asia/Ho_Chi_Minh", "Asia/Bangkok", "Europe/Warsaw", "UTC"}


def test_loading_again_changes_nothing(demo: DemoSummary, db: Any) -> None:
    before = (
        Ticket.objects.count(),
        Message.objects.count(),
        User.objects.count(),
        TicketEvent.objects.count(),
    )
    again = load_demo(tickets=40, seed=3)
    assert again.created is False
    assert again.tickets == demo.tickets
    after = (
        Ticket.objects.count(),
        Message.objects.count(),
        User.objects.count(),
        TicketEvent.objects.count(),
    )
    assert after == before


def test_some_solved_tickets_carry_customer_ratings(tickets: list[Ticket]) -> None:
    from tessera.tickets.models import SatisfactionRating

    ratings = list(SatisfactionRating.objects.select_related("ticket"))
    solved = [t for t in tickets if t.status in {"resolved", "closed"}]
    assert 0.2 * len(solved) <= len(ratings) <= 0.7 * len(solved)
    assert {r.ticket.status for r in ratings} <= {"resolved", "closed"}
    assert all(1 <= r.score <= 5 for r in ratings)
    # Unhappy customers say why, in their own language, and the timeline records each rating.
    assert all(r.comment for r in ratings if r.score <= 2)
    assert all(r.ticket.events.filter(kind="rated").exists() for r in ratings)
