"""compare(): a scorer error (a judge with no score, off the scale, rate-limited) is unscored,
not the candidate's failure: never a regression or improvement, and left out of that scorer's
paired deltas and gates (QA8 finding 2). Provider errors still fail. A *new* scorer error
fails the verdict on a rule of its own (tests/test_gates_scorer_errors.py)."""

from __future__ import annotations

from pathlib import Path

from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.records import Record, Run
from evalkit.scoring import Score
from tests.helpers.runs import candidate_dict, make_record, make_run

FAILED = Score.failure("judge: case 'x': judge call failed (rate_limit after 2 attempts)")


def _judge(v: float) -> Score:
    return Score(v, v >= 0.5, f"{v * 4 + 1:g}/5")


def _runs(tmp_path: Path, base: list[Record], cand: list[Record]) -> tuple[Run, Run]:
    b = make_run(tmp_path / "b", base, scorers=["judge", "acc"])
    c = make_run(tmp_path / "c", cand, scorers=["judge", "acc"], candidate=candidate_dict("c"))
    return b, c


def _case(cid: str, judge: Score, *, side: str = "base", acc: bool = True) -> Record:
    return make_record(cid, {"judge": judge, "acc": acc}, candidate=side)


def test_a_judge_failure_is_unscored_not_a_regression_or_improvement(tmp_path: Path) -> None:
    base = [_case("a", _judge(1.0)), _case("b", FAILED), _case("c", _judge(1.0))]
    cand = [_case("a", FAILED, side="c"), _case("b", _judge(1.0), side="c")]
    cand.append(_case("c", _judge(1.0), side="c"))
    cmp = compare(*_runs(tmp_path, base, cand))
    rows = {r.case_id: r for r in cmp.cases}
    assert rows["a"].status == "unchanged_pass" and rows["b"].status == "unchanged_pass"
    assert rows["a"].scorer_status["judge"] == "unscored"
    assert rows["b"].scorer_status["judge"] == "unscored"
    assert rows["a"].candidate is not None and rows["a"].candidate.scores["judge"].passed is None
    assert cmp.overall.counts.regression == 0 and cmp.overall.counts.improvement == 0
    judge = next(s for s in cmp.overall.scorers if s.name == "judge")
    assert judge.counts.unscored == 2 and judge.counts.regression == 0
    assert judge.candidate is not None and judge.candidate.unscored == 1
    # Each side's own pass rate leaves its unscored case out: every scored case passed.
    assert judge.baseline is not None and judge.baseline.pass_rate.value == 1.0
    assert judge.candidate.pass_rate.value == 1.0


def test_judge_mean_gate_compares_the_cases_scored_on_both_sides(tmp_path: Path) -> None:
    # QA8: 12 cases all 5/5; the judge is rate-limited on one candidate case. The side means
    # were 1 and 0.917 over 12 and 11 cases: "dropped 0.0833 (95% CI 0…0, p=1.000)".
    base = [_case(f"k{i}", _judge(1.0)) for i in range(12)]
    cand = [_case(f"k{i}", FAILED if i == 3 else _judge(1.0), side="c") for i in range(12)]
    cmp = compare(*_runs(tmp_path, base, cand), gates=[Gate("judge.mean", max_drop=0.05)])
    d = cmp.overall.metric("judge.mean")
    assert d is not None
    assert (d.baseline, d.candidate, d.delta) == (1.0, 1.0, 0.0)
    assert d.n == 11 and d.unpaired == 1
    gate, new = cmp.verdict.results
    assert gate.rule == "max_drop" and gate.passed
    # the judge's new error fails the verdict on its own rule (QA10 finding 3), unless the
    # suite accepts some: a gate on judge.unscored_rate
    assert new.rule == "new_scorer_errors" and new.cases == ("k3",)
    tolerant = [Gate("judge.mean", max_drop=0.05), Gate("judge.unscored_rate", max=0.1)]
    assert compare(*_runs(tmp_path / "2", base, cand), gates=tolerant).verdict.passed
    pr = cmp.overall.metric("judge.pass_rate")
    assert pr is not None and pr.delta == 0.0 and pr.unpaired == 1


def test_a_judge_failure_cannot_hide_a_real_drop(tmp_path: Path) -> None:
    # The judge fails on the baseline of the one case the candidate does badly: side means
    # would read 1.0 -> 0.93; paired, the other cases did not move, and the bad case has no
    # baseline to compare with, so it is left out and said to be.
    base = [_case("a", FAILED)] + [_case(f"k{i}", _judge(0.5)) for i in range(4)]
    cand = [_case("a", _judge(0.0), side="c")]
    cand += [_case(f"k{i}", _judge(0.25), side="c") for i in range(4)]
    cmp = compare(*_runs(tmp_path, base, cand))
    d = cmp.overall.metric("judge.mean")
    assert d is not None and d.unpaired == 1 and d.n == 4
    assert d.baseline == 0.5 and d.candidate == 0.25 and d.delta == -0.25
    assert d.baseline_ci == (None, None)  # the side intervals cover other cases
    assert cmp.overall.metric("judge.mean").to_dict()["unpaired"] == 1  # type: ignore[union-attr]


def test_provider_errors_still_fail_the_case(tmp_path: Path) -> None:
    base = [_case("a", _judge(1.0)), _case("b", _judge(1.0))]
    cand = [make_record("a", error="timeout", candidate="c"), _case("b", _judge(1.0), side="c")]
    cmp = compare(*_runs(tmp_path, base, cand))
    rows = {r.case_id: r for r in cmp.cases}
    assert rows["a"].status == "regression"
    assert rows["a"].scorer_status["judge"] == "regression"
    d = cmp.overall.metric("judge.pass_rate")
    assert d is not None and d.candidate == 0.5 and d.unpaired == 0


def test_only_scored_both_sides_scorers_decide_the_case(tmp_path: Path) -> None:
    # The judge fails on the candidate side and another scorer regresses: still a regression.
    base = [_case("a", _judge(1.0))]
    cand = [_case("a", FAILED, side="c", acc=False)]
    cmp = compare(*_runs(tmp_path, base, cand))
    row = cmp.cases[0]
    assert row.status == "regression"
    assert row.scorer_status == {"acc": "regression", "judge": "unscored"}
