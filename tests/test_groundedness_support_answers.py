"""Groundedness on ordinary customer-support answers: what a number's own words say (its
qualifier, a phone number's form, a currency prefix, a price floor)."""

from __future__ import annotations

import pytest

from tests.helpers.grounding import reason, run

# -- a number's qualifier ("30 days of delivery") is part of what the claim asserts


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        (
            "Returns are accepted within 30 days of delivery.",
            "Returns are accepted within 30 days of purchase.",
        ),
        (
            "You can return unused items within 30 days of delivery.",
            "You can return unused items within 30 days of purchase for a full refund.",
        ),
        (
            "Refunds are issued within 14 days after inspection.",
            "Refunds are issued within 14 days after cancellation.",
        ),
        (
            "The warranty covers 2 years from the activation date.",
            "The warranty covers 2 years from the purchase date.",
        ),
    ],
)
def test_a_novel_word_qualifying_a_number_is_a_number_mismatch(claim: str, passage: str) -> None:
    assert reason(claim, passage).startswith("number mismatch"), claim


def test_the_qualifier_reason_says_what_the_passage_states() -> None:
    got = reason(
        "Returns are accepted within 30 days of delivery.",
        "Returns are accepted within 30 days of purchase.",
    )
    assert got == "number mismatch: 30 days of delivery: passage p says 30 days of purchase"


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        (
            "Returns are accepted within 30 days of delivery.",
            "Returns are accepted within 30 days of delivery.",
        ),
        (
            "Returns are accepted within 30 days of delivery.",
            "Returns are accepted within 30 days from the delivery date.",
        ),
        (
            "Returns are accepted within 30 days from the date of purchase.",
            "Returns are accepted within 30 days of purchase.",
        ),
        (
            "You get 50 GB of storage on the Pro plan.",
            "The Pro plan includes 50 GB of storage.",
        ),
    ],
)
def test_a_qualifier_the_passage_states_is_supported(claim: str, passage: str) -> None:
    assert run(claim, passage).value == 1.0, claim


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        (
            "Unused items can be returned within 14 days after delivery for a full refund.",
            "Unused items can be returned within 14 days of receiving the order for a full refund.",
        ),
        (
            "Returns are accepted within 30 days of your order.",
            "Returns are accepted within 30 days of purchase.",
        ),
        (
            "Bookings can be cancelled free of charge within 24 hours of ordering.",
            "Bookings can be cancelled free of charge within 24 hours of purchase.",
        ),
    ],
)
def test_another_name_for_the_same_anchor_is_supported(claim: str, passage: str) -> None:
    assert run(claim, passage).value == 1.0, reason(claim, passage)


def test_names_of_different_anchors_stay_apart() -> None:
    # receipt (delivery) and order (purchase) name different events: a different policy
    got = reason(
        "Returns are accepted within 30 days of receipt.",
        "Returns are accepted within 30 days of your order.",
    )
    assert got.startswith("number mismatch: 30 days of receipt"), got


def test_an_anchor_the_passage_does_not_state_is_a_number_mismatch() -> None:
    got = reason(
        "Returns are accepted within 30 days of delivery.", "Returns are accepted within 30 days."
    )
    assert got == "number mismatch: 30 days of delivery not in passage p"


def test_of_after_a_unit_that_is_no_period_says_what_it_is() -> None:
    # "of storage" names what the 50 GB are, not where they count from
    got = run("The Pro plan includes 50 GB of storage.", "The Pro plan includes 50 gigabytes.")
    assert got.value == 1.0


def test_a_novel_word_elsewhere_keeps_its_tolerance() -> None:
    # one novel word ("quickly") that qualifies no number is within the word checks' coverage
    claim = "Customers may quickly return unused items within 30 days of purchase for a refund."
    passage = "Customers may return unused items within 30 days of purchase for a full refund."
    assert run(claim, passage).value == 1.0


# -- phone numbers: one normalised token, national and international forms alike


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("Call us at +1 800 555 0199.", "Call our support line at (800) 555-0199."),
        ("Call us at (800) 555-0199.", "Call our support line at +1 800 555 0199."),
        ("Call us at 1-800-555-0199.", "Call our support line at 800-555-0199."),
        ("Call us at 800.555.0199.", "Call our support line at +1 (800) 555-0199."),
        ("Call us at +44 20 7946 0958.", "Call our London office at 020 7946 0958."),
        ("Call us at 020 7946 0958.", "Call our London office at +44 20 7946 0958."),
        ("Call us at +44 (0)20 7946 0958.", "Call our London office at 020 7946 0958."),
    ],
)
def test_national_and_international_forms_of_a_phone_number_match(claim: str, passage: str) -> None:
    assert run(claim, passage).value == 1.0, claim


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("Call us at +1 800 555 0198.", "Call our support line at (800) 555-0199."),
        ("Call us at (800) 555-0198.", "Call our support line at +1 800 555 0199."),
        ("Call us at +44 20 7946 0959.", "Call our London office at 020 7946 0958."),
        ("Call us at 020 7946 0959.", "Call our London office at +44 20 7946 0958."),
        ("Call us at +45 20 7946 0958.", "Call our London office at +44 20 7946 0958."),
        ("Call us at (801) 555-0199.", "Call our support line at (800) 555-0199."),
    ],
)
def test_a_wrong_digit_in_a_phone_number_fails(claim: str, passage: str) -> None:
    assert reason(claim, passage).startswith("number mismatch"), claim


