"""Comparisons between two facts ("a $10 fee, less than the $30 overdraft fee"): each fact is
checked on its own, and the comparison's arithmetic is checked too.

The sentences are written for these tests; none is a row of a benchmark.
"""

from __future__ import annotations

from tests.helpers.grounding import run

_FEES = (
    "Moving money from savings to cover a shortfall costs a $10 transfer fee. "
    "Unrelated to that, we review accounts every year. "
    "If there is not enough money, the overdraft fee is $30."
)
_EXCESS = (
    "The standard excess on home claims is £100. Claims for storm damage are handled by our "
    "partner. Escape of water claims have a £350 excess."
)


def _verdicts(text: str, passage: str) -> list[tuple[bool, str]]:
    return [(c["supported"], c.get("reason", "")) for c in run(text, passage).details["claims"]]


def test_a_true_comparison_of_two_stated_facts_is_supported() -> None:
    answer = "Savings cover the shortfall for a $10 transfer fee, which is less than the $30 overdraft fee."
    assert all(ok for ok, _ in _verdicts(answer, _FEES))


def test_a_comparison_the_wrong_way_round_fails_on_its_arithmetic() -> None:
    answer = "Savings cover the shortfall for a $10 transfer fee, which is more than the $30 overdraft fee."
    ((ok, why),) = _verdicts(answer, _FEES)
    assert not ok
    assert why.startswith("number mismatch") and "not more than" in why


def test_a_wrong_figure_on_either_side_still_fails() -> None:
    answer = "Savings cover the shortfall for a $10 transfer fee, which is less than the $35 overdraft fee."
    assert any(not ok and "35" in why for ok, why in _verdicts(answer, _FEES))


def test_rather_than_checks_both_facts() -> None:
    good = "Escape of water has a £350 excess rather than the standard £100 excess."
    assert all(ok for ok, _ in _verdicts(good, _EXCESS))
    swapped = "Escape of water has a £100 excess rather than the standard £350 excess."
    assert not all(ok for ok, _ in _verdicts(swapped, _EXCESS))


def test_a_comparison_with_a_bare_threshold_is_not_split() -> None:
    passage = "The Basic plan costs $120 a year. Refunds of up to $100 are paid instantly."
    ((ok, _),) = _verdicts("The Basic plan costs less than $100 a year.", passage)
    assert not ok
