"""On PostgreSQL, word-start matching is a regular expression the trigram index still serves.

Same bulk data as ``test_postgres_plan``; the plan, not the clock, is asserted.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from tessera.accounts.actor import Actor
from tessera.tickets.queries import TicketFilters, filtered
from tests.integration.search.test_postgres_plan import N_TICKETS, load

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


def _plan(actor: Actor, text: str) -> str:
    # As in test_postgres_plan: price out full reads, so that what remains shows whether the
    # condition can use the indexes at all.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        return filtered(actor, TicketFilters(text=text)).explain()


def test_word_terms_are_regular_expressions_served_by_the_trigram_indexes(
    desk: dict[str, Any],
) -> None:
    load(desk)
    admin = Actor.of(desk["admin"])
    for text in ["hoan tien", "lodz", "printer", "ใช้hp", "100%"]:
        plan = _plan(admin, text)
        assert "Bitmap Index Scan on search_doc_public_trgm" in plan, f"{text}:\n{plan}"
        assert "Bitmap Index Scan on search_doc_note_trgm" in plan, f"{text}:\n{plan}"
        assert "Seq Scan on search_searchdocument" not in plan, f"{text}:\n{plan}"
    # Latin words by regular expression (~), Thai by LIKE (~~), each on its own index.
    assert "(public_text ~ '(?:^|[^[:alnum:]]|" in _plan(admin, "hoan")
    thai = _plan(admin, "คืนเงิน")
    assert "(public_text ~~ '%คืนเงิน%'::text)" in thai and "public_text ~ " not in thai
    mixed = _plan(admin, "คืนเงิน printer")
    assert "public_text ~~ '%คืนเงิน%'" in mixed and "public_text ~ '(?:^" in mixed
    # And the index finds the right rows: "jammed" starts a word in "Printer jammed", "ammed"
    # is only inside it.
    every = {100_000 + i for i in range(N_TICKETS) if i % 100 == 3}
    assert (
        set(filtered(admin, TicketFilters(text="jammed")).values_list("number", flat=True)) == every
    )
    assert not filtered(admin, TicketFilters(text="ammed")).exists()
