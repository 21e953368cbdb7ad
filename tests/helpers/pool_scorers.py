"""CPU-bound scorers that misbehave in a worker process, for the scoring pool's tests.

They live in a small module of their own so that a worker imports little (a test module
would drag pytest into every worker). Each writes its worker's pid into its ``details`` or
into ``pid_dir``, so a test can check later that no worker is left running.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from evalkit.scoring import Score, ScoreContext, Scorer


@dataclass
class Dies(Scorer):
    """Kills its worker (``os._exit``) on a response containing ``die``; else passes."""

    name: ClassVar[str] = "dies"
    cpu_bound: ClassVar[bool] = True

    def score(self, ctx: ScoreContext) -> Score:
        if "die" in ctx.response.text:
            os._exit(3)
        return Score(1.0, True, "alive", {"pid": os.getpid()})


@dataclass
class Sleeps(Scorer):
    """Blocks its worker for ``seconds`` on a response containing ``sleep``, after writing
    the worker's pid into ``pid_dir`` (the test's signal that scoring has started)."""

    name: ClassVar[str] = "sleeps"
    cpu_bound: ClassVar[bool] = True
    pid_dir: str = ""
    seconds: float = 60.0

    def score(self, ctx: ScoreContext) -> Score:
        if "sleep" in ctx.response.text:
            Path(self.pid_dir, str(os.getpid())).write_text("", encoding="utf-8")
            time.sleep(self.seconds)
        return Score(1.0, True, "awake", {"pid": os.getpid()})


@dataclass
class KillsSome(Scorer):
    """Works ``work_s`` on every record (so that many records are in the pool at once), then
    kills its worker (``os._exit``) on the cases listed in ``kill``; else passes. With
    ``pid_dir``, first writes its worker's pid there."""

    name: ClassVar[str] = "kills_some"
    cpu_bound: ClassVar[bool] = True
    kill: tuple[str, ...] = ()
    work_s: float = 0.0
    pid_dir: str = ""

    def score(self, ctx: ScoreContext) -> Score:
        if self.pid_dir:
            Path(self.pid_dir, str(os.getpid())).touch()
        time.sleep(self.work_s)
        if ctx.case.id in self.kill:
            os._exit(3)
        return Score(1.0, True, "alive", {"pid": os.getpid()})


def _refuse() -> Any:
    raise RuntimeError("this scorer cannot be loaded in a worker")


@dataclass
class StaysHome(Scorer):
    """Pickles, but does not unpickle in a worker: it must be scored in-process."""

    name: ClassVar[str] = "stays_home"
    cpu_bound: ClassVar[bool] = True

    def __reduce__(self) -> Any:
        return (_refuse, ())

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, True, "home", {"pid": os.getpid()})


def alive(pid: int) -> bool:
    """Whether a process with this pid still exists (a worker is the forkserver's child, not
    ours, so ``os.waitpid`` cannot tell)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
