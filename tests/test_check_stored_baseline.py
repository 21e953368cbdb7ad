"""A stored baseline of another eval set version is refused before anything runs (QA14 F13):
the comparison refused it anyway, after every candidate had been run (and, with a real
provider, paid for)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.api import evaluate
from evalkit.cli import main
from evalkit.errors import InputError

from .test_cli_check import project


def _stored_baseline(tmp_path: Path) -> tuple[Path, Path]:
    cfg = project(tmp_path, 0.5)
    stored = evaluate("qa", config=cfg, candidates=["base"]).runs["base"].path
    return cfg, stored


def _runs(tmp_path: Path) -> set[Path]:
    return set((tmp_path / "runs").iterdir())


def _rewrite_eval_set(tmp_path: Path, ids: list[str]) -> None:
    cases = [{"id": i, "input": f"question {i}", "expected": "A", "tags": ["t"]} for i in ids]
    (tmp_path / "qa.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))


def test_check_refuses_a_baseline_of_another_eval_set_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, stored = _stored_baseline(tmp_path)
    _rewrite_eval_set(tmp_path, [f"other{i}" for i in range(8)])
    before = _runs(tmp_path)
    code = main(["check", "--config", str(cfg), "--baseline-run", str(stored), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert _runs(tmp_path) == before, "a candidate ran although the baseline could not be used"
    assert str(stored) in err and "qa.jsonl" in err
    assert "none of its case ids is in this eval set" in err and "nothing was run" in err
    assert "evalkit run --suite qa --candidate base" in err


def test_an_edited_eval_set_names_the_shared_ids(tmp_path: Path) -> None:
    cfg, stored = _stored_baseline(tmp_path)
    _rewrite_eval_set(tmp_path, [f"q{i}" for i in range(4)] + ["new1"])
    before = _runs(tmp_path)
    with pytest.raises(InputError, match=r"4 case id\(s\) shared; cases were added"):
        evaluate("qa", config=cfg, candidates=["cand"], baseline_run=stored)
    assert _runs(tmp_path) == before


def test_the_same_eval_set_still_checks_against_the_stored_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, stored = _stored_baseline(tmp_path)
    code = main(["check", "--config", str(cfg), "--baseline-run", str(stored), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "verdict: PASS" in out
