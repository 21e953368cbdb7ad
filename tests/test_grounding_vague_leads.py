"""groundedness: a short lead that only grades the answer ("Almost certainly!", "It does
matter, yes.") is no claim, and "it depends on" frames what follows; a lead with a word,
number or name of its own, or a frequency ("Not always."), is still checked. Invented text."""

from __future__ import annotations

import pytest

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_frames import is_vague_lead
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

PASSAGE = "Bike hire. E-bikes cost £18 per day. Helmets are included with every hire."


def score(answer: str) -> Score:
    case = Case(id="c", input="q", context=(ContextPassage("p", PASSAGE),))
    result = Groundedness().score(ScoreContext(case=case, response=Response(answer)))
    assert isinstance(result, Score)
    return result


@pytest.mark.parametrize(
    "lead",
    ["Almost certainly!", "It does matter, yes.", "Quite a lot, actually.", "Yes, that is fine."],
)
def test_a_lead_that_grades_the_answer_is_no_claim(lead: str) -> None:
    s = score(f"{lead} Helmets are included with every hire.")
    assert [c["text"] for c in s.details["claims"]] == ["Helmets are included with every hire."]


@pytest.mark.parametrize(
    "lead",
    [
        "Not always.",
        "Yes, pets are allowed.",
        "Almost certainly, for 3 days.",
        "Quite right, Acme.",
    ],
)
def test_a_lead_with_content_of_its_own_is_checked(lead: str) -> None:
    assert not is_vague_lead(lead)


def test_it_depends_on_frames_the_condition() -> None:
    assert score("It depends on the bike: e-bikes cost £18 per day.").value == 1.0
    assert score("It depends on the bike: e-bikes cost £20 per day.").value == 0.0


SHOP = (
    "Returns. Unworn shoes can be returned within 30 days for a refund. "
    "Clearance items can be exchanged but not refunded."
)
PARK = "Holiday park. Dogs are not allowed in the swimming pool area. Dogs are welcome in lodges."


def answer(passage: str, question: str, text: str) -> Score:
    case = Case(id="c", input=question, context=(ContextPassage("p", passage),))
    result = Groundedness().score(ScoreContext(case=case, response=Response(text)))
    assert isinstance(result, Score)
    return result


@pytest.mark.parametrize(
    "lead",
    [
        "Almost certainly!",
        "Yes, you can, at certain times.",
        "You can, at certain times.",
        "Absolutely, yes!",
        "Definitely, you can.",
        "Of course!",
        "Yes.",
    ],
)
def test_a_bare_yes_to_a_question_the_passage_answers_no_is_unsupported(lead: str) -> None:
    """QA16 F12 a: the lead says yes to the user's question; alone it scored 1.0."""
    s = answer(SHOP, "Can I get a refund on a clearance item?", lead)
    assert s.value == 0.0, s.reason
    assert "says yes to" in s.details["claims"][0]["reason"]
    s = answer(PARK, "Are dogs allowed in the swimming pool area?", lead)
    assert s.value == 0.0, s.reason


def test_a_bare_yes_after_other_facts_still_counts() -> None:
    s = answer(
        SHOP,
        "I bought trainers on clearance. Can I get a refund on a clearance item?",
        "Almost certainly! Unworn shoes can be returned within 30 days for a refund.",
    )
    assert s.value == 0.5 and not s.details["claims"][0]["supported"]


def test_a_bare_yes_the_passage_supports_passes() -> None:
    s = answer(SHOP, "Can unworn shoes be returned within 30 days?", "Yes, absolutely!")
    assert s.value == 1.0, s.details["claims"]


def test_a_bare_yes_asserts_the_questions_own_figure() -> None:
    s = answer(SHOP, "Can unworn shoes be returned within 45 days?", "Yes, they can.")
    assert s.value == 0.0, s.details["claims"]


def test_leads_that_are_no_yes_or_answer_no_yes_no_question_are_skipped() -> None:
    q = "Can I get a refund on a clearance item?"
    assert answer(SHOP, q, "No.").reason == "no checkable claims in the response"
    assert answer(SHOP, q, "It depends.").reason == "no checkable claims in the response"
    request = "Can you tell me how returns work?"
    assert answer(SHOP, request, "Sure!").reason == "no checkable claims in the response"
    assert answer(SHOP, "How do returns work?", "Almost certainly!").value == 1.0
