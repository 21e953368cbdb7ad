"""Everyday paraphrase in the word checks (``_grounding_paraphrase``): a synonym, a fixed
phrase or a price stated as a sum of money is no word the passage lacks,
while numbers, amounts, names and negation stay as strict as they were.

The sentences are written for these tests; none is a row of a benchmark.
"""

from __future__ import annotations

import pytest

from evalkit.scorers._grounding_paraphrase import canon, canon_words
from evalkit.scorers._grounding_stem import stem
from tests.helpers.grounding import reason, run


def _supported(text: str, passage: str) -> bool:
    return all(c["supported"] for c in run(text, passage).details["claims"])


@pytest.mark.parametrize(
    ("answer", "passage"),
    [
        ("You can cancel the contract online.", "You can terminate the contract online."),
        ("Returns are free of charge for members.", "Members get returns at no cost."),
        ("We reimburse the deposit by card.", "The deposit is refunded by card."),
        ("The fee is €40 per flight.", "Pets travel in the cabin for €40 per flight."),
        ("Parcels are dispatched the same day.", "Packages ship the same day."),
        ("The voucher is received by email.", "The voucher is sent by email."),
    ],
)
def test_everyday_paraphrase_is_no_missing_word(answer: str, passage: str) -> None:
    assert _supported(answer, passage)


@pytest.mark.parametrize(
    ("answer", "passage", "expected"),
    [
        (
            "You can cancel the contract within 30 days.",
            "You can terminate the contract within 14 days.",
            "number mismatch",
        ),
        ("The fee is €45 per flight.", "Pets travel in the cabin for €40 per flight.", "45"),
        (
            "Parcels are dispatched with Fastpost.",
            "Packages ship with Parcelo.",
            "entity mismatch",
        ),
        (
            "You cannot cancel the contract online at any time.",
            "You can terminate the contract online at any time.",
            "negation mismatch",
        ),
    ],
)
def test_hard_checks_stay_strict_under_paraphrase(answer: str, passage: str, expected: str) -> None:
    assert expected in reason(answer, passage)


def test_no_charge_is_free_never_a_fee() -> None:
    assert not _supported("Returns are at no charge.", "Returns carry a $5 fee.")
    assert canon_words(["returns", "are", "at", "no", "charge"]) == [canon(stem("returns")), "free"]


def test_only_a_sum_of_money_reads_as_a_price() -> None:
    assert not _supported("The fee is 40 per flight.", "Pets travel in the cabin, 40 per flight.")


@pytest.mark.parametrize(
    ("answer", "passage"),
    [
        ("The card is free, though only for students.", "The card is free only for students."),
        ("Members get a bag plus a seat.", "Members get a bag and a seat."),
    ],
)
def test_function_words_the_stop_list_lacks_are_no_content(answer: str, passage: str) -> None:
    assert _supported(answer, passage)


def test_a_function_word_does_not_excuse_a_content_word() -> None:
    assert not _supported("Members get a bag plus a coat.", "Members get a bag and a seat.")
