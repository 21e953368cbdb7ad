"""The groundedness scorer on small hand-written cases (offline mode and judge mode)."""

from __future__ import annotations

import asyncio
import json
import pickle
from collections.abc import Iterator
from typing import ClassVar

import pytest

from evalkit.dataset import Case, ContextPassage
from evalkit.errors import ScorerError
from evalkit.providers.base import PROVIDERS, Provider, ProviderSettings, Request, Response
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext, build_scorer, score_all

POLICY = ContextPassage(
    "1",
    "Customers may return unused items within 30 days of delivery for a full refund. "
    "Refunds are paid to the original card within 5 business days. "
    "The spring sale runs from March 3, 2025 to March 17, 2025.",
    source="returns-policy",
)
SHIPPING = ContextPassage(
    "2",
    "Standard shipping inside Canada costs $7 and takes 3 to 6 business days. "
    "Orders above $80 ship free. Northwind Logistics handles all parcels.",
    source="shipping-guide",
)
CONTEXT = (POLICY, SHIPPING)


def run(text: str, context: tuple[ContextPassage, ...] = CONTEXT, **kwargs: object) -> Score:
    case = Case(id="c1", input="question", context=context)
    result = Groundedness(**kwargs).score(ScoreContext(case, Response(text=text)))  # type: ignore[arg-type]
    assert isinstance(result, Score)
    return result


def claims(score: Score) -> list[dict[str, object]]:
    return list(score.details["claims"])


def test_supported_answer_passes_with_passages_and_spans() -> None:
    text = (
        "You can return unused items within 30 days of delivery for a full refund [1]. "
        "Orders above $80 ship free [2]."
    )
    score = run(text)
    assert score.value == 1.0 and score.passed is True
    found = claims(score)
    assert [c["passage"] for c in found] == ["1", "2"]
    assert all(c["supported"] and "reason" not in c for c in found)
    assert score.details["metrics"] == {
        "claims": 2.0,
        "supported_claims": 2.0,
        "unsupported_claims": 0.0,
    }


def test_spans_point_at_the_claim_text_in_the_response() -> None:
    text = "Hello! Refunds are paid to the original card within 5 business days. Thanks!"
    (claim,) = claims(run(text))
    span = claim["span"]
    assert isinstance(span, list)
    start, end = span
    assert text[start:end] == "Refunds are paid to the original card within 5 business days."


def test_invented_number_is_a_number_mismatch() -> None:
    score = run("Customers may return unused items within 45 days of delivery for a full refund.")
    (claim,) = claims(score)
    assert claim["supported"] is False
    assert claim["reason"] == "number mismatch: 45 not in passage 1"
    assert score.value == 0.0 and score.passed is False
    assert "number mismatch: 45" in score.reason


def test_wrong_date_is_a_date_mismatch() -> None:
    (claim,) = claims(run("The spring sale runs from March 5, 2025 to March 17, 2025."))
    assert claim["supported"] is False
    assert claim["reason"] == "date mismatch: March 5 not in passage 1"


def test_unknown_entity_is_an_entity_mismatch() -> None:
    (claim,) = claims(run("Acme Express handles all parcels."))
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith("entity mismatch: Acme Express not in passage")


def test_claim_cited_to_the_wrong_passage() -> None:
    (claim,) = claims(run("Orders above $80 ship free [1]."))
    assert claim["supported"] is False
    assert claim["reason"] == "wrong citation [1]"
    assert claim["citations"] == ["1"]


def test_citation_to_a_passage_that_does_not_exist() -> None:
    (claim,) = claims(run("Orders above $80 ship free [9]."))
    assert claim["supported"] is False
    assert claim["reason"] == "citation [9] matches no passage"


def test_citation_by_source_name_and_doc_prefix() -> None:
    score = run(
        "Orders above $80 ship free [shipping-guide]. Refunds are paid within 5 business days [doc-1]."
    )
    assert [c["supported"] for c in claims(score)] == [True, True]


def test_greetings_hedges_and_questions_are_not_claims() -> None:
    text = (
        "Hi there! Great question. Orders above $80 ship free. I hope this helps! "
        "Would you like me to check your order?"
    )
    found = claims(run(text))
    assert [c["text"] for c in found] == ["Orders above $80 ship free."]


def test_claim_split_into_clauses_each_checked() -> None:
    text = "Standard shipping inside Canada costs $7, but refunds are paid within 9 business days."
    found = claims(run(text))
    assert [c["supported"] for c in found] == [True, False]
    assert found[1]["reason"] == "number mismatch: 9 not in passage 1"
    assert run(text).value == 0.5


