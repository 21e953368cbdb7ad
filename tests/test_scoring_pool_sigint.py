"""A Ctrl-C while the scoring pool starts its processes (QA15 F8): the terminal's SIGINT
reaches the whole process group, and a forkserver or worker still importing (before it sets
SIGINT to ignored) died of it: the forkserver with a traceback, after which the pool could
not start and the scorer was blamed for not pickling; a worker silently, counted as a worker
death (its records scored again alone).

A worker imports the main script before it is set up, so the script below holds it there
until the test has sent SIGINT to it and to the forkserver: the point is a state, not a
moment.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.scoring_pool_procs import in_process_warning
from evalkit.scoring_pool_worker import _WorkerSetupError
from tests.helpers.interrupting import ROOT, wait_until

SCRIPT = """
import asyncio
import json
import os
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __name__ == "__mp_main__":  # a worker importing this script, not yet set up: held here
    (HERE / "pids").write_text(f"{os.getpid()} {os.getppid()}")
    while not (HERE / "go").exists():
        time.sleep(0.01)

from evalkit.dataset import Case
from evalkit.providers.base import Response
from evalkit.scoring import ScoreContext
from evalkit.scoring_pool import ScoringPool
from tests.helpers.pool_scorers import Dies


async def main():
    pool = ScoringPool([Dies()], processes=1)
    try:
        score = await pool.score(ScoreContext(Case(id="c", input="x"), Response(text="fine")))
    finally:
        await pool.aclose()
    return score["dies"].details["pid"], pool.deaths


if __name__ == "__main__":
    scored_in, deaths = asyncio.run(main())
    print(json.dumps({"scored_in": scored_in, "deaths": deaths}))
"""


@pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="needs forkserver"
)
def test_a_ctrl_c_while_scoring_processes_start_kills_none_of_them(tmp_path: Path) -> None:
    script = tmp_path / "score.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        pids = tmp_path / "pids"
        assert wait_until(lambda: pids.exists() and len(pids.read_text().split()) == 2)
        worker, forkserver = (int(p) for p in pids.read_text().split())
        for pid in (worker, forkserver):  # the terminal's Ctrl-C reaches both
            os.kill(pid, signal.SIGINT)
        (tmp_path / "go").touch()
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "scored in-process" not in err, err
    assert json.loads(out) == {"scored_in": worker, "deaths": 0}  # the held worker lived on


def test_workers_that_cannot_start_do_not_blame_the_scorer() -> None:
    dead = in_process_warning("heavy", EOFError("unexpected EOF"))
    assert "no scorer worker process could be started (EOFError: unexpected EOF)" in dead
    assert "module-level" not in dead and "scorer_processes=0" in dead
    assert "module-level" in in_process_warning("heavy", TypeError("cannot pickle 'lock'"))
    setup = in_process_warning("heavy", _WorkerSetupError("a worker could not load it"))
    assert "because a worker could not load it;" in setup
