"""groundedness: three false results found by QA12, each as a category of invented text.

- a negation elsewhere in the passage sentence ("...; there is no X fee") is not held against
  a claim that restates the sentence's un-negated part;
- a greeting that addresses the customer by a name the request lacks ("Hello Priya,") is an
  opener, like "Hi!";
- an opening imperative ("Tap", "Click", "Press") is not part of the name after it, and a
  claim whose second clause has its own first- or second-person subject ("... and we'll
  text you ...") is two claims, as the same words split by a full stop are.
"""

from __future__ import annotations

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_text import entities
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext


def score(passage: str, answer: str, question: str = "q") -> Score:
    case = Case(id="c", input=question, context=(ContextPassage("p", passage),))
    result = Groundedness().score(ScoreContext(case=case, response=Response(answer)))
    assert isinstance(result, Score)
    return result


def reasons(s: Score) -> list[str]:
    return [c.get("reason", "") for c in s.details["claims"]]


# --- negation tied to the part of the sentence the claim restates -------------------------

EXCHANGES = "Exchanges are processed within 3 days; there is no exchange for clearance items."
PAUSE = "You can pause your plan from the Account page and there is no pause fee."


def test_a_verbatim_clause_is_not_contradicted_by_a_negation_later_in_its_sentence() -> None:
    for passage, claim in (
        (EXCHANGES, "Exchanges are processed within 3 days."),
        (PAUSE, "You can pause your plan from the Account page."),
        (
            "Loyalty points are added after delivery, but there are no points on gift wrap.",
            "Loyalty points are added after delivery.",
        ),
    ):
        s = score(passage, claim)
        assert s.value == 1.0, (claim, reasons(s))


def test_the_negated_part_of_the_same_sentence_still_contradicts() -> None:
    s = score(EXCHANGES, "Clearance items can be exchanged.")
    assert s.value == 0.0
    assert reasons(s) == ["negation mismatch: the passage negates what the claim states"]
    s = score(PAUSE, "Pausing your plan carries a pause fee from the Account page.")
    assert s.value == 0.0


def test_a_real_contradiction_still_fails() -> None:
    for passage, claim in (
        (
            "Screen cracks caused by drops are not covered.",
            "Screen cracks caused by drops are covered.",
        ),
        (
            "Water damage is covered, but damage from drops is not covered.",
            "Damage from drops is covered.",
        ),
        (
            "Cancelled orders are not refunded after 14 days.",
            "Cancelled orders are refunded after 14 days.",
        ),
    ):
        s = score(passage, claim)
        assert s.value == 0.0, claim
        assert reasons(s)[0].startswith("negation mismatch"), (claim, reasons(s))


def test_a_claim_that_negates_an_affirmed_sentence_still_fails() -> None:
    s = score(EXCHANGES, "Exchanges are not processed within 3 days.")
    assert reasons(s) == ["negation mismatch: the claim negates what the passage states"]


WARRANTY = (
    "The standard warranty lasts 1 year and covers manufacturing faults. Gold members get a "
    "3-year warranty. Damage from spills or falls is not covered."
)


def test_a_claim_resting_on_two_sentences_must_keep_the_negation_of_either() -> None:
    s = score(WARRANTY, "Yes, accidental damage is covered under the 3-year warranty.")
    assert reasons(s) == ["negation mismatch: the passage negates what the claim states"]
    s = score(WARRANTY, "Gold members get a 3-year warranty, which covers damage from falls.")
    assert reasons(s)[0].startswith("negation mismatch")


def test_faithful_claims_over_the_same_two_sentences_still_pass() -> None:
    for answer in (
        "Gold members get a 3-year warranty, but damage from spills or falls is not covered.",
        "Gold members get a 3-year warranty that does not cover damage from spills or falls.",
        "Gold members get a 3-year warranty. Spill damage is not covered.",
    ):
        s = score(WARRANTY, answer)
        assert s.value == 1.0, (answer, reasons(s))


# --- a greeting with the customer's name ------------------------------------------------

