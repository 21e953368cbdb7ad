"""A tmp evalkit project for the pytest plugin's ``pytester`` tests.

An evalkit.toml, a six-case eval set, replay files (baseline right on every case, candidate
wrong on q5 and q6) and a priced ``callable`` pipeline that logs every call to a file, so
calls are counted across processes.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

import pytest

# In-process runs restore sys.modules afterwards: a module first imported inside one would be
# dropped and imported again later (two Project classes; numpy refuses a second import).
# Import every evalkit module here, once, so all runs and later tests share them.
import evalkit

for _mod in pkgutil.walk_packages(evalkit.__path__, "evalkit."):
    if not _mod.name.endswith("__main__"):
        importlib.import_module(_mod.name)

__all__ = [
    "CASES",
    "CONFIG",
    "EVALKIT_SOURCE",
    "PIPELINE",
    "READS_CONFTEST",
    "add_case",
    "calls",
    "make_project",
    "run",
    "stored_run",
]

EVALKIT_SOURCE = str(Path(evalkit.__file__).parent)
"""evalkit's own source folder: a failure or skip that shows it shows a traceback location."""

CASES = [{"id": f"q{i}", "input": f"question {i}", "expected": f"answer {i}"} for i in range(1, 7)]

CONFIG = """
runs_dir = ".evalkit/runs"
cache_dir = ".evalkit/cache"

[prices]
"priced-model" = { input = 1000.0, output = 1000.0 }

[candidates.base]
provider = "replay"
model = "base-model"
options = { path = "replay/base.jsonl" }

[candidates.cand]
provider = "replay"
model = "cand-model"
options = { path = "replay/cand.jsonl" }

[candidates.live]
provider = "callable"
model = "priced-model"
concurrency = 1
options = { target = "pipeline.py:answer", cacheable = true }

[suites.qa]
dataset = "qa.jsonl"
candidates = ["base", "cand"]
baseline = "base"
scorers = ["exact_match"]

[[suites.qa.gates]]
metric = "exact_match.pass_rate"
min = 0.5

[[suites.qa.gates]]
metric = "exact_match.pass_rate"
max_drop = 0.0

[suites.paid]
dataset = "qa.jsonl"
candidates = ["live"]
scorers = ["exact_match"]

[[suites.paid.gates]]
metric = "exact_match.pass_rate"
min = 0.9
"""

PIPELINE = """
def answer(request):
    with open({log!r}, "a", encoding="utf-8") as fh:
        fh.write(request.case_id + "\\n")
    n = request.case_id[1:]
    return {{"output": "answer " + n, "usage": {{"input_tokens": 5, "output_tokens": 5}}}}
"""


def make_project(root: Path) -> Path:
    """Write the project into ``root`` (pytester's folder) and return it."""
    (root / "evalkit.toml").write_text(CONFIG, encoding="utf-8")
    (root / "qa.jsonl").write_text("\n".join(json.dumps(c) for c in CASES) + "\n")
    (root / "replay").mkdir()
    base = [{"case_id": c["id"], "output": c["expected"]} for c in CASES]
    cand = [
        {"case_id": c["id"], "output": c["expected"] if c["id"] not in ("q5", "q6") else "no idea"}
        for c in CASES
    ]
    for name, rows in (("base", base), ("cand", cand)):
        (root / "replay" / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "pipeline.py").write_text(PIPELINE.format(log=str(root / "calls.log")))
    return root


READS_CONFTEST = """
import dataclasses
import json

from evalkit.pytest_plugin import runner_of

READS = {}


class Counted(tuple):
    \"\"\"A run's records that count how often they are iterated (one scan each).\"\"\"

    def __iter__(self):
        READS[self.name] = READS.get(self.name, 0) + 1
        return super().__iter__()


def pytest_collection_finish(session):
    runner = runner_of(session.config)
    plain, seen = runner.result, {}

    def counted(*args, **kwargs):
        got = plain(*args, **kwargs)
        if id(got) not in seen:
            seen[id(got)] = got
            for name, run in list(got.runs.items()):
                records = Counted(run.records)
                records.name = f"{got.suite}.{name}"
                got.runs[name] = dataclasses.replace(run, records=records)
        return got

    runner.result = counted


def pytest_sessionfinish(session):
    with open("reads.json", "w", encoding="utf-8") as fh:
        json.dump(READS, fh)
"""
"""A ``conftest.py`` that counts, per suite and candidate (``"qa.cand"``), how often the items
iterate the run's records after the suite ran (through the public ``runner_of(config).result``)
and writes the counts to ``reads.json``: a scan of the run per case item shows as a count that
grows with the items selected."""


def add_case(root: Path, case_id: str, output: str) -> None:
    """Append a case without ``expected`` to the project's eval set, answered ``output`` by
    both replay candidates."""
    with (root / "qa.jsonl").open("a") as f:
        f.write(json.dumps({"id": case_id, "input": f"question {case_id}"}) + "\n")
    for name in ("base", "cand"):
        with (root / "replay" / f"{name}.jsonl").open("a") as f:
            f.write(json.dumps({"case_id": case_id, "output": output}) + "\n")


def stored_run(
    root: Path, out: str, candidate: str = "base", *cases: str, suite: str = "qa"
) -> Path:
    """Store a run of ``suite`` at ``root/out`` (for ``--evalkit-baseline``); ``cases``
    (ids or glob patterns) select part of the eval set, as ``evalkit run --case`` does."""
    from evalkit import RunOptions, load_config, run_suite
    from evalkit.dataset import Selection

    select = Selection(cases=tuple(cases)) if cases else None
    project = load_config(root / "evalkit.toml")
    run_suite(project, suite, [candidate], RunOptions(out_dir=root / out, select=select))
    return root / out


def calls(root: Path) -> list[str]:
    """Case ids the priced pipeline was called with, across processes, in call order."""
    log = root / "calls.log"
    return log.read_text().split() if log.exists() else []


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in-process in the project (no cache provider, so runs do not leak state)."""
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)
