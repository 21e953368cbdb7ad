from __future__ import annotations

import asyncio

import pytest

from evalkit.dataset import Case, Message
from evalkit.providers.base import Request, Response, Usage
from evalkit.scorers.cost import Cost, Latency
from evalkit.scoring import ScoreContext, build_scorer, score_all

CASE = Case(id="c1", input="hi")
USAGE = Usage(1000, 500)


def _ctx(
    *,
    usage: Usage = USAGE,
    model: str | None = "gpt-4o-2024-08-06",
    cost: float | None = None,
    latency: float | None = 120.0,
    request: bool = True,
    cached: bool = False,
) -> ScoreContext:
    req = Request("c1", 0, "gpt-4o", (Message("user", "x" * 40),)) if request else None
    resp = Response(text="abcd" * 5, usage=usage, model=model, latency_ms=latency, cached=cached)
    return ScoreContext(CASE, resp, req, {"model": "gpt-4o"}, cost)


def test_registered_names_build() -> None:
    assert isinstance(build_scorer("cost", {"max_usd_per_case": 0.01}), Cost)
    assert isinstance(build_scorer("latency", {"max_ms": 500}), Latency)


def test_cost_priced_from_usage_when_engine_gave_none() -> None:
    s = Cost().score(_ctx())
    assert (s.value, s.passed) == (1.0, True)
    assert s.details["cost_usd"] == pytest.approx(0.0075)
    assert s.details["priced"] is True
    assert s.details["estimated"] is False
    assert s.details["price_source"] == "gpt-4o: OpenAI API pricing page"
    assert s.details["price_as_of"]
    assert s.details["metrics"] == {
        "input_tokens": 1000.0,
        "output_tokens": 500.0,
        "priced_cost_usd": pytest.approx(0.0075),
    }
    assert s.reason == "$0.007500"


def test_engine_cost_wins_over_table() -> None:
    s = Cost().score(_ctx(cost=0.5))
    assert s.details["cost_usd"] == 0.5
    # The engine priced it with the run's table (e.g. a [prices] override of gpt-4o); the
    # shipped entry's page and date are not where that figure came from.
    assert s.details["price_source"] == "engine: the run's price table"
    assert s.details["price_as_of"] is None
    # When the engine's figure is the shipped table's, the table's provenance stands.
    same = Cost().score(_ctx(cost=0.0075))
    assert same.details["price_source"] == "gpt-4o: OpenAI API pricing page"
    assert same.details["price_as_of"]


def test_budget_exceeded_fails_with_message() -> None:
    s = Cost(max_usd_per_case=0.005).score(_ctx())
    assert (s.value, s.passed) == (0.0, False)
    assert s.reason == "$0.007500 exceeds the budget of $0.005000 per case"
    assert s.details["outcome"] == "over_budget"
    within = Cost(max_usd_per_case=0.01).score(_ctx())
    assert within.passed is True and within.reason == "$0.007500 within $0.010000"


def test_zero_budget_is_a_budget() -> None:
    assert Cost(max_usd_per_case=0.0).score(_ctx()).passed is False


def test_unknown_price_is_unknown_never_zero() -> None:
    ctx = ScoreContext(
        CASE,
        Response(text="x", usage=Usage(10, 10), model="my-local-model"),
        Request("c1", 0, "my-local-model", (Message("user", "x"),)),
    )
    s = Cost().score(ctx)
    assert s.value is None and s.passed is None and s.error is None
    assert s.reason == (
        "unknown price for model 'my-local-model'; add it to the config's [prices] table"
    )
    assert s.details["priced"] is False and s.details["cost_usd"] is None
    assert s.details["outcome"] == "unpriced"
    assert "priced_cost_usd" not in s.details["metrics"]
    # with a budget, an unknown cost cannot be shown within it: it fails (QA14 F3)
    b = Cost(max_usd_per_case=1.0).score(ctx)
    assert (b.value, b.passed, b.details["outcome"]) == (0.0, False, "unpriced")
    assert b.reason.endswith("; the budget of $1.000000 per case cannot be checked")


def test_prices_override_argument() -> None:
    ctx = ScoreContext(CASE, Response(text="x", usage=Usage(10**6, 0), model="my-local-model"))
    s = Cost(prices={"my-local-model": {"input": 0.2, "output": 0.4}}).score(ctx)
    assert s.details["cost_usd"] == pytest.approx(0.2)
    assert s.details["price_source"] == "my-local-model: config [prices]"


def test_missing_usage_is_estimated_and_flagged() -> None:
    s = Cost().score(_ctx(usage=Usage()))
    assert s.details["estimated"] is True
    assert s.details["input_tokens"] == 3 + 10 + 4
    assert s.details["output_tokens"] == 5
    assert "(estimated tokens)" in s.reason


def test_missing_usage_without_request_is_unknown() -> None:
    s = Cost().score(_ctx(usage=Usage(), request=False))
    assert s.value is None
    assert s.reason.startswith("unknown token usage")


def test_cached_tokens_in_details() -> None:
    s = Cost().score(_ctx(usage=Usage(1000, 500, 200)))
    assert s.details["cached_tokens"] == 200
    assert s.details["cost_usd"] == pytest.approx(0.00725)


