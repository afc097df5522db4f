"""Robinson/Fisher combining: probabilities, the untrained answer, learning and unlearning."""

from __future__ import annotations

import math

import pytest

from tessera.spam.classifier import MemoryModel, Settings, Totals, chi2q, score, token_probability


def test_token_probability_is_smoothed_towards_x() -> None:
    totals = Totals(spam=10, ham=10)
    settings = Settings()
    assert token_probability(0, 0, totals, settings) == 0.5
    # Seen once in spam only: Graham would say 1.0; Robinson with s=1 says (0.5 + 1) / 2.
    assert token_probability(1, 0, totals, settings) == pytest.approx(0.75)
    assert token_probability(0, 1, totals, settings) == pytest.approx(0.25)
    # Ten sightings are much stronger evidence than one.
    assert token_probability(10, 0, totals, settings) == pytest.approx(10.5 / 11)
    # Frequencies are relative to each class's size.
    assert token_probability(5, 5, Totals(spam=10, ham=100), settings) == pytest.approx((0.5 + 10 * (0.5 / 0.55)) / 11)


def test_chi2q_matches_closed_forms() -> None:
    # Two degrees of freedom: the survival function is exp(-x/2).
    assert chi2q(3.0, 2) == pytest.approx(math.exp(-1.5))
    assert chi2q(0.0, 10) == 1.0
    # Far in the tail it neither underflows to an error nor exceeds 1.
    assert 0.0 <= chi2q(5000.0, 300) < 1e-100
    assert chi2q(1.0, 300) == 1.0


def _trained(n: int) -> MemoryModel:
    model = MemoryModel()
    for i in range(n):
        model.learn(["viagra", "cheap", "url:pills.example", f"noise{i}"], is_spam=True)
        model.learn(["invoice", "printer", "from:acme.test", f"other{i}"], is_spam=False)
    return model


def test_untrained_until_enough_of_both_classes() -> None:
    model = _trained(19)
    assert model.score(["viagra"]) is None
    assert model.score(["viagra"], Settings(min_examples=19)) is not None
    model.learn(["x"], is_spam=True)
    assert model.score(["viagra"]) is None  # still 19 ham
    model.learn(["y"], is_spam=False)
    assert model.score(["viagra"]) is not None


def test_scores_separate_spam_from_ham() -> None:
    model = _trained(30)
    spam = model.score(["viagra", "cheap", "url:pills.example", "hello"])
    ham = model.score(["invoice", "printer", "from:acme.test", "hello"])
    unknown = model.score(["never", "seen"])
    assert spam is not None and ham is not None and unknown is not None
    assert spam.probability > 0.99
    assert ham.probability < 0.01
    assert unknown.probability == 0.5
    assert unknown.clues == []
    assert [t for t, _f in spam.clues][:1] in (["viagra"], ["cheap"], ["url:pills.example"])
    # Equally strong evidence both ways is honest uncertainty.
    mixed = model.score(["viagra", "invoice"])
    assert mixed is not None and mixed.probability == pytest.approx(0.5)


def test_weak_clues_are_ignored_and_clue_count_is_bounded() -> None:
    counts = {f"t{i}": (3, 1) for i in range(300)} | {"even": (5, 5)}
    verdict = score(list(counts), counts, Totals(20, 20))
    assert verdict is not None
    assert len(verdict.clues) == 150
    assert "even" not in dict(verdict.clues)


def test_unlearn_reverses_learn() -> None:
    model = _trained(25)
    before = (dict(model.spam), dict(model.ham), model.totals)
    model.learn(["viagra", "fresh"], is_spam=True)
    model.unlearn(["viagra", "fresh"], is_spam=True)
    assert (model.spam, model.ham, model.totals) == before
