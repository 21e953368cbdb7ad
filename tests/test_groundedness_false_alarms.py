"""Groundedness on faithful support answers: the false alarms a support assistant's ordinary
wording raised (phone numbers before a comma, courtesy sentences, plain-text tables, ...),
each beside the hallucination of the same kind that must still fail.

The sentences are written for these tests; none is a row of a benchmark.
"""

from __future__ import annotations

import pytest

from tests.helpers.grounding import run


def _claims(text: str, passage: str, question: str = "question") -> list[dict[str, object]]:
    return list(run(text, passage, question).details["claims"])


def _unsupported(text: str, passage: str, question: str = "question") -> list[str]:
    return [str(c["text"]) for c in _claims(text, passage, question) if not c["supported"]]


# -- phone numbers: a comma right after the number does not split it into its groups

_HOTLINE = "For billing questions call 1-888-555-0143 between 8 a.m. and 6 p.m. on weekdays."


@pytest.mark.parametrize(
    "answer",
    [
        "For billing questions call 1-888-555-0143, between 8 a.m. and 6 p.m. on weekdays.",
        "For billing questions call (888) 555-0143, between 8 a.m. and 6 p.m. on weekdays.",
    ],
)
def test_a_phone_number_followed_by_a_comma_is_one_number(answer: str) -> None:
    assert _unsupported(answer, _HOTLINE) == []


def test_a_wrong_digit_in_a_phone_number_before_a_comma_still_fails() -> None:
    (claim,) = _claims(
        "For billing questions call 1-888-555-0134, between 8 a.m. and 6 p.m. on weekdays.",
        _HOTLINE,
    )
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith("number mismatch: 1-888-555-0134")


# -- courtesy: sympathy, reassurance and well-wishing state nothing the context could support

_PARCELS = "Parcels lost in transit are refunded in full once the courier confirms the loss."


@pytest.mark.parametrize(
    "courtesy",
    [
        "I'm so sorry to hear that!",
        "Sorry about the wait.",
        "No worries.",
        "Don't worry.",
        "Not yet, I'm afraid.",
        "Enjoy your holiday!",
        "Have a lovely weekend!",
        "Thanks for your patience.",
    ],
)
def test_a_courtesy_sentence_is_no_claim(courtesy: str) -> None:
    answer = f"{courtesy} Parcels lost in transit are refunded in full."
    claims = _claims(answer, _PARCELS)
    assert [c["text"] for c in claims] == ["Parcels lost in transit are refunded in full."]


@pytest.mark.parametrize(
    "sentence",
    [
        "Sorry about the $12 handling fee.",  # a number: checked
        "Sorry, Platinum members are refunded twice.",  # a name: checked
        "Enjoy your free upgrade!",  # more than a pleasantry's object
        "Sorry about the delay caused by the courier strike in the north last week.",
    ],
)
def test_courtesy_wrapped_round_a_fact_is_still_checked(sentence: str) -> None:
    assert sentence in _unsupported(sentence, _PARCELS)


# -- tokenisation: a word is read as the word it is


def test_apply_is_not_app() -> None:
    passage = "A late fee of $8 is added to the account when a payment is missed."
    answer = "If you miss a payment, a late fee of $8 will apply to the account."
    assert "app" not in str(_claims(answer, passage)[0].get("reason", ""))


def test_a_capital_inside_a_unit_is_no_name() -> None:
    passage = "The off-peak rate is 9.2p/kWh from midnight to 5 a.m."
    (claim,) = _claims("The off-peak rate is 9.2p per kWh from midnight to 5 a.m.", passage)
    assert claim["supported"] is True, claim


@pytest.mark.parametrize(("code", "ok"), [("ISO9001", True), ("ISO9002", False)])
def test_a_letters_and_digits_code_matches_its_parts_written_apart(code: str, ok: bool) -> None:
    passage = "Our warehouse is certified under ISO standard 9001 for quality management."
    (claim,) = _claims(f"Our warehouse is certified under {code} for quality management.", passage)
    assert claim["supported"] is ok, claim


def test_a_weekday_abbreviation_is_its_day() -> None:
    passage = "The helpline is open Monday to Friday 9am-5pm and Saturday 10am-2pm."
    (claim,) = _claims("The helpline is open Mon-Fri 9am-5pm and Sat 10am-2pm.", passage)
    assert claim["supported"] is True, claim


# -- plain-text tables: a header line of words over rows of cells, with no "|---|" line

_PLAIN_TABLE = """Membership | Yearly fee | Free guest passes | Towel service
Basic | £120 | 2 | No
Plus | £240 | 6 | Yes
Premier | £420 | 12 | Yes

Fees are charged on the day you join."""


@pytest.mark.parametrize(
    "answer",
    [
        "Plus membership has a yearly fee of £240.",
        "Premier comes with 12 free guest passes.",
        "Basic includes 2 free guest passes, Plus 6 and Premier 12.",
    ],
)
def test_a_fact_read_from_a_plain_text_row_is_supported(answer: str) -> None:
    assert _unsupported(answer, _PLAIN_TABLE) == []


@pytest.mark.parametrize(
    "answer",
    [
        "Plus membership has a yearly fee of £420.",  # the Premier row's fee
        "Basic comes with 6 free guest passes.",  # the Plus row's passes
    ],
)
def test_a_fact_from_another_row_of_a_plain_text_table_still_fails(answer: str) -> None:
    assert _unsupported(answer, _PLAIN_TABLE) == [answer]


def test_lines_with_pipes_of_different_shapes_are_no_table() -> None:
    from evalkit.scorers._grounding_tables import read_tables

    text = "Open | Closed\nWeekdays 9-5 | Sundays | Holidays\nCall us any time."
    assert read_tables(text).rows == ()


