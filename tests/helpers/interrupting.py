"""Send Ctrl-C (SIGINT) to an ``evalkit`` command at a chosen point, for the tests of what an
interrupt keeps.

The command runs in its own process, as a user's would, so the signal takes the real path
(the handler on the main thread, the event loop, the CLI's exit code and message). Points are
states the test observes (a server holding N calls, a line on stderr), never moments on the
clock, so the tests hold on a slow or loaded machine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

__all__ = ["Command", "callable_project", "wait_until"]

ROOT = Path(__file__).resolve().parents[2]


def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``check`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return check()


class Command:
    """``python -m evalkit ARGS`` in ``cwd`` (or ``python -m MODULE`` with ``module``), its
    stderr collected line by line as it comes."""

    def __init__(
        self,
        args: Sequence[str],
        cwd: Path,
        env: Mapping[str, str] | None = None,
        *,
        module: str = "evalkit",
    ) -> None:
        full_env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=cwd,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._lock:
                self._lines.append(line)

    @property
    def err(self) -> str:
        with self._lock:
            return "".join(self._lines)

    def sigint(self) -> None:
        """The user's Ctrl-C."""
        self.proc.send_signal(signal.SIGINT)

    def said(self, text: str, timeout: float = 30.0) -> bool:
        """Whether stderr shows ``text`` within ``timeout`` seconds (or before the exit)."""
        wait_until(lambda: text in self.err or self.proc.poll() is not None, timeout)
        if text not in self.err and self.proc.poll() is not None:
            self._reader.join(5)  # its last lines may still be in the pipe
        return text in self.err

    def close(self) -> None:
        """Kill the command if it still runs and release its pipe (a test's clean-up)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._reader.join(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def finish(self, timeout: float = 30.0) -> int:
        """Wait for the exit (killing the command after ``timeout``) and return its code."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            self._reader.join(5)
            if self.proc.stderr is not None:
                self.proc.stderr.close()
        return code


def callable_project(
    root: Path,
    pipeline: str,
    cases: Sequence[str],
    *,
    concurrency: int = 2,
    max_retries: int = 0,
    scorers: str = '["contains"]',
) -> None:
    """A project in ``root`` whose one candidate ``cand`` (suite ``s``) is the function
    ``answer`` of ``pipeline`` (the code of ``pipe.py``), over cases with these ids, each
    expecting "echo". The call timeout is long (300 s): no test here waits on it, and a
    drain bounded by it never ends a test by running out."""
    (root / "pipe.py").write_text(pipeline)
    rows = [{"id": c, "input": f"question {c}", "expected": "echo"} for c in cases]
    (root / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "evalkit.toml").write_text(
        f"""
[candidates.cand]
provider = "callable"
model = "pipeline"
options = {{ target = "pipe.py:answer" }}
concurrency = {concurrency}
max_retries = {max_retries}
timeout_s = 300

[suites.s]
dataset = "set.jsonl"
candidates = ["cand"]
scorers = {scorers}
"""
    )
