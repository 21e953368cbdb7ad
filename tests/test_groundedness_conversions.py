"""Units that convert exactly: "two weeks" is supported by "14 days", "3 weeks" is not.

Every case goes through the public scorer, the way a support answer is scored.
"""

from __future__ import annotations

import pytest

from evalkit.scorers._grounding_units import measures
from tests.helpers.grounding import reason, run


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("You have two weeks to return it.", "Returns are accepted within 14 days."),
        ("You have 2 weeks to return it.", "Returns are accepted within 14 days."),
        ("Returns are accepted within 14 days.", "Returns are accepted within two weeks."),
        ("Returns are accepted within 7 days.", "Returns are accepted within a week."),
        ("Refunds are processed within 48 hours.", "Refunds are processed within 2 days."),
        ("The warranty lasts 72 months.", "The warranty lasts 6 years."),
        ("The warranty lasts 2 years.", "The warranty lasts 24 months."),
        ("The warranty lasts a year and a half.", "The warranty lasts 18 months."),
        ("The onboarding call takes half an hour.", "The onboarding call takes 30 minutes."),
        ("The onboarding call takes 30 minutes.", "The onboarding call takes half an hour."),
        ("The onboarding call takes 90 minutes.", "The onboarding call takes 1.5 hours."),
        ("The onboarding call takes an hour and a half.", "The onboarding call takes 90 minutes."),
        ("A reset link expires after a day and a half.", "A reset link expires after 36 hours."),
        ("A reset link expires after 15 minutes.", "A reset link expires after 900 seconds."),
        ("A reset link expires after 1 day.", "A reset link expires after twenty-four hours."),
        ("A reset link expires after a quarter of an hour.", "A reset link expires after 15 min."),
        ("Parcels may weigh up to 1.5 kg.", "Parcels may weigh up to 1500 g."),
        ("Parcels may weigh up to 1,500 grams.", "Parcels may weigh up to 1.5 kilograms."),
        ("Each capsule holds 0.5 g of powder.", "Each capsule holds 500 mg of powder."),
        ("Pallets may weigh up to 2 tonnes.", "Pallets may weigh up to 2000 kg."),
        ("The bag weighs 2 lb.", "The bag weighs 32 oz."),
        ("The cable is 1.5 metres long.", "The cable is 150 cm long."),
        (
            "Delivery is free within 5 km of the store.",
            "Delivery is free within 5000 metres of the store.",
        ),
        ("The bottle holds 1.5 litres.", "The bottle holds 1500 ml."),
        ("The Pro plan includes 1 TB of storage.", "The Pro plan includes 1000 GB of storage."),
        ("The Pro plan includes 1 TB of storage.", "The Pro plan includes 1024 GB of storage."),
        ("Attachments may be up to 0.5 GB each.", "Attachments may be up to 500 MB each."),
    ],
)
def test_the_same_quantity_in_another_unit_supports_the_claim(claim: str, passage: str) -> None:
    score = run(claim, passage)
    assert score.value == 1.0, score.details["claims"]


