"""Word starts for spaced scripts, substrings for Thai, through the real list query.

Runs on SQLite (LIKE + Django's Python REGEXP) and on PostgreSQL (a regular expression served
by the trigram index); both must agree with the pure rule in :mod:`tessera.search.words`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tessera.accounts.actor import Actor
from tessera.search.models import SearchDocument
from tessera.search.query import MAX_TERMS, parse
from tessera.search.words import matches, matches_at_word_start, postgres_pattern
from tessera.tickets import actions
from tessera.tickets.queries import TicketFilters, ticket_list
from tests.integration.search.helpers import found, work

pytestmark = pytest.mark.django_db

SUBJECTS = {
    "order": ("Đơn hàng giao chậm", "Tôi chưa nhận được hàng."),
    # "thang" holds "hang", "thanh" holds "han": neither starts a word there.
    "month": ("Tháng này bị tính tiền hai lần", "Thanh toán đơn trước đã xong."),
    "turtle": ("Żółw w paczce", "Przesyłka z Łodzi."),
    "name": ("Pan Włodzimierz dzwonił", "Proszę oddzwonić."),
    "printer": ("Printer jammed", "Paper stuck in the tray."),
    "reprint": ("Reprinted invoice", "The copy is wrong."),
    "thai": ("เครื่องพิมพ์เสีย", "พิมพ์เอกสารไม่ได้"),
    "mixed": ("ใช้HPไม่ได้", "เครื่องพิมพ์ของ php ใหม่"),
    "cyrillic": ("Принтер не работает", "Помогите, пожалуйста."),
    "hostile": (
        r"Rabat 100% na item_42 (a+b)*[c] C:\temp\x {2} a|b ^caret$ back\slash",
        "50% off, 5_0 and a.b.c; \\d+ .* [[:alnum:]]",
    ),
}


@pytest.fixture
def words_corpus(desk: dict[str, Any], make_ticket: Callable[..., Any]) -> dict[str, Any]:
    tickets = {
        key: make_ticket(subject=subject, body_text=body)
        for key, (subject, body) in SUBJECTS.items()
    }
    # A note: staff match it, the customer does not, word starts all the same.
    actions.add_note(
        Actor.of(desk["agent"]),
        tickets["reprint"],
        body_text="Zebra stripes on the thang printout.",
    )
    work()
    for ticket in tickets.values():
        ticket.refresh_from_db()
    return tickets


def nums(corpus: dict[str, Any], *keys: str) -> set[int]:
    return {corpus[k].number for k in keys}


def test_vietnamese_words_start_at_word_boundaries(
    desk: dict[str, Any], words_corpus: dict[str, Any]
) -> None:
    admin = desk["admin"]
    assert found(admin, "don hang") == nums(words_corpus, "order")
    assert found(admin, "Đơn hàng") == nums(words_corpus, "order")
    assert found(admin, "hang") == nums(words_corpus, "order")
    # "tháng" itself is found, typed either way; its inner "hang" was the false match.
    assert found(admin, "thang") == found(admin, "tháng") == nums(words_corpus, "month", "reprint")
    # A prefix of "hàng"; "thanh" holds it too, but not at its start.
    assert found(admin, "han") == nums(words_corpus, "order")
    assert found(admin, "ha") == nums(words_corpus, "order", "month")  # "hàng", "hai"


def test_polish_both_ways(desk: dict[str, Any], words_corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    assert found(admin, "zolw") == found(admin, "żółw") == nums(words_corpus, "turtle")
    # "Łodzi" starts with "lodz"; "Włodzimierz" only holds it.
    assert found(admin, "łódź") == found(admin, "lodz") == nums(words_corpus, "turtle")
    assert found(admin, "wlodz") == nums(words_corpus, "name")


def test_english_prefixes_and_cyrillic(desk: dict[str, Any], words_corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    assert found(admin, "print") == nums(
        words_corpus, "printer", "reprint"
    )  # "printout", in a note
    assert found(desk["customer_a"], "print") == nums(words_corpus, "printer")
    assert found(admin, "printer") == nums(words_corpus, "printer")
    assert found(admin, "reprint") == nums(words_corpus, "reprint")
    assert found(admin, "принт") == nums(words_corpus, "cyrillic")
    assert found(admin, "ринтер") == set()


def test_thai_substrings_and_mixed_queries(
    desk: dict[str, Any], words_corpus: dict[str, Any]
) -> None:
    admin = desk["admin"]
    assert found(admin, "พิมพ์") == nums(words_corpus, "thai", "mixed")
    assert found(admin, "พิมพ์เอกสาร") == nums(words_corpus, "thai")
    # Per term: the Thai one anywhere, the Latin one at a word start, even glued to Thai.
    assert found(admin, "hp") == nums(words_corpus, "mixed")
    assert found(admin, "พิมพ์ hp") == nums(words_corpus, "mixed")
    assert found(admin, "พิมพ์ php") == nums(words_corpus, "mixed")
    assert found(admin, "พิมพ์ -hp") == nums(words_corpus, "thai")
    assert found(admin, '"ใช้hp"') == found(admin, "ใช้hp") == nums(words_corpus, "mixed")


def test_phrases_and_exclusions_use_word_starts(
    desk: dict[str, Any], words_corpus: dict[str, Any]
) -> None:
    admin = desk["admin"]
    assert found(admin, '"don hang"') == nums(words_corpus, "order")
    assert found(admin, '"on hang"') == set()
    # Excluding "hang" no longer excludes the ticket that only says "tháng".
    assert found(admin, "thang -hang") == nums(words_corpus, "month", "reprint")


HOSTILE = [
    "100%",
    "%",
    "_",
    "%_%",
    "item_42",
    "5_0",
    "50%",
    "\\",
    "c:\\temp",
    "back\\slash",
    "\\d+",
    ".*",
    "a.b",
    "(a+b)*[c]",
    "[[:alnum:]]",
    "{2}",
    "a|b",
    "^caret",
    "caret$",
    "(?:",
    "\\m",
    "[",
    ")",
    "?",
    "*",
    "+",
    "'; DROP TABLE search_searchdocument; --",
    '"unclosed phrase',
    "-",
    "--x",
    "#",
    "#99999999999999999999",
    "bad\x00byte",
    "lone\ud800surrogate",
    "x" * 5000,
    " ".join(["hang"] * 50),
    " ".join(f"w{i}%" for i in range(40)),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_literal_and_never_fails(
    desk: dict[str, Any], words_corpus: dict[str, Any], text: str
) -> None:
    # The database must find exactly what the pure rule says, with every metacharacter of
    # LIKE and of both regular-expression dialects taken literally.
    assert found(desk["admin"], text) == expected(text, include_notes=True)


def test_hostile_input_that_has_matches(desk: dict[str, Any], words_corpus: dict[str, Any]) -> None:
    admin = desk["admin"]
    hostile = nums(words_corpus, "hostile")
    for text in [
        "100%",
        "50%",
        "item_42",
        "c:\\temp",
        "back\\slash",
        "\\d+",
        "a.b",
        "(a+b)*[c]",
        "[[:alnum:]]",
        "{2}",
        "a|b",
        "^caret$",
    ]:
        assert found(admin, text) == hostile, text
    # Wildcards stay literal: "%" is not "anything", "_" is not "any character".
    assert found(admin, "item%42") == set()
    assert found(admin, "5%0") == set()
    assert found(admin, "item_4") == hostile  # a word prefix
    assert found(admin, "tem_42") == set()


def test_the_database_agrees_with_the_rule(
    desk: dict[str, Any], words_corpus: dict[str, Any]
) -> None:
    queries = [
        "don hang",
        "hang",
        "ha",
        "thang",
        "lodz",
        "zolw",
        "print",
        "printer",
        "reprint",
        "принт",
        "พิมพ์",
        "hp",
        "พิมพ์ hp",
        "h",
        "a",
        "p",
        "-hang",
        "thang -hang",
        '"don hang"',
        "พิมพ์ -hp",
        "zebra",
        "stripes",
    ]
    for text in queries:
        assert found(desk["admin"], text) == expected(text, include_notes=True), text
        assert found(desk["customer_a"], text) == expected(text, include_notes=False), text


def expected(text: str, *, include_notes: bool) -> set[int]:
    """What the pure rule finds among every document, for a query without a ticket number."""
    query = parse(text)
    assert query.number is None
    out = set()
    for document in SearchDocument.objects.select_related("ticket"):
        columns = (
            [document.public_text, document.note_text] if include_notes else [document.public_text]
        )

        def has(term: str, columns: list[str] = columns) -> bool:
            return any(matches(term, column) for column in columns)

        if query.is_empty or (
            all(has(t) for t in query.include) and not any(has(t) for t in query.exclude)
        ):
            out.add(document.ticket.number)
    return out


def test_long_queries_are_bounded(desk: dict[str, Any], words_corpus: dict[str, Any]) -> None:
    query = parse(" ".join(f"w{i}" for i in range(100)))
    assert len(query.include) == MAX_TERMS
    assert found(desk["admin"], " ".join(["printer"] + [f"w{i}" for i in range(100)])) == set()


def test_keyset_pages_of_a_search_cover_every_match_once(
    desk: dict[str, Any], make_ticket: Callable[..., Any]
) -> None:
    made = {make_ticket(subject=f"Đơn hàng số {i}").number for i in range(7)}
    decoy = make_ticket(subject="Tháng sau").number
    work()
    actor = Actor.of(desk["admin"])
    seen: list[int] = []
    cursor = None
    while True:
        page = ticket_list(actor, TicketFilters(text="hang"), limit=2, cursor=cursor)
        seen += [t.number for t in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(made)
    assert decoy not in seen
    # Newest first, as the list without a search.
    assert seen == sorted(seen, reverse=True)


def test_desk_list_search_query_count_is_pinned(
    desk: dict[str, Any], make_ticket: Callable[..., Any]
) -> None:
    made = [
        make_ticket(subject=f"Đơn hàng {i} เครื่องพิมพ์", tags=[f"t{i}", "common"]) for i in range(30)
    ]
    work()
    client = Client()
    client.force_login(desk["agent"])
    client.get("/desk/")  # the session and the per-process caches

    def statements(params: dict[str, str]) -> int:
        return len(tables(params))

    def tables(params: dict[str, str]) -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/desk/", params)
        assert response.status_code == 200
        return [
            q["sql"].replace('"', "").split(" FROM ")[1].split()[0] for q in ctx.captured_queries
        ]

    plain = statements({})
    # A search is a condition on the list's one query: no statement of its own, whatever
    # kind of term it has (word, Thai, mixed, phrase, exclusion, number)...
    for q in ["don hang", "พิมพ์", "พิมพ์ hang -x", '"don hang" -zebra', f"#{made[0].number}"]:
        assert statements({"q": q}) == plain, q
    # ...and one fewer when nothing matches: no tags to fetch for an empty page.
    assert statements({"q": "nothing-matches-this"}) == plain - 1
    # Pinned by table, so that a regression names what it added.
    assert tables({"q": "don hang"}) == [
        "django_session",
        "accounts_user",
        "accounts_membership",
        "tickets_ticket",  # the page: scope, filters, search and sort in one statement
        "tickets_tag",  # the page's tags, prefetched
        "accounts_department",
        "tickets_ticket",  # the per-department counts
        "agent_ui_savedview",
        "accounts_department",
        "accounts_user",  # views, filter choices
    ]


_ALPHABET = st.sampled_from(list("ahngtp ąłżđ_-.%\\()[]*+?^$|{}\nเครื่องพิมพ์東の1ä\u0301"))


@pytest.mark.postgres_only
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(_ALPHABET, min_size=1, max_size=6), st.text(_ALPHABET, max_size=30))
@example("hang", "thang hang")
@example("iphone", "ใช้iphone")
@example("phone", "ใช้iphone")
@example("b", "東b")
@example("a.b", "axb")
def test_the_postgres_pattern_is_the_rule(db: Any, term: str, document: str) -> None:
    if not matches_at_word_start(term):
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s ~ %s", [document, postgres_pattern(term)])
        row = cursor.fetchone()
    assert row is not None
    assert row[0] is matches(term, document)
