"""groundedness: words of obligation restate one another ("you'll need photo ID" for "you must
bring photo ID", "is required", "is mandatory"); a claim's "must" asks nothing of the passage;
a negated obligation still meets its positive form in the negation check. Invented sentences."""

from __future__ import annotations

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_lexicon import NEGATIONS
from evalkit.scorers._grounding_paraphrase import canon_tokens, canon_words
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

PASSAGE = (
    "Hiring a kayak. You must show a photo ID at the desk. Life jackets are provided free. "
    "Children under 12 must not paddle alone."
)


def score(answer: str) -> Score:
    case = Case(id="c", input="q", context=(ContextPassage("p", PASSAGE),))
    result = Groundedness().score(ScoreContext(case=case, response=Response(answer)))
    assert isinstance(result, Score)
    return result


def test_need_restates_must() -> None:
    assert score("You'll need to show a photo ID at the desk.").value == 1.0
    assert score("A photo ID is necessary at the desk.").value == 1.0


def test_a_claims_must_asks_nothing_of_the_passage() -> None:
    case = Case(id="c", input="q", context=(ContextPassage("p", "Bags can weigh up to 8 kg."),))
    s = Groundedness().score(ScoreContext(case, Response("Each bag must weigh up to 8 kg.")))
    assert isinstance(s, Score) and s.value == 1.0


def test_a_negated_obligation_is_still_a_negation_mismatch() -> None:
    s = score("You don't need to show a photo ID at the desk.")
    assert s.value == 0.0
    assert "negat" in s.details["claims"][0]["reason"]


def test_must_not_stays_a_prohibition() -> None:
    tokens = canon_tokens(["children", "under", "12", "must", "not", "paddle", "alone"], NEGATIONS)
    assert "not" in tokens
    assert canon_words(["you", "must", "show", "a", "photo", "id"]) == canon_words(
        ["you", "need", "to", "show", "a", "photo", "id"]
    )


def test_the_obligation_does_not_carry_a_wrong_figure_or_object() -> None:
    assert score("Children under 14 need to paddle with an adult.").value == 0.0
    assert score("You'll need to show a passport and a utility bill at the desk.").value == 0.0