@pytest.mark.parametrize(
    ("claim", "passage", "number"),
    [
        ("You have 3 weeks to return it.", "Returns are accepted within 14 days.", "3"),
        ("Refunds are processed within 36 hours.", "Refunds are processed within 2 days.", "36"),
        ("The warranty lasts 60 months.", "The warranty lasts 6 years.", "60"),
        ("Parcels may weigh up to 2 kg.", "Parcels may weigh up to 1500 g.", "2"),
        ("The bag weighs 2 lb.", "The bag weighs 30 oz.", "2"),
        ("The cable is 2 metres long.", "The cable is 150 cm long.", "2"),
        ("The bottle holds 2 litres.", "The bottle holds 1500 ml.", "2"),
        (
            "The Pro plan includes 2 TB of storage.",
            "The Pro plan includes 1000 GB of storage.",
            "2",
        ),
        ("The onboarding call takes 45 minutes.", "The onboarding call takes half an hour.", "45"),
    ],
)
def test_a_different_quantity_is_still_a_number_mismatch(
    claim: str, passage: str, number: str
) -> None:
    assert reason(claim, passage) == f"number mismatch: {number} not in passage p"


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        # days never meet months or years, nor weeks months: "30 days" is no "1 month"
        ("Returns are accepted within 1 month.", "Returns are accepted within 30 days."),
        ("Returns are accepted within 30 days.", "Returns are accepted within 1 month."),
        ("The warranty lasts 365 days.", "The warranty lasts 1 year."),
        ("The trial lasts 4 weeks.", "The trial lasts 1 month."),
        # a business day is no calendar day: it converts to nothing
        ("Refunds are issued within 1 week.", "Refunds are issued within 5 business days."),
        ("Refunds are issued within 1 week.", "Refunds are issued within 7 business days."),
        ("Refunds are issued within 1 week.", "Refunds are issued within five business days."),
        ("Refunds are issued within 120 hours.", "Refunds are issued within 5 business days."),
        # metric and imperial are approximate; a ton is short, long or metric
        ("Parcels may weigh up to 1 kg.", "Parcels may weigh up to 2.2 lb."),
        ("Pallets may weigh up to 1000 kg.", "Pallets may weigh up to 1 ton."),
        ("The cable is 1 m long.", "The cable is 3.3 feet long."),
        # currencies and percentages are compared as written
        ("The fee is 100 cents.", "The fee is $1."),
        ("The fee is £1.", "The bag weighs 16 oz."),
        ("Storage is 1000 MB.", "Storage is 1024 MB."),
    ],
)
def test_conversions_that_are_not_exact_are_not_made(claim: str, passage: str) -> None:
    assert reason(claim, passage).startswith("number mismatch"), claim


def test_a_spelled_quantity_that_differs_is_still_unsupported() -> None:
    # a passage that states the quantity otherwise contradicts it, as it would "3 weeks"
    assert reason("You have three weeks to return it.", "Returns are accepted within 14 days.") == (
        "number mismatch: three weeks not in passage p"
    )
    assert reason("The call takes half an hour.", "The call takes 45 minutes.")
    assert reason("Rates are charged twice a day.", "Rates are charged every 24 hours.")


@pytest.mark.parametrize(
    ("claim", "passage", "ok"),
    [
        ("Refunds are issued within 5 days.", "Refunds are issued within 5 business days.", False),
        ("Refunds are issued within 6 days.", "Refunds are issued within 5 business days.", False),
        ("The plan costs 29 pounds.", "The plan costs £29.", True),
        ("The plan costs £29.", "The plan costs 29 pounds.", True),
        ("The parcel may weigh 5 tons.", "The parcel may weigh 5 tonnes.", True),
        ("The warranty lasts 6 years.", "The warranty lasts 6 hours.", False),
        ("Kids under 6 years ride free.", "Kids under 6 ride free.", True),
    ],
)
def test_the_exact_unit_behaviour_is_kept_where_nothing_converts(
    claim: str, passage: str, ok: bool
) -> None:
    score = run(claim, passage)
    assert (score.value == 1.0) is ok, score.details["claims"]


def test_a_dozen_is_twelve() -> None:
    assert run("Orders of a dozen items ship free.", "Orders of 12 items ship free.").value == 1.0
    assert run("Orders of 12 items ship free.", "Orders of a dozen items ship free.").value == 1.0
    assert reason("Orders of 10 items ship free.", "Orders of a dozen items ship free.")


def test_a_converted_quantity_must_sit_where_the_claim_rests() -> None:
    # its words no longer place it, so the sentences the claim's other words rest on must
    passage = (
        "The Basic plan has a warranty of 1 year. The Pro plan has a warranty of 3 years. "
        "The Pro plan includes phone support."
    )
    assert run("On the Pro plan the warranty is 36 months.", passage).value == 1.0
    assert reason("On the Basic plan the warranty is 36 months.", passage) == (
        "number mismatch: 36 not in passage p"
    )
    shipping = "Orders to Canada arrive within 2 weeks. Orders to Mexico arrive within 30 days."
    assert run("Orders to Canada arrive within 14 days.", shipping).value == 1.0
    assert reason("Orders to Mexico arrive within 14 days.", shipping).startswith(
        "number mismatch: 14"
    )


def test_measures_are_exact_keys_on_one_scale() -> None:
    assert measures(2, "week") == measures(14, "day")[:1] == ("@s:1209600",)
    assert measures(6, "year") == measures(72, "month") == ("@mo:72",)
    assert measures(1, "gb") == ("@B:1000000000", "@iB:1073741824")
    assert measures(29, "dollar") == measures(15, "percent") == ()
