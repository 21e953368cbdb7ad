"""groundedness: two false results QA13 found in the QA12 fixes, as categories of invented text.

- a greeting's addressee is skipped only when none of its words occurs in the passages: a
  customer's own name is not in the knowledge base, but a tier or segment ("Dear Gold Member")
  is a fact the passages may restrict, and it stays checked (without the "Dear");
- a sentence split at "and we'll" never fails where the whole sentence is supported: the
  split is kept only when the whole fails and a half is supported; an opening imperative
  ("Type", "Enter", "Click") is no content word a passage must hold.
"""

from __future__ import annotations

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext


def score(passage: str, answer: str, **args: object) -> Score:
    case = Case(id="c", input="q", context=(ContextPassage("p", passage),))
    scorer = Groundedness(**args)  # type: ignore[arg-type]
    result = scorer.score(ScoreContext(case=case, response=Response(answer)))
    assert isinstance(result, Score)
    return result


def reasons(s: Score) -> list[str]:
    return [c.get("reason", "") for c in s.details["claims"]]


# --- a greeting whose addressee is a fact of the passages --------------------------------

LOUNGE = "Lounge access is included for Diamond cardholders only. Others pay a $30 day fee."


def test_a_greeting_addressing_a_tier_the_passage_restricts_is_checked() -> None:
    for answer in (
        "Dear Silver Cardholder, lounge access is included for you.",
        "Hi Silver Cardholder, you get lounge access included.",
        "Hello Silver cardholders! Lounge access is included for you.",
    ):
        for args in ({}, {"fail_on_mismatch": True, "threshold": 0.3}):
            s = score(LOUNGE, answer, **args)
            assert s.passed is False, (answer, args, reasons(s))
            assert any("Silver" in r for r in reasons(s)), (answer, reasons(s))


def test_dear_is_no_part_of_the_addressee_it_keeps() -> None:
    s = score(LOUNGE, "Dear Silver cardholders, lounge access is included for you.")
    assert s.passed is False
    assert not any("Dear" in r for r in reasons(s)), reasons(s)
    s = score(LOUNGE, "Dear Diamond cardholders, lounge access is included for you.")
    assert s.value == 1.0, reasons(s)


def test_a_customer_name_absent_from_the_passages_is_still_an_opener() -> None:
    for answer in (
        "Dear Mrs Halvorsen, lounge access is included for Diamond cardholders only.",
        "Hi Bartholomew! Lounge access is included for Diamond cardholders only.",
        "Hello Quentin Abara, lounge access is included for Diamond cardholders only.",
    ):
        s = score(LOUNGE, answer)
        assert (s.value, s.details["metrics"]["claims"]) == (1.0, 1.0), (answer, reasons(s))


# --- a split at "and we'll" never fails a sentence the passage supports ------------------

VOUCHER = (
    "Enter the voucher AUTUMN25 in the basket to get 25% off your next booking. "
    "Vouchers cannot be combined. Open Profile and choose Wallet to change your card."
)


def test_a_whole_sentence_the_passage_supports_is_not_split_into_failing_halves() -> None:
    for verb in ("Enter", "Type", "Click"):
        answer = f"{verb} AUTUMN25 in the basket and we'll take 25% off your next booking [p]."
        s = score(VOUCHER, answer)
        assert s.value == 1.0, (verb, reasons(s))


def test_an_opening_imperative_is_no_content_word_the_passage_must_hold() -> None:
    for verb in ("Type", "Tap", "Click", "Press"):
        s = score(VOUCHER, f"{verb} AUTUMN25 in the basket to get 25% off your next booking.")
        assert s.value == 1.0, (verb, reasons(s))


def test_the_split_still_finds_a_wrong_figure_in_either_half() -> None:
    s = score(VOUCHER, "Enter AUTUMN25 in the basket and we'll take 40% off your next booking.")
    assert s.passed is False
    assert any("mismatch: 40" in r for r in reasons(s)), reasons(s)
    s = score(VOUCHER, "Enter AUTUMN52 in the basket and we'll take 25% off your next booking.")
    assert s.passed is False


LINK = (
    "To unlock your account, click Unlock account on the login screen. We send an unlock "
    "link that stays valid for 12 hours."
)


def test_a_clause_from_another_sentence_is_still_its_own_claim() -> None:
    s = score(
        LINK,
        "Click Unlock account on the login screen and we'll send you an unlock link that "
        "stays valid for 12 hours.",
    )
    assert s.value == 1.0, reasons(s)
    s = score(
        LINK,
        "Click Unlock account on the login screen and we'll send you an unlock link that "
        "stays valid for 36 hours.",
    )
    assert s.passed is False
    assert any(r.startswith("number mismatch: 36") for r in reasons(s)), reasons(s)
