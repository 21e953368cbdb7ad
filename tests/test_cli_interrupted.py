"""Ctrl-C names the run folders to resume, not a RUN_DIR placeholder (QA7 finding 7)."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.cli._interrupted import interrupted_message
from tests.test_cli_validate_gates import project

SLOW = """
import time
from pathlib import Path

def answer(request, **kw):
    if request.case_id == "c1":
        Path(__file__).with_name("started").touch()
        time.sleep(1.5)
    return "hello there"
"""


@pytest.mark.parametrize("command", [["run", "--suite", "s"], ["check"]])
def test_ctrl_c_prints_the_resume_command_of_each_unfinished_run(
    tmp_path: Path, command: list[str]
) -> None:
    project(tmp_path)
    (tmp_path / "p.py").write_text(SLOW)
    out = tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalkit", *command, "--out", str(out)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (tmp_path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)  # the user's Ctrl-C, with c1 in flight
    assert proc.stderr is not None
    said = ""
    while "Ctrl-C again" not in said and (line := proc.stderr.readline()):
        said += line  # the first Ctrl-C waits for c1 (engine_drain.py), so that both runs
    proc.send_signal(signal.SIGINT)  # stay unfinished, a second one stops now
    _, err = proc.communicate(timeout=30)
    err = said + err
    assert proc.returncode == 130, err
    assert "RUN_DIR" not in err
    folder = out / "s" if command == ["check"] else out
    for cand in ("base", "cand"):
        assert f"evalkit run --resume {folder / cand}\n" in err + "\n"


def test_ctrl_c_before_any_run_says_there_is_nothing_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import evalkit.cli.run as run_cmd

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_cmd, "_run_suite", interrupt)
    assert main(["run", "--suite", "s"]) == 130
    assert "interrupted before any run folder was written; nothing to resume" in (
        capsys.readouterr().err
    )


def _unfinished_run(folder: Path, name: str, cached: bool) -> None:
    folder.mkdir(parents=True)
    manifest = {"status": "interrupted", "candidate": {"name": name}, "cache": {"used": cached}}
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("cached", "again"),
    [
        ((True, True), "or run `evalkit check` again (answers in the cache are not asked again)"),
        ((True, False), "the cases of cand would all be asked again: no cache)"),
        ((False, False), None),
    ],
)
def test_check_again_is_advised_only_for_answers_that_were_cached(
    tmp_path: Path, cached: tuple[bool, bool], again: str | None
) -> None:
    """QA15 F9 (b): a callable pipeline's answers are never cached, so running `check` again
    asks (and may pay for) every case again; only the --resume lines are right for it."""
    out = tmp_path / "runs"
    _unfinished_run(out / "s" / "base", "base", cached[0])
    _unfinished_run(out / "s" / "cand", "cand", cached[1])
    args = argparse.Namespace(command="check", out=str(out), resume=None, config=None)
    said = interrupted_message(args, time.time())
    assert f"evalkit run --resume {out / 's' / 'cand'}" in said
    if again is None:
        assert "run `evalkit check` again" not in said
    else:
        assert again in said
