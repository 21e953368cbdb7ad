"""Built-in scorers with a closed set of outcomes declare it (``Scorer.outcomes``), so a
notebook's ``summary()`` gives every rate, 0.0 included (QA12 F4). Each declared set is the
scorer's whole range: every label is produced here, and nothing else is."""

from __future__ import annotations

from typing import Any

from evalkit.dataset import Case, ExpectedToolCall, Message
from evalkit.dataset_messages import ToolCall
from evalkit.providers.base import Request, Response, Usage
from evalkit.scorers.cost import Cost, Latency
from evalkit.scorers.tool_calls import ToolCalls, _outcome
from evalkit.scoring import ScoreContext


def _ctx(model: str | None, latency: float | None) -> ScoreContext:
    req = Request("c1", 0, model or "x", (Message("user", "x" * 40),))
    resp = Response(text="abcd", usage=Usage(1000, 500), model=model, latency_ms=latency)
    return ScoreContext(Case(id="c1", input="hi"), resp, req, {"model": model}, None)


def test_cost_and_latency_outcomes_are_their_whole_range() -> None:
    priced = _ctx("gpt-4o-2024-08-06", 120.0)
    seen = {
        Cost().score(priced).details["outcome"],
        Cost(max_usd_per_case=0.000001).score(priced).details["outcome"],
        Cost().score(_ctx("no-such-model", 120.0)).details["outcome"],
    }
    assert seen == Cost.outcomes
    seen = {
        Latency().score(priced).details["outcome"],
        Latency(max_ms=10).score(priced).details["outcome"],
        Latency().score(_ctx("gpt-4o-2024-08-06", None)).details["outcome"],
    }
    assert seen == Latency.outcomes


def test_tool_call_outcomes_are_their_whole_range() -> None:
    call = ToolCall("lookup", {"id": 1})
    one = [ExpectedToolCall("lookup", {"id": 1})]
    base: dict[str, Any] = {"hallucinated_tools": [], "calls": [{"name_ok": True}]}
    cases = [
        (True, False, one, [call], base),
        (False, False, one, [call], {**base, "hallucinated_tools": ["nope"]}),
        (False, False, one, [ToolCall("lookup", "{not json")], base),  # type: ignore[arg-type]
        (False, True, one, [call], base),
        (False, False, one + one, [call, call], {**base, "order": True}),
        (False, False, one + one, [call], base),
        (False, False, one, [call, call], base),
        (False, False, one, [call], {**base, "calls": [{"name_ok": False}]}),
        (False, False, one, [call], base),
    ]
    seen = {_outcome(ok, schema, exp, calls, det) for ok, schema, exp, calls, det in cases}
    assert seen == ToolCalls.outcomes


def test_refusal_outcomes_are_the_three_of_outcome_for() -> None:
    from evalkit.scorers.refusal import Refusal, outcome_for

    seen = {
        outcome_for(v, s)
        for v in ("compliance", "partial_refusal", "full_refusal")
        for s in (True, False)
    }
    assert seen == Refusal.outcomes == {"correct", "over_refusal", "under_refusal"}
