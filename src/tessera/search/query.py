"""The search box language. Pure: turns what a person typed into folded terms.

    refund "hoan tien" -spam #1234

Words and quoted phrases must all appear (AND); a leading ``-`` excludes a word or phrase; a
query that is only a ticket number (``1234`` or ``#1234``) also finds that ticket by number.
Every term is folded exactly as the index is (:func:`tessera.search.text.fold_for_search`), so
"hoan tien" finds "hoàn tiền" and "lodz" finds "Łódź".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from tessera.search.text import fold_for_search

# A person does not type more than this; a script that does gets its query cut, not a query
# with hundreds of LIKE clauses.
MAX_TERMS = 12
MAX_TERM_LENGTH = 200
# Ticket numbers are BIGINT; 17 digits can never overflow one.
_NUMBER = re.compile(r"#?(\d{1,17})")
# A phrase runs to the closing quote, or to the end when the person forgot to close it.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


@dataclass(frozen=True)
class SearchQuery:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    number: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.include and not self.exclude and self.number is None


def _trim_punctuation(word: str) -> str:
    # "refund," and "(lodz)" mean the word; punctuation inside ("e-mail", "a.b@c.test") stays.
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start])[0] == "P":
        start += 1
    while end > start and unicodedata.category(word[end - 1])[0] == "P":
        end -= 1
    return word[start:end]


def parse(text: str) -> SearchQuery:
    """Split a typed query into folded terms to include and to exclude."""
    # Polish keyboards and word processors produce „…” and Vietnamese ones “…”.
    raw = text.translate(_QUOTES).strip()
    number_match = _NUMBER.fullmatch(raw)
    number = int(number_match.group(1)) if number_match else None
    include: list[str] = []
    exclude: list[str] = []
    for match in _TOKEN.finditer(raw):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            negated = "-" if word.startswith("-") else ""
            word = word[1:] if negated else word
            term = fold_for_search(_trim_punctuation(word))
        else:
            term = fold_for_search(phrase)
        term = term[:MAX_TERM_LENGTH]
        if not term:
            continue
        target = exclude if negated else include
        if term not in target:
            target.append(term)
        if len(include) + len(exclude) >= MAX_TERMS:
            break
    return SearchQuery(include=tuple(include), exclude=tuple(exclude), number=number)
