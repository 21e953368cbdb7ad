"""Quantities a support answer can misstate without changing a digit: a business day that
becomes a day, a letter that is no unit, a rate read as a count, a spelled number.

Every case goes through the public scorer, the way a support answer is scored.
"""

from __future__ import annotations

import pytest

from evalkit.scorers._grounding_text import number_keys, numbers
from tests.helpers.grounding import reason, run


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("Refunds are issued within 5 days.", "Refunds are issued within 5 business days."),
        ("Refunds are issued within 5 business days.", "Refunds are issued within 5 days."),
        ("Refunds are issued within 5 days.", "Refunds are issued within 5 working days."),
        (
            "Refunds are issued within 5 calendar days.",
            "Refunds are issued within 5 business days.",
        ),
        ("Orders ship in 3 days.", "Orders ship in 3 to 5 business days."),
        ("Refunds are issued within 5 days.", "Refunds are issued within five business days."),
    ],
)
def test_a_business_day_is_no_calendar_day(claim: str, passage: str) -> None:
    assert reason(claim, passage).startswith("number mismatch: "), claim


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("Refunds are issued within 5 days.", "Refunds are issued within 5 calendar days."),
        ("Refunds are issued within 5 calendar days.", "Refunds are issued within 5 days."),
        ("Refunds are issued within 5 working days.", "Refunds are issued within 5 business days."),
        ("Refunds are issued within 5 business days.", "Refunds are issued within 5 working days."),
        (
            "Refunds are issued within 5 business days.",
            "Refunds are issued within 5 business days.",
        ),
        ("Refunds are issued within 5 banking days.", "Refunds are issued within 5 business days."),
        ("Orders ship in 3 business days.", "Orders ship in 3 to 5 business days."),
    ],
)
def test_the_same_kind_of_day_still_matches(claim: str, passage: str) -> None:
    assert run(claim, passage).value == 1.0, claim


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("The crane lifts 5 t.", "tonne"),
        ("The crane lifts 5 t", "tonne"),
        ("The crane lifts 5t.", "tonne"),
        ("The crane lifts 5 t of steel.", "tonne"),
        ("Each pack holds 5 t-shirts.", ""),
        ("Each pack holds 5t-shirts.", ""),
        ("Each pack holds 5 T shirts.", ""),
        ("Each pack holds 5-6 t-shirts.", ""),
        ("We sold 10k t-shirts.", ""),
        ("The desk is 2 l-shaped units.", ""),
        ("Add 2 g of sugar.", "gram"),
    ],
)
def test_a_letter_is_a_unit_only_where_it_ends_the_quantity(text: str, unit: str) -> None:
    (first, *_) = numbers(text)
    assert first.keys[1:] == ((f"{first.keys[0]}@{unit}",) if unit else ()), first
    assert bool(first.measures) is bool(unit)


def test_a_spelled_number_before_a_letter_reads_it_the_same_way() -> None:
    assert "5@tonne" in number_keys("The crane lifts five t of steel.")
    assert "5@tonne" not in number_keys("Each pack holds five t shirts.")


def test_no_conversion_fires_on_a_word_that_is_no_unit() -> None:
    assert reason("Each pack holds 5t-shirts.", "The pallet holds 5000 kg.")
    assert reason("We sold 10k t-shirts.", "The pallet holds 10000000 kg.")
    assert run("The crane lifts 5 t.", "The crane lifts 5000 kg.").value == 1.0


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The Pro plan costs $10 a week.", "The Pro plan costs $10 per week."),
        ("The Pro plan costs $10 per week.", "The Pro plan costs $10 a week."),
        ("The Pro plan costs €10 a month.", "The Pro plan costs €10 per month."),
        ("Support is open 5 days a week.", "Support is open 5 days per week."),
        ("You may send 3 messages a day.", "You may send 3 messages per day."),
        ("Backups run twice a day.", "Backups run twice a day."),
    ],
)
def test_a_rate_is_supported_by_the_same_rate(claim: str, passage: str) -> None:
    assert run(claim, passage).value == 1.0, claim


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        # "a week" in a rate is no quantity of one week the passage must state
        (
            "The Pro plan costs $10 a week.",
            "The Pro plan costs $10 per week. Refunds take 10 days.",
        ),
        ("Support is open 5 days a week.", "Support is open 5 days per week. Trials last 2 weeks."),
    ],
)
def test_a_rate_is_no_quantity_to_match(claim: str, passage: str) -> None:
    assert run(claim, passage).value == 1.0, claim


