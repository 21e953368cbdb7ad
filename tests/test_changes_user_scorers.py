"""A scorer from a project file compares as the same scorer between runs made by different
processes and in different checkouts (QA10 finding 1): its file's module name was salted per
process, so every gate on it failed against a stored baseline as "scored differently"."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

CONFIG = """
[candidates.base]
provider = "callable"
model = "pipe"
options = { target = "pipeline.py:answer" }

[candidates.cand]
provider = "callable"
model = "pipe2"
options = { target = "pipeline.py:answer2" }

[suites.fn]
dataset = "evals.jsonl"
candidates = ["base", "cand"]
baseline = "base"
scorers = [
  { name = "scorers/mine.py:brevity", args = { max_words = 4 } },
  "scorers/mine.py:shouts",
  "scorers/mine.py:Mentions",
]

[[suites.fn.gates]]
metric = "brevity.mean"
max_drop = 0.0
"""

PIPELINE = """
def answer(request):
    return "a fairly long answer of many words to " + request.case.input

def answer2(request):
    return "short: " + request.case.input
"""

SCORERS = """
from dataclasses import dataclass
import evalkit
from evalkit import Score, ScoreContext, Scorer


def brevity(ctx, max_words: int = 8) -> float:
    n = len(ctx.response.text.split())
    return 1.0 if n <= max_words else max_words / n


@evalkit.scorer("shouts")
def shouts(ctx) -> bool:
    return ctx.response.text.isupper()


@dataclass
class Mentions(Scorer):
    name = "mentions"
    word: str = "short"

    def score(self, ctx: ScoreContext) -> Score:
        hit = self.word in ctx.response.text
        return Score(float(hit), hit, "")
"""


def _project(root: Path) -> Path:
    (root / "scorers").mkdir(parents=True)
    (root / "evalkit.toml").write_text(CONFIG, encoding="utf-8")
    (root / "pipeline.py").write_text(PIPELINE, encoding="utf-8")
    (root / "scorers" / "mine.py").write_text(SCORERS, encoding="utf-8")
    rows = [{"id": f"c{i}", "input": f"question {i}"} for i in range(4)]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (root / "evals.jsonl").write_text(text, encoding="utf-8")
    return root


def _evalkit(cwd: Path, seed: str, *args: str) -> subprocess.CompletedProcess[str]:
    """One ``evalkit`` command in its own process, with its own string-hash salt."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env["PYTHONPATH"] = os.pathsep.join([str(Path.cwd()), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_file_scorer_is_the_same_scorer_in_two_processes_and_two_checkouts(
    tmp_path: Path,
) -> None:
    one = _project(tmp_path / "one")
    two = tmp_path / "elsewhere" / "two"
    shutil.copytree(one, two)
    run_args = ("run", "--suite", "fn", "--candidate", "base", "--no-progress")
    for cwd, seed in ((one, "1"), (one, "2"), (two, "3")):
        out = f"runs/base-{seed}"
        done = _evalkit(cwd, seed, *run_args, "--out", out)
        assert done.returncode == 0, done.stdout + done.stderr
    # the same folder, two processes: nothing set up differently, the gate is judged
    same = _evalkit(one, "4", "compare", "runs/base-1", "runs/base-2", "--suite", "fn")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "scored differently" not in same.stdout + same.stderr
    assert "PASS" in same.stdout
    # another checkout of the project: the same scorers, by file name and attribute
    other = str(two / "runs" / "base-3")
    clone = _evalkit(one, "5", "compare", "runs/base-1", other, "--suite", "fn")
    assert clone.returncode == 0, clone.stdout + clone.stderr
    assert "scored differently" not in clone.stdout + clone.stderr
    # a stored baseline from another process and folder against a new candidate run
    check = _evalkit(one, "6", "check", "--suite", "fn", "--baseline-run", other, "--no-progress")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "scored differently" not in check.stdout and "not judged" not in check.stdout
    assert "PASS" in check.stdout and "brevity.mean" in check.stdout


def test_an_edited_scorer_file_is_another_ruler_until_the_baseline_is_rescored(
    tmp_path: Path,
) -> None:
    one = _project(tmp_path / "one")
    run_args = ("run", "--suite", "fn", "--candidate", "base", "--no-progress")
    assert _evalkit(one, "1", *run_args, "--out", "runs/before").returncode == 0
    mine = one / "scorers" / "mine.py"
    mine.write_text(mine.read_text().replace("max_words / n", "0.5 * max_words / n"))
    assert _evalkit(one, "2", *run_args, "--out", "runs/after").returncode == 0
    spec = json.loads((one / "runs" / "after" / "manifest.json").read_text())["scorers"]
    assert all(len(s["source_sha256"]) == 64 for s in spec)  # the file as loaded
    edited = _evalkit(one, "3", "compare", "runs/before", "runs/after", "--suite", "fn")
    out = edited.stdout + edited.stderr
    assert edited.returncode == 1, out
    assert "scored differently" in out and "brevity.source_sha256" in out
    # re-scored with the edited file, the baseline is measured with the same ruler again
    rescored = _evalkit(
        one,
        "4",
        "score",
        "runs/before",
        "--out",
        "runs/before2",
        "--config",
        "evalkit.toml",
        "--suite",
        "fn",
    )
    assert rescored.returncode == 0, rescored.stdout + rescored.stderr
    again = _evalkit(one, "5", "compare", "runs/before2", "runs/after", "--suite", "fn")
    assert "scored differently" not in again.stdout + again.stderr, again.stdout
