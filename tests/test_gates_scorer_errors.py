"""The verdict's built-in rule on scorer errors (``gates_builtin.new_scorer_errors``): a scorer
error leaves its case unscored (out of the mean and the pass rate), so a scorer that raises on
bad answers turned them into no answers and the candidate passed (QA10 finding 3). A candidate
with scorer errors on cases the baseline got a score for is no PASS by default, through every
front end that reads the verdict; a suite gate on ``<scorer>.unscored_rate`` opts out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.api import evaluate
from evalkit.cli import main
from evalkit.compare import compare
from evalkit.config import Gate
from evalkit.gates import check_thresholds
from evalkit.records import Record, Run
from evalkit.scoring import Score
from tests.helpers.pytest_project import run as run_pytest
from tests.helpers.runs import candidate_dict, make_record, make_run

# ------------------------------------------------------------------------------ compare

RAISED = Score.failure("JSONDecodeError: Expecting value: line 1 column 1 (char 0)")


def _runs(
    tmp_path: Path,
    cand_errors: set[int],
    base_errors: frozenset[int] | set[int] = frozenset(),
    repeats: int = 1,
) -> tuple[Run, Run]:
    """Ten cases scored ``js`` True and ``judge`` 1.0 on both sides, but ``js`` raised on the
    given cases (``repeats`` records a case, the scorer failing on the first of them only)."""

    def recs(errors: frozenset[int] | set[int], side: str) -> list[Record]:
        return [
            make_record(
                f"j{i}",
                {"js": RAISED if i in errors and k == 0 else True, "judge": 1.0},
                candidate=side,
                repeat=k,
                tags=("odd",) if i % 2 else (),
            )
            for i in range(10)
            for k in range(repeats)
        ]

    b = make_run(tmp_path / "b", recs(base_errors, "base"), scorers=["js", "judge"])
    c = make_run(
        tmp_path / "c",
        recs(cand_errors, "cand"),
        scorers=["js", "judge"],
        candidate=candidate_dict("cand"),
    )
    return b, c


def test_new_scorer_errors_fail_the_verdict_although_every_gate_passes(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, set(range(2, 10)))
    gates = [Gate("js.pass_rate", min=0.9), Gate("js.pass_rate", max_drop=0.0)]
    v = compare(b, c, gates=gates).verdict
    assert v.status == "FAIL"  # was PASS: 8 of 10 unscored, the 2 scored ones pass
    *passed, new = v.results
    assert all(r.passed for r in passed)
    assert (new.rule, new.metric, new.gate) == (
        "new_scorer_errors",
        "js.unscored_rate",
        "no new scorer errors (js)",
    )
    assert not new.passed and new.observed == 8
    assert new.cases == tuple(f"j{i}" for i in range(2, 10))
    assert new.reason.startswith(
        "js: 8 of 10 compared case(s) have a scorer error in the candidate where the baseline "
        "got a score from js (j2, j3, j4, j5, j6, j7, j8, j9; first j2: JSONDecodeError: "
    )
    assert "judged the other 2 only" in new.reason
    assert "fix it to return a failing score" in new.reason  # the scorer's fault
    assert f"evalkit score {tmp_path / 'c'} --out NEW_DIR" in new.reason  # or re-score
    assert "gate js.unscored_rate in the suite" in new.reason  # how to accept them
    # also without any gate; the judge, which scored everything, is not named
    assert [r.gate for r in compare(b, c).verdict.results] == ["no new scorer errors (js)"]


def test_the_unscored_rate_metric_on_each_side_and_per_case(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, {1, 2})
    cmp = compare(b, c)
    d = cmp.overall.metric("js.unscored_rate")
    assert d is not None and (d.baseline, d.candidate) == (0.0, 0.2)
    assert d.higher_is_better is False and d.worse
    assert cmp.overall.metric("judge.unscored_rate") is None  # only where there are any
    row = {r.case_id: r for r in cmp.cases}["j1"]
    assert row.candidate is not None and row.candidate.scores["js"].unscored == 1
    assert row.candidate.scores["js"].to_dict()["unscored"] == 1
    assert check_thresholds(c, [Gate("js.unscored_rate", max=0.1)]).status == "FAIL"
    assert check_thresholds(c, [Gate("judge.unscored_rate", max=0.0)]).status == "PASS"


def test_scorer_errors_the_baseline_had_on_the_same_cases_are_not_new(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, {1, 2}, base_errors={1, 2})
    assert compare(b, c).verdict.results == ()
    b, c = _runs(tmp_path / "2", {1, 3}, base_errors={1})
    (new,) = compare(b, c).verdict.results
    assert new.cases == ("j3",) and new.reason.startswith("js: 1 of 10 compared case(s)")


def test_a_scorer_error_on_one_repeat_of_a_case_counts(tmp_path: Path) -> None:
    # the other repeats still give the case a verdict (it passes), which hid the error
    b, c = _runs(tmp_path, {4}, repeats=3)
    (new,) = compare(b, c).verdict.results
    assert new.rule == "new_scorer_errors" and new.cases == ("j4",)
    # the line quotes the repeat that failed, not the shown repeat's "ok" (QA12 F13)
    assert "first j4: repeat #0 (1 of 3): JSONDecodeError: Expecting value" in new.reason
    cell = next(r for r in compare(b, c).cases if r.case_id == "j4").candidate
    assert cell is not None and cell.scores["js"].error is not None
    d = compare(b, c).overall.metric("js.unscored_rate")
    assert d is not None and d.candidate == pytest.approx(1 / 30)


def test_a_suite_gate_on_the_scorers_unscored_rate_opts_that_scorer_out(tmp_path: Path) -> None:
    b, c = _runs(tmp_path, {1, 2})  # js.unscored_rate 0 -> 0.2
    tolerant = compare(b, c, gates=[Gate("js.unscored_rate", max=0.25)]).verdict
    assert tolerant.status == "PASS" and [r.rule for r in tolerant.results] == ["max"]
    strict = compare(b, c, gates=[Gate("js.unscored_rate", max_rise=0.1)]).verdict
    assert strict.status == "FAIL" and [r.rule for r in strict.results] == ["max_rise"]
    # a gate on another scorer's, or a tagged one, leaves the rule on js in place
    for gate in (
        Gate("judge.unscored_rate", max=1.0),
        Gate("js.unscored_rate", max=1.0, tag="odd"),
    ):
        assert "new_scorer_errors" in [r.rule for r in compare(b, c, gates=[gate]).verdict.results]
    # no_new_failures on it names the new cases (an outcome "unscored" no case had, before)
    (nnf,) = compare(b, c, gates=[Gate("js.unscored_rate", no_new_failures=True)]).verdict.results
    assert not nnf.passed and nnf.cases == ("j1", "j2")
    assert "2 new case(s) have a js scorer error now, not before" in nnf.reason


# ------------------------------------------------------------------------------ front ends

PIPELINE = """
import json


