"""Resume after a real SIGKILL: no duplicates, nothing lost, a torn last line handled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.records import read_run

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = "tests.helpers.scripted_provider:ScriptedProvider"


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_sigkill_mid_run_then_resume(tmp_path: Path) -> None:
    n = 120
    ds = tmp_path / "ds.jsonl"
    ds.write_text(
        "".join(
            json.dumps({"id": f"c{i}", "input": f"q {i}", "expected": "x"}) + "\n" for i in range(n)
        )
    )
    run_dir, log = tmp_path / "run", tmp_path / "calls.log"
    cmd = [
        sys.executable, "-m", "evalkit", "run", str(ds), "--provider", PROVIDER,
        "--model", "m", "--option", "latency_ms=30", "--option", f"call_log={log}",
        "--concurrency", "4", "--out", str(run_dir), "--cache-mode", "off", "--scorer",
        "exact_match", "--no-progress",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path)
    results = run_dir / "results.jsonl"
    deadline = time.monotonic() + 30
    while _lines(results) < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    killed_at = _lines(results)
    assert 20 <= killed_at < n
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "running"  # never got to write its end
    with results.open("a") as fh:
        fh.write('{"case_id": "c9999", "repe')  # a line torn by the kill

    assert main(["run", "--resume", str(run_dir), "--no-progress"]) == 0

    raw = [json.loads(line) for line in results.read_text().splitlines()]
    keys = [(r["case_id"], r["repeat"]) for r in raw]
    assert len(keys) == len(set(keys)) == n  # no duplicates, nothing lost, torn line gone
    assert set(keys) == {(f"c{i}", 0) for i in range(n)}
    run = read_run(run_dir)
    assert run.manifest["status"] == "complete" and run.manifest["counts"]["records"] == n
    assert run.manifest["run_id"] == manifest["run_id"] and run.manifest["resumed_at"]
    assert all("exact_match" in r.scores for r in run.records)
    calls = log.read_text().splitlines()
    # Only cases in flight at the kill are asked twice; none finished before it is re-run.
    assert len(calls) - n <= 4


def test_resume_of_an_unknown_folder_is_bad_input(tmp_path: Path) -> None:
    assert main(["run", "--resume", str(tmp_path / "nope"), "--no-progress"]) == 2


def test_resume_refuses_a_changed_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ds = tmp_path / "ds.jsonl"
    ds.write_text('{"id": "a", "input": "x"}\n')
    out = tmp_path / "run"
    args = ["run", str(ds), "--provider", PROVIDER, "--model", "m", "--out", str(out)]
    assert main([*args, "--no-progress", "--cache-dir", str(tmp_path / "c")]) == 0
    ds.write_text('{"id": "a", "input": "changed"}\n')
    assert main(["run", "--resume", str(out), "--no-progress"]) == 2
    assert "changed since the run started" in capsys.readouterr().err


def test_resume_of_an_ad_hoc_run_rebuilds_scorers_given_by_file_reference(
    tmp_path: Path,
) -> None:
    # The manifest names each scorer; a scorer from a file is known by no registered name,
    # so resume must load it again from the reference recorded with it.
    (tmp_path / "mine.py").write_text(
        "from dataclasses import dataclass\n"
        "from evalkit.scoring import Score, Scorer\n\n"
        "@dataclass\n"
        "class Long(Scorer):\n"
        "    name = 'long'\n"
        "    min_words: int = 1\n\n"
        "    def score(self, ctx):\n"
        "        ok = len(ctx.response.text.split()) >= self.min_words\n"
        "        return Score(float(ok), ok)\n\n"
        "def shouty(ctx, *, mark='!'):\n"
        "    return Score(1.0, True) if mark not in ctx.response.text else Score(0.0, False)\n"
    )
    ds = tmp_path / "ds.jsonl"
    ds.write_text("".join(json.dumps({"id": f"c{i}", "input": f"q {i}"}) + "\n" for i in range(4)))
    run_dir = tmp_path / "run"
    args = ["run", str(ds), "--provider", PROVIDER, "--model", "m", "--out", str(run_dir)]
    args += [
        "--scorer",
        f"{tmp_path / 'mine.py'}:Long",
        "--scorer",
        f"{tmp_path / 'mine.py'}:shouty",
    ]
    assert main([*args, "--cache-mode", "off", "--no-progress"]) == 0
    results = run_dir / "results.jsonl"
    lines = results.read_text().splitlines()
    results.write_text("\n".join(lines[:2]) + "\n")  # as if killed after two cases

    assert main(["run", "--resume", str(run_dir), "--no-progress"]) == 0
    run = read_run(run_dir)
    assert sorted(r.case_id for r in run.records) == ["c0", "c1", "c2", "c3"]
    assert all({"long", "shouty"} <= set(r.scores) for r in run.records)
    assert all(r.scores["long"].passed and r.scores["shouty"].passed for r in run.records)
