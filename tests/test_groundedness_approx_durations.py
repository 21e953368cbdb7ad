"""Durations in months and days, which never convert exactly, behind an approximation word.

"About three months" for "90 days": a month is 28 to 31 days, so the claim is right only as
an approximation, and only when it says so ("about", "around", "roughly", ...). Every sentence
is invented for the test; each case has both sides.
"""

from __future__ import annotations

import pytest

from tests.helpers.grounding import reason, run


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("Refunds can take about three months.", "Refunds can take 90 days."),
        ("Refunds can take about 3 months.", "Refunds can take 90 days."),
        ("Refunds can take roughly 2 months.", "Refunds can take up to 60 days."),
        ("Refunds can take around 90 days.", "Refunds can take 3 months."),
        ("The trial lasts roughly 30 days.", "The trial lasts 1 month."),
    ],
)
def test_months_and_days_meet_behind_an_approximation_word(claim: str, passage: str) -> None:
    score = run(claim, passage)
    assert score.value == 1.0, score.details["claims"]


@pytest.mark.parametrize(
    ("claim", "passage", "expected"),
    [
        ("Refunds can take 3 months.", "Refunds can take 90 days.", "number mismatch: 3"),
        ("Refunds can take about 4 months.", "Refunds can take 90 days.", "number mismatch"),
        ("Refunds can take about 2 months.", "Refunds can take 90 days.", "number mismatch"),
        ("Refunds can take about 120 days.", "Refunds can take 3 months.", "number mismatch"),
    ],
)
def test_a_duration_without_the_word_or_outside_the_range_fails(
    claim: str, passage: str, expected: str
) -> None:
    assert reason(claim, passage).startswith(expected)
