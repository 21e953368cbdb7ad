"""Numbers with units: "6 years" is not supported by "6 hours", but by "six years" or a bare 6."""

from __future__ import annotations

import pytest

from evalkit.scorers._grounding_text import fold, number_keys, numbers
from evalkit.scorers._grounding_units import has_number, unit_after
from tests.helpers.grounding import reason, run


def test_a_number_with_another_unit_in_the_passage_is_a_number_mismatch() -> None:
    passage = "Children ride free. Refunds are processed in 4 to 6 hours."
    assert reason("Children under 6 years ride free.", passage) == (
        "number mismatch: 6 not in passage p"
    )
    assert run("Refunds are processed in 6 hours.", passage).value == 1.0
    assert reason("Refunds are processed in 6 days.", passage).startswith("number mismatch: 6")


@pytest.mark.parametrize(
    "written",
    [
        "Children under 6 years ride free.",
        "Children under six years ride free.",
        "Children under 6 yrs ride free.",
        "Children under 6-year-old age ride free.",
        "Children under 6 ride free.",  # a bare number counts anything
        "Children under six ride free.",
    ],
)
def test_the_same_number_with_the_same_unit_or_none_supports_it(written: str) -> None:
    assert run("Children under 6 years ride free.", written).value == 1.0, written


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("Every laptop has a 2-year warranty.", "Every laptop has a 2 year warranty."),
        ("Every laptop has a 2 year warranty.", "Every laptop has a 2-year warranty."),
        ("Every laptop has a 2 yr warranty.", "Every laptop has a two-year warranty."),
    ],
)
def test_other_spellings_of_the_unit_match(claim: str, passage: str) -> None:
    assert run(claim, passage).value == 1.0, claim
    wrong = claim.replace("year", "month").replace("yr", "month")
    assert reason(wrong, passage).startswith("number mismatch: 2")


@pytest.mark.parametrize(
    ("claim", "passage", "ok"),
    [
        ("The plan costs €29 per month.", "The plan costs 29 EUR per month.", True),
        ("The plan costs 29 euros per month.", "The plan costs €29 per month.", True),
        ("The plan costs $29 per month.", "The plan costs 29 USD per month.", True),
        ("The plan costs $29 per month.", "The plan costs €29 per month.", False),
        ("The plan costs €29 per month.", "The plan costs £29 per month.", False),
        ("The late fee is 15%.", "The late fee is 15 percent.", True),
        ("The late fee is 15%.", "The late fee is due within 15 days.", False),
        (
            "The Pro plan includes 50 GB of storage.",
            "The Pro plan includes 50 MB of storage.",
            False,
        ),
        ("The Pro plan includes 50 GB of storage.", "The Pro plan includes 50 gigabytes.", True),
        ("The parcel may weigh up to 20 kg.", "The parcel may weigh up to 20 lb.", False),
        ("Support replies within 2 weeks.", "Support replies within two weeks.", True),
        ("Support replies within 2 months.", "Support replies within two weeks.", False),
        ("Support replies within 48 hours.", "Support replies within 48h.", True),
        ("Support replies within 48 minutes.", "Support replies within 48h.", False),
    ],
)
def test_currencies_percentages_and_measures_are_units(claim: str, passage: str, ok: bool) -> None:
    score = run(claim, passage)
    assert (score.value == 1.0) is ok, score.details["claims"]
    if not ok:
        assert "mismatch" in str(score.details["claims"][0]["reason"])


def test_a_ranges_unit_is_its_starts_unit_too() -> None:
    passage = "Standard shipping takes 3 to 5 business days. Express takes 1-2 days."
    for good in ("Standard shipping takes 3 business days.", "Express takes 1 day."):
        assert run(good, passage).value == 1.0, good
    for bad in ("Standard shipping takes 3 weeks.", "Express takes 1 hour."):
        assert reason(bad, passage).startswith("number mismatch"), bad
    assert unit_after(fold("between 4 and 6 hours"), len("between 4")) == "hour"
    assert unit_after(fold("4 people and 6 hours"), 1) == ""


def test_a_clock_time_is_no_count_of_hours() -> None:
    passage = "The store opens at 9 am and closes at 6 pm."
    assert run("The store opens at 9.", passage).value == 1.0
    assert reason("The store is open 9 hours a day.", passage).startswith("number mismatch: 9")


def test_dates_scales_and_versions_keep_their_keys() -> None:
    def keys(text: str) -> list[tuple[str, ...]]:
        return [m.keys for m in numbers(text)]

    assert keys("on March 5") == [("5", "mar 5")]
    assert keys("$5 million") == [("5000000", "5000000@dollar")]
    assert keys("10k requests") == [("10000",)]
    assert keys("version 2.4.1") == [("2.4.1",)]
    assert keys("a 12-month warranty") == [("12", "12@month")]


def test_a_named_dollar_has_a_country_key_and_a_plain_one_holds_any() -> None:
    def keys(text: str) -> list[tuple[str, ...]]:
        return [m.keys for m in numbers(text)]

    assert keys("CA$29") == [("29", "29@dollar", "29@dollar=cad")]
    assert keys("29 CAD") == keys("C$29") == keys("$29 CAD") == [m for m in keys("CA$29")]
    assert keys("US$29 a month")[0] == ("29", "29@dollar", "29@dollar/month", "29@dollar=usd")
    assert keys("$29") == [("29", "29@dollar")]  # a claim's plain dollar: any dollar
    assert keys("$5 million") == [("5000000", "5000000@dollar")]
    assert "29@dollar=" in number_keys("It costs $29.")  # a passage's plain dollar holds any
    assert "29@dollar=aud" in number_keys("It costs 29 Australian dollars.")
    usd = number_keys("It costs US$29.")
    assert has_number(usd, "29@dollar") and has_number(usd, "29@dollar=usd")
    assert not has_number(usd, "29@dollar=cad")
    assert has_number(number_keys("It costs $29."), "29@dollar=cad")
    assert has_number(number_keys("It costs 29."), "29@dollar=cad")  # a bare number, as before


def test_phone_numbers_dates_and_times_keep_their_keys_beside_a_named_dollar() -> None:
    text = "Call +1 800 555 0199 by March 5 at 15:00 to pay US$29."
    assert [m.keys for m in numbers(text)] == [
        ("tel:8005550199", "tel:8005550199@cc/1"),
        ("5", "mar 5"),
        ("15:00",),
        ("29", "29@dollar", "29@dollar=usd"),
    ]