# -- negation: a bound is no negation, a restriction licenses negating what it leaves out


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("Each parcel must be no heavier than 20 kg.", True),
        ("Each parcel must not be heavier than 20 kg.", True),
        ("Heavier parcels are not refused at the counter.", False),
    ],
)
def test_a_bound_written_with_no_or_not_is_no_negation(answer: str, ok: bool) -> None:
    passage = "Each parcel can weigh at most 20 kg. Heavier parcels are refused at the counter."
    (claim,) = _claims(answer, passage)
    assert (claim["supported"] is True) is ok, claim


_RESTRICTION = (
    "Counter staff can help with parcels, stamps and collections, "
    "but refund claims are handled by email only."
)


def test_negating_what_a_restriction_leaves_out_is_supported() -> None:
    (claim,) = _claims("Refund claims can't be handled at the counter.", _RESTRICTION)
    assert claim["supported"] is True, claim


def test_negating_what_a_restriction_lists_still_fails() -> None:
    (claim,) = _claims("Refund claims can't be handled by email.", _RESTRICTION)
    assert str(claim["reason"]).startswith("negation mismatch"), claim


def test_need_restates_requires() -> None:
    passages = "Express delivery requires a signature on arrival."
    (claim,) = _claims("You'll need a signature on arrival for express delivery.", passages)
    assert claim["supported"] is True, claim


# -- arithmetic: a result worked out in the claim from numbers the passage states

_RATE = "Extra storage costs $4 per 100 GB each month."


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("Extra storage costs $4 per 100 GB each month, so 3 blocks come to $12.", True),
        ("Extra storage costs $4 per 100 GB each month, so 3 blocks come to $15.", False),
    ],
)
def test_a_product_of_the_claims_own_numbers_is_supported(answer: str, ok: bool) -> None:
    claims = _claims(answer, _RATE, "How much are 3 blocks of extra storage?")
    assert all(c["supported"] for c in claims) is ok, claims


def test_a_number_the_passage_only_multiplies_to_is_not_supported() -> None:
    # 400 is 4 x 100, both in the passage, but the claim shows no working
    (claim,) = _claims("Extra storage costs $400 each month.", _RATE)
    assert str(claim["reason"]).startswith("amount mismatch"), claim


def test_derived_needs_stated_operands() -> None:
    from evalkit.scorers._grounding_arithmetic import derived
    from evalkit.scorers._grounding_text import number_keys, numbers

    mentions = numbers("7 points per euro, so a 50 euro fare earns 350 points")
    result = next(m for m in mentions if m.keys[0] == "350")
    rule, fare = number_keys("You earn 7 points per euro."), number_keys("A fare of 50 euro.")
    assert derived(result, mentions, [rule, fare])
    assert not derived(result, mentions, [rule])  # 50 is stated nowhere


# -- times: a duration may be read off a clock-time range of the sentence it rests on

_OFF_PEAK = "Off-peak calls are free from 22:00 to 06:00 every night."


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("Off-peak calls are free for eight hours every night, from 22:00 to 06:00.", True),
        ("Off-peak calls are free for 8 hours every night, from 22:00 to 06:00.", True),
        ("Off-peak calls are free for 9 hours every night, from 22:00 to 06:00.", False),
    ],
)
def test_a_duration_read_off_a_time_range(answer: str, ok: bool) -> None:
    (claim,) = _claims(answer, _OFF_PEAK)
    assert (claim["supported"] is True) is ok, claim


def test_a_clock_time_written_12_hour_matches_24_hour() -> None:
    passage = "Same-day transfers must be requested before 15:30 on a business day."
    (claim,) = _claims(
        "Same-day transfers must be requested before 3:30 p.m. on a business day.", passage
    )
    assert claim["supported"] is True, claim


# -- set phrases of an answer's wording are no content a passage must hold

_REFUNDS = "Refunds reach the original card within 5 business days of approval."


@pytest.mark.parametrize(
    "answer",
    [
        "Bear in mind the refund reaches your card within 5 business days of approval.",
        "The refund reaches your card within 5 business days of approval, so we'll let you know "
        "as soon as it's approved.",
        "We'll take care of it right away: the refund reaches your card within 5 business days "
        "of approval.",
    ],
)
def test_a_set_phrase_is_no_novel_content(answer: str) -> None:
    assert _unsupported(answer, _REFUNDS) == []


def test_a_fact_beside_a_set_phrase_is_still_checked() -> None:
    answer = "Bear in mind the refund reaches your card within 10 business days of approval."
    assert _unsupported(answer, _REFUNDS) == [answer]


def test_a_code_opening_the_sentence_is_checked_as_a_name() -> None:
    passage = "Our warehouse is certified under ISO standard 9001 for quality management."
    (claim,) = _claims("ISO9002 certifies our warehouse for quality management.", passage)
    assert str(claim["reason"]).startswith("entity mismatch"), claim


def test_a_reason_names_the_missing_words_as_the_claim_writes_them() -> None:
    from evalkit.dataset import Case, ContextPassage
    from evalkit.providers.base import Response
    from evalkit.scorers.groundedness import Groundedness
    from evalkit.scoring import ScoreContext

    passage = ContextPassage(id="p", text="Refunds are processed within 14 days of the return.")
    case = Case(id="c", input="q", context=(passage,))
    answer = "Refunds are always free and guaranteed by our partners."
    (claim,) = Groundedness().score(ScoreContext(case, Response(text=answer))).details["claims"]
    assert claim["reason"].startswith("no support: always, free, guaranteed not in passage p")
