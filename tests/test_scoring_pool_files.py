"""Worker processes for scorers from project files, the warning when a scorer stays
in-process, and ``--scorer-processes`` (QA10 finding 7): a ``cpu_bound`` scorer in the
project's ``scorers/`` folder never reached a worker (its module name could not be imported
there), every fallback was silent, and the CLI could not ask for processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

from evalkit.cli import main
from evalkit.config import Candidate
from evalkit.dataset import EvalSet
from evalkit.engine import RunOptions, run
from evalkit.providers.base import Response
from evalkit.records import read_run
from evalkit.scoring import Score, ScoreContext, Scorer, build_scorer
from evalkit.scoring_pool import ScoringPool
from tests.helpers import scripted_provider as _registers_scripted  # noqa: F401

BURN = """
import os
import time
from dataclasses import dataclass
from typing import ClassVar

from evalkit import Score, ScoreContext, Scorer


@dataclass
class Burn(Scorer):
    name: ClassVar[str] = "burn"
    cpu_bound: ClassVar[bool] = True
    work_s: float = 0.05

    def score(self, ctx: ScoreContext) -> Score:
        time.sleep(self.work_s)  # long enough that records wait for a second worker
        return Score(1.0, True, f"pid {os.getpid()}", {"pid": os.getpid()})
"""

CONFIG = """
[candidates.c]
provider = "tests.helpers.scripted_provider:ScriptedProvider"
model = "m"

[suites.s]
dataset = "evals.jsonl"
candidates = ["c"]
scorers = ["scorers/burn.py:Burn"]
"""


def _project(root: Path, n: int = 24) -> Path:
    (root / "scorers").mkdir(parents=True)
    (root / "scorers" / "burn.py").write_text(BURN, encoding="utf-8")
    (root / "evalkit.toml").write_text(CONFIG, encoding="utf-8")
    rows = "".join(json.dumps({"id": f"c{i}", "input": f"q{i}"}) + "\n" for i in range(n))
    (root / "evals.jsonl").write_text(rows, encoding="utf-8")
    return root


def _pids(run_dir: Path) -> set[int]:
    return {int(r.scores["burn"].details["pid"]) for r in read_run(run_dir).records}


def test_a_scorer_from_a_project_file_runs_in_two_worker_processes(tmp_path: Path) -> None:
    root = _project(tmp_path)
    scorer = build_scorer("scorers/burn.py:Burn", base_dir=str(root))
    assert type(scorer).__module__.startswith("evalkit_user_burn_")
    eval_set = EvalSet.from_cases([{"id": f"c{i}", "input": f"q{i}"} for i in range(24)])
    cand = Candidate(name="c", provider="scripted", model="m")
    opts = RunOptions(out_dir=tmp_path / "run", progress=False, scorer_processes=2)
    run(eval_set, cand, [scorer], opts)  # a warning (in-process) would fail the test
    pids = _pids(tmp_path / "run")
    assert len(pids) >= 2 and os.getpid() not in pids


def test_the_cli_asks_for_worker_processes(tmp_path: Path) -> None:
    """``evalkit run`` and ``evalkit score`` with ``--scorer-processes``, each in its own
    process as a user runs them (the scorer's module is loaded from the file there too)."""
    root = _project(tmp_path)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path.cwd()), os.environ.get("PYTHONPATH", "")]),
    }

    def evalkit(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-W", "error::RuntimeWarning", "-m", "evalkit", *args]
        return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=120)

    done = evalkit("run", "--suite", "s", "--out", "runs/a", "--scorer-processes", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    pids = _pids(root / "runs" / "a")
    assert len(pids) >= 2
    done = evalkit("score", "runs/a", "--out", "runs/b", "--scorer-processes", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    again = _pids(root / "runs" / "b")
    assert len(again) >= 2 and not again & pids  # new workers, not the run's
    done = evalkit("run", "--suite", "s", "--out", "runs/c", "--scorer-processes", "0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(_pids(root / "runs" / "c")) == 1  # in-process, as asked


@pytest.mark.parametrize("command", ["run", "score", "check"])
def test_scorer_processes_must_not_be_negative(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(_project(tmp_path) / "evalkit.toml")
    args = {
        "run": ["run", "--config", config],
        "check": ["check", "--config", config],
        "score": ["score", str(tmp_path / "nowhere"), "--out", str(tmp_path / "y")],
    }[command]
    args += ["--scorer-processes", "-1"]
    assert main(args) == 2
    assert "--scorer-processes: must be >= 0 (0: in-process), got -1" in capsys.readouterr().err


@dataclass
class WithLambda(Scorer):
    """A cpu_bound scorer whose field holds a lambda: it cannot be pickled."""

    name: ClassVar[str] = "with_lambda"
    cpu_bound: ClassVar[bool] = True
    fn: Callable[[str], Any] = field(default=lambda text: len(text))

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, True, "", {"pid": os.getpid(), "n": self.fn(ctx.response.text)})


def test_a_scorer_that_does_not_pickle_is_scored_in_process_with_one_warning() -> None:
    ctx = ScoreContext(EvalSet.from_cases([{"id": "c0", "input": "hi"}]).cases[0], Response("x"))

    async def score_twice() -> list[dict[str, Score]]:
        pool = ScoringPool([WithLambda()], processes=2)
        try:
            return [await pool.score(ctx), await pool.score(ctx)]
        finally:
            await pool.aclose()

    with pytest.warns(RuntimeWarning) as seen:
        outs = asyncio.run(score_twice())
    (w,) = seen
    msg = str(w.message)
    assert msg.startswith("scorer 'with_lambda' is cpu_bound but is scored in-process (slower)")
    assert "cannot be sent to a worker process" in msg and "lambda" in msg
    assert [o["with_lambda"].details["pid"] for o in outs] == [os.getpid()] * 2
