"""Prompt-cache writes priced at their own rate, end to end: the Anthropic adapter through the
official SDK and the loopback server reports ``cache_creation_input_tokens``, the engine prices
the record and the ``cost`` scorer agrees; OpenAI's cache has no write charge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions, run
from evalkit.records import Run, read_run
from evalkit.scoring import build_scorer
from tests.helpers.llm_server import LLMServer

KEY_ENV = "EVALKIT_TEST_CACHE_KEY"
# 12 words: 2 read from the prompt cache, 5 written to it, so 5 fresh; the answer is
# "echo: one ... ten", 11 words.
PROMPT = "one two three four five six seven eight nine ten [[cached:2]] [[cache-write:5]]"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test-not-a-key")


def _run(srv: LLMServer, tmp_path: Path, provider: str, model: str, out: str, **kw: Any) -> Run:
    base = srv.base_url + ("/v1" if provider == "openai" else "")
    cand = Candidate(name=out, provider=provider, model=model, base_url=base, api_key_env=KEY_ENV)
    eval_set = EvalSet.from_cases([{"id": "c0", "input": PROMPT}], name="cache-writes")
    options = RunOptions(
        out_dir=tmp_path / out,
        progress="off",
        cache_dir=tmp_path / "cache",
        scorer_processes=0,
        **kw,
    )
    return run(eval_set, cand, [build_scorer("cost")], options)


def test_anthropic_cache_writes_cost_1_25x_input(tmp_path: Path) -> None:
    with LLMServer() as srv:
        result = _run(srv, tmp_path, "anthropic", "claude-sonnet-4-5-20250929", "claude")
    (rec,) = result.records
    u = rec.usage
    assert (u.input_tokens, u.cached_tokens, u.cache_write_tokens, u.output_tokens) == (
        12,
        2,
        5,
        11,
    )
    # claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 cache write, $15 output per 1M
    want = (5 * 3.00 + 2 * 0.30 + 5 * 3.75 + 11 * 15.00) / 1e6
    assert rec.cost == pytest.approx(want, rel=1e-12)
    assert rec.cost is not None and rec.cost > (10 * 3.00 + 2 * 0.30 + 11 * 15.00) / 1e6
    score = rec.scores["cost"]
    assert score.details["cost_usd"] == pytest.approx(want, rel=1e-12)
    # the record on disk keeps the writes, so a re-read or re-scored run prices them alike
    (stored,) = read_run(tmp_path / "claude").records
    assert stored.usage.cache_write_tokens == 5 and stored.cost == rec.cost
    assert read_run(tmp_path / "claude").manifest["counts"]["cost_usd"] == pytest.approx(want)


def test_a_cache_hit_keeps_the_writes_it_reported(tmp_path: Path) -> None:
    with LLMServer() as srv:
        first = _run(srv, tmp_path, "anthropic", "claude-sonnet-4-5", "a")
        again = _run(srv, tmp_path, "anthropic", "claude-sonnet-4-5", "b")
        assert len(srv.requests) == 1
    (hit,) = again.records
    assert hit.cached and hit.usage.cache_write_tokens == 5
    assert hit.cost == first.records[0].cost


def test_a_price_without_cache_write_bills_anthropic_writes_at_1_25x(tmp_path: Path) -> None:
    prices = {"claude-sonnet-4-5": {"input": 4.0, "output": 20.0, "cached_input": 0.4}}
    with LLMServer() as srv:
        result = _run(srv, tmp_path, "anthropic", "claude-sonnet-4-5", "o", prices=prices)
    want = (5 * 4.0 + 2 * 0.4 + 5 * 4.0 * 1.25 + 11 * 20.0) / 1e6
    assert result.records[0].cost == pytest.approx(want, rel=1e-12)


def test_openai_cache_reads_are_discounted_and_nothing_is_charged_for_writes(
    tmp_path: Path,
) -> None:
    with LLMServer() as srv:
        result = _run(srv, tmp_path, "openai", "gpt-4o", "oa")
    (rec,) = result.records
    # OpenAI counts the whole prompt as prompt_tokens and reports no cache writes
    assert (rec.usage.input_tokens, rec.usage.cached_tokens) == (12, 2)
    assert rec.usage.cache_write_tokens is None
    assert "cache_write_tokens" not in rec.usage.to_dict()
    # gpt-4o: $2.50 input, $1.25 cached input, $10 output per 1M
    assert rec.cost == pytest.approx((10 * 2.50 + 2 * 1.25 + 11 * 10.0) / 1e6, rel=1e-12)
