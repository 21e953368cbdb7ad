"""The progress display: a bar on a terminal, silence in a pipe unless forced."""

from __future__ import annotations

import io

from evalkit.progress import LineProgress, Progress, TerminalProgress, make_progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_not_a_terminal_unless_forced() -> None:
    pipe = io.StringIO()
    p = make_progress("auto", 10, stream=pipe)
    p.update(error=False, cached=False, tokens=5, cost=0.01)
    p.close()
    assert type(p) is Progress and pipe.getvalue() == ""
    forced = make_progress("on", 10, stream=pipe)
    assert isinstance(forced, LineProgress)
    forced.update(error=True, cached=False, tokens=5, cost=None)
    forced.close()
    assert "1/10" in pipe.getvalue() and "errors 1" in pipe.getvalue()
    assert make_progress(False, 10, stream=_Tty()).__class__ is Progress


def test_terminal_bar_shows_counts_tokens_cost_and_rate() -> None:
    tty = _Tty()
    p = make_progress("auto", 4, stream=tty, label="cand")
    assert isinstance(p, TerminalProgress)
    p.update(error=False, cached=True, tokens=10, cost=0.5)
    p.update(error=True, cached=False, tokens=5, cost=None)
    p.close()
    last = tty.getvalue().rstrip("\n").split("\r")[-1]
    assert "cand 2/4 (50%)" in last and "errors 1" in last and "cached 1" in last
    assert "tokens 15" in last and "$0.5000" in last and "cases/s" in last
    assert last.startswith("[############------------]")


def test_resumed_records_count_as_done_but_not_in_the_rate() -> None:
    p = Progress(10)
    p.skip(6)
    assert p.line().startswith("6/10 (60%)") and "0.0 cases/s" in p.line()


def test_redraws_are_throttled() -> None:
    tty = _Tty()
    p = TerminalProgress(1000, stream=tty)
    for _ in range(1000):
        p.update(error=False, cached=True, tokens=1, cost=None)
    assert tty.getvalue().count("\r") < 20
