"""On PostgreSQL the search is served by the trigram GIN indexes, not by reading every document.

A few thousand tickets are written in bulk (the way the benchmark loader writes them), indexed
with the reindex path, analysed, and then the exact query of the ticket list is EXPLAINed. The
plan, not the clock, is asserted: timings belong to bench/.
"""

from __future__ import annotations

import random
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from tessera.accounts.actor import Actor
from tessera.core import time
from tessera.search.models import SearchDocument
from tessera.tickets.models import AuthorKind, Message, MessageKind, Ticket
from tessera.tickets.queries import SORTS, TicketFilters, _annotate_sort, filtered

# Transactional, because the reindex command ends with VACUUM, which cannot run in a transaction.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]

N_TICKETS = 3000
_FILLER_TEXT = (
    "account invoice delivery order payment password settings refund login app error "
    "tài khoản hóa đơn giao hàng thanh toán mật khẩu cài đặt lỗi ứng dụng "
    "บัญชี ใบแจ้งหนี้ การจัดส่ง คำสั่งซื้อ การชำระเงิน รหัสผ่าน การตั้งค่า ข้อผิดพลาด "
    "konto faktura dostawa zamówienie płatność hasło ustawienia błąd aplikacja"
)
FILLER = _FILLER_TEXT.split()
# Rare words, each in about 1% of subjects, as a person would look for them.
TARGETS = ["ขอคืนเงินค่าสินค้า", "Yêu cầu hoàn tiền", "Oddział Łódź", "Printer jammed"]


@pytest.fixture
def bulk(desk: dict[str, Any]) -> None:
    load(desk)


def load(desk: dict[str, Any]) -> None:
    rng = random.Random(7)
    now = time.now()
    tickets = []
    for i in range(N_TICKETS):
        subject = " ".join(rng.choices(FILLER, k=5))
        if i % 100 < len(TARGETS):
            subject = f"{TARGETS[i % 100]} {subject}"
        at = now - timedelta(minutes=i)
        tickets.append(
            Ticket(
                number=100_000 + i,
                subject=subject,
                department=desk["support"] if i % 2 else desk["billing"],
                requester=desk["contact_a"] if i % 3 else desk["contact_b"],
                created_at=at,
                updated_at=at,
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=1000)
    messages = []
    for ticket in Ticket.objects.filter(number__gte=100_000).only("id", "created_at"):
        for j in range(2):
            messages.append(
                Message(
                    ticket=ticket,
                    kind=MessageKind.NOTE if j and ticket.pk % 10 == 0 else MessageKind.PUBLIC,
                    author_kind=AuthorKind.CONTACT if j == 0 else AuthorKind.AGENT,
                    channel="email",
                    body_text=" ".join(rng.choices(FILLER, k=60)),
                    created_at=ticket.created_at,
                )
            )
    Message.objects.bulk_create(messages, batch_size=2000)
    # What an operator does after a bulk load: rebuild the documents, then let the planner see.
    call_command("reindex_search", "--batch-size", "1000", stdout=StringIO())
    assert SearchDocument.objects.count() == N_TICKETS
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")


def _search_plan(actor: Actor, text: str) -> str:
    # On a few thousand rows a common phrase may be cheaper to read whole, and the planner is
    # right to do so; what this test pins is that the search's condition CAN use the trigram
    # indexes (the expression matches them), so full reads (sequential scans, or walking the
    # primary key with a filter) are priced out and only an index condition remains.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        return filtered(actor, TicketFilters(text=text)).explain()


def _first_page_plan(actor: Actor, text: str) -> str:
    # The list's own query: scoped, filtered, sorted, first page.
    qs = _annotate_sort(filtered(actor, TicketFilters(text=text)), "updated")
    order = [f"{'-' if descending else ''}{name}" for name, descending in SORTS["updated"]]
    return qs.order_by(*order)[:26].explain()


def test_agent_searches_use_both_trigram_indexes(desk: dict[str, Any], bulk: None) -> None:
    admin = Actor.of(desk["admin"])
    # Thai substring, accentless Vietnamese, Polish with and without its letters, a phrase.
    for text in ["คืนเงิน", "hoan tien", "łódź", "lodz", '"printer jammed"']:
        plan = _search_plan(admin, text)
        assert "Bitmap Index Scan on search_doc_public_trgm" in plan, f"{text}:\n{plan}"
        # Staff also search notes: two index scans ORed, neither column read whole.
        assert "Bitmap Index Scan on search_doc_note_trgm" in plan, f"{text}:\n{plan}"
        assert "Seq Scan on search_searchdocument" not in plan, f"{text}:\n{plan}"
        # For the sorted first page the planner may instead walk the tickets newest first and
        # check each one's document by primary key (cheaper when it expects many matches);
        # reading every document is never the plan.
        page_plan = _first_page_plan(admin, text)
        assert "Seq Scan on search_searchdocument" not in page_plan, f"{text}:\n{page_plan}"
        assert (
            "Bitmap Index Scan on search_doc_public_trgm" in page_plan
            or "Index Scan using search_searchdocument_pkey" in page_plan
        ), f"{text}:\n{page_plan}"
    # A number is a ticket number or a word: both looked up by index, no ticket tested one
    # by one against the other condition.
    plan = _first_page_plan(admin, "#101234")
    assert "Index Scan using tickets_ticket_number_key" in plan, plan
    assert "Bitmap Index Scan on search_doc_public_trgm" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_customer_search_uses_the_public_index_and_finds_the_right_rows(desk: dict[str, Any], bulk: None) -> None:
    plan = _search_plan(Actor.of(desk["customer_a"]), "คืนเงิน")
    assert "Bitmap Index Scan on search_doc_public_trgm" in plan, plan
    assert "note_text" not in plan, plan
    # The plans would be worthless if the index found the wrong rows.
    rows = filtered(Actor.of(desk["admin"]), TicketFilters(text="คืนเงิน"))
    expected = {100_000 + i for i in range(N_TICKETS) if i % 100 == 0}
    assert set(rows.values_list("number", flat=True)) == expected
