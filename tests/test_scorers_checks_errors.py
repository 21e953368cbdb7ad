"""Per-case checks that could not run, end to end: judge checks graded by the loopback LLM
server (which answers 401 to some), run through ``evalkit run`` / ``check``. An errored check
must not read as a failed one: a suite whose every judge check errored exits 3 ("nothing was
evaluated"), and a gate on ``checks.<label>`` sees only the cases where that check ran."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import main
from evalkit.records import read_run
from tests.helpers.checks_project import write_checks_project
from tests.helpers.llm_server import LLMServer

PIPELINE = """
def answer(request):
    return "Keep your receipt. " + request.case.input
"""
UP = '[[text:{"score": 5, "reasoning": "polite"}]]'
DOWN = "[[status:401]]"
RECEIPT = {"name": "contains", "args": {"values": ["receipt"]}, "label": "mentions_receipt"}
POLITE = {"name": "judge", "args": {"rubric": "5 = polite; 1 = rude."}, "label": "polite"}


@pytest.fixture
def srv() -> Iterator[LLMServer]:
    with LLMServer(latency_ms=0) as server:
        yield server


def _project(root: Path, srv: LLMServer, cases: list[dict[str, Any]], gates: str = "") -> None:
    write_checks_project(root, f"{srv.base_url}/v1", cases, PIPELINE, gates)


def test_a_suite_whose_judge_checks_all_error_exits_3_not_failed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    srv: LLMServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    cases = [
        {"id": "d1", "input": f"refund {DOWN}", "checks": [POLITE]},
        {"id": "d2", "input": f"return {DOWN}", "checks": [POLITE, {**POLITE, "label": "kind"}]},
    ]
    _project(tmp_path, srv, cases)
    assert main(["run", "--suite", "s", "--out", "out", "--no-progress"]) == 3
    err = capsys.readouterr().err
    assert "scorer 'checks' could not score any of its 2 cases: nothing was evaluated" in err
    assert "first: d1 #0: scorer 'checks': the check could not run: polite: " in err
    assert "evalkit score out --out NEW_DIR" in err
    run = read_run(tmp_path / "out")
    for r in run.records:
        s = r.scores["checks"]
        assert s.value is None and s.passed is None and s.error is not None
        assert all(e["passed"] is None and e["error"] for e in s.details["checks"])
    assert run.manifest["counts"]["scorer_errors"] == {"checks": 2}


def test_gates_on_checks_see_only_the_checks_that_ran(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    srv: LLMServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    cases = [
        {"id": "up", "input": f"refund {UP}", "checks": [RECEIPT, POLITE]},
        {"id": "down", "input": f"return {DOWN}", "checks": [RECEIPT, POLITE]},
        {"id": "judge-only", "input": f"exchange {DOWN}", "checks": [POLITE]},
    ]
    gates = """
[[suites.s.gates]]
metric = "checks.polite"
min = 1.0
[[suites.s.gates]]
metric = "checks.pass_rate"
min = 1.0
"""
    _project(tmp_path, srv, cases, gates)
    # Before, the errored judge checks counted as fails: polite 0.5, pass rate 1/3. Now the
    # polite gate sees the one case where the judge answered; the case whose only check
    # errored is a scorer error: unscored, left out of the pass rate (docs/compare.md).
    assert main(["check", "--suite", "s", "--out", "runs", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "PASS checks.polite 1 >= min 1" in out
    assert "PASS checks.pass_rate 1 >= min 1" in out
    (run_dir,) = [p for p in (tmp_path / "runs").rglob("manifest.json")]
    by_id = {r.case_id: r.scores["checks"] for r in read_run(run_dir.parent).records}
    assert by_id["up"].details["metrics"]["polite"] == 1.0
    down = by_id["down"]
    assert down.value == 1.0 and down.passed is True and down.details["errored"] == ["polite"]
    assert "polite" not in down.details["metrics"]
    assert "1 of 2 checks could not run (left out): polite: error: " in down.reason
    assert by_id["judge-only"].error is not None