def test_a_phone_number_in_a_longer_claim_is_one_token() -> None:
    passage = "Support is available at (800) 555-0199 from 9 am to 5 pm on weekdays."
    assert run("Support is available at +1 800 555 0199 on weekdays.", passage).value == 1.0
    got = reason("Support is available at +1 800 555 0190 on weekdays.", passage)
    assert got == "number mismatch: +1 800 555 0190 not in passage p"


def test_a_wrong_phone_number_is_named_whole() -> None:
    got = reason("Call us at +44 20 7946 0959.", "Call our London office at 020 7946 0958.")
    assert got == "number mismatch: +44 20 7946 0959 not in passage p"


# -- a currency prefix ("CA$29") is part of the amount, not a name


@pytest.mark.parametrize("prefix", ["CA", "US", "A", "AU", "NZ", "HK", "S", "C"])
def test_a_dollar_prefix_is_a_currency_not_a_name(prefix: str) -> None:
    claim = f"The Basic plan costs {prefix}$29 per month."
    assert run(claim, "The Basic plan costs $29 per month.").value == 1.0, claim
    # the amount is still checked, with its period
    got = reason(claim.replace("29", "39"), "The Basic plan costs $29 per month.")
    assert got.startswith(("amount mismatch: ", "number mismatch: 39 ")), claim
    got = reason(claim.replace("month", "year"), "The Basic plan costs $29 per month.")
    assert got.startswith("amount mismatch") and "per year" in got, claim


def test_a_prefixed_amount_in_the_passage_supports_the_same_amount() -> None:
    assert run("The Basic plan costs $29 a month.", "The Basic plan costs NZ$29/month.").value == 1
    assert run("The Basic plan costs CA$29.", "The Basic plan costs 29 CAD.").value == 1.0
    assert reason("New members save CA$50.", "New members save up to CA$50.").startswith(
        "amount mismatch"
    )


def test_a_capital_before_a_dollar_sign_in_a_longer_name_is_still_a_name() -> None:
    # only the prefix right before "$" is the currency: the name before it is still checked
    assert reason(
        "Acme Pro CA$29 is the price.", "The Basic plan costs CA$29 per month."
    ).startswith("entity mismatch: Acme Pro")


# -- price floors ("from $10", "starting at $10")


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("Plans start at $10 per month.", "Plans are available from $10 per month."),
        ("Plans start at $10 per month.", "Plans start from $10 per month."),
        ("Prices start from $10 per month.", "Plans are available starting at $10 per month."),
        ("Plans start at $10 per month.", "Plans cost as little as $10 per month."),
        ("Plans cost from $10 per month.", "Plans start at $10 per month."),
    ],
)
def test_a_floor_restated_as_a_floor_is_supported(claim: str, passage: str) -> None:
    assert run(claim, passage).value == 1.0, claim


def test_a_floor_the_passage_does_not_state_is_no_amount_mismatch() -> None:
    # the amount holds (a floor is weaker than a price, as "up to" is weaker than a plain
    # amount); whether "start" is a paraphrase is left to the word checks
    got = reason("Plans start at $10 per month.", "The Basic plan costs $10 per month.")
    assert not got.startswith(("amount mismatch", "number mismatch")), got


def test_a_range_is_no_floor() -> None:
    # "from $10 to $50" states a range: a plain "$10" is left as it was (one end of it)
    passage = "The Basic plan costs from $10 to $50 per month, depending on seats."
    assert run("The Basic plan costs $10 per month.", passage).value == 1.0


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("Plans start at $12 per month.", "Plans are available from $10 per month."),
        ("The plan costs $12 per month.", "Plans start at $10 per month."),
        ("The plan costs $12.", "Plans start at $10."),
    ],
)
def test_a_floor_supports_no_other_amount(claim: str, passage: str) -> None:
    assert reason(claim, passage).startswith("amount mismatch"), claim


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The plan costs $10 per month.", "Plans start at $10 per month."),
        ("The plan costs $10 per month.", "Plans are available from $10 per month."),
        ("Plans cost $10 per month.", "Plans cost as low as $10 per month."),
    ],
)
def test_a_floor_stated_as_the_price_drops_the_hedge(claim: str, passage: str) -> None:
    assert reason(claim, passage) == (
        "amount mismatch: $10 not in passage p, which says from $10"
    ), claim


# -- dollar currencies are kept apart where both sides say which dollar


