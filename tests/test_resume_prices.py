"""A resumed run prices its new answers with the recorded config's ``[prices]`` (QA13 F3).

Without it, finishing a run the cost cap had stopped (what the verdict's ``finished`` rule
advises) left every new record of a model priced only in the config unpriced, and the cap
blind: ``cost.per_case`` n/a after the resume.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.records import read_run

PIPE = """
def answer(request):
    return {"output": "ok " + request.case_id, "usage": {"input_tokens": 50, "output_tokens": 50}}
"""

CONFIG = """
runs_dir = "runs"

[prices.house-model]
input = 100.0
output = 100.0

[candidates.c]
provider = "callable"
model = "house-model"
concurrency = 1
options = { target = "pipe.py:answer" }

[candidates.base]
provider = "callable"
model = "free-model"
concurrency = 1
options = { target = "pipe.py:answer" }

[prices]
"free-model" = { input = 0.0, output = 0.0 }

[suites.s]
dataset = "qa.jsonl"
candidates = ["base", "c"]
baseline = "base"
scorers = ["cost"]
max_cost_usd = 0.035
"""


def test_a_resumed_run_is_priced_from_the_recorded_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [{"id": f"q{i}", "input": f"question {i}"} for i in range(10)]
    (tmp_path / "qa.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    (tmp_path / "pipe.py").write_text(PIPE)
    (tmp_path / "evalkit.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    # each answer of c costs 100 tokens x $100/M = $0.01; the suite's cap stops c early, and
    # evalkit check's runs rebuild their scorers from the manifest, not from the config
    assert main(["check", "--no-progress"]) == 1
    (out,) = (p for p in (tmp_path / "runs").iterdir() if p.name.endswith("-c"))
    first = read_run(out)
    assert first.manifest["status"] == "incomplete" and len(first.records) < 10
    # resumed from a folder whose own evalkit.toml lacks the run's prices (QA13's repro): the
    # run's recorded config must win over the one found upwards
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "evalkit.toml").write_text('runs_dir = "runs"\n')
    monkeypatch.chdir(elsewhere)
    assert main(["run", "--resume", str(out), "--max-cost", "1", "--no-progress"]) == 0
    done = read_run(out)
    assert done.manifest["status"] == "complete" and len(done.records) == 10
    assert all(r.cost == pytest.approx(0.01) for r in done.records)  # was None after the resume
