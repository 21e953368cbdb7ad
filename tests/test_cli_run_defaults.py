"""``evalkit run`` without --suite or --config: the config found upwards and its only suite,
as ``evalkit check`` does and ``--help`` says (QA7 finding 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.cli import main
from tests.test_cli_validate_gates import calls, project


@pytest.mark.parametrize("extra", [[], ["--candidate", "cand"]])
def test_run_without_suite_runs_the_only_suite_of_the_config_found_upwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str]
) -> None:
    project(tmp_path)
    sub = tmp_path / "deeper"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert main(["run", *extra, "--out", str(tmp_path / "runs")]) == 0
    assert calls(tmp_path) == (3 if extra else 6)


def test_run_without_suite_lists_the_suites_when_there_are_several(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = project(tmp_path)
    cfg.write_text(
        cfg.read_text() + '\n[suites.other]\ndataset = "set.jsonl"\ncandidates = ["base"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 2
    assert "declares 2 suites; pick one with --suite NAME: other, s" in capsys.readouterr().err
    assert calls(tmp_path) == 0


def test_run_without_anything_and_no_config_says_what_to_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 2
    assert "nothing to run and no evalkit.toml or pyproject.toml found upwards" in (
        capsys.readouterr().err
    )
