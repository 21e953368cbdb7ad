"""evalkit check / evalkit demo, and evaluate(): suite to decision, end to end on replays."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evalkit.api import evaluate
from evalkit.cli import main

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
runs_dir = "runs"
reports_dir = "out"

[candidates.base]
provider = "replay"
model = "gpt-4o-mini"
options = { path = "base.jsonl" }

[candidates.cand]
provider = "replay"
model = "gpt-4o-mini"
prompt = "Q: {{ input }}"
options = { path = "cand.jsonl" }

[suites.qa]
dataset = "qa.jsonl"
candidates = ["base", "cand"]
scorers = [{ name = "exact_match", args = { ignore_case = true } }]

[[suites.qa.gates]]
metric = "exact_match.pass_rate"
max_drop = {drop}
"""


def project(tmp_path: Path, drop: float) -> Path:
    cases = [
        {"id": f"q{i}", "input": f"question {i}", "expected": f"A{i}", "tags": ["t"]}
        for i in range(8)
    ]
    (tmp_path / "qa.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    (tmp_path / "base.jsonl").write_text(
        "".join(json.dumps({"case_id": f"q{i}", "output": f"a{i}"}) + "\n" for i in range(8))
    )
    # The candidate gets two of eight wrong.
    (tmp_path / "cand.jsonl").write_text(
        "".join(
            json.dumps({"case_id": f"q{i}", "output": f"a{i}" if i < 6 else "no idea"}) + "\n"
            for i in range(8)
        )
    )
    (tmp_path / "evalkit.toml").write_text(CONFIG.replace("{drop}", str(drop)))
    return tmp_path / "evalkit.toml"


def test_check_fails_on_a_regression_and_writes_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = project(tmp_path, 0.1)
    md, js = tmp_path / "pr.md", tmp_path / "verdict.json"
    code = main(
        ["check", "--config", str(cfg), "--markdown", str(md), "--json", str(js), "--no-progress"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "exact_match.pass_rate dropped 0.25" in out and "verdict: FAIL over suites qa" in out
    assert (tmp_path / "out" / "check.html").is_file()
    assert "FAIL" in md.read_text()
    data = json.loads(js.read_text())
    assert data["status"] == "FAIL" and data["suites"][0]["baseline"] == "base"


def test_check_passes_within_the_allowed_drop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = project(tmp_path, 0.3)
    assert main(["check", "--config", str(cfg), "--no-progress"]) == 0
    assert "verdict: PASS" in capsys.readouterr().out


def test_evaluate_against_a_stored_baseline_run(tmp_path: Path) -> None:
    cfg = project(tmp_path, 0.1)
    first = evaluate("qa", config=cfg)
    stored = first.runs["base"].path
    again = evaluate("qa", config=cfg, candidates=["cand"], baseline_run=stored)
    assert set(again.runs) == {"cand"}  # the baseline was read, not run again
    assert not again.passed
    assert any("dropped 0.25" in f for f in again.failures())
    assert len(again.frame()) == 8 and {"metric", "p_value"} <= set(again.deltas().columns)


def test_the_demo_runs_offline_and_writes_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's first command, minus the install: every offline suite, one report."""
    for item in ("evalkit.toml", "datasets", "scorers"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / item)
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--no-progress"]) == 0
    out = capsys.readouterr().out
    for eval_set in ("support", "xstest", "halueval_qa", "bfcl"):
        assert f"eval set: {eval_set} version" in out
    assert "verdict: FAIL over suites support, refusal, grounded_qa, tools" in out
    report = tmp_path / "reports" / "demo.html"
    assert report.is_file() and report.stat().st_size > 100_000
    assert "support-live" not in out  # live suites need keys and are left out of the demo


def test_evaluate_refuses_a_report_it_could_not_write_before_running(tmp_path: Path) -> None:
    from evalkit.errors import InputError

    cfg = project(tmp_path, 0.1)
    out = tmp_path / "report.html"
    with pytest.raises(InputError, match=r"a report compares the baseline with a candidate"):
        evaluate("qa", config=cfg, candidates=["base"], report=out)
    assert not out.exists()
    evaluate("qa", config=cfg, report=out)  # with a candidate it is written
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_a_failing_min_gate_is_listed_once(tmp_path: Path) -> None:
    cfg = project(tmp_path, 0.5)
    cfg.write_text(
        cfg.read_text() + '\n[[suites.qa.gates]]\nmetric = "exact_match.pass_rate"\nmin = 0.9\n'
    )
    result = evaluate("qa", config=cfg)
    failures = result.failures()
    assert len(failures) == 1 and "exact_match.pass_rate 0.75 < min 0.9" in failures[0]
    assert not result.passed and result.thresholds == {}
    alone = evaluate("qa", config=cfg, candidates=["base"])  # no comparison: checked alone
    assert set(alone.thresholds) == {"base"} and alone.passed


def test_check_names_a_run_the_budget_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evalkit.api import SuiteResult
    from evalkit.cli.check import _budget_notes
    from evalkit.records import Run

    manifest = {
        "status": "incomplete",
        "budget": {"max_cost_usd": 0.03, "spent_usd": 0.0251, "exceeded": False},
        "stopped": {"by": "budget", "reason": "--max-cost 0.03 reached: spent $0.0251"},
    }
    stopped = Run(path=tmp_path / "cand", manifest=manifest, records=())
    whole = Run(path=tmp_path / "base", manifest={"status": "complete"}, records=())
    _budget_notes(SuiteResult("qa", "base", {"base": whole, "cand": stopped}, ()))
    out = capsys.readouterr().out
    assert "[qa] cand:\n  budget: spent $0.0251 of --max-cost 0.03" in out
    assert (
        f"  stopped: --max-cost 0.03 reached: spent $0.0251; finish with: evalkit run --resume {tmp_path / 'cand'}"
        in out
    )
    assert "[qa] base" not in out