REPLACEMENTS = "Replacement parts ship within 2 business days of the request."


def test_a_greeting_with_a_name_the_request_lacks_is_an_opener() -> None:
    for answer in (
        "Hi Priya! Replacement parts ship within 2 business days.",
        "Hello Tomas, replacement parts ship within 2 business days.",
        "Hey Jo-Anne: replacement parts ship within 2 business days.",
        "Dear Ms Okafor, replacement parts ship within 2 business days.",
        "Dear Mr. Lindqvist,\n\nReplacement parts ship within 2 business days.",
        "Good morning Priya! Replacement parts ship within 2 business days.",
        "Hello, Tomas! Replacement parts ship within 2 business days.",
    ):
        s = score(REPLACEMENTS, answer)
        assert (s.value, s.details["metrics"]["claims"]) == (1.0, 1.0), (answer, reasons(s))


def test_the_clause_after_the_greeting_is_still_checked() -> None:
    s = score(REPLACEMENTS, "Hello Tomas, replacement parts ship within 9 business days.")
    assert s.value == 0.0
    assert reasons(s)[0].startswith("number mismatch: 9")
    s = score(REPLACEMENTS, "Hi Priya, Globex ships replacement parts within 2 business days.")
    assert reasons(s)[0].startswith("entity mismatch: Globex")


def test_a_name_that_is_no_greeting_is_still_checked() -> None:
    s = score(REPLACEMENTS, "Hi! Our courier Tomas ships replacement parts within 2 business days.")
    assert reasons(s)[0].startswith("entity mismatch: Tomas")
    # a title or name that merely starts with "Dear" is no greeting without its comma
    s = score(REPLACEMENTS, "Dear Evan Hansen ships replacement parts within 2 business days.")
    assert s.value == 0.0


# --- an imperative opening a name, and a second clause with its own subject ---------------

RESET = (
    "To change your PIN, tap Reset PIN on the Security screen. We text a one-time code "
    "that stays valid for 15 minutes."
)


def test_an_opening_imperative_is_no_part_of_the_name_after_it() -> None:
    for verb in ("Click", "Tap", "Press", "Enter", "Type", "Pick"):
        names = [e.text.strip() for e in entities(f"{verb} Reset PIN on the Security screen.")]
        assert names == ["Reset PIN", "Security"], (verb, names)


def test_a_clause_with_its_own_subject_is_its_own_claim() -> None:
    joined = score(
        RESET,
        "Tap Reset PIN on the Security screen and we'll text you a one-time code that "
        "stays valid for 15 minutes.",
    )
    split = score(
        RESET,
        "Tap Reset PIN on the Security screen. We'll text you a one-time code that stays "
        "valid for 15 minutes.",
    )
    assert (split.value, joined.value) == (1.0, 1.0), reasons(joined)
    assert joined.details["metrics"]["claims"] == 2.0


def test_the_joined_claim_with_a_wrong_figure_still_fails() -> None:
    s = score(
        RESET,
        "Tap Reset PIN on the Security screen and we'll text you a one-time code that "
        "stays valid for 30 minutes.",
    )
    assert s.value == 0.5
    assert "number mismatch: 30" in s.reason


def test_a_name_and_figure_glued_from_two_sentences_without_a_clause_still_fail() -> None:
    s = score(RESET, "Reset PIN texts a one-time code valid for 15 minutes.")
    assert s.value == 0.0
    assert reasons(s)[0].startswith("relation mismatch")


def test_a_clause_of_a_set_phrase_and_a_citation_is_not_split_off() -> None:
    from evalkit.scorers._grounding_claims import split_claims

    claims = split_claims("Email help@example.com and we'll take care of it [kb-help].")
    assert [c.text for c in claims] == ["Email help@example.com and we'll take care of it."]
    # a third person after "and" is no cut: gluing two facts about someone is what fails
    claims = split_claims("Nora Vance wrote the report in 2019 and she moved to Leeds in 2021.")
    assert len(claims) == 1
