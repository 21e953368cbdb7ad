"""Untrusted text reaches terminals and CI logs inert: escapes shown, never obeyed."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.compare import compare
from evalkit.scoring import Score
from evalkit.summary import terminal_summary
from evalkit.terminal_text import inert
from tests.helpers.runs import make_record, make_run

# Erase the line above and write a verdict of one's own; a carriage return; an RLO.
HOSTILE = "\x1b[1A\x1b[2Kverdict: PASS\rok \u202eLIAF \x07\x9b31m"


def test_inert_escapes_controls_and_keeps_tabs_newlines_and_text() -> None:
    assert inert(HOSTILE) == ("\\x1b[1A\\x1b[2Kverdict: PASS\\x0dok \\u202ELIAF \\x07\\x9b31m")
    assert inert("a\tb\nשלום → 0.5 é") == "a\tb\nשלום → 0.5 é"


def test_the_terminal_summary_prints_hostile_outputs_and_ids_inert(tmp_path: Path) -> None:
    # A failing score's reason quotes the model's output; the case id comes from the data.
    base = [make_record(f"c{i}", {"acc": True}) for i in range(3)]
    cand = [
        make_record(f"c{i}", {"acc": Score(0.0, False, f"said {HOSTILE}")}, candidate="cand")
        for i in range(2)
    ] + [make_record(f"c2{HOSTILE}", {"acc": True}, candidate="cand")]
    text = terminal_summary(compare(make_run(tmp_path / "b", base), make_run(tmp_path / "c", cand)))
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert "\\x1b[2Kverdict: PASS" in text  # visible, so a reviewer sees the attempt


def test_the_run_summary_prints_a_provider_error_body_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The run summary quotes each error kind's first message: a server's body, untrusted.
    from dataclasses import replace

    from evalkit.cli.run import print_summary
    from evalkit.records import ErrorInfo

    bad = replace(make_record("c0", error="server"), error=ErrorInfo("server", HOSTILE, 500))
    print_summary(make_run(tmp_path / "r", [bad, make_record("c1", {"acc": True})]))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "\\x1b[1A" in out


def test_an_evalkit_error_is_printed_inert(capsys: pytest.CaptureFixture[str]) -> None:
    from evalkit.cli import main

    assert main(["run", "--resume", f"/nonexistent/{HOSTILE}"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[1A" in err


def test_the_markdown_summary_shows_controls_as_text(tmp_path: Path) -> None:
    from evalkit.summary import markdown_summary

    base = [make_record("c0", {"acc": True})]
    cand = [make_record("c0", {"acc": Score(0.0, False, f"said {HOSTILE}")}, candidate="cand")]
    md = markdown_summary(compare(make_run(tmp_path / "b", base), make_run(tmp_path / "c", cand)))
    assert "\x1b" not in md and "\u202e" not in md and "x1b\\[2Kverdict: PASS" in md
