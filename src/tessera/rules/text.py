"""Unicode-aware text comparison and safe regular expressions for rule conditions. Pure."""

from __future__ import annotations

import importlib
import re
import unicodedata
from functools import lru_cache
from typing import Any

import regex

# Letters with a stroke are not decomposable in Unicode, so NFD alone leaves them alone.
_STROKES = str.maketrans({
    "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ħ": "h", "Ħ": "H",
})


def _is_stripped_mark(char: str) -> bool:
    # Only the Latin combining diacritic blocks: Thai vowel and tone marks are also combining
    # characters (U+0E31, U+0E34..U+0E3A, U+0E47..U+0E4E) but carry meaning, so they stay.
    code = ord(char)
    return (
        0x0300 <= code <= 0x036F
        or 0x1AB0 <= code <= 0x1AFF
        or 0x1DC0 <= code <= 0x1DFF
        or 0xFE20 <= code <= 0xFE2F
    )


def strip_accents(text: str) -> str:
    """Remove Latin diacritics: "Nguyễn Văn Đức" -> "Nguyen Van Duc", "Łódź" -> "Lodz"."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKES))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not _is_stripped_mark(c)))


def fold(text: str, *, accent_insensitive: bool = False) -> str:
    """The comparison form of a text: NFC, case-folded, optionally without accents."""
    # Every rule of a cycle folds the same message body again: remember recent results, but
    # do not let a huge body pin memory.
    if len(text) <= _CACHE_UP_TO:
        return _fold_cached(text, accent_insensitive)
    return _fold(text, accent_insensitive)


_CACHE_UP_TO = 64_000


@lru_cache(maxsize=256)
def _fold_cached(text: str, accent_insensitive: bool) -> str:
    return _fold(text, accent_insensitive)


def _fold(text: str, accent_insensitive: bool) -> str:
    # casefold() can leave a string that is no longer NFC (e.g. "İ" -> "i" + U+0307), so
    # normalise on both sides of it.
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    if accent_insensitive:
        folded = strip_accents(folded)
    return folded


# Long enough for any sane condition; short enough that an admin cannot paste a novel.
MAX_PATTERN_LENGTH = 500
# Message bodies can be huge: a pattern only ever sees this many characters of them.
MAX_MATCH_INPUT = 20_000
# Hard stop on a single match, in seconds: the `regex` engine enforces it inside the matcher.
MATCH_TIMEOUT = 0.05


class UnsafePattern(ValueError):
    """A pattern that is invalid, or shaped like one that backtracks catastrophically."""


_parser: Any = importlib.import_module("re._parser")
_constants: Any = importlib.import_module("re._constants")
_REPEATS = {_constants.MAX_REPEAT, _constants.MIN_REPEAT}


def _check_tree(items: Any, inside_unbounded: bool) -> None:
    for op, arg in items:
        if op in {_constants.GROUPREF, _constants.GROUPREF_EXISTS}:
            raise UnsafePattern("back-references are not allowed")
        if op in _REPEATS:
            low, high, sub = arg
            variable = low != high
            if inside_unbounded and variable:
                raise UnsafePattern(
                    "a repeated group contains another repetition (like (a+)+), which can take "
                    "exponential time"
                )
            _check_tree(sub, inside_unbounded or high == _constants.MAXREPEAT)
        elif op is _constants.SUBPATTERN:
            _check_tree(arg[-1], inside_unbounded)
        elif op is _constants.BRANCH:
            alternatives = arg[1]
            if inside_unbounded and not _alternatives_disjoint(alternatives):
                raise UnsafePattern(
                    "a repeated group has alternatives that can match the same text (like "
                    "(a|aa)*), which can take exponential time"
                )
            for alternative in alternatives:
                _check_tree(alternative, inside_unbounded)
        elif op in {_constants.ASSERT, _constants.ASSERT_NOT}:
            _check_tree(arg[1], inside_unbounded)
        elif op is getattr(_constants, "ATOMIC_GROUP", None):
            _check_tree(arg, inside_unbounded)


def _alternatives_disjoint(alternatives: Any) -> bool:
    # Cheap and conservative: every alternative must begin with a distinct literal character.
    firsts: set[int] = set()
    for alternative in alternatives:
        if not alternative or alternative[0][0] is not _constants.LITERAL:
            return False
        first = alternative[0][1]
        if first in firsts:
            return False
        firsts.add(first)
    return True


@lru_cache(maxsize=512)
def compile_safe(pattern: str, *, accent_insensitive: bool = False) -> regex.Pattern[str]:
    """Compile a condition pattern, or raise UnsafePattern saying why it is refused."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsafePattern(f"pattern is longer than {MAX_PATTERN_LENGTH} characters")
    source = unicodedata.normalize("NFC", pattern)
    if accent_insensitive:
        # Escapes and syntax are ASCII, which strip_accents leaves untouched.
        source = strip_accents(source)
    try:
        tree = _parser.parse(source, 0)
    except re.error as exc:
        raise UnsafePattern(f"invalid regular expression: {exc}") from None
    _check_tree(tree, inside_unbounded=False)
    try:
        return regex.compile(source, regex.IGNORECASE | regex.FULLCASE | regex.V0)
    except regex.error as exc:
        raise UnsafePattern(f"invalid regular expression: {exc}") from None


class MatchTimeout(RuntimeError):
    """A pattern took longer than MATCH_TIMEOUT on some input."""


@lru_cache(maxsize=64)
def _search_subject(text: str, accent_insensitive: bool) -> str:
    subject = unicodedata.normalize("NFC", text)
    return strip_accents(subject) if accent_insensitive else subject


def safe_search(pattern: str, text: str, *, accent_insensitive: bool = False) -> bool:
    compiled = compile_safe(pattern, accent_insensitive=accent_insensitive)
    subject = _search_subject(text[:MAX_MATCH_INPUT], accent_insensitive)
    try:
        return compiled.search(subject, timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        raise MatchTimeout(f"pattern {pattern!r} timed out") from None
