"""Where a search term may match in a folded document. Pure.

Scripts written with spaces between words (Latin, Vietnamese and Polish included, Cyrillic,
Greek...) are matched at the start of a word: "hang" finds "hàng" and "hangar" but not
"thang", "print" finds "printer". Scripts written without spaces (Thai, Lao, Khmer, Myanmar,
Chinese, Japanese...) have no word boundaries in the text to match at, so their terms match
anywhere, as substrings: "พิมพ์" inside "เครื่องพิมพ์".

Which rule a term follows depends only on its first character, because only the character
before a match decides whether it starts a word. A word starts at the beginning of the text,
after a character that is not a letter or digit (spaces, punctuation, symbols, the part
separator), or after a character of an unspaced script: "ใช้iPhoneไม่ได้" has the word
"iphone", as Thai writers often glue a Latin word to the Thai around it (Chinese ideographs
excepted: see ``GLUED_RANGES``).

The rule is written three ways: as a PostgreSQL regular expression (served by the trigram
index), as a Python one (SQLite's ``REGEXP``, which Django implements with :mod:`re`), and as
:func:`matches`, the reference the other two are tested against. What a letter is comes from
``str.isalnum`` in Python and from the database's LC_CTYPE in PostgreSQL; they agree on the
scripts a desk writes in.
"""

from __future__ import annotations

import re

# Blocks of scripts written without spaces between words: a term that begins with one of
# their characters matches anywhere.
UNSPACED_RANGES: tuple[tuple[int, int], ...] = (
    (0x0E00, 0x109F),  # Thai, Lao, Tibetan, Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x1950, 0x19FF),  # Tai Le, New Tai Lue, Khmer symbols
    (0x1A20, 0x1AAF),  # Tai Tham
    (0x2E80, 0x9FFF),  # CJK radicals and symbols, Kana, Bopomofo, CJK ideographs
    (0xA9E0, 0xA9FF),  # Myanmar extended B
    (0xAA60, 0xAADF),  # Myanmar extended A, Tai Viet
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B onwards
)
# The ones of those after which a word of a spaced script starts although no space is
# there. The same without the Chinese ideographs: a class that spans them costs PostgreSQL
# about 1.5 ms more planning per search (it compiles and analyses every pattern for the
# trigram index), against nothing for these small blocks. So a Latin word glued to Chinese
# ("我的iphone") is found by a term that includes the ideographs before it, not by itself.
GLUED_RANGES: tuple[tuple[int, int], ...] = (
    (0x0E00, 0x109F),
    (0x1780, 0x17FF),
    (0x1950, 0x19FF),
    (0x1A20, 0x1AAF),
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0xA9E0, 0xA9FF),
    (0xAA60, 0xAADF),
    (0xFF66, 0xFF9F),
)


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    # \Uhhhhhhhh means the same in Python's and PostgreSQL's regular expressions, in brackets.
    return "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges)


_UNSPACED = re.compile(f"[{_class(UNSPACED_RANGES)}]")
_GLUED = re.compile(f"[{_class(GLUED_RANGES)}]")

# Characters with a meaning in PostgreSQL's regular expressions (AREs) outside brackets. A
# backslash before any other non-alphanumeric character would be harmless there, but before
# a letter it starts an escape such as \m, so exactly these are escaped.
_ARE_SPECIALS = frozenset("\\^$.|?*+()[]{}")

# PostgreSQL: spelled out rather than \m, whose word characters include the underscore;
# pg_trgm still takes the term's own trigrams from it for the index condition.
_PG_WORD_START = f"(?:^|[^[:alnum:]]|[{_class(GLUED_RANGES)}])"
# Python: not after a letter or digit ([^\W_] is \w without the underscore), unless that is a
# character of a script that glues words.
_PY_WORD_START = f"(?:(?<![^\\W_])|(?<=[{_class(GLUED_RANGES)}]))"


def is_unspaced(char: str) -> bool:
    """Whether ``char`` belongs to a script written without spaces between words."""
    return _UNSPACED.match(char) is not None


def matches_at_word_start(term: str) -> bool:
    """Whether ``term`` must start a word (spaced scripts), or may match anywhere (unspaced
    scripts, and terms that begin with punctuation or a symbol, which mark a boundary
    themselves)."""
    return bool(term) and term[0].isalnum() and not is_unspaced(term[0])


def _are_escape(term: str) -> str:
    return "".join(f"\\{c}" if c in _ARE_SPECIALS else c for c in term)


def postgres_pattern(term: str) -> str:
    """A PostgreSQL regular expression (for ``~``) that finds ``term`` at a word start."""
    return _PG_WORD_START + _are_escape(term)


def python_pattern(term: str) -> str:
    """A Python regular expression that finds ``term`` at a word start."""
    return _PY_WORD_START + re.escape(term)


def _starts_word_at(document: str, index: int) -> bool:
    if index == 0:
        return True
    before = document[index - 1]
    return not before.isalnum() or _GLUED.match(before) is not None


def matches(term: str, document: str) -> bool:
    """Whether a folded ``term`` matches a folded ``document``: the rule itself, without
    regular expressions."""
    if not matches_at_word_start(term):
        return term in document
    start = document.find(term)
    while start != -1:
        if _starts_word_at(document, start):
            return True
        start = document.find(term, start + 1)
    return False
