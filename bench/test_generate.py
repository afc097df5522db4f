"""The generator writes rows the application reads back as valid tickets.

Run with ``.venv/bin/pytest bench/test_generate.py`` (SQLite by default, PostgreSQL with
DATABASE_URL); it is outside ``tests/`` so the normal suite stays free of bench code.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench.generate import generate, iter_sizes, make_api_tokens

pytestmark = pytest.mark.django_db(transaction=True)

N = 600


def test_generated_tickets_have_the_promised_shape() -> None:
    from tessera.accounts.models import ApiToken, Contact, ContactIdentity
    from tessera.tickets.models import Message, Ticket, TicketEvent

    summary = generate(N, seed=1, progress=False)

    assert Ticket.objects.count() == N
    per_ticket = Counter(Message.objects.values_list("ticket_id", flat=True))
    assert len(per_ticket) == N
    assert min(per_ticket.values()) >= 1
    assert max(per_ticket.values()) <= 8
    # Every ticket has its "created" entry and one entry per message.
    assert TicketEvent.objects.filter(kind="created").count() == N
    assert TicketEvent.objects.filter(message__isnull=False).count() == Message.objects.count()
    assert Contact.objects.count() == N // 4
    assert ContactIdentity.objects.filter(kind="email").count() == Contact.objects.count()
    statuses = Counter(Ticket.objects.values_list("status", flat=True))
    assert statuses["closed"] > N // 2
    assert statuses["open"] > 0
    languages = {c.language for c in Contact.objects.all()}
    assert languages == {"en", "vi", "th", "pl"}
    assert Ticket.objects.filter(subject__contains="เครื่องพิมพ์").exists() or Ticket.objects.filter(
        subject__contains="máy in"
    ).exists()
    assert summary["rows"] > N * 5

    tokens = make_api_tokens(summary["bench_agent_id"], 2)
    assert ApiToken.objects.filter(digest=ApiToken.hash(tokens[0]), scope="write").exists()


def test_sequences_moved_past_the_generated_rows() -> None:
    """The app's own create path must work right after a bulk load: no duplicate id or number."""
    from tessera.accounts.actor import Actor
    from tessera.accounts.models import Contact, Department, User
    from tessera.tickets.actions import create_ticket
    from tessera.tickets.models import Ticket
    from tessera.tickets.queries import TicketFilters, ticket_list

    generate(200, seed=2, progress=False)
    top = max(Ticket.objects.values_list("number", flat=True))
    agent = User.objects.get(username="bench-agent")
    dept = Department.objects.get(name="Technical support")
    contact = Contact.objects.order_by("id").first()
    assert contact is not None
    ticket = create_ticket(Actor.of(agent), subject="Sau khi nạp dữ liệu", requester=contact,
                           department=dept, body_text="Xin chào")
    assert ticket.number == top + 1
    assert ticket.pk == max(Ticket.objects.values_list("pk", flat=True))
    page = ticket_list(agent, TicketFilters(status=["new"], department=[dept.pk]), limit=5)
    assert page.items[0].pk == ticket.pk


def test_search_documents_are_the_ones_the_app_builds() -> None:
    """The generator writes search rows itself (COPY); they must be what reindexing would write."""
    from django.db.models import Q

    from tessera.search.filtering import matching
    from tessera.search.index import build_documents
    from tessera.search.models import SearchDocument
    from tessera.tickets.models import Ticket

    summary = generate(300, seed=3, progress=False)

    assert summary["search_documents"] == 300
    written = {d.ticket_id: (d.public_text, d.note_text) for d in SearchDocument.objects.all()}
    rebuilt = {d.ticket_id: (d.public_text, d.note_text) for d in build_documents(written)}
    assert len(written) == Ticket.objects.count() == 300
    assert written == rebuilt
    # Accents are optional in a query: the folded documents answer the bare words.
    hits = matching(Ticket.objects.all(), "don hang", include_notes=True)
    assert hits.filter(Q(subject__contains="Đơn hàng") | Q(messages__body_text__contains="đơn hàng")).exists()


def test_sizes_parse() -> None:
    assert list(iter_sizes("10k, 100_000,1m")) == [10_000, 100_000, 1_000_000]