def test_a_rate_in_the_passage_is_no_duration() -> None:
    # the passage's "$10 a week" states no period of 7 days
    passage = "Storage costs $10 a week after the trial."
    assert reason("Storage is free for 7 days after the trial.", passage).startswith(
        "number mismatch: 7"
    )


@pytest.mark.parametrize(
    ("claim", "passage", "shown"),
    [
        (
            "Returns are accepted within five days.",
            "Returns are accepted within 10 days.",
            "five days",
        ),
        (
            "Returns are accepted within two weeks.",
            "Returns are accepted within 10 days.",
            "two weeks",
        ),
        (
            "Returns are accepted within five days.",
            "Returns are accepted within 2 weeks.",
            "five days",
        ),
        (
            "Returns are accepted within three weeks.",
            "Returns are accepted within a week.",
            "three weeks",
        ),
        (
            "Refunds are issued within five days.",
            "Refunds are issued within 5 business days.",
            "five days",
        ),
        ("The call takes half an hour.", "The call takes 45 minutes.", "half an hour"),
    ],
)
def test_a_spelled_quantity_the_passage_states_otherwise_is_a_number_mismatch(
    claim: str, passage: str, shown: str
) -> None:
    assert reason(claim, passage) == f"number mismatch: {shown} not in passage p"


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("Returns are accepted within five days.", "Returns are accepted within 5 days."),
        ("Returns are accepted within two weeks.", "Returns are accepted within 14 days."),
        ("Returns are accepted within two weeks.", "Returns are accepted within two weeks."),
        (
            "Returns are accepted within five business days.",
            "Returns are accepted in 5 working days.",
        ),
    ],
)
def test_a_spelled_quantity_the_passage_states_is_supported(claim: str, passage: str) -> None:
    assert run(claim, passage).value == 1.0, claim


