"""Figures a faithful support answer restates in another form, or works out from the passage.

Every sentence here is invented for the test. Each family has both sides: the same quantity
(or a correctly derived one) passes, a wrong one still fails as a number, amount or date
mismatch. Every case goes through the public scorer, the way a support answer is scored.
"""

from __future__ import annotations

import pytest

from tests.helpers.grounding import reason, run


def _passes(claim: str, passage: str, question: str = "question") -> None:
    score = run(claim, passage, question)
    assert score.value == 1.0, score.details["claims"]


# --- the same quantity written another way ------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The cover is up to £2.5m.", "The cover is up to £2,500,000."),
        ("The fund holds €3bn.", "The fund holds €3,000,000,000."),
        ("Refunds take a fortnight.", "Refunds take 14 days."),
        ("Refunds take 14 days.", "Refunds take a fortnight."),
        ("Refunds take 2 weeks.", "Refunds take a fortnight."),
        ("The sale ends on 01/03.", "The sale ends on 1 March."),
        ("The sale ends on 03/01.", "The sale ends on 1 March."),
        ("The sale ends on 31/03.", "The sale ends on 31 March."),
    ],
)
def test_the_same_quantity_in_another_form_is_supported(claim: str, passage: str) -> None:
    _passes(claim, passage)


@pytest.mark.parametrize(
    ("claim", "passage", "expected"),
    [
        ("The cover is up to £3.5m.", "The cover is up to £2,500,000.", "amount mismatch: 3.5m"),
        ("Refunds take 14 days.", "Refunds take three weeks.", "number mismatch: 14"),
        ("Refunds take 3 weeks.", "Refunds take a fortnight.", "number mismatch: 3"),
        ("The sale ends on 02/03.", "The sale ends on 1 March.", "date mismatch: 2/3 "),
        ("The sale ends on 30/03.", "The sale ends on 31 March.", "date mismatch: 30 March"),
    ],
)
def test_a_wrong_quantity_in_another_form_still_fails(
    claim: str, passage: str, expected: str
) -> None:
    assert reason(claim, passage).startswith(expected)


@pytest.mark.parametrize(
    "claim",
    ["Support is open 24/7.", "Costs are split 50/50.", "Customers rate it 10/10."],
)
def test_a_pair_of_numbers_without_a_date_word_is_no_date(claim: str) -> None:
    passage = "Support is open 24/7. Costs are split 50/50. Customers rate it 10/10."
    _passes(claim, passage)
