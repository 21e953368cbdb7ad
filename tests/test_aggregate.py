"""Aggregates over records: per scorer, generic outcome/metric details, run metrics, tags."""

from __future__ import annotations

import pytest

from evalkit.aggregate import aggregate, aggregate_by_tag, run_metrics, summarise_cases
from evalkit.scoring import Score
from tests.helpers.runs import make_record


def test_mean_pass_rate_and_wilson_interval() -> None:
    recs = [make_record(f"c{i}", {"acc": i < 8}) for i in range(10)]
    s = aggregate(recs).scorer("acc")
    assert s is not None
    assert s.cases == 10
    assert s.mean.value == pytest.approx(0.8)
    assert s.pass_rate.value == pytest.approx(0.8)
    assert s.pass_rate.low == pytest.approx(0.4902, abs=1e-3)  # Wilson, no repeats


def test_errors_count_as_failures_and_scorer_errors_are_counted() -> None:
    recs = [
        make_record("a", {"acc": True}),
        make_record("b", error="timeout"),
        make_record("c", {"acc": Score.failure("boom")}),
        make_record("d", {"acc": True}),
    ]
    agg = aggregate(recs)
    s = agg.scorer("acc")
    assert s is not None
    assert s.pass_rate.value == pytest.approx(0.5)
    assert s.mean.value == pytest.approx(1.0)  # only scored values
    assert s.errors == 2
    m = agg.metrics()
    assert m["errors.rate"] == pytest.approx(0.25)
    assert agg.run.errors_by_kind == {"timeout": 1}


def test_repeats_give_case_pass_rates_and_flaky_cases() -> None:
    recs = [
        make_record("a", {"acc": True}, repeat=0),
        make_record("a", {"acc": False}, repeat=1),
        make_record("a", {"acc": True}, repeat=2),
        make_record("b", {"acc": False}, repeat=0),
        make_record("b", {"acc": False}, repeat=1),
        make_record("b", {"acc": False}, repeat=2),
    ]
    cases = summarise_cases(recs)
    a = cases["a"].scorers["acc"]
    assert a.pass_rate == pytest.approx(2 / 3) and a.passed is True and a.flaky
    assert cases["b"].scorers["acc"].passed is False and not cases["b"].flaky
    s = aggregate(recs).scorer("acc")
    assert s is not None and s.flaky == 1
    assert s.pass_rate.value == pytest.approx(1 / 3)  # mean of per-case rates
    assert s.pass_rate.n == 2  # cases, not records


def test_tie_over_repeats_fails() -> None:
    recs = [
        make_record("a", {"acc": True}, repeat=0),
        make_record("a", {"acc": False}, repeat=1),
    ]
    assert summarise_cases(recs)["a"].passed is False


def test_outcome_and_detail_metrics_are_generic() -> None:
    def ref(outcome: str, recall: float) -> Score:
        return Score(
            1.0 if outcome == "correct" else 0.0,
            outcome == "correct",
            outcome,
            {"outcome": outcome, "metrics": {"recall": recall}},
        )

    recs = [
        make_record("a", {"refusal": ref("correct", 1.0)}),
        make_record("b", {"refusal": ref("over_refusal", 0.5)}),
        make_record("c", {"refusal": ref("correct", 0.0)}),
        make_record("d", {"refusal": ref("under_refusal", 0.5)}),
    ]
    m = aggregate(recs).metrics()
    assert m["refusal.over_refusal_rate"] == pytest.approx(0.25)
    assert m["refusal.correct_rate"] == pytest.approx(0.5)
    assert m["refusal.recall"] == pytest.approx(0.5)


def test_run_metrics_cost_tokens_latency_and_unknown_price() -> None:
    recs = [
        make_record("a", latency_ms=100, cost=0.002, tokens=(10, 5)),
        make_record("b", latency_ms=300, cost=None, tokens=(10, 5)),
        make_record("c", latency_ms=200, cost=0.004, tokens=(10, 5)),
    ]
    rm = run_metrics(recs)
    assert rm.cost_total == pytest.approx(0.006)
    assert rm.cost_per_case == pytest.approx(0.003)  # over priced records only
    assert rm.cost_unknown == 1
    assert rm.input_tokens == 30 and rm.output_tokens == 15
    assert rm.latency_p50 == pytest.approx(200) and rm.latency_max == pytest.approx(300)
    assert run_metrics([make_record("z", cost=None)]).cost_total is None  # unknown, not 0
    # A budget gate reads cost.total: with an unpriced record the total is unknown.
    assert rm.metrics()["cost.total"] is None
    assert rm.metrics()["cost.priced_total"] == pytest.approx(0.006)
    priced = run_metrics([make_record("a", cost=0.002)])
    assert priced.metrics()["cost.total"] == pytest.approx(0.002)


def test_per_tag_aggregates() -> None:
    recs = [
        make_record(f"c{i}", {"acc": i % 2 == 0}, tags=["even" if i % 2 == 0 else "odd"])
        for i in range(6)
    ]
    by = aggregate_by_tag(recs)
    assert sorted(by) == ["even", "odd"]
    assert by["even"].metrics()["acc.pass_rate"] == 1.0
    assert by["odd"].metrics()["acc.pass_rate"] == 0.0
    assert by["odd"].run.cases == 3


def test_round_trip() -> None:
    from evalkit.aggregate import RunAggregate

    agg = aggregate([make_record(f"c{i}", {"acc": i < 3, "g": 0.7}) for i in range(5)])
    assert RunAggregate.from_dict(agg.to_dict()) == agg
