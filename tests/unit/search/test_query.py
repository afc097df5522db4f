"""The search box language and the folding it shares with the index. No database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.search.query import MAX_TERM_LENGTH, MAX_TERMS, SearchQuery, parse
from tessera.search.text import PART_SEPARATOR, compose, fold_for_search


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Hoàn  TIỀN", "hoan tien"),
        ("Đăng nhập", "dang nhap"),
        ("Łódź", "lodz"),
        ("ZWROT pieniędzy", "zwrot pieniedzy"),
        ("Straße", "strasse"),
        # Thai vowel and tone marks carry meaning and stay.
        ("ขอคืนเงินค่าสินค้า", "ขอคืนเงินค่าสินค้า"),
        # Decomposed input (as some keyboards send it) folds like the composed form.
        ("ho\u0300an tie\u0302\u0300n", "hoan tien"),
        ("line one\n\n\tline two ", "line one line two"),
        ("bad\x00byte", "bad byte"),
    ],
)
def test_fold_for_search(typed: str, folded: str) -> None:
    assert fold_for_search(typed) == folded


def test_words_are_anded_and_folded() -> None:
    assert parse("Hoàn tiền đơn") == SearchQuery(include=("hoan", "tien", "don"))


def test_phrases_keep_their_words_together() -> None:
    assert parse('refund "Hoàn  tiền" x') == SearchQuery(include=("refund", "hoan tien", "x"))
    # Polish and Vietnamese typographic quotes work too; an unclosed quote runs to the end.
    assert parse("„zwrot pieniędzy”").include == ("zwrot pieniedzy",)
    assert parse("“hoàn tiền”").include == ("hoan tien",)
    assert parse('"dang nhap').include == ("dang nhap",)


def test_exclusions() -> None:
    assert parse('printer -spam -"test ticket"') == SearchQuery(include=("printer",), exclude=("spam", "test ticket"))
    assert parse("-Łódź") == SearchQuery(exclude=("lodz",))
    # A hyphen inside a word is part of it, and a lone one means nothing.
    assert parse("e-mail - x") == SearchQuery(include=("e-mail", "x"))


def test_ticket_numbers() -> None:
    assert parse("#1234") == SearchQuery(include=("1234",), number=1234)
    assert parse(" 77 ") == SearchQuery(include=("77",), number=77)
    assert parse("#1234 printer").number is None
    assert parse("9" * 18).number is None  # could overflow a BIGINT


def test_surrounding_punctuation_is_dropped_but_not_inner() -> None:
    assert parse("(Łódź), refund! a.b@acme.test").include == ("lodz", "refund", "a.b@acme.test")


def test_nothing_to_search() -> None:
    assert parse("").is_empty
    assert parse('  ""  - !!! ').is_empty
    assert not parse("-x").is_empty


def test_duplicates_collapse_and_size_is_bounded() -> None:
    assert parse("Lodz łódź LODZ").include == ("lodz",)
    many = parse(" ".join(f"w{i}" for i in range(100)))
    assert len(many.include) == MAX_TERMS
    assert len(parse("x" * 5000).include[0]) == MAX_TERM_LENGTH


def test_compose_keeps_the_first_parts_and_respects_the_limit() -> None:
    assert compose(["Hoàn tiền", "", "  ", "Łódź"], 100) == f"hoan tien{PART_SEPARATOR}lodz"
    text = compose(["subject", "a" * 50, "tail"], 20)
    assert text == f"subject{PART_SEPARATOR}" + "a" * 12
    assert len(text) == 20
    assert compose(["abc"], 0) == ""


@given(st.lists(st.text(max_size=60), max_size=12), st.integers(min_value=0, max_value=300))
def test_compose_never_exceeds_its_limit(parts: list[str], limit: int) -> None:
    assert len(compose(parts, limit)) <= limit


@given(st.text(max_size=80))
def test_folding_is_idempotent(text: str) -> None:
    once = fold_for_search(text)
    assert fold_for_search(once) == once


_WORD = st.text(
    alphabet=st.sampled_from("abcdđeghiklmnoóprstuwyzàáảãạăâêôơưłśźżąęćńคืนเงินขอค่าสินค้า"),
    min_size=1,
    max_size=12,
)


@given(st.lists(_WORD, min_size=1, max_size=6))
def test_every_parsed_term_is_a_substring_of_the_folded_text_it_was_typed_from(words: list[str]) -> None:
    # The property the index relies on: typing words that occur in a text (with or without
    # their accents, in any case) yields terms that all occur in that text's folded form.
    text = " ".join(words)
    document = compose([text.upper()], 10_000)
    query = parse(" ".join(fold_for_search(w) for w in words))
    assert query.include
    for term in query.include:
        assert term in document


@given(st.text(max_size=200))
def test_parse_never_fails_and_terms_are_folded(text: str) -> None:
    query = parse(text)
    for term in (*query.include, *query.exclude):
        assert term
        assert fold_for_search(term) == term
        assert "\x00" not in term


def test_the_parser_and_folding_are_pure() -> None:
    # Both run in the unit suite without a database; importing them must not pull the ORM in.
    import subprocess
    import sys

    code = (
        "import sys, tessera.search.query, tessera.search.text; "
        "assert not [m for m in sys.modules if m.startswith('django.db')], 'django.db imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
