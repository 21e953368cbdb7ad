"""Aggregates over records: per scorer, generic outcome/metric details, run metrics, tags."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.aggregate import (
    ScorerAggregate,
    aggregate,
    aggregate_by_tag,
    run_metrics,
    summarise_cases,
)
from evalkit.scoring import Score
from evalkit.stats import Bootstrap
from tests.helpers.runs import make_record


def test_mean_pass_rate_and_wilson_interval() -> None:
    recs = [make_record(f"c{i}", {"acc": i < 8}) for i in range(10)]
    s = aggregate(recs).scorer("acc")
    assert s is not None
    assert s.cases == 10
    assert s.mean.value == pytest.approx(0.8)
    assert s.pass_rate.value == pytest.approx(0.8)
    assert s.pass_rate.low == pytest.approx(0.4902, abs=1e-3)  # Wilson, no repeats


def test_provider_errors_fail_and_scorer_errors_are_unscored_but_counted() -> None:
    recs = [
        make_record("a", {"acc": True}),
        make_record("b", error="timeout"),
        make_record("c", {"acc": Score.failure("boom")}),
        make_record("d", {"acc": True}),
    ]
    agg = aggregate(recs)
    s = agg.scorer("acc")
    assert s is not None
    # The provider error fails; the scorer error is no verdict (docs/compare.md): 2 of 3.
    assert s.pass_rate.value == pytest.approx(2 / 3) and s.pass_rate.n == 3
    assert s.mean.value == pytest.approx(1.0)  # only scored values
    assert s.errors == 2 and s.unscored == 1
    assert ScorerAggregate.from_dict(s.to_dict()) == s
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
    assert rm.cost_per_case is None  # unknown: one answered record is unpriced
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


# ------------------------------------------------------- independent checks of each statistic

scipy_stats = pytest.importorskip("scipy.stats")


def _wilson_scipy(k: int, n: int) -> tuple[float, float]:
    ci = scipy_stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    return float(ci.low), float(ci.high)


@pytest.mark.parametrize(("k", "n"), [(8, 10), (0, 5), (5, 5), (1, 1), (0, 1), (37, 120)])
def test_pass_rate_interval_is_wilson_as_scipy_computes_it(k: int, n: int) -> None:
    recs = [make_record(f"c{i}", {"acc": i < k}) for i in range(n)]
    est = aggregate(recs).scorer("acc").pass_rate  # type: ignore[union-attr]
    lo, hi = _wilson_scipy(k, n)
    assert est.value == pytest.approx(k / n) and est.n == n
    assert est.low == pytest.approx(lo, abs=1e-9) and est.high == pytest.approx(hi, abs=1e-9)


def test_mean_interval_matches_scipy_percentile_bootstrap_and_t_interval() -> None:
    rng = np.random.default_rng(11)
    x = rng.beta(5, 2, 300)
    recs = [make_record(f"c{i}", {"g": Score(float(v), None)}) for i, v in enumerate(x)]
    est = aggregate(recs).scorer("g").mean  # type: ignore[union-attr]
    assert est.value == pytest.approx(float(np.mean(x)), abs=1e-12) and est.n == 300
    ref = scipy_stats.bootstrap(
        (x,), np.mean, method="percentile", n_resamples=20_000, rng=np.random.default_rng(1)
    ).confidence_interval
    # Two bootstraps with different draws agree to Monte Carlo error (~0.002 here).
    assert est.low == pytest.approx(ref.low, abs=0.006)
    assert est.high == pytest.approx(ref.high, abs=0.006)
    t_lo, t_hi = scipy_stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=scipy_stats.sem(x))
    assert est.low == pytest.approx(t_lo, abs=0.008) and est.high == pytest.approx(t_hi, abs=0.008)


def test_mean_interval_covers_the_true_mean_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(5)
    hits = 0
    trials = 300
    for t in range(trials):
        x = rng.beta(2, 5, 60)  # true mean 2/7
        est = Bootstrap(x.size, n_boot=1000, seed=t).mean_ci(x)
        assert est.low is not None and est.high is not None
        hits += est.low <= 2 / 7 <= est.high
    assert 0.90 <= hits / trials <= 0.99


def test_pass_rate_with_flaky_repeats_is_a_case_bootstrap_of_per_case_rates() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0.2, 1.0, 200)
    recs = [
        make_record(f"c{i}", {"acc": bool(rng.random() < p[i])}, repeat=r)
        for i in range(200)
        for r in range(3)
    ]
    rates = np.array([cs.scorers["acc"].pass_rate for cs in summarise_cases(recs).values()])
    est = aggregate(recs).scorer("acc").pass_rate  # type: ignore[union-attr]
    assert est.value == pytest.approx(rates.mean()) and est.n == 200
    ref = scipy_stats.bootstrap(
        (rates,), np.mean, method="percentile", n_resamples=20_000, rng=np.random.default_rng(2)
    ).confidence_interval
    assert est.low == pytest.approx(ref.low, abs=0.008)
    assert est.high == pytest.approx(ref.high, abs=0.008)


def test_provider_errors_fail_and_errors_stay_out_of_mean_and_outcome_rates() -> None:
    def ref(outcome: str) -> Score:
        ok = outcome == "correct"
        return Score(float(ok), ok, outcome, {"outcome": outcome})

    recs = [
        make_record("a", {"r": ref("correct")}),
        make_record("b", {"r": ref("over_refusal")}),
        make_record("c", {"r": Score.failure("boom")}),
        make_record("d", error="rate_limit"),
    ]
    s = aggregate(recs).scorer("r")
    assert s is not None
    assert s.cases == 4 and s.errors == 2
    # Pass rate over the 3 cases with a verdict (the provider error fails, the scorer error is
    # unscored): 1/3 with Wilson(1, 3).
    assert s.pass_rate.value == pytest.approx(1 / 3) and s.pass_rate.n == 3
    assert (s.pass_rate.low, s.pass_rate.high) == pytest.approx(_wilson_scipy(1, 3))
    # Mean and outcome rates over the two scored cases only.
    assert s.mean.value == pytest.approx(0.5) and s.mean.n == 2
    assert s.outcomes == {"correct": 0.5, "over_refusal": 0.5}


def test_outcome_rates_and_detail_metrics_hand_worked_with_repeats() -> None:
    def ref(outcome: str | None, refused: object) -> Score:
        details: dict[str, object] = {"metrics": {"refused": refused}}
        if outcome is not None:
            details["outcome"] = outcome
        value = None if outcome is None else float(outcome == "correct")
        return Score(value, None if value is None else value == 1.0, "r", details)

    recs = [
        # a: 2 repeats, one over-refusal → over 1/2; refused mean 0.5
        make_record("a", {"r": ref("correct", 0.0)}, repeat=0),
        make_record("a", {"r": ref("over_refusal", 1.0)}, repeat=1),
        # b: under-refusal → under 1; refused 0
        make_record("b", {"r": ref("under_refusal", 0.0)}),
        # c: no should_refuse (no outcome, no value): not in outcome rates; refused 1
        make_record("c", {"r": ref(None, 1.0)}),
        # d: correct; non-numeric and non-finite metric values are ignored → d has no metric
        make_record("d", {"r": ref("correct", True)}, repeat=0),
        make_record("d", {"r": ref("correct", float("nan"))}, repeat=1),
    ]
    m = aggregate(recs).metrics()
    # Outcome rates: mean over the 3 cases with an outcome of the per-case shares.
    assert m["r.over_refusal_rate"] == pytest.approx((0.5 + 0 + 0) / 3)
    assert m["r.under_refusal_rate"] == pytest.approx((0 + 1 + 0) / 3)
    assert m["r.correct_rate"] == pytest.approx((0.5 + 0 + 1) / 3)
    # Detail metric: mean over the cases that report it (a 0.5, b 0, c 1).
    assert m["r.refused"] == pytest.approx(0.5)


def test_tag_slices_equal_aggregating_the_tagged_records() -> None:
    rng = np.random.default_rng(9)
    recs = []
    for i in range(40):
        tags = ["all", "ünïcode-标签"] if i % 3 == 0 else ["all"]
        if i == 7:
            tags = ["all", "solo"]
        recs.append(make_record(f"c{i}", {"acc": bool(rng.random() < 0.7)}, tags=tags))
    by = aggregate_by_tag(recs)
    assert sorted(by) == sorted(["all", "solo", "ünïcode-标签"])
    for tag, agg in by.items():
        subset = [r for r in recs if tag in r.tags]
        k = sum(1 for r in subset if r.scores["acc"].passed)
        est = agg.scorer("acc").pass_rate  # type: ignore[union-attr]
        assert agg.tag == tag and agg.run.cases == len(subset) == est.n
        assert est.value == pytest.approx(k / len(subset))
        assert (est.low, est.high) == pytest.approx(_wilson_scipy(k, len(subset)))
    assert by["all"].to_dict()["scorers"] == aggregate(recs).to_dict()["scorers"]


def test_empty_inputs_and_scorers_absent_from_a_slice() -> None:
    empty = aggregate([])
    assert empty.scorers == () and empty.run.cases == 0 and empty.metrics()["errors.rate"] is None
    recs = [make_record("a", {"acc": True}, tags=["x"]), make_record("b", {"g": 0.4}, tags=["y"])]
    x = aggregate_by_tag(recs)["x"]
    g = x.scorer("g")
    assert g is not None and g.cases == 0
    assert g.mean.value is None and g.pass_rate.value is None and g.pass_rate.low is None
    value_only = aggregate([make_record(f"c{i}", {"v": Score(None, None)}) for i in range(3)])
    v = value_only.scorer("v")
    assert v is not None and v.mean.value is None and v.pass_rate.value is None


def test_a_single_case_has_a_mean_without_interval_and_a_wilson_pass_rate() -> None:
    s = aggregate([make_record("a", {"g": 0.7})]).scorer("g")
    assert s is not None
    assert s.mean.value == pytest.approx(0.7) and s.mean.n == 1
    assert s.mean.low is None and s.mean.high is None
    assert (s.pass_rate.low, s.pass_rate.high) == pytest.approx(_wilson_scipy(1, 1))


def test_repeats_without_flaky_cases_get_a_wilson_pass_rate_interval() -> None:
    # 20 cases x 3 repeats, every repeat passes: the bootstrap said [1, 1].
    recs = [make_record(f"c{i}", {"acc": True}, repeat=r) for i in range(20) for r in range(3)]
    est = aggregate(recs).scorer("acc").pass_rate  # type: ignore[union-attr]
    assert est.value == 1.0 and est.n == 20
    assert (est.low, est.high) == pytest.approx(_wilson_scipy(20, 20))
    # Consistent cases, some failing every repeat: Wilson over cases (7 of 10 pass).
    recs = [make_record(f"c{i}", {"acc": i < 7}, repeat=r) for i in range(10) for r in range(2)]
    est = aggregate(recs).scorer("acc").pass_rate  # type: ignore[union-attr]
    assert (est.low, est.high) == pytest.approx(_wilson_scipy(7, 10))


def test_non_finite_values_count_as_no_value() -> None:
    recs = [
        make_record("a", {"g": Score(float("nan"), True)}, repeat=0),
        make_record("a", {"g": Score(0.6, True)}, repeat=1),
        make_record("b", {"g": Score(float("inf"), True)}),
        make_record("c", {"g": Score(0.2, False)}),
    ]
    cases = summarise_cases(recs)
    assert cases["a"].scorers["g"].value == pytest.approx(0.6)  # the NaN repeat drops out
    assert cases["b"].scorers["g"].value is None
    s = aggregate(recs).scorer("g")
    assert s is not None
    assert s.mean.value == pytest.approx(0.4) and s.mean.n == 2
    assert s.mean.low is not None and s.mean.high is not None
    assert s.mean.low <= 0.2 and s.mean.high >= 0.6  # two values: a wide t interval
    assert s.pass_rate.value == pytest.approx(2 / 3)  # verdicts still count


def test_split_modules_are_re_exported_from_evalkit_aggregate() -> None:
    import evalkit.aggregate as agg
    import evalkit.aggregate_per_case as per_case
    import evalkit.aggregate_types as types

    for module in (types, per_case):
        for name in module.__all__:
            assert getattr(agg, name) is getattr(module, name) and name in agg.__all__


def test_aggregate_by_tag_equals_aggregating_each_tag_separately() -> None:
    rng = np.random.default_rng(4)
    recs = []
    for i in range(30):
        for r in range(3):
            tags = [f"t{i % 4}", "many"] if i % 5 else ["x"]
            if i == 2 and r == 1:
                tags = ["odd-repeat"]  # a repeat tagged unlike its case's other repeats
            value = float(rng.random())
            recs.append(make_record(f"c{i}", {"g": value, "acc": value > 0.3}, repeat=r, tags=tags))
    rng.shuffle(recs)  # type: ignore[arg-type]
    by = aggregate_by_tag(recs)
    names = ("acc", "g")
    assert set(by) == {"t0", "t1", "t2", "t3", "many", "x", "odd-repeat"}
    for t, agg in by.items():
        assert agg == aggregate(recs, tag=t, scorers=names), t


def test_cost_per_case_is_unknown_when_any_answered_record_is_unpriced() -> None:
    # Half the traffic moved to a model with no price: the priced half alone would say the
    # cost per call did not change, which is exactly what a "did it double?" gate must not see.
    recs = [make_record(f"c{i}", cost=0.01 if i % 2 == 0 else None) for i in range(10)]
    rm = run_metrics(recs)
    assert rm.cost_unknown == 5
    assert rm.cost_per_case is None
    m = rm.metrics()
    assert m["cost.per_case"] is None and m["cost.total"] is None
    assert m["cost.priced_total"] == pytest.approx(0.05)
    assert rm.unpriced_text() == "unknown: 5 of 10 answered records unpriced"
    # Errored records have no cost and are neither priced nor unpriced.
    ok = run_metrics([make_record("a", cost=0.01), make_record("b", error="timeout")])
    assert ok.cost_unknown == 0 and ok.unpriced_text() == ""
    assert ok.metrics()["cost.per_case"] == pytest.approx(0.01)
    # A stored run metrics dict from before the fix (partial mean beside unpriced records)
    # still reads as unknown.
    old = type(rm).from_dict(rm.to_dict() | {"cost_per_case": 0.01})
    assert old.metrics()["cost.per_case"] is None


def test_tokens_per_case_divide_by_answered_records() -> None:
    recs = [make_record(f"c{i}", tokens=(100, 20)) for i in range(5)]
    recs += [make_record(f"e{i}", error="timeout") for i in range(5)]
    m = run_metrics(recs).metrics()
    assert m["tokens.input"] == 500 and m["tokens.output"] == 100
    assert m["tokens.input_per_case"] == pytest.approx(100)  # not 50
    assert m["tokens.output_per_case"] == pytest.approx(20)  # not 10
    none_answered = run_metrics([make_record("e", error="timeout")]).metrics()
    assert none_answered["tokens.input_per_case"] is None
    assert none_answered["tokens.output_per_case"] is None
