"""A run whose cases' ``checks`` name a project scorer (``@evalkit.scorer`` in the project's
``scorers/`` folder) can be resumed and re-scored from any folder (QA15 F5).

Before, ``evalkit run --resume`` and ``evalkit score`` loaded the eval set before the run's
recorded config, so the project's scorer files were not known yet and every case was refused
("unknown scorer", exit 2), the resume command printed after a Ctrl-C or a budget stop too.

The original runs are made in their own process (``python -m evalkit``): a name registered in
code stays registered in the process that imported its file, so a run made in this process
would let a later resume here pass without the fix. Each test registers a name of its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.records import read_run
from tests.helpers.interrupting import Command, wait_until

ROOT = Path(__file__).resolve().parents[1]
CASES = 8

SCORER = """
import evalkit
from evalkit import Score


@evalkit.scorer({name!r})
def cites(ctx):
    ok = "echo" in ctx.response.text
    return Score(1.0 if ok else 0.0, ok, "cites" if ok else "no")
"""

# The first three cases answer at once; the others wait for a file ``release`` (the Ctrl-C
# test holds the run there), and each answer costs $0.01 (100 tokens at $100/M).
PIPE = """
import time
from pathlib import Path

HERE = Path(__file__).parent


def answer(request):
    if int(request.case_id[1:]) >= 3:
        deadline = time.monotonic() + 30
        while not (HERE / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    usage = {"input_tokens": 50, "output_tokens": 50}
    return {"output": "echo " + request.case_id, "usage": usage}
"""

CONFIG = """
runs_dir = "runs"

[prices.house-model]
input = 100.0
output = 100.0

[candidates.a]
provider = "callable"
model = "house-model"
concurrency = 1
options = { target = "pipe.py:answer" }

[suites.s]
dataset = "evals.jsonl"
candidates = ["a"]
scorers = ["checks"]
"""


def _project(root: Path, *, release: bool = True) -> str:
    """A project whose cases each carry a check naming the scorer of ``scorers/cites.py``;
    the name it registers is returned."""
    name = f"cites_{uuid.uuid4().hex[:8]}"
    root.mkdir(parents=True, exist_ok=True)
    (root / "scorers").mkdir()
    (root / "scorers" / "cites.py").write_text(SCORER.format(name=name))
    (root / "pipe.py").write_text(PIPE)
    rows = [
        {"id": f"c{i}", "input": f"q {i}", "checks": [{"name": name, "label": "cites"}]}
        for i in range(CASES)
    ]
    (root / "evals.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "evalkit.toml").write_text(CONFIG)
    if release:
        (root / "release").write_text("")
    return name


def _evalkit(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m evalkit ARGS`` in its own process, from ``cwd``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _elsewhere(tmp_path: Path) -> Path:
    """A working folder outside the project, with no config of its own."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def _checked(run_dir: Path, name: str) -> None:
    """Every case of the run answered once, and scored by the project's check."""
    run = read_run(run_dir)
    assert run.manifest["status"] == "complete"
    assert sorted(r.case_id for r in run.records) == [f"c{i}" for i in range(CASES)]
    for r in run.records:
        score = r.scores["checks"]
        assert score.error is None, score.error
        assert score.value == 1.0 and [c["name"] for c in score.details["checks"]] == [name]


def _budget_stopped(project: Path) -> tuple[Path, str]:
    """A run of the suite stopped by ``--max-cost`` (in its own process, from the project
    folder): its folder and the finish command it printed."""
    done = _evalkit(
        ["run", "--suite", "s", "--out", "runs/ab", "--max-cost", "0.035", "--no-progress"],
        project,
    )
    found = re.search(r"finish with: (evalkit run --resume \S+)", done.stdout + done.stderr)
    assert found, done.stdout + done.stderr
    run_dir = project / "runs" / "ab"
    assert read_run(run_dir).manifest["status"] == "incomplete"
    return run_dir, found.group(1)


# ------------------------------------------------------------------ resume


def test_ctrl_c_then_the_printed_resume_command_from_another_folder(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    name = _project(project, release=False)
    cmd = Command(["run", "--suite", "s", "--out", "runs/ab", "--no-progress"], project)
    try:
        results = project / "runs" / "ab" / "results.jsonl"
        assert wait_until(lambda: results.exists() and results.read_text().count("\n") >= 3), (
            cmd.err
        )
        cmd.sigint()
        (project / "release").write_text("")  # the call in flight may now return
        assert cmd.finish() == 130, cmd.err
    finally:
        cmd.close()
    found = re.search(r"evalkit run --resume (\S+)\n", cmd.err)
    assert found, cmd.err
    run_dir = project / found.group(1)
    assert read_run(run_dir).manifest["status"] == "interrupted"
    # the printed command, given the run's absolute path, from a folder outside the project
    done = _evalkit(["run", "--resume", str(run_dir), "--no-progress"], _elsewhere(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "unknown scorer" not in done.stderr
    _checked(run_dir, name)
    # and the finished run re-scores from there too
    rescored = tmp_path / "rescored"
    done = _evalkit(["score", str(run_dir), "--out", str(rescored), "--no-progress"], tmp_path)
    assert done.returncode == 0, done.stderr
    _checked(rescored, name)


@pytest.mark.parametrize("where", ["project", "elsewhere"])
def test_budget_stop_resumed_with_its_printed_command_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    project = tmp_path / "proj"
    name = _project(project)
    run_dir, command = _budget_stopped(project)
    assert command == "evalkit run --resume runs/ab"
    monkeypatch.chdir(project if where == "project" else _elsewhere(tmp_path))
    target = "runs/ab" if where == "project" else str(run_dir)
    assert main(["run", "--resume", target, "--max-cost", "1", "--no-progress"]) == 0
    _checked(run_dir, name)


def test_python_resume_knows_the_project_scorers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evalkit.engine import RunOptions, resume

    project = tmp_path / "proj"
    name = _project(project)
    run_dir, _ = _budget_stopped(project)
    monkeypatch.chdir(_elsewhere(tmp_path))
    (run,) = resume(run_dir, RunOptions(max_cost_usd=1.0, progress=False))
    assert run.manifest["status"] == "complete"
    _checked(run_dir, name)


def test_an_ad_hoc_run_resumes_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run of the eval set alone (no suite, no recorded config): the project is the one
    its eval set is in, as when it ran there."""
    project = tmp_path / "proj"
    name = _project(project)
    args = ["run", "evals.jsonl", "--provider", "callable", "--model", "house-model"]
    args += ["--option", "target=pipe.py:answer", "--scorer", "checks", "--out", "runs/adhoc"]
    done = _evalkit([*args, "--max-cost", "0.035", "--concurrency", "1", "--no-progress"], project)
    assert "finish with: evalkit run --resume runs/adhoc" in done.stdout, done.stdout + done.stderr
    monkeypatch.chdir(_elsewhere(tmp_path))
    run_dir = project / "runs" / "adhoc"
    assert main(["run", "--resume", str(run_dir), "--max-cost", "1", "--no-progress"]) == 0
    _checked(run_dir, name)


# ------------------------------------------------------------------ score


def _complete_run(project: Path) -> Path:
    done = _evalkit(["run", "--suite", "s", "--out", "runs/a", "--no-progress"], project)
    assert done.returncode == 0, done.stderr
    return project / "runs" / "a"


@pytest.mark.parametrize("where", ["project", "elsewhere"])
def test_evalkit_score_knows_the_project_scorers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    project = tmp_path / "proj"
    name = _project(project)
    run_dir = _complete_run(project)
    monkeypatch.chdir(project if where == "project" else _elsewhere(tmp_path))
    out = tmp_path / "rescored"
    assert main(["score", str(run_dir), "--out", str(out), "--no-progress"]) == 0
    _checked(out, name)


def test_python_rescore_knows_the_project_scorers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evalkit

    project = tmp_path / "proj"
    name = _project(project)
    run_dir = _complete_run(project)
    monkeypatch.chdir(_elsewhere(tmp_path))
    run = evalkit.rescore(run_dir, tmp_path / "rescored", progress=False)
    assert len(run.records) == CASES
    _checked(tmp_path / "rescored", name)
