"""Per-case checks end to end: ``evalkit validate`` (bad arguments at the eval set's line, the
warning for a suite that leaves checks unrun), ``evalkit run`` / ``check`` with a callable
pipeline and a gate on a check's label, and ``evalkit score`` re-scoring a stored run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import main
from evalkit.records import read_run

PIPELINE = """
def answer(request):
    text = request.case.input
    if "refund" in text:
        return "Your receipt number is 12345."
    if "json" in text:
        return '{"ok": true}'
    return "hello"
"""
RECEIPT = {"name": "contains", "args": {"values": ["receipt"]}, "label": "mentions_receipt"}
CASES: list[dict[str, Any]] = [
    {"id": "refund", "input": "refund", "checks": [RECEIPT, {"name": "regex", "args": {"pattern": r"\d{5}"}}]},
    {"id": "refund-2", "input": "refund again", "checks": [RECEIPT]},
    {"id": "json", "input": "json", "checks": [{"name": "json_schema", "args": {"schema": {"type": "object", "required": ["ok", "id"]}}, "label": "schema"}]},
    {"id": "plain", "input": "hi"},
]  # fmt: skip


def config(scorers: str = '["checks"]', gates: str = "") -> str:
    return f"""
[candidates.one]
provider = "callable"
model = "pipe"
options = {{ target = "pipe.py:answer" }}

[suites.s]
dataset = "ds.jsonl"
candidates = ["one"]
scorers = {scorers}
{gates}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipe.py").write_text(PIPELINE)
    (tmp_path / "ds.jsonl").write_text("".join(json.dumps(c) + "\n" for c in CASES))
    (tmp_path / "evalkit.toml").write_text(config())
    return tmp_path


def test_run_scores_each_cases_own_checks(project: Path) -> None:
    assert main(["run", "--suite", "s", "--out", "out", "--no-progress"]) == 0
    run = read_run(project / "out")
    scores = {r.case_id: r.scores.get("checks") for r in run.records}
    assert scores["plain"] is None  # no checks: unscored, not failed
    assert scores["refund"] is not None and scores["refund"].passed is True
    js = scores["json"]
    assert js is not None and js.passed is False and js.value == 0.0
    assert js.reason.startswith("1 of 1 checks failed: schema: ")
    assert run.manifest["scorers"][0]["name"] == "checks"


def test_check_gates_on_a_check_label_and_the_pass_rate(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gates = """
[[suites.s.gates]]
metric = "checks.mentions_receipt"
min = 1.0
[[suites.s.gates]]
metric = "checks.pass_rate"
min = 0.9
"""
    (project / "evalkit.toml").write_text(config(gates=gates))
    code = main(["check", "--suite", "s", "--out", "runs", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1
    assert "checks.mentions_receipt" in out and "checks.pass_rate" in out
    # The receipt gate passes (both labelled checks passed), the pass rate fails (2 of 3).
    lines = [ln for ln in out.splitlines() if "checks." in ln]
    assert any("PASS" in ln and "mentions_receipt" in ln for ln in lines), lines
    assert any("FAIL" in ln and "pass_rate" in ln for ln in lines), lines


def test_score_rescores_a_stored_run_with_new_check_threshold(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--suite", "s", "--out", "out", "--no-progress"]) == 0
    lenient = '[{ name = "checks", threshold = 0.0 }]'
    (project / "evalkit.toml").write_text(config(scorers=lenient))
    assert main(["score", "out", "--out", "new", "--no-progress"]) == 0
    before = {r.case_id: r.scores.get("checks") for r in read_run(project / "out").records}
    after = {r.case_id: r.scores.get("checks") for r in read_run(project / "new").records}
    assert before["json"] is not None and before["json"].passed is False
    assert after["json"] is not None and after["json"].passed is True
    assert after["json"].details["checks"] == before["json"].details["checks"]
    assert after["plain"] is None


def test_validate_reports_a_bad_check_argument_at_its_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        *CASES,
        {"id": "bad", "input": "x", "checks": [{"name": "regex", "args": {"pattern": "("}}]},
    ]
    (project / "ds.jsonl").write_text("".join(json.dumps(c) + "\n" for c in rows))
    assert main(["validate", "--config", "evalkit.toml"]) == 2
    err = capsys.readouterr().err
    assert 'ds.jsonl:5: field "checks" item 1 ("regex"): scorer \'regex\': pattern' in err
    assert "1 problem(s) found" in err
    rows[-1]["checks"] = [{"name": "contains", "args": {"valu": "x"}}]
    (project / "ds.jsonl").write_text("".join(json.dumps(c) + "\n" for c in rows))
    assert main(["validate", "--config", "evalkit.toml"]) == 2
    err = capsys.readouterr().err
    assert (
        'ds.jsonl:5: field "checks" item 1 ("contains"): scorer \'contains\' has no argument '
        "'valu'; did you mean \"values\"?"
    ) in err  # the scorer is named once


def test_validate_warns_when_a_suite_leaves_the_checks_unrun(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "evalkit.toml").write_text(config(scorers='["json_valid"]'))
    assert main(["validate", "--config", "evalkit.toml"]) == 0
    err = capsys.readouterr().err
    assert (
        "warning: evalkit.toml:10: [suites.s] scorers: 3 case(s) of 'ds.jsonl' carry checks "
        "(first: 'refund') that this suite does not run; add \"checks\" to its scorers"
    ) in err


def test_validate_builds_judge_checks_with_the_suites_defaults(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{"id": "j", "input": "x", "checks": [{"name": "judge", "args": {"rubric": "Polite?"}}]}]
    (project / "ds.jsonl").write_text("".join(json.dumps(c) + "\n" for c in rows))
    assert main(["validate", "--config", "evalkit.toml"]) == 2
    assert "needs 'provider' and 'model'" in capsys.readouterr().err
    with_judge = '[{ name = "checks", args = { defaults = { judge = { provider = "openai", model = "gpt-4o-mini" } } } }]'
    (project / "evalkit.toml").write_text(config(scorers=with_judge))
    assert main(["validate", "--config", "evalkit.toml"]) == 0


def test_a_replayed_run_scores_the_checks_like_the_live_one(project: Path) -> None:
    assert main(["run", "--suite", "s", "--out", "out", "--no-progress"]) == 0
    replay = """
[candidates.one]
provider = "replay"
model = "pipe"
options = { path = "out/results.jsonl" }

[suites.s]
dataset = "ds.jsonl"
candidates = ["one"]
scorers = ["checks"]
"""
    (project / "evalkit.toml").write_text(replay)
    assert main(["run", "--suite", "s", "--out", "again", "--no-progress"]) == 0
    live = {r.case_id: r.scores.get("checks") for r in read_run(project / "out").records}
    again = {r.case_id: r.scores.get("checks") for r in read_run(project / "again").records}
    assert again == live and again["refund"] is not None