def test_negation_that_contradicts_the_passage() -> None:
    (claim,) = claims(run("Orders above $80 do not ship free."))
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith("negation mismatch")


def test_unsupported_content_words_are_no_support() -> None:
    (claim,) = claims(run("Customers receive a loyalty voucher with every purchase."))
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith("no support")


def test_empty_response_has_no_claims_and_passes() -> None:
    score = run("")
    assert score.value == 1.0 and score.passed is True
    assert claims(score) == []
    assert score.reason == "no checkable claims in the response"


def test_threshold_is_configurable() -> None:
    text = "Orders above $80 ship free. Refunds are paid within 9 business days."
    assert run(text).passed is False
    assert run(text, threshold=0.5).passed is True


def test_case_without_context_is_a_scorer_error() -> None:
    case = Case(id="no-ctx", input="q")
    scorer = Groundedness()
    with pytest.raises(ScorerError, match=r"case 'no-ctx': scorer 'groundedness' needs field"):
        scorer.check_case(case)
    scores = asyncio.run(score_all([scorer], ScoreContext(case, Response(text="x"))))
    assert scores["groundedness"].value is None
    assert "needs field(s) ['context']" in str(scores["groundedness"].error)


def test_registered_picklable_and_cpu_bound() -> None:
    scorer = build_scorer("groundedness", {"min_proximity": 0.3}, threshold=0.9)
    assert isinstance(scorer, Groundedness) and scorer.threshold == 0.9
    assert scorer.cpu_bound is True
    clone = pickle.loads(pickle.dumps(scorer))
    assert clone == scorer
    assert scorer.spec()["args"]["min_proximity"] == 0.3


def test_unknown_mode_and_judge_without_model_are_rejected() -> None:
    with pytest.raises(ScorerError, match="mode 'llm' is unknown"):
        Groundedness(mode="llm")  # type: ignore[arg-type]
    with pytest.raises(ScorerError, match="needs judge_provider and judge_model"):
        Groundedness(mode="judge")


# ------------------------------------------------------------------------------ judge mode


class _JudgeStub(Provider):
    """A real registered provider whose reply is set per test through its options."""

    name = "groundedness-judge-stub"
    seen: ClassVar[list[Request]] = []

    async def complete(self, request: Request) -> Response:
        _JudgeStub.seen.append(request)
        return Response(text=str(self.settings.options["reply"]))


@pytest.fixture()
def judge_provider() -> Iterator[type[_JudgeStub]]:
    PROVIDERS.register(_JudgeStub.name, _JudgeStub)
    _JudgeStub.seen.clear()
    yield _JudgeStub
    PROVIDERS.unregister(_JudgeStub.name)


def judge(reply: str, text: str = "Orders above $80 ship free. Shipping costs $9.") -> Score:
    scorer = Groundedness(
        mode="judge",
        judge_provider=_JudgeStub.name,
        judge_model="stub-1",
        judge_options={"reply": reply},
    )
    assert scorer.cpu_bound is False
    case = Case(id="j1", input="q", context=CONTEXT)
    return asyncio.run(score_all([scorer], ScoreContext(case, Response(text=text))))["groundedness"]


def test_judge_mode_well_formed_verdict(judge_provider: object) -> None:
    verdict = {
        "claims": [
            {"claim": "Orders above $80 ship free.", "supported": True, "passage": "2"},
            {
                "claim": "Shipping costs $9.",
                "supported": False,
                "passage": "2",
                "reason": "number mismatch: 9 not in passage 2",
            },
        ]
    }
    score = judge("```json\n" + json.dumps(verdict) + "\n```")
    assert score.error is None
    assert score.value == 0.5 and score.passed is False
    assert score.details["mode"] == "judge"
    assert claims(score)[1]["span"] == [28, 46]
    assert claims(score)[1]["reason"] == "number mismatch: 9 not in passage 2"
    (request,) = _JudgeStub.seen
    assert request.model == "stub-1" and request.system is not None
    assert "[2] (source: shipping-guide)" in request.messages[1].content


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("The answer looks grounded to me.", "judge verdict is not valid JSON"),
        ('{"verdict": "yes"}', "judge verdict has no 'claims' list"),
        ('{"claims": [{"claim": "x", "supported": "yes"}]}', "claim 1 must be an object"),
    ],
)
def test_judge_mode_malformed_verdict_is_a_recorded_scorer_error(
    judge_provider: object, reply: str, message: str
) -> None:
    score = judge(reply)
    assert score.value is None and score.passed is None
    assert message in str(score.error)
    assert "case 'j1': groundedness judge" in str(score.error)


