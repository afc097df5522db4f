"""Text folding and the regex safety net."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.rules.text import (
    MAX_MATCH_INPUT,
    MatchTimeout,
    UnsafePattern,
    compile_safe,
    fold,
    safe_search,
    strip_accents,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Văn Đức", "Nguyen Van Duc"),
        ("hóa đơn điện tử", "hoa don dien tu"),
        ("Trường hợp khẩn cấp", "Truong hop khan cap"),
        ("Łódź, zażółć gęślą jaźń", "Lodz, zazolc gesla jazn"),
        ("ŁUKASZ ŻÓŁTOWSKI", "LUKASZ ZOLTOWSKI"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_strip_accents_latin(text: str, expected: str) -> None:
    assert strip_accents(text) == expected


def test_strip_accents_keeps_thai_vowels_and_tone_marks() -> None:
    # Thai marks are combining characters too, but removing them changes the word.
    thai = "ด่วนที่สุด ใบแจ้งหนี้"
    assert strip_accents(thai) == thai
    assert fold(thai, accent_insensitive=True) == thai


def test_fold_normalises_composed_and_decomposed_forms() -> None:
    composed = "Nguyễn"
    decomposed = "Nguye\u0302\u0303n"
    assert composed != decomposed
    assert fold(composed) == fold(decomposed)
    assert fold("STRASSE") == fold("straße")
    assert fold("ĐƠN") == "đơn"
    assert fold("ĐƠN", accent_insensitive=True) == "don"


@given(st.text(max_size=40))
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text, accent_insensitive=True)
    assert fold(once, accent_insensitive=True) == once


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+$",
        r"(a*)*b",
        r"(\w+\s?)*$",
        r"(a|aa)*c",
        r"(x+x+)+y",
        r"(.*a){1,}x",
        r"(?:a|a)+",
        r"(\d{1,3})+z",
        r"(a)\1",
    ],
)
def test_catastrophic_looking_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(UnsafePattern):
        compile_safe(pattern)


@pytest.mark.parametrize(
    "pattern",
    [r"order\s*#?\d{5,8}", r"(?:refund|zwrot|hoàn tiền)", r"(foo|bar)+", r"^\[#\d+\]", r"(\d{3})+"],
)
def test_ordinary_patterns_compile(pattern: str) -> None:
    compile_safe(pattern)


def test_invalid_and_overlong_patterns_are_refused() -> None:
    with pytest.raises(UnsafePattern, match="invalid"):
        compile_safe("(unclosed")
    with pytest.raises(UnsafePattern, match="longer than"):
        compile_safe("a" * 501)


def test_search_is_case_insensitive_and_unicode_aware() -> None:
    assert safe_search(r"hoàn\s+tiền", "Tôi muốn HOÀN TIỀN ngay")
    assert safe_search(r"hoan tien", "Tôi muốn HOÀN TIỀN ngay", accent_insensitive=True)
    assert not safe_search(r"hoan tien", "Tôi muốn HOÀN TIỀN ngay")
    assert safe_search(r"zwrot|reklamacja", "Proszę o ZWROT pieniędzy")
    assert safe_search(r"ใบแจ้งหนี้", "ขอใบแจ้งหนี้ด้วยครับ")


def test_search_only_sees_the_first_part_of_huge_input() -> None:
    text = "x" * MAX_MATCH_INPUT + "needle"
    assert not safe_search("needle", text)
    assert safe_search("needle", "needle" + text)


def test_polynomial_blowup_is_stopped_by_the_timeout() -> None:
    # Not nested, so it passes the static check, but it is cubic on this input: the matcher's
    # own timeout has to end it.
    with pytest.raises(MatchTimeout):
        safe_search(r"a.*a.*a.*b", "a" * MAX_MATCH_INPUT)