@pytest.mark.parametrize(
    ("claim", "passage", "says"),
    [
        ("The plan costs CA$29.", "The plan costs US$29.", "US$29"),
        ("The plan costs C$29 per month.", "The plan costs NZ$29 per month.", "NZ$29"),
        ("The plan costs US$29.", "The plan costs 29 AUD.", "A$29"),
        ("The plan costs A$29.", "The plan costs AUD 29.", None),
        ("The plan costs S$29.", "The plan costs HK$29.", "HK$29"),
        ("The plan costs HK$29.", "The plan costs 29 SGD.", "S$29"),
        ("Add-ons cost CA$10 to CA$20.", "Add-ons cost US$10 to US$20.", "US$10"),
        ("Refunds are paid up to US$50.", "Refunds are paid up to CA$50.", "CA$50"),
        ("Plans start from A$10 per month.", "Plans start from US$10 per month.", "US$10"),
        ("The fund holds CA$5 million.", "The fund holds US$5 million.", "US$5"),
        ("The fund holds CA$5m.", "The fund holds US$5 million.", "US$5m"),
    ],
)
def test_a_claims_dollar_against_another_named_dollar_is_an_amount_mismatch(
    claim: str, passage: str, says: str | None
) -> None:
    if says is None:  # the same dollar in two spellings
        assert run(claim, passage).value == 1.0, claim
        return
    got = reason(claim, passage)
    assert got.startswith("amount mismatch: "), got
    assert got.endswith(f" not in passage p, which says {says}"), got


@pytest.mark.parametrize(
    ("claim", "passage", "says"),
    [
        (
            "The plan costs 29 CAD.",
            "The plan costs US$29.",
            "29 CAD not in passage p, which says US$29",
        ),
        (
            "The plan costs $29 CAD.",
            "The plan costs US$29.",
            "$29 CAD not in passage p, which says US$29",
        ),
        (
            "Add-ons cost 10 to 20 CAD.",
            "Add-ons cost 10 to 20 USD.",
            "10 not in passage p, which says US$10",
        ),
        ("The fee is 29usd.", "The fee is CA$29.", "29usd not in passage p, which says CA$29"),
        (
            "The plan costs 29 Canadian dollars.",
            "The plan costs 29 US dollars.",
            "29 not in passage p, which says US$29",
        ),
    ],
)
def test_a_currency_code_or_name_after_the_amount_says_which_dollar(
    claim: str, passage: str, says: str
) -> None:
    got = reason(claim, passage)
    assert got.startswith(("amount mismatch: ", "number mismatch: ")), got
    assert got.endswith(says), got


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The plan costs CA$29.", "The plan costs C$29."),
        ("The plan costs CA$29 per month.", "The plan costs 29 CAD per month."),
        ("The plan costs 29 CAD.", "The plan costs CA$29."),
        ("The plan costs $29 CAD.", "The plan costs CA$29."),
        ("The plan costs A$29.", "The plan costs AU$29."),
        ("The plan costs NZ$29.", "The plan costs NZD 29."),
        ("The plan costs US$29.", "The plan costs 29 USD."),
        ("The plan costs US$29.", "The plan costs 29 US dollars."),
        ("Add-ons cost CA$10 to CA$20.", "Add-ons cost 10 to 20 CAD."),
        ("Refunds are paid up to US$50.", "Refunds are paid up to 50 USD."),
        ("The fund holds CA$5 million.", "The fund holds 5 million CAD."),
        # a plain dollar on either side matches any dollar
        ("The plan costs US$29.", "The plan costs $29."),
        ("The plan costs CA$29 per month.", "The plan costs 29 dollars per month."),
        ("The plan costs $29.", "The plan costs CA$29."),
        ("The plan costs 29 dollars.", "The plan costs HK$29."),
        ("Add-ons cost CA$10 to CA$20.", "Add-ons cost $10 to $20."),
        ("Refunds are paid up to CA$50.", "Refunds are paid up to $50."),
        ("Plans start from A$10 per month.", "Plans start from $10 per month."),
        ("The fund holds CA$5 million.", "The fund holds $5 million."),
        ("The fund holds CA$5m.", "The fund holds $5m."),
    ],
)
def test_the_same_dollar_or_a_plain_one_supports_it(claim: str, passage: str) -> None:
    got = run(claim, passage)
    assert got.value == 1.0, got.details["claims"]


def test_a_passage_with_regional_prices_supports_only_the_right_region() -> None:
    passage = "The Basic plan costs US$29 per month in the US store and CA$39 per month in Canada."
    assert run("The Basic plan costs CA$39 per month in Canada.", passage).value == 1.0
    got = reason("The Basic plan costs CA$29 per month in Canada.", passage)
    assert got == "amount mismatch: CA$29 not in passage p, which says US$29", got
    # a plain dollar in the passage still supports any dollar, beside a named one
    both = "Basic costs $29 per month. Pro costs US$49 per month."
    assert run("Basic costs CA$29 per month.", both).value == 1.0
    assert reason("Pro costs CA$49 per month.", both).startswith("amount mismatch: CA$49")
