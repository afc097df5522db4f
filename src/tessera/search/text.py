"""The one text form that both the index and the queries are compared in. Pure.

Matching runs on this form as text, not through a word index: Thai is written without spaces
between words, so a word index would need a dictionary segmenter and would still miss
compounds, while a substring of the folded text finds "คืนเงิน" inside "ขอคืนเงินค่าสินค้า".
Terms of scripts with spaces must in addition start a word ("zwrot" finds "zwrotu", "hang"
does not find "thang"): :mod:`tessera.search.words`. On PostgreSQL a trigram index serves
both kinds of match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from tessera.rules.text import fold

# Runs of whitespace become one space, so a phrase typed with one space matches text that had
# a line break or two spaces there.
_SPACES = re.compile(r"\s+")

# Parts of a document (subject, name, each message...) are joined by a line break: whitespace
# inside a part is already a single space, so no query can span two parts.
PART_SEPARATOR = "\n"


def _printable(text: str) -> str:
    # Control characters mean nothing to a search, and NUL is refused by PostgreSQL outright;
    # a lone surrogate (which JSON can carry) cannot even be encoded for the database.
    if text.isprintable():
        return text
    return "".join(c if unicodedata.category(c) not in {"Cc", "Cs"} or c.isspace() else " " for c in text)


def fold_for_search(text: str) -> str:
    """NFC, case-folded, without Latin accents (đ→d, ł→l too), whitespace collapsed.

    "Hoàn  TIỀN" -> "hoan tien", "Łódź" -> "lodz"; Thai keeps its vowel and tone marks.
    """
    folded = fold(_printable(text), accent_insensitive=True)
    return _SPACES.sub(" ", folded).strip()


def compose(parts: Iterable[str], limit: int) -> str:
    """Fold each part and join them, keeping at most ``limit`` characters in all.

    Parts are taken in order and the first ones are kept whole: callers put the short,
    identifying parts (subject, requester, tags) first and messages oldest first, so the text
    that describes the problem is what survives the cut.
    """
    out: list[str] = []
    used = 0
    for part in parts:
        folded = fold_for_search(part)
        if not folded:
            continue
        room = limit - used - (len(PART_SEPARATOR) if out else 0)
        if room <= 0:
            break
        out.append(folded[:room])
        used += len(out[-1]) + (len(PART_SEPARATOR) if len(out) > 1 else 0)
    return PART_SEPARATOR.join(out)
