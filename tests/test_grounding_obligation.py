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


def _against(passage: str, answer: str) -> Score:
    case = Case(id="c", input="q", context=(ContextPassage("p", passage),))
    result = Groundedness().score(ScoreContext(case=case, response=Response(answer)))
    assert isinstance(result, Score)
    return result


def test_an_obligation_where_the_passage_only_allows_is_a_mismatch() -> None:
    """QA16 F12 d: the strength of an obligation must not go up ("may" -> "must")."""
    cases = [
        ("Exchanges. You may bring the gift receipt when you exchange an item.",
         "You must bring the gift receipt when you exchange an item."),
        ("Exchanges. You may bring the gift receipt when you exchange an item.",
         "Bringing the gift receipt when you exchange an item is mandatory."),
        ("Exchanges. You may bring the gift receipt when you exchange an item.",
         "You'll need to bring the gift receipt when you exchange an item."),
        ("Boarding. Passengers may be asked to show a boarding pass at the gate.",
         "Passengers must show a boarding pass at the gate."),
        ("Parcels. A signature may be requested on delivery of large parcels.",
         "A signature is required on delivery of large parcels."),
        ("Cabin bags. You can bring one small handbag on board.",
         "You must bring one small handbag on board."),
        ("Cycling. We recommend wearing a helmet on the trail.",
         "Wearing a helmet on the trail is compulsory."),
    ]  # fmt: skip
    for passage, answer in cases:
        s = _against(passage, answer)
        assert s.value == 0.0, answer
        assert s.details["claims"][0]["reason"].startswith("obligation mismatch"), answer


def test_obligation_mismatch_is_a_hard_mismatch() -> None:
    case = Case(
        id="c",
        input="q",
        context=(ContextPassage("p", "Tours. You may bring a packed lunch on the tour."),),
    )
    scorer = Groundedness(fail_on_mismatch=True, threshold=0.3)
    s = scorer.score(ScoreContext(case, Response("You must bring a packed lunch on the tour.")))
    assert isinstance(s, Score) and not s.passed
    assert "obligation mismatch" in s.reason


def test_an_obligation_the_passage_states_or_a_release_still_passes() -> None:
    assert score("You must show a photo ID at the desk.").value == 1.0
    imperative = "Tours. Bring a packed lunch on the tour."
    assert _against(imperative, "You must bring a packed lunch on the tour.").value == 1.0
    allowed = "Tours. You may bring a packed lunch on the tour."
    assert _against(allowed, "You can bring a packed lunch on the tour.").value == 1.0
    released = _against(allowed, "You don't need to bring a packed lunch.")
    assert "obligation" not in released.details["claims"][0].get("reason", "")
    window = "Returns. Items can be returned within 30 days of delivery."
    assert _against(window, "Items must be returned within 30 days of delivery.").value == 1.0
