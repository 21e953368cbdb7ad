"""``--max-cost`` under concurrency: each request reserves its estimated cost before it is sent
(evalkit/engine_budget.py), so the overshoot is bounded by the estimates' error, not by the
number of requests in flight (QA8: a cap of $0.01 spent $0.0734 at concurrency 16)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli.run import budget_lines
from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions, run
from evalkit.engine_budget import DEFAULT_OUTPUT_TOKENS, Budget, judge_spending
from evalkit.pricing import load_prices
from evalkit.providers.base import Message, Request
from evalkit.records import read_run
from evalkit.scoring import Score, ScoreContext, scorer
from tests.helpers import scripted_provider as sp

# gpt-4o-mini: $0.15 / $0.60 per million tokens; the scripted provider counts words
WORDS = 30
TEXT = " ".join(f"word{i:02d}" for i in range(WORDS))
COST = (WORDS * 0.15 + (WORDS + 1) * 0.60) / 1e6  # "echo: " + the words, per request


def _set(n: int) -> EvalSet:
    return EvalSet.from_cases([{"id": f"c{i:02d}", "input": TEXT} for i in range(n)], name="b")


def _cand(key: str, **kw: Any) -> Candidate:
    opts = {"key": key, "latency_ms": 20}
    return Candidate(name="cand", provider="scripted", model="gpt-4o-mini", options=opts, **kw)


def _opts(tmp_path: Path, **kw: Any) -> RunOptions:
    kw.setdefault("out_dir", tmp_path / "run")
    return RunOptions(cache_mode="off", progress="off", **kw)


@pytest.fixture
def key() -> str:
    return uuid.uuid4().hex


def test_concurrency_16_stays_within_the_cap_and_resume_finishes(tmp_path: Path, key: str) -> None:
    es, cand = _set(40), _cand(key, concurrency=16)
    cap = 4.5 * COST
    first = run(es, cand, [], _opts(tmp_path, max_cost_usd=cap))
    m, c = first.manifest, first.manifest["counts"]
    # before: all 16 workers' requests were in flight before the first price was known
    assert c["cost_usd"] <= cap + COST
    assert m["budget"]["spent_usd"] == pytest.approx(c["cost_usd"])
    assert m["status"] == "incomplete" and 0 < c["records"] < 16
    assert c["records"] + c["not_run"] == 40
    assert m["stopped"]["by"] == "budget" and "--max-cost" in m["stopped"]["reason"]
    assert f"of ${cap:g}" in m["stopped"]["reason"]
    assert sp.MAX_IN_FLIGHT[key] > 1  # once the first answer priced the calls, several go
    done = run(es, cand, [], _opts(tmp_path, resume=True, max_cost_usd=1.0))
    assert done.manifest["status"] == "complete" and "stopped" not in done.manifest
    assert sorted(r.case_id for r in read_run(tmp_path / "run").records) == [
        f"c{i:02d}" for i in range(40)
    ]  # every pair once


def test_with_max_tokens_the_estimate_is_an_upper_bound_and_the_cap_holds(
    tmp_path: Path, key: str
) -> None:
    cand = _cand(key, concurrency=16, params={"max_tokens": WORDS + 5})
    cap = 5 * COST
    out = run(_set(40), cand, [], _opts(tmp_path, max_cost_usd=cap))
    c = out.manifest["counts"]
    assert 0 < c["cost_usd"] <= cap and out.manifest["budget"]["exceeded"] is False
    assert out.manifest["status"] == "incomplete"


def test_a_cap_smaller_than_one_estimate_sends_nothing_once_prices_are_known(
    tmp_path: Path, key: str
) -> None:
    cand = _cand(key, concurrency=16, params={"max_tokens": 500})
    out = run(_set(5), cand, [], _opts(tmp_path, max_cost_usd=COST / 2))
    assert out.manifest["counts"]["records"] == 0 and out.manifest["status"] == "incomplete"
    assert "the next request was estimated at $" in out.manifest["stopped"]["reason"]
    assert not sp.CALLS[key]


@scorer("paid_judge", register=False)
def _paid_judge(ctx: ScoreContext) -> Score:
    return Score(1.0, True, "ok", {"judge_cost_usd": 2 * COST, "cached": False})


def test_judge_spending_is_counted_against_the_cap_and_recorded(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cand = _cand(key, concurrency=1, params={"max_tokens": WORDS + 5})
    cap = 9 * COST  # three cases with their judge: 3 x (COST + 2 COST)
    out = run(_set(20), cand, [_paid_judge()], _opts(tmp_path, max_cost_usd=cap))
    m = out.manifest
    n = m["counts"]["records"]
    assert n == 3 and m["status"] == "incomplete"
    assert m["judge_cost_usd"] == pytest.approx(n * 2 * COST)
    assert m["budget"]["judge_spent_usd"] == pytest.approx(n * 2 * COST)
    assert m["budget"]["spent_usd"] == pytest.approx(n * 3 * COST)
    assert "judge calls $" in m["stopped"]["reason"]
    lines = budget_lines(m)
    assert lines[0].startswith(f"  budget: spent ${n * 3 * COST:.4f} of --max-cost {cap:g}")


def test_the_summary_warns_when_a_cap_was_exceeded() -> None:
    m = {"budget": {"max_cost_usd": 0.01, "spent_usd": 0.0734, "exceeded": True}}
    lines = budget_lines(m)
    assert "spent $0.0734 of --max-cost 0.01" in lines[0]
    assert "warning: spent $0.0734, 7.34x the --max-cost 0.01" in lines[1]
    assert budget_lines({"budget": None}) == []


def test_judge_spending_skips_cached_and_unpriced_verdicts() -> None:
    scores = {
        "a": Score(1.0, True, "", {"judge_cost_usd": 0.5, "cached": False}),
        "b": Score(1.0, True, "", {"judge_cost_usd": 0.25, "cached": True}),
        "c": Score(1.0, True, "", {"judge_cost_usd": None}),
        "d": Score(1.0, True, ""),
    }
    assert judge_spending(scores) == 0.5


def _request(text: str, **params: Any) -> Request:
    return Request(
        case_id="c", repeat=0, model="gpt-4o-mini", messages=(Message("user", text),), params=params
    )


def test_budget_probes_alone_then_waits_for_room_and_stops_when_nothing_is_in_flight() -> None:
    async def scenario() -> None:
        b = Budget(1e-3, load_prices())
        req = _request("hello there")
        est, guess = b.estimate(req)
        assert guess and est > DEFAULT_OUTPUT_TOKENS * 0.6e-6
        first = await b.reserve(req)
        assert first is not None
        waiting = asyncio.ensure_future(b.reserve(req))  # a second probe waits for the first
        await asyncio.sleep(0.01)
        assert not waiting.done()
        b.settle(first, 4e-4, 100)  # the first answer: 100 output tokens, $0.0004
        second = await waiting
        assert second is not None and not b.estimate(req)[1]  # priced by the answer seen
        b.settle(second, 5.9e-4, 100)  # $0.00099 spent: the next estimate does not fit
        assert await b.reserve(req) is None and b.exhausted
        assert "reached: spent $0.00099 of $0.001" in b.stop_reason()

    asyncio.run(scenario())


def test_an_unpriced_model_is_never_stopped_by_the_budget() -> None:
    async def scenario() -> None:
        b = Budget(1e-9, load_prices())
        req = Request(
            case_id="c", repeat=0, model="no-such-model", messages=(Message("user", "x"),)
        )
        for _ in range(3):
            est = await b.reserve(req)
            assert est == 0.0
            b.settle(est, None, 5)
        assert not b.exhausted

    asyncio.run(scenario())
