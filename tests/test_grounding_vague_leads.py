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