def test_judge_settings_come_from_the_scorer() -> None:
    scorer = Groundedness(mode="judge", judge_provider="openai", judge_model="gpt-x")
    assert scorer.judge_params == {"temperature": 0}
    assert ProviderSettings(model="gpt-x").model == scorer.judge_model


def test_hedge_with_a_number_is_still_checked_and_list_markers_are_layout() -> None:
    text = "I'm not sure, but shipping costs $9.\n\n1. Orders above $80 ship free.\n2. Refunds are paid to the original card."
    found = claims(run(text))
    assert [c["text"] for c in found] == [
        "I'm not sure, but shipping costs $9.",
        "Orders above $80 ship free.",
        "Refunds are paid to the original card.",
    ]
    assert [c["supported"] for c in found] == [False, True, True]
    assert found[0]["reason"] == "amount mismatch: $9 not in passage 2"


def test_words_scattered_over_the_passage_are_no_support() -> None:
    passage = ContextPassage(
        "1",
        "Maria Lopez joined the company in 2010 as an engineer. The board later appointed "
        "a new chair. Years before, in 1998, the company had been founded by two brothers "
        "in a small garage.",
    )
    (claim,) = claims(run("Maria Lopez founded the company.", context=(passage,)))
    assert claim["supported"] is False
    assert claim["reason"] == "no support: the claim's words are scattered over passage 1"


BIOGRAPHY = ContextPassage(
    "1",
    "Anna Berg was born in Oslo and moved to Bergen in 1990. "
    "She later taught at the music school. "
    "Tomas Lind played the lead role in Hamlet at the National Theatre in 2004.",
)


def test_names_from_unrelated_sentences_are_a_relation_mismatch() -> None:
    # Every word occurs in the passage, but Anna Berg and Hamlet are never stated together.
    (claim,) = claims(run("Anna Berg played the lead role in Hamlet.", context=(BIOGRAPHY,)))
    assert claim["supported"] is False
    assert claim["reason"] == (
        "relation mismatch: Anna Berg and Hamlet are never stated together in passage 1"
    )


def test_a_number_pinned_on_the_wrong_entity_is_a_relation_mismatch() -> None:
    (claim,) = claims(run("Tomas Lind moved to Bergen in 1990.", context=(BIOGRAPHY,)))
    assert claim["supported"] is False
    assert str(claim["reason"]).startswith("relation mismatch: Tomas Lind and ")


def test_facts_linked_through_a_shared_sentence_are_supported() -> None:
    # Oslo and Bergen share one sentence, Bergen and 1990 the same one: one linked group.
    text = "Anna Berg, born in Oslo, moved to Bergen in 1990."
    (claim,) = claims(run(text, context=(BIOGRAPHY,)))
    assert claim["supported"] is True
    unchecked = claims(
        run(
            "Anna Berg played the lead role in Hamlet.", context=(BIOGRAPHY,), check_relations=False
        )
    )
    assert "relation mismatch" not in str(unchecked[0].get("reason"))


def test_a_name_split_over_two_sentences_is_a_relation_mismatch() -> None:
    passage = ContextPassage(
        "1", "Sheryl Lee starred in the film in 2016. Ralph Brown wrote its music in 2016."
    )
    (claim,) = claims(run("Sheryl Lee Ralph starred in the film in 2016.", context=(passage,)))
    assert claim["supported"] is False
    assert claim["reason"] == (
        "relation mismatch: Sheryl Lee Ralph is never stated within one sentence of passage 1"
    )


def test_default_threshold_passes_three_of_five_supported_claims() -> None:
    text = (
        "Customers may return unused items within 30 days of delivery. "
        "Refunds are paid to the original card within 5 business days. "
        "Orders above $80 ship free. "
        "Shipping costs $9. "
        "Refunds take 9 days."
    )
    score = run(text)
    assert score.value == 0.6
    assert score.passed is True
    assert run(text, threshold=0.75).passed is False


def test_amounts_are_located_sentence_by_sentence_for_the_relation_check() -> None:
    passage = ContextPassage(
        "1",
        "Acme Corp raised $5 million in 2019. Globex Inc cut 1,000 jobs after the merger.",
    )
    ok = claims(run("Acme Corp raised $5 million in 2019.", context=(passage,)))
    assert ok[0]["supported"] is True
    (wrong,) = claims(run("Globex Inc raised $5 million.", context=(passage,)))
    assert wrong["reason"] == (
        "relation mismatch: Globex Inc and $5 are never stated together in passage 1"
    )