def test_latency_scorer() -> None:
    assert Latency().score(_ctx(latency=120.4)).reason == "120 ms"
    slow = Latency(max_ms=100).score(_ctx(latency=120.4))
    assert (slow.value, slow.passed, slow.details["outcome"]) == (0.0, False, "slow")
    assert slow.reason == "120 ms exceeds the maximum of 100 ms"
    ok = Latency(max_ms=200).score(_ctx(latency=120.4, cached=True))
    assert ok.passed is True and ok.reason == "120 ms (served from cache) within 200 ms"
    assert ok.details["metrics"] == {"latency_ms": 120.4}
    none = Latency(max_ms=200).score(_ctx(latency=None))
    assert none.value is None and none.passed is None and none.details["outcome"] == "unmeasured"


def test_scorers_run_through_score_all() -> None:
    out = asyncio.run(score_all([Cost(), Latency(max_ms=50)], _ctx()))
    assert out["cost"].passed is True and out["latency"].passed is False


def test_bad_price_overrides_fail_at_construction() -> None:
    from evalkit.errors import ConfigError

    with pytest.raises(ConfigError, match="scorer 'cost': prices m: 'output' is missing"):
        build_scorer("cost", {"prices": {"m": {"input": 1}}})


def _asked(model: str, reported: str | None, cost: float | None = None) -> ScoreContext:
    req = Request("c1", 0, model, (Message("user", "x"),))
    return ScoreContext(CASE, Response(text="x", usage=USAGE, model=reported), req, {}, cost)


def test_the_requested_model_is_priced_first_then_the_reported_one() -> None:
    # The engine's order: a [prices] entry names what the config asks for (a deployment), so
    # the requested model's price wins; the reported one prices a router's "auto" alias.
    deploy = {"my-deployment": {"input": 1.0, "output": 1.0}}
    s = Cost(prices=deploy).score(_asked("my-deployment", "gpt-4o-2024-08-06"))
    assert s.details["model"] == "my-deployment"
    assert s.details["reported_model"] == "gpt-4o-2024-08-06"
    assert s.details["cost_usd"] == pytest.approx(0.0015)
    assert s.details["price_source"] == "my-deployment: config [prices]"
    routed = Cost().score(_asked("acme-router-auto", "gpt-4o-2024-08-06"))
    assert routed.details["model"] == "gpt-4o-2024-08-06"
    assert routed.details["cost_usd"] == pytest.approx(0.0075)
    unknown = Cost().score(_asked("acme-router-auto", "acme-9"))
    assert unknown.details["model"] == "acme-router-auto" and unknown.value is None
    assert unknown.reason == (
        "unknown price for model 'acme-router-auto' (the provider reported 'acme-9'); add it "
        "to the config's [prices] table"
    )


def test_details_name_the_model_the_engine_priced() -> None:
    # The engine priced the requested gpt-4o-mini; the provider reported gpt-4o.
    mini = 1000 * 0.15 / 1e6 + 500 * 0.6 / 1e6
    s = Cost().score(_asked("gpt-4o-mini", "gpt-4o-2024-08-06", cost=mini))
    assert s.details["model"] == "gpt-4o-mini" and s.details["cost_usd"] == mini
    assert s.details["price_source"].startswith("gpt-4o-mini: ")
    # The requested model has no shipped price and the engine's figure is the reported
    # model's: the engine fell back to the reported model.
    routed = Cost().score(_asked("acme-router-auto", "gpt-4o-2024-08-06", cost=0.0075))
    assert routed.details["model"] == "gpt-4o-2024-08-06"
    assert routed.details["price_source"].startswith("gpt-4o: ")
    # A figure from an override this scorer cannot see: the engine's first choice, the
    # requested model, with the run's table as the source.
    over = Cost().score(_asked("my-deployment", "gpt-4o-2024-08-06", cost=0.123))
    assert over.details["model"] == "my-deployment"
    assert over.details["price_source"] == "engine: the run's price table"


def test_cost_details_show_cache_writes_only_when_reported() -> None:
    written = Usage(3000, 100, cached_tokens=0, cache_write_tokens=2000)
    s = Cost().score(_ctx(usage=written, model="claude-sonnet-4-5"))
    assert s.details["cache_write_tokens"] == 2000
    assert s.details["metrics"]["cache_write_tokens"] == 2000.0
    plain = Cost().score(_ctx())
    assert "cache_write_tokens" not in plain.details
    assert "cache_write_tokens" not in plain.details["metrics"]


def test_the_averaged_cost_is_named_for_the_priced_cases_it_covers() -> None:
    """QA14 F3: ``cost.cost_usd`` averaged the priced cases only, so a candidate half of whose
    answers went to an unpriced model read "no change"; the figure is now
    ``priced_cost_usd`` and a gate on the old name is refused with the way out."""
    from evalkit.cli._validate_metrics import gate_metric_problems

    priced = Cost().score(_ctx())
    assert "cost_usd" not in priced.details["metrics"]
    assert priced.details["metrics"]["priced_cost_usd"] == pytest.approx(0.0075)
    body = {"scorers": ["cost"], "gates": [{"metric": "cost.cost_usd", "max_rise_pct": 10}]}
    problems = gate_metric_problems("[suites.s]", body, {0: Cost()})
    assert len(problems) == 1
    message = problems[0].message
    assert message.startswith("metric 'cost.cost_usd' is gone: ")
    assert "cost.per_case" in message and "cost.priced_cost_usd" in message
    ok = {"scorers": ["cost"], "gates": [{"metric": "cost.priced_cost_usd", "max": 1}]}
    assert gate_metric_problems("[suites.s]", ok, {0: Cost()}) == []
