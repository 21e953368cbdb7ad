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
