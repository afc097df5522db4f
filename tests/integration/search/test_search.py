"""Keyword search through the real list query, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tessera.accounts.actions import create_api_token
from tessera.accounts.actor import Actor
from tessera.search.index import MAX_NOTE_CHARS, MAX_PUBLIC_CHARS, build_documents, refresh
from tessera.search.models import SearchDocument
from tessera.tickets import actions
from tests.integration.search.helpers import found, work

pytestmark = pytest.mark.django_db


def nums(corpus: dict[str, Any], *keys: str) -> set[int]:
    return {corpus[k].number for k in keys}


def test_english_word_in_subject_or_body(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    assert found(admin, "printer") == nums(corpus, "en")
    assert found(admin, "INVOICE") == nums(corpus, "en")
    assert found(admin, "parcel") == nums(corpus, "pl_ascii")
    assert found(admin, "nonexistentword") == set()


def test_vietnamese_typed_without_accents(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    assert found(admin, "dang nhap") == nums(corpus, "vi")
    assert found(admin, "hoan tien") == nums(corpus, "vi", "vi_apart", "billing")
    # With the accents, or with some of them, it is the same search.
    assert found(admin, "hoàn tiền") == found(admin, "hoan tien")
    assert found(admin, "Hoàn tien") == found(admin, "hoan tien")
    assert found(admin, "đăng nhập") == nums(corpus, "vi")


def test_thai_substring_without_spaces(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    assert found(admin, "คืนเงิน") == nums(corpus, "th")
    assert found(admin, "การขนส่ง") == nums(corpus, "th")
    # A different tone mark is a different word: marks are not folded away in Thai.
    assert found(admin, "คื่นเงิน") == set()


def test_polish_with_or_without_diacritics(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    assert found(admin, "zwrot") == nums(corpus, "pl", "billing")
    assert found(admin, "pieniędzy") == found(admin, "pieniedzy") == nums(corpus, "pl")
    assert found(admin, "łódź") == nums(corpus, "pl", "pl_ascii")
    assert found(admin, "lodz") == nums(corpus, "pl", "pl_ascii")
    assert found(admin, "ŁÓDŹ") == nums(corpus, "pl", "pl_ascii")


def test_terms_are_anded_phrases_are_adjacent_and_exclusions_exclude(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    assert found(admin, "lodz parcel") == nums(corpus, "pl_ascii")
    assert found(admin, "lodz zwrot") == nums(corpus, "pl")
    assert found(admin, "printer zwrot") == set()
    assert found(admin, '"hoan tien"') == nums(corpus, "vi", "billing")
    assert found(admin, "hoan tien -dang") == nums(corpus, "vi_apart", "billing")
    assert found(admin, 'hoan -"hoan tien"') == nums(corpus, "vi_apart")
    # A query of exclusions alone keeps everything else.
    everything = nums(corpus, *corpus)
    assert found(admin, "-lodz") == everything - nums(corpus, "pl", "pl_ascii")


def test_requester_names_addresses_and_tags_are_searchable(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    assert found(admin, "binh") == nums(corpus, "vi", "vi_apart")
    assert found(admin, "nguyen van") == nums(corpus, "vi", "vi_apart")
    assert found(admin, "binh@globex.test") == nums(corpus, "vi", "vi_apart")
    actions.tag(Actor.of(admin), corpus["th"], ["Khách VIP"])
    work()
    assert found(admin, "khach vip") == nums(corpus, "th")


def test_ticket_number(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    number = corpus["pl"].number
    assert found(admin, f"#{number}") == {number}
    assert found(admin, str(number)) == {number}
    # The number of a ticket the person may not see finds nothing.
    assert found(desk["outsider"], f"#{number}") == set()
    # A number is also a word: tickets that mention it are found beside the ticket itself.
    actions.add_agent_reply(Actor.of(admin), corpus["th"], body_text=f"Duplicate of {number}.")
    work()
    assert found(admin, f"#{number}") == {number, corpus["th"].number}
    assert found(desk["customer_b"], str(number)) == set()


def test_search_only_narrows_what_the_actor_may_see(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    assert found(desk["agent"], "hoan tien") == nums(corpus, "vi", "vi_apart")
    assert found(desk["outsider"], "hoan tien") == nums(corpus, "billing")
    # Customer A requested the billing ticket only; customer B the other two.
    assert found(desk["customer_a"], "hoan tien") == nums(corpus, "billing")
    assert found(desk["customer_b"], "hoan tien") == nums(corpus, "vi", "vi_apart")
    assert found(desk["customer_b"], "printer") == set()
    assert found(desk["customer_a"], "lodz") == nums(corpus, "pl", "pl_ascii")


def test_customers_never_match_internal_notes(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    # Staff, light agents included, find the ticket by its note...
    assert found(desk["agent"], "zebra") == nums(corpus, "en")
    assert found(desk["light"], "codeword zebra") == nums(corpus, "en")
    # ...its customer does not, and an exclusion of a note's word does not reveal it either.
    assert found(desk["customer_a"], "zebra") == set()
    assert found(desk["customer_a"], "printer -zebra") == nums(corpus, "en")
    assert found(desk["agent"], "printer -zebra") == set()
    document = SearchDocument.objects.get(ticket=corpus["en"])
    assert "zebra" in document.note_text
    assert "zebra" not in document.public_text


def test_documents_are_refreshed_by_the_worker_after_each_change(desk: dict[str, Any], make_ticket: Callable[..., Any]) -> None:
    agent = desk["agent"]
    ticket = make_ticket(subject="Kangaroo in the server room", body_text="Please help.")
    # Indexing is the worker's job, not the request's: the number finds it at once, words
    # once the worker has run.
    assert found(agent, "kangaroo") == set()
    assert found(agent, f"#{ticket.number}") == {ticket.number}
    work()
    assert found(agent, "kangaroo") == {ticket.number}

    actions.add_agent_reply(Actor.of(agent), ticket, body_text="Chúng tôi đã gửi kỹ thuật viên.")
    actions.add_customer_message(Actor.of(desk["customer_a"]), ticket, body_text="Dziękuję, wombat odszedł.")
    work()
    assert found(agent, "ky thuat vien") == {ticket.number}
    assert found(desk["customer_a"], "wombat dziekuje") == {ticket.number}

    actions.change_fields(Actor.of(agent), ticket, {"subject": "Koala in the lobby"})
    work()
    assert found(agent, "kangaroo") == set()
    assert found(agent, "koala") == {ticket.number}


def test_documents_are_bounded(desk: dict[str, Any], make_ticket: Callable[..., Any]) -> None:
    ticket = make_ticket(subject="Huge log pasted", body_text="log line ąę " * 10_000 + " tailword")
    actions.add_note(Actor.of(desk["agent"]), ticket, body_text="note " * 10_000)
    [document] = build_documents([ticket.pk])
    assert len(document.public_text) == MAX_PUBLIC_CHARS
    assert len(document.note_text) == MAX_NOTE_CHARS
    assert document.public_text.startswith("huge log pasted\n")
    assert "tailword" not in document.public_text


def test_refresh_is_an_upsert(desk: dict[str, Any], make_ticket: Callable[..., Any]) -> None:
    ticket = make_ticket(subject="Alpha")
    assert refresh([ticket.pk]) == 1
    assert refresh([ticket.pk, ticket.pk + 10_000]) == 1  # ids of no ticket are skipped
    assert SearchDocument.objects.filter(ticket=ticket).count() == 1
    assert refresh([]) == 0


def test_reindex_command_rebuilds_everything_with_progress(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    SearchDocument.objects.all().delete()
    assert found(admin, "lodz") == set()
    out = StringIO()
    call_command("reindex_search", "--batch-size", "3", stdout=out)
    total = len(corpus)
    assert f"indexed {total}/{total} tickets" in out.getvalue()
    assert f"{total} search documents written" in out.getvalue()
    assert SearchDocument.objects.count() == total
    assert found(admin, "lodz") == nums(corpus, "pl", "pl_ascii")
    assert found(desk["agent"], "zebra") == nums(corpus, "en")

    SearchDocument.objects.filter(ticket=corpus["th"]).delete()
    out = StringIO()
    call_command("reindex_search", "--missing-only", stdout=out)
    assert "1 search documents written" in out.getvalue()
    assert found(admin, "คืนเงิน") == nums(corpus, "th")


def test_api_q_parameter(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    def listed(persona: str, q: str) -> set[int]:
        _, raw = create_api_token(desk[persona], "search test", "read")
        response = Client().get("/api/v1/tickets", {"q": q, "limit": "100"}, headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 200, response.content
        return {item["number"] for item in response.json()["items"]}

    assert listed("agent", "hoan tien") == nums(corpus, "vi", "vi_apart")
    assert listed("agent", "zebra") == nums(corpus, "en")
    assert listed("customer_a", "zebra") == set()
    assert listed("customer_a", "คืนเงิน") == nums(corpus, "th")
    assert listed("admin", "bad\x00byte") == set()


def test_agent_desk_search_box(desk: dict[str, Any], corpus: dict[str, Any]) -> None:
    client = Client()
    client.force_login(desk["agent"])
    page = client.get("/desk/", {"q": "dang nhap"}).content.decode()
    assert f'data-number="{corpus["vi"].number}"' in page
    assert f'data-number="{corpus["en"].number}"' not in page


def test_only_changes_to_the_text_rebuild_a_document(desk: dict[str, Any], make_ticket: Callable[..., Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ticket = make_ticket(subject="Zamówienie 4411 nie dotarło")
    work()
    agent = Actor.of(desk["agent"])
    written = SearchDocument.objects.get(ticket=ticket).indexed_at

    actions.assign(agent, ticket, desk["agent"])
    ticket.refresh_from_db()
    actions.change_fields(agent, ticket, {"priority": "high"}, expected_version=ticket.version)
    with CaptureQueriesContext(connection) as ctx:
        work()
    assert SearchDocument.objects.get(ticket=ticket).indexed_at == written
    assert not any("search_searchdocument" in q["sql"] for q in ctx.captured_queries)

    ticket.refresh_from_db()
    actions.tag(agent, ticket, ["kurier"])
    work()
    assert found(desk["admin"], "kurier") == {ticket.number}
    ticket.refresh_from_db()
    actions.change_fields(agent, ticket, {"subject": "Paczka 4411 zaginęła"}, expected_version=ticket.version)
    work()
    assert found(desk["admin"], "zaginela") == {ticket.number}
