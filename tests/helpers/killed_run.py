"""Kill an ``evalkit`` command mid-way with SIGKILL, for the tests of what survives a kill.

The command runs in its own process (a kill must not take pytest with it), and is killed once
its ``results.jsonl`` holds a number of lines: a point in the run that the test chose, not a
moment on the clock, so the test holds on a slow or loaded machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["kill_after_lines"]

ROOT = Path(__file__).resolve().parents[2]


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def kill_after_lines(
    args: Sequence[str], cwd: Path, results: Path, lines: int, *, timeout: float = 30
) -> int:
    """Run ``python -m evalkit ARGS`` in ``cwd``, SIGKILL it once ``results`` holds ``lines``
    lines (or after ``timeout`` seconds), and return how many lines it holds after the kill."""
    cmd = [sys.executable, "-m", "evalkit", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while _lines(results) < lines and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    return _lines(results)
