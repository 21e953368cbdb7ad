"""Groundedness's judge mode against the loopback server, through the official SDKs.

The server's ``[[text:...]]`` directive travels in the answer being checked (the last user
message of the judge request), so each test writes the verdict the judge will give.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_judge import parse_verdict
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext, score_all
from tests.helpers.llm_server import LLMServer

PASSAGE = ContextPassage(id="p1", text="Refunds are available within 30 days of delivery.")


@pytest.fixture(scope="module")
def srv() -> Iterator[LLMServer]:
    with LLMServer() as server:
        yield server


def _score(
    srv: LLMServer, answer: str, tmp_path: Path, provider: str = "openai", **kw: Any
) -> Score:
    args: dict[str, Any] = {
        "mode": "judge",
        "judge_provider": provider,
        "judge_model": "judge-m",
        "judge_base_url": srv.base_url + ("/v1" if provider == "openai" else ""),
        "judge_api_key_env": "EVALKIT_TEST_NO_SUCH_KEY",
        "judge_cache": "off",
        "judge_cache_dir": str(tmp_path / "cache"),
        "judge_max_retries": 0,
    }
    args.update(kw)
    scorer = Groundedness(**args)
    ctx = ScoreContext(Case(id="g1", input="q", context=(PASSAGE,)), Response(text=answer))
    return asyncio.run(score_all([scorer], ctx))["groundedness"]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_an_empty_claims_list_for_a_non_empty_answer_is_an_error_not_a_pass(
    srv: LLMServer, tmp_path: Path, provider: str
) -> None:
    score = _score(srv, 'Refunds take 30 days. [[text:{"claims": []}]]', tmp_path, provider)
    assert score.passed is None and score.value is None
    assert "case 'g1': groundedness judge" in str(score.error)
    assert "no claims for a non-empty answer" in str(score.error)


def test_an_empty_claims_list_is_fine_when_the_answer_is_blank() -> None:
    assert parse_verdict(json.dumps({"claims": []}), "   ", "here") == []


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_verdict_cut_off_at_max_tokens_says_so(
    srv: LLMServer, tmp_path: Path, provider: str
) -> None:
    verdict = {"claims": [{"claim": "Refunds take 30 days.", "supported": True}] * 20}
    answer = f"Refunds take 30 days. [[text:{json.dumps(verdict)}]]"
    score = _score(srv, answer, tmp_path, provider, judge_params={"max_tokens": 30})
    assert score.passed is None
    assert "case 'g1': groundedness judge: the judge's reply was cut off" in str(score.error)
    assert "raise max_tokens" in str(score.error)


@pytest.mark.parametrize("tag", ["json", "JSON", "", "javascript"])
def test_a_fenced_verdict_is_read_whatever_its_language_tag(tag: str) -> None:
    verdict = {"claims": [{"claim": "Refunds take 30 days.", "supported": False}]}
    reply = f"```{tag}\n{json.dumps(verdict)}\n```"
    (claim,) = parse_verdict(reply, "Refunds take 30 days.", "here")
    assert claim.supported is False and claim.start == 0 and claim.reason == "no support"


def test_the_judges_dispatcher_scrubs_its_key_like_a_candidates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from evalkit.scorers._judge_call import JudgeCaller

    monkeypatch.setenv("MY_JUDGE_KEY", "sk-judge-0123456789")
    caller = JudgeCaller("openai", "gpt-4o-mini", api_key_env="MY_JUDGE_KEY", cache="off")

    async def scrubbed() -> str:
        state = caller._state()
        try:
            return state.dispatcher("off")._scrub("401: bad key sk-judge-0123456789 (header)")
        finally:
            await caller.aclose()

    assert asyncio.run(scrubbed()) == "401: bad key *** (header)"


def test_a_claim_the_judge_repeats_counts_once_and_its_worst_verdict_stands() -> None:
    answer = "Refunds take 5 days. Shipping is free."
    claim = {"claim": "Refunds take 5 days.", "supported": True, "passage": "1", "reason": ""}
    wrong = {"claim": "refunds take  5 days.", "supported": False, "passage": "1", "reason": "x"}
    other = {"claim": "Shipping is free.", "supported": False, "passage": None, "reason": "no"}
    verdict = json.dumps({"claims": [claim] * 50 + [other, wrong]})
    results = parse_verdict(verdict, answer, "case 'c'")
    assert [(r.text, r.supported, r.reason) for r in results] == [
        ("Refunds take 5 days.", False, "x"),  # where it first stood, with the worse verdict
        ("Shipping is free.", False, "no"),
    ]
    assert results[0].start == 0


def test_judge_mode_reports_the_judge_its_usage_and_cost(srv: LLMServer, tmp_path: Path) -> None:
    # The judge's spending must be visible like the judge scorer's: per record and as a metric
    # that run summaries and comparisons average.
    verdict = {"claims": [{"claim": "Refunds take 30 days.", "supported": True, "passage": "p1"}]}
    answer = f"Refunds take 30 days. [[text:{json.dumps(verdict)}]] [[model:claude-3-5-haiku-x]]"
    score = _score(srv, answer, tmp_path, "anthropic", judge_model="claude-3-5-haiku")
    assert score.error is None, score.error
    d = score.details
    assert d["judge_model"] == "claude-3-5-haiku-x" and d["judge_provider"] == "anthropic"
    assert d["judge_usage"]["output_tokens"] > 0 and d["cached"] is False
    # priced as the model asked for (the reported one has no price), like candidate requests
    assert d["judge_cost_usd"] is not None and d["judge_cost_usd"] > 0
    assert d["metrics"]["judge_cost_usd"] == d["judge_cost_usd"]