def test_a_spelled_quantity_the_passage_does_not_measure_stays_a_soft_check() -> None:
    # nothing of its kind to contradict it: the word checks decide, as before
    got = reason("Returns are accepted within two weeks.", "Returns are accepted with a receipt.")
    assert got.startswith("no support"), got
    # an article's "a week" is loose ("in a week or so"): never hard
    for loose in ("within a week", "within one week", "within a one-week window"):
        got = reason(f"Returns are accepted {loose}.", "Returns are accepted within 10 days.")
        assert not got.startswith("number mismatch"), got


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("New customers get 20% off.", "New customers get up to 20% off."),
        ("Members save $50 on repairs.", "Members save up to $50 on repairs."),
        ("Members save €50 on repairs.", "Members save as much as €50 on repairs."),
        ("The refund is 80% of the price.", "The refund is at most 80% of the price."),
    ],
)
def test_a_cap_dropped_from_an_amount_is_an_amount_mismatch(claim: str, passage: str) -> None:
    assert reason(claim, passage).startswith(("amount mismatch", "number mismatch")), claim


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("New customers get up to 20% off.", "New customers get up to 20% off."),
        ("New customers get up to 20% off.", "New customers get 20% off."),
        ("Members save up to $50 on repairs.", "Members save as much as $50 on repairs."),
        ("The maximum discount is 20%.", "The maximum discount is 20%."),
        ("The discount is 20% for members.", "The discount is 20% for members."),
    ],
)
def test_a_cap_kept_or_added_is_supported(claim: str, passage: str) -> None:
    assert run(claim, passage).value == 1.0, claim


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The Pro plan costs $29 per year.", "The Pro plan costs $29 per month."),
        ("The Pro plan costs $29/year.", "The Pro plan costs $29/month."),
        ("The Pro plan costs €29 a year.", "The Pro plan costs 29 EUR per month."),
        ("The Pro plan costs $29 monthly.", "The Pro plan costs $29 per year."),
        ("The Pro plan costs $29 per user per year.", "The Pro plan costs $29 per user/month."),
        ("Late payments accrue 2% per year.", "Late payments accrue 2% per month."),
    ],
)
def test_an_amount_per_another_period_is_a_mismatch(claim: str, passage: str) -> None:
    assert reason(claim, passage).startswith(("amount mismatch", "number mismatch")), claim


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The Pro plan costs $29 per month.", "The Pro plan costs $29/month."),
        ("The Pro plan costs $29 a month.", "The Pro plan costs $29 monthly."),
        ("The Pro plan costs $29/mo.", "The Pro plan costs $29 per month."),
        ("The Pro plan costs €29 per month.", "The Pro plan costs 29 EUR a month."),
        ("The Pro plan costs $29 per user per month.", "The Pro plan costs $29 per seat/month."),
        ("The Pro plan costs $29 per month.", "The Pro plan costs $29."),
        ("The Pro plan costs $29.", "The Pro plan costs $29 per month."),
        ("The Pro plan costs $29 per year.", "The Pro plan costs $29 per month or $29 per year."),
    ],
)
def test_an_amount_per_the_same_or_an_unstated_period_is_supported(
    claim: str, passage: str
) -> None:
    assert run(claim, passage).value == 1.0, claim


def test_the_reason_names_the_cap_or_the_period() -> None:
    assert reason("New customers get 20% off.", "New customers get up to 20% off.") == (
        "amount mismatch: 20% not in passage p, which says up to 20%"
    )
    assert reason("The Pro plan costs $29 per year.", "The Pro plan costs $29 per month.") == (
        "amount mismatch: $29 per year not in passage p"
    )


@pytest.mark.parametrize(
    ("claim", "passage", "ok"),
    [
        ("The Pro plan costs €29.99 per month.", "The Pro plan costs 29,99 € per month.", True),
        ("The Pro plan costs €29.99 per month.", "The Pro plan costs €29,99 per month.", True),
        ("The Pro plan costs €29.90 per month.", "The Pro plan costs 29,99 € per month.", False),
        ("The Pro plan costs €29.99 a month.", "The Pro plan costs 29,99 € per year.", False),
        ("The Pro plan costs €2,999 per year.", "The Pro plan costs €2,999 per year.", True),
        ("The Pro plan costs €2999 per year.", "The Pro plan costs €2,999 per year.", True),
    ],
)
def test_a_decimal_comma_in_an_amount_is_its_cents(claim: str, passage: str, ok: bool) -> None:
    score = run(claim, passage)
    assert (score.value == 1.0) is ok, score.details["claims"]


@pytest.mark.parametrize(
    ("claim", "passage", "ok"),
    [
        ("Orders placed before 12 pm ship today.", "Orders placed before noon ship today.", True),
        ("Orders placed before noon ship today.", "Orders placed before 12:00 ship today.", True),
        ("Orders placed before 11 am ship today.", "Orders placed before noon ship today.", False),
        ("Orders placed before noon ship today.", "Orders placed before 11 am ship today.", False),
        ("Orders placed by midnight ship today.", "Orders placed by 12 am ship today.", True),
        ("Orders placed by 12 pm ship today.", "Orders placed by midnight ship today.", False),
    ],
)
def test_noon_and_midnight_are_clock_times(claim: str, passage: str, ok: bool) -> None:
    score = run(claim, passage)
    assert (score.value == 1.0) is ok, score.details["claims"]
    if not ok:
        assert str(score.details["claims"][0]["reason"]).startswith("time mismatch")
