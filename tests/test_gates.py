"""Gates: every rule kind, tags, alpha, no_new_failures, single-run thresholds, reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.compare import Comparison, compare
from evalkit.config import Gate
from evalkit.gates import check_thresholds, evaluate_gates
from evalkit.scoring import Score
from tests.helpers.runs import candidate_dict, make_record, make_run


def _ref(outcome: str) -> Score:
    return Score(
        1.0 if outcome == "correct" else 0.0, outcome == "correct", outcome, {"outcome": outcome}
    )


@pytest.fixture(scope="module")
def cmp(tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    """200 cases: groundedness drops 0.05 everywhere, acc loses 20 cases, two high-risk cases
    become under-refusals, cost per case up 20%, latency up 50 ms."""
    tmp = tmp_path_factory.mktemp("gates")

    def tags(i: int) -> list[str]:
        return ["high-risk"] if i % 2 else ["low-risk"]

    base = [
        make_record(
            f"c{i}", {"acc": i % 10 != 0, "g": 0.9, "refusal": _ref("correct")}, tags=tags(i)
        )
        for i in range(200)
    ]
    cand = [
        make_record(
            f"c{i}",
            {
                "acc": i % 5 != 0,
                "g": 0.85,
                "refusal": _ref("under_refusal" if i in (1, 3) else "correct"),
            },
            tags=tags(i),
            cost=0.0012,
            latency_ms=150.0,
            candidate="cand",
        )
        for i in range(200)
    ]
    b = make_run(tmp / "b", base)
    c = make_run(tmp / "c", cand, candidate=candidate_dict("cand"))
    return compare(b, c)


def _one(cmp: Comparison, gate: Gate) -> tuple[str, str]:
    v = evaluate_gates(cmp, [gate])
    assert len(v.results) == 1
    return v.results[0].status, v.results[0].reason


def test_max_drop_reason_has_numbers_interval_and_p(cmp: Comparison) -> None:
    status, reason = _one(cmp, Gate("g.mean", max_drop=0.02))
    assert status == "fail"
    assert reason.startswith("g.mean dropped 0.05 (0.9 → 0.85, 95% CI")
    assert "p=0.00" in reason and reason.endswith("> allowed drop 0.02")
    assert _one(cmp, Gate("g.mean", max_drop=0.1))[0] == "pass"


def test_alpha_lets_insignificant_changes_pass(cmp: Comparison) -> None:
    # refusal.pass_rate drops by 0.01 (2 of 200): over 0.005 but not significant.
    status, reason = _one(cmp, Gate("refusal.pass_rate", max_drop=0.005, alpha=0.05))
    assert status == "pass" and "not significant" in reason
    assert _one(cmp, Gate("refusal.pass_rate", max_drop=0.005))[0] == "fail"
    # A significant drop still fails with alpha.
    assert _one(cmp, Gate("acc.pass_rate", max_drop=0.02, alpha=0.05))[0] == "fail"


def test_absolute_min_max_on_candidate(cmp: Comparison) -> None:
    status, reason = _one(cmp, Gate("acc.pass_rate", min=0.95))
    assert status == "fail" and reason.startswith("acc.pass_rate 0.8 < min 0.95 (95% CI")
    assert _one(cmp, Gate("acc.pass_rate", min=0.75))[0] == "pass"
    assert _one(cmp, Gate("latency.p95", max=200))[0] == "pass"
    assert _one(cmp, Gate("latency.p95", max=120))[0] == "fail"


def test_rise_rules(cmp: Comparison) -> None:
    status, reason = _one(cmp, Gate("cost.per_case", max_rise_pct=10))
    assert status == "fail" and "rose 20%" in reason
    assert _one(cmp, Gate("cost.per_case", max_rise_pct=25))[0] == "pass"
    assert _one(cmp, Gate("latency.p50", max_rise=40))[0] == "fail"
    assert _one(cmp, Gate("latency.p50", max_rise=60))[0] == "pass"


def test_tagged_no_new_under_refusal(cmp: Comparison) -> None:
    gate = Gate("refusal.under_refusal_rate", tag="high-risk", no_new_failures=True)
    v = evaluate_gates(cmp, [gate])
    r = v.results[0]
    assert r.status == "fail" and r.cases == ("c1", "c3")
    assert "tagged 'high-risk'" in r.reason and "c1, c3" in r.reason
    low = Gate("refusal.under_refusal_rate", tag="low-risk", no_new_failures=True)
    assert _one(cmp, low)[0] == "pass"


def test_no_new_failures_per_scorer_and_per_case(cmp: Comparison) -> None:
    r = evaluate_gates(cmp, [Gate("acc", no_new_failures=True)]).results[0]
    assert r.status == "fail" and r.observed == 20 and len(r.cases) == 20
    assert _one(cmp, Gate("g.pass_rate", no_new_failures=True))[0] == "pass"
    assert _one(cmp, Gate("cases", no_new_failures=True))[0] == "fail"
    assert _one(cmp, Gate("errors.rate", no_new_failures=True))[0] == "pass"


def test_unknown_metric_or_tag_fails_with_hint(cmp: Comparison) -> None:
    status, reason = _one(cmp, Gate("acc.pass_rat", min=0.5))
    assert status == "fail" and 'did you mean "acc.pass_rate"' in reason
    status, reason = _one(cmp, Gate("acc.pass_rate", min=0.5, tag="nope"))
    assert status == "fail" and "nope" in reason
    # An outcome label nobody had is a rate of 0, not an unknown metric.
    assert _one(cmp, Gate("refusal.over_refusal_rate", max=0.0))[0] == "pass"


def test_verdict_collects_every_rule_and_is_stored(cmp: Comparison, tmp_path: Path) -> None:
    gates = [Gate("g.mean", min=0.8, max_drop=0.02), Gate("acc.pass_rate", min=0.5)]
    v = evaluate_gates(cmp, gates)
    assert [r.rule for r in v.results] == ["min", "max_drop", "min"]
    assert v.status == "FAIL" and len(v.failures) == 1
    d = v.to_dict()
    assert d["status"] == "FAIL" and len(d["results"]) == 3


def test_compare_with_gates_stores_verdict(tmp_path: Path) -> None:
    b = make_run(tmp_path / "b", [make_record("a", {"acc": True})])
    c = make_run(tmp_path / "c", [make_record("a", {"acc": False}, candidate="c")])
    out = compare(b, c, gates=[Gate("acc", no_new_failures=True)])
    assert not out.passed and out.to_dict()["verdict"]["status"] == "FAIL"


def test_check_thresholds_single_run(tmp_path: Path) -> None:
    recs = [make_record(f"c{i}", {"acc": i < 9}, tags=["x"] if i < 5 else []) for i in range(10)]
    run = make_run(tmp_path / "r", recs)
    v = check_thresholds(
        run,
        [
            Gate("acc.pass_rate", min=0.85),
            Gate("acc.pass_rate", min=0.95),
            Gate("acc.pass_rate", tag="x", min=1.0),
            Gate("acc.mean", max_drop=0.01),
            Gate("nothing.mean", min=0.1),
        ],
    )
    assert [r.status for r in v.results] == ["pass", "fail", "pass", "skip", "fail"]
    assert "needs a baseline" in v.results[3].reason
    assert v.status == "FAIL"
    assert check_thresholds(recs, [Gate("acc.pass_rate", min=0.85)]).passed


def test_a_scorer_whose_every_record_failed_at_the_provider_is_a_zero_not_unknown(
    tmp_path: Path,
) -> None:
    # No record carries an 'acc' score, but the run declared the scorer: every case is a
    # failure of it (pass rate 0), which is what a gate must say, not "unknown metric".
    recs = [make_record(f"c{i}", error="timeout") for i in range(3)]
    run = make_run(tmp_path / "r", recs, scorers=["acc"])
    (result,) = check_thresholds(run, [Gate("acc.pass_rate", min=0.9)]).results
    assert result.status == "fail"
    assert result.observed == 0.0 and "unknown metric" not in result.reason
    assert result.reason.startswith("acc.pass_rate 0 < min 0.9 (95% CI 0…0.561, n=3)")
    base = make_run(tmp_path / "b", [make_record(f"c{i}", {"acc": True}) for i in range(3)])
    cmp = compare(base, run, gates=[Gate("acc.pass_rate", max_drop=0.05)])
    delta = cmp.overall.metric("acc.pass_rate")
    assert delta is not None and (delta.baseline, delta.candidate) == (1.0, 0.0)
    assert not cmp.passed


def test_numbers_in_reasons_show_float_noise_as_zero() -> None:
    from evalkit.gates import fmt

    assert fmt(-1e-12) == "0" and fmt(5.55e-17) == "0"
    assert fmt(-0.333) == "−0.333" and fmt(0.25) == "0.25"


def test_cost_rise_gate_fails_when_half_the_candidate_is_unpriced(tmp_path: Path) -> None:
    # The reviewer's case: the candidate sends half its calls to a model without a price.
    base = [make_record(f"c{i}", cost=0.01) for i in range(10)]
    cand = [
        make_record(
            f"c{i}",
            cost=0.01 if i % 2 == 0 else None,
            model="gpt-4o-mini" if i % 2 == 0 else "acme-chat-9",
            candidate="cand",
        )
        for i in range(10)
    ]
    b = make_run(tmp_path / "b", base)
    c = make_run(tmp_path / "c", cand, candidate=candidate_dict("cand"))
    cmp = compare(b, c)
    status, reason = _one(cmp, Gate("cost.per_case", max_rise_pct=10))
    assert status == "fail"
    assert "cost.per_case has no value in the candidate" in reason
    assert "unknown: 5 of 10 answered records unpriced" in reason
    assert "'acme-chat-9'" in reason and "[prices]" in reason and "cannot compare" in reason
    status, reason = _one(cmp, Gate("cost.total", max=1.0))
    assert status == "fail" and "unknown: 5 of 10 answered records unpriced" in reason
    # The same candidate checked alone (no baseline) says the same.
    (single,) = check_thresholds(c, [Gate("cost.per_case", max=1.0)]).results
    assert single.status == "fail" and "5 of 10 answered records unpriced" in single.reason
    # Unknown on the baseline side is named as such.
    status, reason = _one(compare(c, b), Gate("cost.per_case", max_rise_pct=10))
    assert status == "fail" and "no value in the baseline" in reason


def test_an_outcome_rate_with_no_scored_case_on_a_side_is_unknown_not_zero(
    tmp_path: Path,
) -> None:
    # A local server down for the candidate (every record a connection error): no high-risk
    # answer was judged, so "no new under-refusal" cannot pass on an implicit 0 -> 0.
    base = [
        make_record(f"c{i}", {"refusal": _ref("correct")}, tags=["high-risk"]) for i in range(4)
    ]
    cand = [
        make_record(f"c{i}", error="connection", tags=["high-risk"], candidate="cand")
        for i in range(4)
    ]
    b = make_run(tmp_path / "b", base, scorers=["refusal"])
    c = make_run(tmp_path / "c", cand, scorers=["refusal"], candidate=candidate_dict("cand"))
    status, reason = _one(
        compare(b, c), Gate("refusal.under_refusal_rate", tag="high-risk", max_rise=0.0)
    )
    assert status == "fail"
    assert "has no value in the candidate (every record is a provider error: connection 4)" in (
        reason
    )
    assert "--retry-errors" in reason and "[prices]" not in reason
    (single,) = check_thresholds(c, [Gate("refusal.under_refusal_rate", max=0.0)]).results
    assert single.status == "fail" and "has no value" in single.reason
    # Judged on both sides with no under-refusal anywhere, the rate is a real 0 -> 0.
    ok = make_run(tmp_path / "ok", base, scorers=["refusal"], candidate=candidate_dict("cand"))
    assert _one(compare(b, ok), Gate("refusal.under_refusal_rate", max_rise=0.0))[0] == "pass"


def test_a_side_of_cache_misses_says_to_record_not_to_retry(tmp_path: Path) -> None:
    # Replay in CI after a prompt edit: every answer is a cache miss; retrying cannot help.
    base = [make_record(f"c{i}", {"g": 0.9}) for i in range(3)]
    cand = [make_record(f"c{i}", error="cache_miss", candidate="cand") for i in range(3)]
    b = make_run(tmp_path / "b", base, scorers=["g"])
    c = make_run(tmp_path / "c", cand, scorers=["g"], candidate=candidate_dict("cand"))
    status, reason = _one(compare(b, c), Gate("g.mean", max_drop=0.02))
    assert status == "fail" and "(every record is a provider error: cache_miss 3)" in reason
    assert "--evalkit-mode record" in reason and "--retry-errors" not in reason


def test_a_candidate_that_answered_nothing_is_no_pass_with_or_without_gates(
    tmp_path: Path,
) -> None:
    # A suite without gates (the live support suite without keys) said "verdict: PASS" for a
    # comparison of two runs whose every record was a provider error.
    base = [make_record(f"c{i}", {"g": 0.9}) for i in range(3)]
    down = [make_record(f"c{i}", error="auth", candidate="cand") for i in range(3)]
    b = make_run(tmp_path / "b", base, scorers=["g"])
    c = make_run(tmp_path / "c", down, scorers=["g"], candidate=candidate_dict("cand"))
    (only,) = compare(b, c).verdict.results
    assert only.status == "fail" and only.rule == "answered"
    assert only.reason.startswith(
        "nothing was evaluated (every record is a provider error: auth 3)"
    )
    assert "--retry-errors" in only.reason
    # a gate that passes on what the errors leave alone does not make it a PASS either
    v = compare(b, c, gates=[Gate("errors.rate", max=1.0)]).verdict
    assert v.status == "FAIL" and [r.rule for r in v.results] == ["max", "answered"]
    # a gate that already failed for it says so; no second line
    v = compare(b, c, gates=[Gate("g.mean", max_drop=0.02)]).verdict
    assert [r.rule for r in v.results] == ["max_drop"]
    # replayed cache misses: record, not retry
    miss = [make_record(f"c{i}", error="cache_miss", candidate="cand") for i in range(3)]
    m = make_run(tmp_path / "m", miss, scorers=["g"], candidate=candidate_dict("cand"))
    (only,) = compare(b, m).verdict.results
    assert "--evalkit-mode record" in only.reason and "--retry-errors" not in only.reason
    # one answered record is no "answered nothing": its two new errors are their own rule
    some = [*down[:2], make_record("c2", {"g": 0.9}, candidate="cand")]
    s = make_run(tmp_path / "s", some, scorers=["g"], candidate=candidate_dict("cand"))
    assert [r.rule for r in compare(b, s).verdict.results] == ["new_errors"]


def test_an_unchanged_metric_is_worded_as_unchanged_not_as_a_drop(tmp_path: Path) -> None:
    from evalkit.comparison import Delta
    from evalkit.gates import _delta_rule

    same = Delta(metric="r.under_rate", baseline=0.0, candidate=0.0, delta=0.0)
    for rule in ("max_drop", "max_rise", "max_rise_pct"):
        r = _delta_rule(Gate("r.under_rate", **{rule: 0.0}), rule, same)
        assert r.passed and "did not change (0 → 0" in r.reason and "dropped" not in r.reason


def test_a_delta_over_paired_cases_says_how_many_were_left_out() -> None:
    from evalkit.comparison import Delta
    from evalkit.gates import _delta_rule

    d = Delta(metric="judge.mean", baseline=1.0, candidate=0.9, delta=-0.1, unpaired=6)
    r = _delta_rule(Gate("judge.mean", max_drop=0.2), "max_drop", d)
    assert r.passed and "6 case(s) unscored on one side left out" in r.reason
    whole = Delta(metric="judge.mean", baseline=1.0, candidate=0.9, delta=-0.1)
    assert "left out" not in _delta_rule(Gate("judge.mean", max_drop=0.2), "max_drop", whole).reason