def good(request):
    return json.dumps({"ok": True})


def bad(request):
    i = int(request.case.id[1:])
    return json.dumps({"ok": True}) if i < 2 else "Sorry, here is the answer: ok"
"""

SCORER = """
import json


def json_ok(ctx) -> bool:
    return json.loads(ctx.response.text)["ok"] is True
"""

CONFIG = """
runs_dir = "runs"
reports_dir = "reports"

[candidates.good]
provider = "callable"
model = "good"
options = { target = "pipe.py:good" }

[candidates.bad]
provider = "callable"
model = "bad"
options = { target = "pipe.py:bad" }

[suites.s]
dataset = "evals.jsonl"
candidates = ["good", "bad"]
baseline = "good"
scorers = ["scorers/js.py:json_ok"]

[[suites.s.gates]]
metric = "json_ok.pass_rate"
min = 0.9

[[suites.s.gates]]
metric = "json_ok.pass_rate"
max_drop = 0.0
"""

OPT_OUT = """
[[suites.s.gates]]
metric = "json_ok.unscored_rate"
max = 0.9
"""


def _project(root: Path, extra: str = "") -> Path:
    """QA10 finding 3: candidate ``bad`` answers non-JSON on 8 of 10 cases, and the scorer
    raises on them."""
    rows = [{"id": f"j{i}", "input": f"give json {i}"} for i in range(10)]
    (root / "evals.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "pipe.py").write_text(PIPELINE)
    (root / "scorers").mkdir()
    (root / "scorers" / "js.py").write_text(SCORER)
    (root / "evalkit.toml").write_text(CONFIG + extra)
    return root / "evalkit.toml"


def test_check_fails_a_candidate_with_new_scorer_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path)
    js, html = tmp_path / "v.json", tmp_path / "r.html"
    args = ["check", "--config", str(cfg), "--no-progress", "--cache-mode", "off"]
    assert main([*args, "--json", str(js), "--report", str(html)]) == 1  # was 0
    out = capsys.readouterr().out
    assert "verdict: FAIL" in out.splitlines()[0]  # was: verdict: PASS
    # the gates alone still pass; min reads the candidate's own aggregate (with its interval)
    assert "PASS  json_ok.pass_rate 1 >= min 0.9 (95% CI 0.342…1, n=2)" in out
    assert "FAIL  json_ok: 8 of 10 compared case(s) have a scorer error in the candidate" in out
    assert "first j2: scorer 'json_ok' raised JSONDecodeError: Expecting value" in out
    assert "json_ok.unscored_rate          0        0.8" in out  # the metric's summary line
    assert "verdict: FAIL over suites s" in out
    assert json.loads(js.read_text())["status"] == "FAIL"
    page = html.read_text()
    assert 'id="overall-verdict">FAIL<' in page  # the report's banner
    assert "no new scorer errors (json_ok) (new_scorer_errors)" in page


def test_check_passes_when_the_suite_gates_the_unscored_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path, OPT_OUT)
    assert main(["check", "--config", str(cfg), "--no-progress", "--cache-mode", "off"]) == 0
    out = capsys.readouterr().out
    assert "PASS  json_ok.unscored_rate 0.8 <= max 0.9" in out
    assert "have a scorer error" not in out and "verdict: PASS over suites s" in out


def test_evaluate_is_not_passed_with_new_scorer_errors(tmp_path: Path) -> None:
    from evalkit.engine import RunOptions

    cfg = _project(tmp_path)
    result = evaluate("s", config=cfg, options=RunOptions(progress=False, cache_mode="off"))
    assert result.passed is False and result.status == "FAIL"
    (failure,) = result.failures()
    assert failure.startswith("bad vs good: json_ok: 8 of 10 compared case(s) have a scorer error")


def test_pytest_plugin_fails_the_runs_item_on_new_scorer_errors(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester.path)
    result = run_pytest(pytester, "--evalkit", "-rA")
    result.assert_outcomes(passed=2, failed=1)  # the two gates pass; runs fails (was: passed)
    result.stdout.fnmatch_lines(
        [
            "*evalkit s: scorer errors",
            "*bad vs good: json_ok: 8 of 10 compared case(s) have a scorer error in the cand*",
            "FAILED evalkit.toml::s::runs*",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    (pytester.path / "evalkit.toml").write_text(CONFIG + OPT_OUT)
    run_pytest(pytester, "--evalkit").assert_outcomes(passed=4)
