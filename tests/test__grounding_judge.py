"""Groundedness judge mode: claims the judge returns that are not text of the answer.

The judge is the loopback server (tests/helpers/llm_server.py) behind the official SDKs. Its
``[[text:...]]`` directive is written into the context passage, which the judge request
carries in its user message, so the answer being checked holds only the answer's words.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalkit.dataset import Case, ContextPassage
from evalkit.errors import ScorerError
from evalkit.providers.base import Response
from evalkit.scorers._grounding_judge import (
    UNLOCATED_NOTE,
    UNLOCATED_UNSUPPORTED,
    locate,
    parse_verdict,
    split_unlocated,
)
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext, score_all
from tests.helpers.llm_server import LLMServer

ANSWER = "Refunds are available within 30 days. Shipping is free worldwide."


@pytest.fixture(scope="module")
def srv() -> Iterator[LLMServer]:
    with LLMServer() as server:
        yield server


def judged(srv: LLMServer, tmp_path: Path, provider: str, claims: list[dict[str, Any]]) -> Score:
    verdict = json.dumps({"claims": claims})
    passage = ContextPassage("p1", f"Refunds are available within 30 days. [[text:{verdict}]]")
    scorer = Groundedness(
        mode="judge",
        judge_provider=provider,
        judge_model="judge-m",
        judge_base_url=srv.base_url + ("/v1" if provider == "openai" else ""),
        judge_api_key_env="EVALKIT_TEST_NO_SUCH_KEY",
        judge_cache="off",
        judge_cache_dir=str(tmp_path / "cache"),
        judge_max_retries=0,
    )
    ctx = ScoreContext(Case(id="g1", input="q", context=(passage,)), Response(text=ANSWER))
    return asyncio.run(score_all([scorer], ctx))["groundedness"]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_claim_that_is_not_in_the_answer_is_listed_apart_and_not_scored(
    srv: LLMServer, tmp_path: Path, provider: str
) -> None:
    claims = [
        {"claim": "Refunds are available within 30 days.", "supported": True, "passage": "p1"},
        # retyped by the judge (case, spacing): still this answer's text, located approximately
        {"claim": "shipping is free  worldwide.", "supported": False, "reason": "no support"},
        # not in the answer at all: it must not raise the supported fraction
        {"claim": "Returns are accepted at every store.", "supported": True, "passage": "p1"},
    ]
    score = judged(srv, tmp_path, provider, claims)
    assert score.error is None
    assert score.value == 0.5 and score.passed is False
    scored = score.details["claims"]
    assert [c["span"] for c in scored] == [[0, 37], [38, 65]]
    assert ANSWER[38:65] == "Shipping is free worldwide."
    (apart,) = score.details["unlocated_claims"]
    assert (
        apart["text"] == "Returns are accepted at every store." and apart["note"] == UNLOCATED_NOTE
    )
    assert "span" not in apart
    assert score.details["metrics"]["unlocated_claims"] == 1.0
    assert score.details["metrics"]["claims"] == 2.0
    assert "1 judge claim not found in the answer left out" in score.reason


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_verdict_with_no_claim_of_the_answer_is_an_error_not_a_pass(
    srv: LLMServer, tmp_path: Path, provider: str
) -> None:
    claims = [{"claim": "Returns are accepted at every store.", "supported": True}]
    score = judged(srv, tmp_path, provider, claims)
    assert score.value is None and score.passed is None
    assert "case 'g1': groundedness judge: none of the judge's 1 claim(s)" in str(score.error)


def test_locate_prefers_exact_text_after_the_cursor_then_close_text() -> None:
    answer = "Refunds take 5 days. Shipping is free. Refunds take 5 days."
    assert locate("Refunds take 5 days.", answer) == (0, 20)
    assert locate("Refunds take 5 days.", answer, cursor=20) == (39, 59)
    # a curly apostrophe and a dropped full stop: the same text
    answer = "We don't ship to Mexico. Orders over $50 ship free."
    start, end = locate("We don’t ship to Mexico", answer)
    assert answer[start:end].startswith("We don't ship to Mexico")
    # a paraphrase, a claim from elsewhere and a fragment too short to place are not located
    assert locate("Mexico is not a country we deliver to.", answer) == (-1, -1)
    assert locate("Free shipping on all orders.", answer) == (-1, -1)
    assert locate("ship.", answer) == (-1, -1)


def test_parse_verdict_marks_unlocated_claims_and_split_keeps_their_order() -> None:
    verdict = json.dumps(
        {
            "claims": [
                {"claim": "Invented claim about warranties.", "supported": True},
                {"claim": "Refunds take 5 days.", "supported": True},
            ]
        }
    )
    results = parse_verdict(verdict, "Refunds take 5 days.", "here")
    assert [(r.start, r.end) for r in results] == [(-1, -1), (0, 20)]
    located, unlocated = split_unlocated(results, "here")
    assert [r.text for r in located] == ["Refunds take 5 days."]
    assert [r.text for r in unlocated] == ["Invented claim about warranties."]
    with pytest.raises(ScorerError, match="none of the judge's 1 claim"):
        split_unlocated(results[:1], "here")
    assert split_unlocated([], "here") == ([], [])


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_an_unsupported_claim_the_judge_reworded_still_fails_the_answer(
    srv: LLMServer, tmp_path: Path, provider: str
) -> None:
    # The judge reports the second sentence as unsupported but words it its own way. Left out,
    # the answer would pass at 1/1; counted, the hallucination it reports fails the answer.
    claims = [
        {"claim": "Refunds are available within 30 days.", "supported": True, "passage": "p1"},
        {
            "claim": "Free worldwide delivery is offered.",
            "supported": False,
            "reason": "no support",
        },
    ]
    score = judged(srv, tmp_path, provider, claims)
    assert score.error is None
    assert score.value == 0.5 and score.passed is False
    reworded = score.details["claims"][1]
    assert reworded["span"] == [-1, -1] and reworded["supported"] is False
    assert reworded["reason"] == f"no support; {UNLOCATED_UNSUPPORTED}"
    assert "unlocated_claims" not in score.details
