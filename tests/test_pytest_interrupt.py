"""Ctrl-C in a pytest session (QA15 F7): the first interrupt's notice ("Interrupted: waiting
up to 300s for 2 answers in flight ... Press Ctrl-C again to stop now") reaches the terminal
at once, past pytest's output capture (evalkit/pytest_notices.py). Held by the capture, the
session sat silent until the answers came, inviting the second Ctrl-C that drops them.

A real pytest process gets SIGINT while its suite's two pipeline calls are out; the calls
return only once the test has seen the notice in the session's output, so the notice is
checked while it still matters, and nothing waits on a clock.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

from tests.helpers.interrupting import callable_project, wait_until

PIPELINE = """
import os
import time
from pathlib import Path

HERE = Path(__file__).parent


def answer(request):
    (HERE / f"called-{request.case_id}").touch()
    (HERE / "pid").write_text(str(os.getpid()))
    while not (HERE / "released").exists():
        time.sleep(0.02)
    return "echo"
"""

NOTICE = "Interrupted: waiting up to 300s for 2 answers in flight"


def test_the_interrupt_notice_is_shown_despite_output_capture(pytester: pytest.Pytester) -> None:
    root = pytester.path
    callable_project(root, PIPELINE, [f"c{i}" for i in range(4)])
    seen: list[bool] = []

    def interrupt_then_release() -> None:
        try:
            if wait_until(lambda: len(list(root.glob("called-*"))) == 2, timeout=60):
                os.kill(int((root / "pid").read_text()), signal.SIGINT)
                out = root / "stdout"  # where runpytest_subprocess writes the session's output
                seen.append(wait_until(lambda: out.exists() and NOTICE in out.read_text(), 30))
        finally:
            (root / "released").touch()  # the answers come: the drain records them

    helper = threading.Thread(target=interrupt_then_release, daemon=True)
    helper.start()
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-q", "--evalkit-suite", "s", "--evalkit-mode", "live",
        timeout=120,
    )  # fmt: skip
    helper.join(60)
    output = result.stdout.str() + result.stderr.str()
    assert seen == [True], output  # on the terminal while the session was still waiting
    assert NOTICE in result.stdout.str()
    assert result.ret == pytest.ExitCode.INTERRUPTED
