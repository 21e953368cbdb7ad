"""The command line's entry point: what every subcommand shares."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from evalkit.cli import main

REPO = Path(__file__).parents[1]


def test_a_reader_that_goes_away_ends_the_command_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `evalkit inventory | head -1`: the first print after head exits raised BrokenPipeError
    # with a traceback (and Python printed a second error while flushing stdout at exit).
    read_end, write_end = os.pipe()
    os.close(read_end)
    stdout = io.TextIOWrapper(os.fdopen(write_end, "wb", buffering=0), write_through=True)
    monkeypatch.setattr(sys, "stdout", stdout)
    try:
        rc = main(["inventory", "--config", str(REPO / "evalkit.toml")])
        stdout.write("still writable: the output now goes nowhere\n")  # no second error
    finally:
        monkeypatch.undo()
        stdout.close()
    assert rc == 141
    assert "Traceback" not in capsys.readouterr().err


def test_a_warning_reads_as_a_line_for_the_user_not_python_s_format(tmp_path: Path) -> None:
    """QA11 #10: the name-clash warning printed as 'file.py:48: RuntimeWarning: ...' plus the
    source line. A scorer file that warns at import stands in for it."""
    import subprocess

    (tmp_path / "scorers").mkdir()
    (tmp_path / "scorers" / "w.py").write_text(
        "import warnings\nwarnings.warn('mind the gap', RuntimeWarning)\n"
        "def fine(ctx):\n    return True\n"
    )
    (tmp_path / "set.jsonl").write_text('{"id": "a", "input": "x"}\n')
    (tmp_path / "evalkit.toml").write_text(
        '[candidates.c]\nprovider = "callable"\nmodel = "m"\n'
        'options = { target = "p.py:f" }\n\n'
        '[suites.s]\ndataset = "set.jsonl"\ncandidates = ["c"]\nscorers = ["scorers/w.py:fine"]\n'
    )
    (tmp_path / "p.py").write_text("def f(request):\n    return 'x'\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "evalkit", "validate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "warning: mind the gap" in done.stderr, done.stderr
    assert "RuntimeWarning" not in done.stderr and "warnings.warn(" not in done.stderr
