"""The learned counts in the database: bulk upserts to learn, and a scoring read.

Learning a message is one ``INSERT ... ON CONFLICT DO UPDATE`` per batch of tokens, with the
totals row in the first batch: counts are incremented by the database, so two workers learning
at once both count, and the statement is the same on PostgreSQL and SQLite (3.24+).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from tessera.spam.classifier import Settings, Totals, Verdict, score
from tessera.spam.models import TOTALS_TOKEN, TokenCount

# Three parameters a row; well under SQLite's and PostgreSQL's parameter limits.
BATCH = 300


def classifier_settings() -> Settings:
    return Settings(min_examples=int(str(settings.TESSERA.get("SPAM_MIN_EXAMPLES", 20))))


def threshold() -> float:
    return float(str(settings.TESSERA.get("SPAM_THRESHOLD", 0.99)))


def _distinct(tokens: Iterable[str]) -> list[str]:
    # Sorted, so concurrent learners take row locks in the same order and cannot deadlock.
    return sorted({t[:200] for t in tokens if t})


def learn(tokens: Iterable[str], is_spam: bool) -> None:
    """Count one message of class ``is_spam`` containing ``tokens``."""
    rows = [TOTALS_TOKEN, *_distinct(tokens)]
    spam, ham = (1, 0) if is_spam else (0, 1)
    table = connection.ops.quote_name(TokenCount._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            params: list[str | int] = []
            for token in batch:
                params += [token, spam, ham]
            cursor.execute(
                f"INSERT INTO {table} (token, spam, ham) VALUES {values} "  # noqa: S608 - names are ours
                f"ON CONFLICT (token) DO UPDATE SET spam = {table}.spam + excluded.spam, "
                f"ham = {table}.ham + excluded.ham",
                params,
            )


def unlearn(tokens: Iterable[str], is_spam: bool) -> None:
    """Take back one message learned with :func:`learn`; counts never go below zero."""
    rows = [TOTALS_TOKEN, *_distinct(tokens)]
    field = "spam" if is_spam else "ham"
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            TokenCount.objects.filter(token__in=batch).update(**{field: Greatest(F(field) - 1, 0)})
        # Tokens nobody has any more are dead weight in every later lookup.
        TokenCount.objects.filter(token__in=rows[1:], spam=0, ham=0).delete()


@dataclass(frozen=True)
class FilterStatus:
    """What admins see of the filter: how much it has learned, and whether it acts yet."""

    spam: int
    ham: int
    min_examples: int
    threshold: float

    @property
    def active(self) -> bool:
        return self.spam >= self.min_examples and self.ham >= self.min_examples


def status() -> FilterStatus:
    learned = totals()
    return FilterStatus(learned.spam, learned.ham, classifier_settings().min_examples, threshold())


def totals() -> Totals:
    row = TokenCount.objects.filter(token=TOTALS_TOKEN).values_list("spam", "ham").first()
    return Totals(*row) if row else Totals(0, 0)


def counts(tokens: Sequence[str]) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    wanted = _distinct(tokens)
    for start in range(0, len(wanted), 900):
        rows = TokenCount.objects.filter(token__in=wanted[start : start + 900]).values_list("token", "spam", "ham")
        found.update({token: (spam, ham) for token, spam, ham in rows})
    return found


def classify(tokens: Sequence[str]) -> Verdict | None:
    """The spam probability of a message with ``tokens``; ``None`` while too little is learned."""
    config = classifier_settings()
    learned = totals()
    if learned.spam < config.min_examples or learned.ham < config.min_examples:
        return None
    return score(tokens, counts(tokens), learned, config)
