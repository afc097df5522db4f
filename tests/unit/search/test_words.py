"""Where a term may match: word starts for spaced scripts, anywhere for Thai. No database."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tessera.search.query import parse
from tessera.search.text import compose, fold_for_search
from tessera.search.words import (
    is_unspaced,
    matches,
    matches_at_word_start,
    postgres_pattern,
    python_pattern,
)


def finds(typed_query: str, text: str) -> bool:
    """Whether every word of a typed query matches a text, both folded as the app folds them."""
    document = compose([text], 10_000)
    terms = parse(typed_query).include
    assert terms, typed_query
    return all(matches(term, document) for term in terms)


@pytest.mark.parametrize(
    ("query", "text", "found"),
    [
        # Vietnamese typed without accents finds the accented words, and only at word starts.
        ("don hang", "Đơn hàng giao chậm", True),
        ("don hang", "Tháng này đơn bị hủy", False),  # "hang" only inside "thang"
        ("hang", "Tháng", False),
        ("đơn hàng", "don hang", True),
        ("hang", "khách hàng", True),
        # Polish, both ways.
        ("zolw", "Żółw", True),
        ("łódź", "Oddział w Lodz", True),
        ("lodz", "Łódź", True),
        ("lodz", "Włodzimierz", False),
        ("lodz", "w Łodzi", True),  # a word prefix
        # English: a prefix finds the longer word, a middle does not.
        ("print", "Printer jammed", True),
        ("print", "Reprinted invoice", False),
        ("printer", "PRINTER", True),
        # Cyrillic and Greek are spaced scripts too.
        ("принт", "Принтер не работает", True),
        ("ринтер", "Принтер не работает", False),
        ("εκτυπ", "εκτυπωτής", True),
        ("τυπωτ", "εκτυπωτής", False),
        # Thai has no spaces between words: a substring anywhere.
        ("พิมพ์", "เครื่องพิมพ์เสีย", True),
        ("คืนเงิน", "ขอคืนเงินค่าสินค้า", True),
        ("คื่นเงิน", "ขอคืนเงินค่าสินค้า", False),
        # Mixed: each term by its own script; a Latin word glued to Thai still starts a word.
        ("พิมพ์ hp", "เครื่องพิมพ์ HP เสีย", True),
        ("พิมพ์ hp", "เครื่องพิมพ์ของ php", False),
        ("iphone", "ใช้iPhoneไม่ได้", True),
        ("phone", "ใช้iPhoneไม่ได้", False),
        ("3", "ครั้งที่3", True),
        ("tower", "東京のtower", True),  # after Kana
        # After Chinese ideographs a Latin word does not start (see GLUED_RANGES); typed with
        # an ideograph before it, the term is a substring.
        ("tower", "東京tower", False),
        ("京tower", "東京tower", True),
        # Punctuation and the part separator end words.
        ("mail", "e-mail bounced", True),
        ("globex", "binh@globex.test", True),
        ("lobex", "binh@globex.test", False),
        ("under", "snake_under_score", True),
        # Digits are word characters: a number starts where a word would.
        ("1234", "ticket #1234", True),
        ("234", "ticket #1234", False),
        ("12", "order 1234", True),
    ],
)
def test_word_starts_and_substrings(query: str, text: str, found: bool) -> None:
    assert finds(query, text) is found


def test_phrases_start_at_a_word_and_end_anywhere() -> None:
    assert finds('"don hang"', "Đơn hàng giao chậm")
    assert finds('"don ha"', "Đơn hàng giao chậm")
    assert not finds('"on hang"', "Đơn hàng giao chậm")
    assert not finds('"hang giao"', "thang giao")


def test_which_terms_start_words() -> None:
    assert matches_at_word_start("hang")
    assert matches_at_word_start("1234")
    assert matches_at_word_start("мир")
    assert not matches_at_word_start("พิมพ์")
    assert not matches_at_word_start("東京")
    assert not matches_at_word_start("カード")
    # A term that begins with a symbol brings its own boundary.
    assert not matches_at_word_start("$100")
    assert not matches_at_word_start("")
    assert is_unspaced("ก") and is_unspaced("ຂ") and is_unspaced("東")
    assert not is_unspaced("a") and not is_unspaced("ą") and not is_unspaced("한")


def test_lone_surrogates_are_dropped() -> None:
    # JSON can carry them, and no database can store or compare them.
    assert fold_for_search("bad\ud800byte") == "bad byte"
    assert parse("\udfff") == parse("")


def test_patterns_escape_every_special_character() -> None:
    hostile = r"a.b*c+d?e(f)g[h]i{2}j|k^l$m\n%o_p"
    assert re.search(python_pattern(hostile), f"x {hostile} y")
    assert not re.search(python_pattern(hostile), hostile.replace(".", "x"))
    pg = postgres_pattern(hostile)
    # Every ARE metacharacter is preceded by a backslash; letters never are (\m, \y and the
    # like would be escapes), and LIKE's % and _ mean nothing in a regular expression.
    assert pg.endswith(r"a\.b\*c\+d\?e\(f\)g\[h\]i\{2\}j\|k\^l\$m\\n%o_p")


_ALPHABET = st.sampled_from(list("ahngtdo ąłż_-.%\\()[]*+?^$|{}\nเครื่องพิมพ์ค東の1"))


@given(st.text(_ALPHABET, min_size=1, max_size=8), st.text(_ALPHABET, max_size=40))
@example("hang", "thang hang")
@example("a.b", "axb a.b")
@example("(x", "y(x")
def test_the_python_pattern_is_the_reference_rule(term: str, document: str) -> None:
    if matches_at_word_start(term):
        assert (re.search(python_pattern(term), document) is not None) is matches(term, document)
    else:
        assert matches(term, document) is (term in document)


_WORD = st.text(
    alphabet=st.sampled_from("abcdđeghiklmnoóprstuwyzàáảãạăâêôơưłśźżąęćńคืนเงินขอค่าสินค้า"),
    min_size=1,
    max_size=12,
)


@given(st.lists(_WORD, min_size=1, max_size=6))
def test_every_word_typed_from_a_text_finds_it(words: list[str]) -> None:
    # What the index must never lose: words that occur in a text, typed with or without their
    # accents and in any case, all match that text's document.
    text = " ".join(words)
    document = compose([text.upper()], 10_000)
    query = parse(" ".join(fold_for_search(w) for w in words))
    assert query.include
    for term in query.include:
        assert matches(term, document)
