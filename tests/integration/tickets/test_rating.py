"""The rating action: who may rate, when, what it writes, and that changing one's mind is kept."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact, ContactIdentity, Role, User
from tessera.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tessera.jobs.models import Job
from tessera.tickets import actions
from tessera.tickets.models import EventKind, SatisfactionRating, Ticket, TicketEvent
from tessera.tickets.states import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(desk: dict[str, Any], make_ticket: Any) -> Ticket:
    ticket = make_ticket()
    actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text="Đã sửa xong.", status=Status.RESOLVED)
    ticket.refresh_from_db()
    return ticket


def _colleague(desk: dict[str, Any]) -> Contact:
    contact = Contact.objects.create(name="Piotr Wiśniewski", organisation=desk["org_a"])
    ContactIdentity.objects.create(contact=contact, kind="email", value="piotr@acme.test", is_primary=True)
    return contact


def _actor(desk: dict[str, Any], who: str) -> Actor:
    match who:
        case "anonymous":
            # What a view would have if it forgot to sign anyone in: no user, no contact. The
            # action must not read that as the system.
            return Actor(channel="portal")
        case "requester":
            return Actor.of(desk["customer_a"])
        case "requester_by_email":
            return Actor.customer(desk["contact_a"], "email")
        case "other_customer":
            return Actor.of(desk["customer_b"])
        case "rule":
            return Actor.system(rule="Rate everything 5")
        case _:
            return Actor.of(desk[who])


# who → the error the action raises, or None when the rating is recorded.
MATRIX: dict[str, type[Exception] | None] = {
    "anonymous": PermissionDenied,
    "rule": PermissionDenied,
    "requester": None,
    "requester_by_email": None,
    "other_customer": NotFound,
    "agent": PermissionDenied,
    "light": PermissionDenied,
    "outsider": NotFound,
    "admin": PermissionDenied,
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_who_may_rate(desk: dict[str, Any], solved: Ticket, who: str) -> None:
    expected = MATRIX[who]
    version = solved.version
    if expected is None:
        rating = actions.rate(_actor(desk, who), solved, 4, "Nhanh và lịch sự")
        assert (rating.score, rating.comment, rating.contact) == (4, "Nhanh và lịch sự", desk["contact_a"])
        assert Ticket.objects.get(pk=solved.pk).version == version + 1
        return
    with pytest.raises(expected):
        actions.rate(_actor(desk, who), solved, 4)
    assert not SatisfactionRating.objects.exists()
    assert not TicketEvent.objects.filter(ticket=solved, kind=EventKind.RATED).exists()
    assert Ticket.objects.get(pk=solved.pk).version == version


def test_a_cc_may_rate_but_an_organisation_colleague_who_only_sees_it_may_not(
    desk: dict[str, Any], make_ticket: Any
) -> None:
    colleague = _colleague(desk)
    org = desk["org_a"]
    org.shares_tickets = True
    org.save(update_fields=["shares_tickets"])
    cc = Contact.objects.create(name="Ewa CC")
    ticket = make_ticket(ccs=[cc])
    actions.change_status(Actor.of(desk["agent"]), ticket, Status.RESOLVED)
    with pytest.raises(PermissionDenied):
        actions.rate(Actor.customer(colleague, "portal"), ticket, 1)
    rating = actions.rate(Actor.customer(cc, "email"), ticket, 5)
    assert rating.contact == cc


def test_only_a_resolved_or_closed_unmerged_ticket_is_rated(desk: dict[str, Any], make_ticket: Any) -> None:
    customer = Actor.of(desk["customer_a"])
    agent = Actor.of(desk["agent"])
    ticket = make_ticket()
    for status in (Status.OPEN, Status.PENDING, Status.ON_HOLD):
        actions.change_status(agent, ticket, status)
        with pytest.raises(ValidationFailed):
            actions.rate(customer, ticket, 5)
    actions.change_status(agent, ticket, Status.RESOLVED)
    actions.rate(customer, ticket, 5)
    actions.change_status(agent, ticket, Status.CLOSED)
    assert actions.rate(customer, ticket, 4).score == 4

    duplicate, original = make_ticket(subject="dup"), make_ticket(subject="original")
    actions.merge(agent, duplicate, original)
    with pytest.raises(ValidationFailed):
        actions.rate(customer, duplicate, 3)


@pytest.mark.parametrize("score", [0, 6, -1, True, "5", 4.5, None])
def test_scores_outside_one_to_five_are_refused(desk: dict[str, Any], solved: Ticket, score: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        actions.rate(Actor.of(desk["customer_a"]), solved, score)
    assert refused.value.field == "score"


def test_comment_is_normalised_and_bounded(desk: dict[str, Any], solved: Ticket) -> None:
    customer = Actor.of(desk["customer_a"])
    decomposed = "  Cảm ơn\x00 ".replace("ả", "a\u0309")
    assert actions.rate(customer, solved, 5, decomposed).comment == "Cảm ơn"
    with pytest.raises(ValidationFailed) as refused:
        actions.rate(customer, solved, 5, "x" * 2001)
    assert refused.value.field == "comment"


def test_changing_the_rating_keeps_one_row_and_the_history_on_the_timeline(desk: dict[str, Any], solved: Ticket) -> None:
    customer = Actor.of(desk["customer_a"])
    jobs = Job.objects.count()
    first = actions.rate(customer, solved, 2, "Chậm quá")
    second = actions.rate(customer, solved, 4, "Sau cùng thì ổn")
    assert first.pk == second.pk and SatisfactionRating.objects.count() == 1
    assert second.created_at == first.created_at and second.updated_at >= first.updated_at
    entries = list(TicketEvent.objects.filter(ticket=solved, kind=EventKind.RATED).order_by("id"))
    assert [(e.before, e.after) for e in entries] == [
        (None, {"score": 2, "comment": "Chậm quá"}),
        ({"score": 2, "comment": "Chậm quá"}, {"score": 4, "comment": "Sau cùng thì ổn"}),
    ]
    assert all(e.actor_user == desk["customer_a"] and e.via_channel == "portal" for e in entries)
    # Each rating queues the one follow-up job, in the same transaction.
    assert Job.objects.count() == jobs + 2


def test_the_same_rating_again_changes_nothing(desk: dict[str, Any], solved: Ticket) -> None:
    customer = Actor.of(desk["customer_a"])
    actions.rate(customer, solved, 3, "OK")
    version = Ticket.objects.get(pk=solved.pk).version
    jobs = Job.objects.count()
    actions.rate(customer, solved, 3, " OK ")
    assert Ticket.objects.get(pk=solved.pk).version == version
    assert Job.objects.count() == jobs
    assert TicketEvent.objects.filter(ticket=solved, kind=EventKind.RATED).count() == 1


def test_a_stale_version_is_a_conflict(desk: dict[str, Any], solved: Ticket) -> None:
    with pytest.raises(Conflict):
        actions.rate(Actor.of(desk["customer_a"]), solved, 5, expected_version=solved.version - 1)
    assert not SatisfactionRating.objects.exists()


def test_a_customer_account_without_a_contact_may_not_rate(desk: dict[str, Any], solved: Ticket) -> None:
    orphan = User.objects.create_user(username="orphan", password="x", role=Role.CUSTOMER)
    with pytest.raises(NotFound):
        actions.rate(Actor.of(orphan), solved, 5)
