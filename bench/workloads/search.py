"""Keyword search through the HTTP API: ``GET /api/v1/tickets?q=...&limit=25`` as an agent.

Three queries, one per way search can go wrong for our languages:

* ``printer``: an English word in 1% of English subjects (the peer's ``keyword_search_hit``
  searches the same word in 1% of its titles);
* ``don hang``: Vietnamese typed without accents, as people do on a phone, which must find
  "đơn hàng" (a subject and a sentence of the generated text have it);
* ``พิมพ์``: a Thai substring ("print") inside the word "เครื่องพิมพ์" (printer), which a
  search by whole words would miss, Thai being written without spaces.

Timed sequentially on one keep-alive connection, like the list (``reads.http_get_series``).
How many tickets match in all is counted once per size, in-process.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

SEARCHES: dict[str, str] = {
    "en_word": "printer",
    "vi_unaccented": "don hang",
    "th_substring": "พิมพ์",
}
# The accented or whole-word form each query must also find, to show the match is the real one.
SPELLED_OUT = {"en_word": "printer", "vi_unaccented": "đơn hàng", "th_substring": "เครื่องพิมพ์"}


def path(query: str, limit: int = 25) -> str:
    return f"/api/v1/tickets?q={quote(query)}&limit={limit}"


def hit_counts() -> dict[str, dict[str, int]]:
    """Per query: tickets matching in all, and how many of them hold the spelled-out form in a
    subject or message (the folded match found the accented or longer text)."""
    from django.db.models import Q

    from tessera.search.filtering import matching
    from tessera.tickets.models import Ticket

    out = {}
    for name, query in SEARCHES.items():
        hits = matching(Ticket.objects.all(), query, include_notes=True)
        word = SPELLED_OUT[name]
        spelled = hits.filter(
            Q(subject__contains=word) | Q(subject__contains=word.capitalize()) | Q(messages__body_text__contains=word)
        ).distinct()
        out[name] = {"total": hits.count(), "with_spelled_out_form": spelled.count()}
    return out


def summarise(series: dict[str, Any]) -> dict[str, Any]:
    """One query's timing, with the rows of its last page instead of the page itself."""
    last = series.pop("last")
    series["rows"] = len(last[0]["items"]) if last else 0
    return series
