"""Time ``pytest --evalkit --evalkit-cases`` on replay projects of N cases; prints seconds per N.

Each case item used to find its case's records by scanning the whole run (several times per
item), so a suite's case items cost O(cases²). This script builds a throwaway project per N
(two replay candidates, the candidate wrong on one case in a hundred; a suite with a baseline
and one without, so both paths of :class:`evalkit.pytest_case_items.CaseItem` run) and times
the whole pytest process (collection, the replayed runs, every case item) in a subprocess.

The figures include Python start-up, imports and the replayed runs themselves, which are
linear; subtract the ``--evalkit`` line (gates only, no case items) to see the items' share.
Few cases fail on purpose: pytest's own terminal summary is quadratic in failed items (for each
failure it scans every report for its teardown, ``_pytest/terminal.py``), which at one failure
in ten was most of what was left after the fix and is not evalkit's to change.

Run: ``python benchmarks/bench_pytest_case_items.py`` (``--sizes 500 2000`` to choose N,
``--rounds 3`` for the best of three).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

CONFIG = """
runs_dir = ".evalkit/runs"
cache_dir = ".evalkit/cache"

[candidates.base]
provider = "replay"
model = "base-model"
options = { path = "replay/base.jsonl" }

[candidates.cand]
provider = "replay"
model = "cand-model"
options = { path = "replay/cand.jsonl" }

[suites.qa]
dataset = "qa.jsonl"
candidates = ["base", "cand"]
baseline = "base"
scorers = ["exact_match"]

[[suites.qa.gates]]
metric = "exact_match.pass_rate"
min = 0.5

[suites.solo]
dataset = "qa.jsonl"
candidates = ["cand"]
scorers = ["exact_match"]

[[suites.solo.gates]]
metric = "exact_match.pass_rate"
min = 0.5
"""


def make_project(root: Path, n: int) -> None:
    """A replay project of ``n`` cases: base right on all, cand wrong on one in a hundred."""
    cases = [{"id": f"q{i}", "input": f"question {i}", "expected": f"answer {i}"} for i in range(n)]
    (root / "evalkit.toml").write_text(CONFIG, encoding="utf-8")
    (root / "qa.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    (root / "replay").mkdir()
    for name, wrong in (("base", False), ("cand", True)):
        rows = [
            {"case_id": c["id"], "output": "no idea" if wrong and i % 100 == 0 else c["expected"]}
            for i, c in enumerate(cases)
        ]
        (root / "replay" / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def time_pytest(root: Path, *args: str) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system) of one pytest process in ``root``, and its last
    output line. CPU time is the steadier figure on a shared, loaded machine."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, env=ENV, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):  # 1: the candidate's failing cases, by design
        sys.exit(f"pytest exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return took, cpu, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    parser.add_argument("--rounds", type=int, default=1, help="best of this many runs")
    args = parser.parse_args()
    print(
        f"pytest --evalkit[-cases], 2 suites (with and without a baseline), best of {args.rounds}"
    )
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-case-items-") as tmp:
            root = Path(tmp)
            make_project(root, n)
            for label, extra in (("gates only", ()), ("with cases", ("--evalkit-cases",))):
                runs = [time_pytest(root, "--evalkit", *extra) for _ in range(args.rounds)]
                wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
                print(
                    f"N={n:>6}  {label:<10}  wall {wall:6.2f} s  cpu {cpu:6.2f} s   ({runs[0][2]})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
