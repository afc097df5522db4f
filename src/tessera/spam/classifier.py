"""Robinson-Fisher combining of token evidence into a spam probability. Pure.

Each token's spam probability is Graham's ratio of its spam and ham frequencies, smoothed
towards ``x`` by Robinson's f(w) so a token seen once does not count as certainty. The
strongest clues (those at least ``min_strength`` away from 0.5) are combined with Fisher's
chi-square method twice, once for spamminess and once for hamminess; the result is near 1
when the spam test wins, near 0 when the ham test wins, and near 0.5 when both or neither do
(a mail the filter honestly cannot place).

Until the filter has seen ``min_examples`` of each class it answers ``None``: a handful of
marks would make it confidently wrong.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

DEFAULT_MIN_EXAMPLES = 20


@dataclass(frozen=True)
class Settings:
    s: float = 1.0  # strength of the prior: how many observations it is worth
    x: float = 0.5  # probability assumed for a token never seen
    min_strength: float = 0.1  # clues closer than this to 0.5 are noise
    max_clues: int = 150
    min_examples: int = DEFAULT_MIN_EXAMPLES


@dataclass(frozen=True)
class Totals:
    spam: int
    ham: int


@dataclass(frozen=True)
class Verdict:
    probability: float
    clues: list[tuple[str, float]] = field(default_factory=list)  # strongest first


def token_probability(spam: int, ham: int, totals: Totals, settings: Settings) -> float:
    """Robinson's f(w): Graham's p(w) pulled towards ``x`` by ``s`` imaginary observations."""
    spam_ratio = spam / totals.spam if totals.spam else 0.0
    ham_ratio = ham / totals.ham if totals.ham else 0.0
    if spam_ratio + ham_ratio == 0:
        return settings.x
    p = spam_ratio / (spam_ratio + ham_ratio)
    n = spam + ham
    return (settings.s * settings.x + n * p) / (settings.s + n)


def chi2q(x2: float, dof: int) -> float:
    """P(chi-square with ``dof`` (even) degrees of freedom ≥ ``x2``), summed in log space.

    The series' first term exp(-x2/2) underflows for the sums long mails produce; each term
    is therefore formed from its logarithm.
    """
    m = x2 / 2.0
    if m <= 0:
        return 1.0
    log_m = math.log(m)
    terms = [-m + i * log_m - math.lgamma(i + 1) for i in range(dof // 2)]
    top = max(terms)
    total = math.exp(top) * math.fsum(math.exp(t - top) for t in terms)
    return min(total, 1.0)


def score(
    tokens: Iterable[str],
    counts: Mapping[str, tuple[int, int]],
    totals: Totals,
    settings: Settings | None = None,
) -> Verdict | None:
    """The spam probability of a mail with ``tokens``; ``None`` while the filter is untrained.

    ``counts`` maps a token to (spam messages, ham messages) containing it; tokens missing
    from it were never seen.
    """
    settings = settings or Settings()
    if totals.spam < settings.min_examples or totals.ham < settings.min_examples:
        return None
    clues: list[tuple[float, str, float]] = []
    for token in set(tokens):
        spam, ham = counts.get(token, (0, 0))
        if spam + ham == 0:
            continue
        f = token_probability(spam, ham, totals, settings)
        strength = abs(f - 0.5)
        if strength >= settings.min_strength:
            clues.append((strength, token, f))
    clues.sort(key=lambda c: (-c[0], c[1]))
    chosen = clues[: settings.max_clues]
    if not chosen:
        return Verdict(0.5, [])
    n = len(chosen)
    # Clamped so that a token seen thousands of times in one class cannot reach log(0).
    spam_logs = math.fsum(math.log(min(max(1.0 - f, 1e-12), 1.0)) for _s, _t, f in chosen)
    ham_logs = math.fsum(math.log(min(max(f, 1e-12), 1.0)) for _s, _t, f in chosen)
    spamminess = 1.0 - chi2q(-2.0 * spam_logs, 2 * n)
    hamminess = 1.0 - chi2q(-2.0 * ham_logs, 2 * n)
    probability = (spamminess - hamminess + 1.0) / 2.0
    return Verdict(min(max(probability, 0.0), 1.0), [(t, f) for _s, t, f in chosen])


class MemoryModel:
    """Counts held in memory: for evaluation and tests, and the shape the database store copies."""

    def __init__(self) -> None:
        self.spam: dict[str, int] = {}
        self.ham: dict[str, int] = {}
        self.totals = Totals(0, 0)

    def learn(self, tokens: Iterable[str], is_spam: bool) -> None:
        table = self.spam if is_spam else self.ham
        for token in set(tokens):
            table[token] = table.get(token, 0) + 1
        self.totals = Totals(self.totals.spam + is_spam, self.totals.ham + (not is_spam))

    def unlearn(self, tokens: Iterable[str], is_spam: bool) -> None:
        table = self.spam if is_spam else self.ham
        for token in set(tokens):
            left = table.get(token, 0) - 1
            if left > 0:
                table[token] = left
            else:
                table.pop(token, None)
        self.totals = Totals(max(self.totals.spam - is_spam, 0), max(self.totals.ham - (not is_spam), 0))

    def counts(self, tokens: Iterable[str]) -> dict[str, tuple[int, int]]:
        return {t: (self.spam.get(t, 0), self.ham.get(t, 0)) for t in set(tokens)}

    def score(self, tokens: list[str], settings: Settings | None = None) -> Verdict | None:
        return score(tokens, self.counts(tokens), self.totals, settings)
