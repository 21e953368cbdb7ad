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


# --- per-period restatements, percentages, rounding -----------------------------------------


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The plan costs £120 per year.", "The plan costs £10 per month."),
        ("The plan costs £10 a month.", "The plan costs £120 a year."),
        ("The plan costs £30 per quarter.", "The plan costs £10 per month."),
        ("Parking costs £35 per week.", "Parking costs £5 per day."),
        ("Members pay 75% of the price.", "Members get 25% off the price."),
        ("50% of the deposit is refunded.", "Half of the deposit is refunded."),
        ("Half of the deposit is refunded.", "50% of the deposit is refunded."),
        ("The fee is £63.18.", "The fee is £63.175."),
        ("The battery lasts about 5 hours.", "The battery lasts 4.96 hours."),
        ("The fee is about £63.", "The fee is £63.18."),
    ],
)
def test_a_restated_rate_percentage_or_rounding_is_supported(claim: str, passage: str) -> None:
    _passes(claim, passage)


@pytest.mark.parametrize(
    ("claim", "passage", "expected"),
    [
        ("The plan costs £100 per year.", "The plan costs £10 per month.", "number mismatch: 100"),
        ("The plan costs €120 per year.", "The plan costs £10 per month.", "number mismatch: 120"),
        ("Parking costs £2.50 a week.", "Parking costs £10 a month.", "number mismatch: 2.50"),
        ("Members pay 80% of the price.", "Members get 25% off the price.", "amount mismatch: 80%"),
        ("Members get 75% off the price.", "Members get 25% off the price.", "amount mismatch"),
        ("25% of the deposit is refunded.", "Half of the deposit is refunded.", "amount mismatch"),
        ("The fee is £63.17.", "The fee is £63.175.", "number mismatch: 63.17"),
        ("The battery lasts 5 hours.", "The battery lasts 4.96 hours.", "number mismatch: 5"),
        ("The fee is about £64.", "The fee is £63.18.", "number mismatch: 64"),
        ("The fee is about £70.", "The fee is £63.18.", "number mismatch: 70"),
    ],
)
def test_a_wrong_rate_percentage_or_rounding_still_fails(
    claim: str, passage: str, expected: str
) -> None:
    assert reason(claim, passage).startswith(expected)


# --- figures worked out with one stated operation ----------------------------------------------

_KIT = "The kit costs £20. Delivery costs £5."
_JACKET = "The jacket costs £50. Members get 20% off."
_ROOM = "The room costs £100 and can be split between guests."
_BOOKING = "The total is £100. A deposit of £20 is due at booking."


@pytest.mark.parametrize(
    ("claim", "passage", "question"),
    [
        ("Two tickets cost £30 in total.", "Each ticket costs £15.", "question"),
        ("With the £5 delivery fee, your total is £25.", _KIT, "question"),
        ("With 20% off, the jacket costs £40.", _JACKET, "question"),
        ("After the deposit you owe £80.", _BOOKING, "question"),
        ("Split between 4 guests, the room costs £25 each.", _ROOM, "We are 4 guests."),
        (
            "Gold members get 3 more days, 17 days in total.",
            "Standard returns are 14 days; Gold members get 3 extra days.",
            "question",
        ),
    ],
)
def test_a_figure_worked_out_with_a_stated_operation_is_supported(
    claim: str, passage: str, question: str
) -> None:
    _passes(claim, passage, question)


@pytest.mark.parametrize(
    ("claim", "passage", "expected"),
    [
        ("Two tickets cost £32 in total.", "Each ticket costs £15.", "number mismatch: 32"),
        ("Your total is £27.", _KIT, "number mismatch: 27"),
        ("With 20% off, the jacket costs £45.", _JACKET, "number mismatch: 45"),
        ("After the deposit you owe £75.", _BOOKING, "number mismatch: 75"),
        # the right figure, but no word of the claim states the operation
        ("The kit costs £25.", _KIT, "number mismatch: 25"),
        ("The deposit is £80.", _BOOKING, "number mismatch: 80"),
        # a sum of pounds is never a number of days
        ("Delivery takes 25 days in total.", _KIT, "number mismatch: 25"),
        # a whole figure from a share needs an approximation word
        ("Split between three guests, the room costs £33 each.", _ROOM, "number mismatch: 33"),
    ],
)
def test_a_wrong_or_unstated_working_still_fails(claim: str, passage: str, expected: str) -> None:
    assert reason(claim, passage).startswith(expected)


def test_a_share_at_the_claims_precision_is_supported() -> None:
    _passes("Split between three guests, the room costs £33.33 each.", _ROOM)


def test_a_bare_figure_is_not_a_product_of_the_passages_bare_numbers() -> None:
    passage = "Each box holds 12 jars. A pallet takes 8 boxes."
    assert reason("A pallet holds 96 jars in total.", passage).startswith("number mismatch: 96")
