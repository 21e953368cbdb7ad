"""Lines the pytest plugin must show at once, past pytest's output capture.

Ctrl-C during a suite first waits for the answers in flight and says so ("Interrupted:
waiting up to 60s for 6 answers in flight ... Press Ctrl-C again to stop now",
:mod:`evalkit.engine_drain`). Written to stderr while pytest captured it, the line was held
until the session ended: the user saw nothing happen for up to a minute and pressed Ctrl-C
again, which dropped the answers the first one was waiting for (QA15 F7). Here the drain's
notices go through pytest's terminal reporter with capture suspended, as pytest's own live
logging writes.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import pytest

__all__ = ["notices_off", "notices_on"]

_TOKEN = pytest.StashKey[Any]()


def notices_on(config: pytest.Config) -> None:
    """Route the interrupt notices of the runs this session starts to :func:`show`."""
    from evalkit.engine_drain import notices_to

    config.stash[_TOKEN] = notices_to(lambda text: show(config, text))


def notices_off(config: pytest.Config) -> None:
    """Undo :func:`notices_on` at the end of the session."""
    token = config.stash.get(_TOKEN, None)
    if token is not None:
        with contextlib.suppress(ValueError):  # set in another context: it ended with it
            token.var.reset(token)


def show(config: pytest.Config, text: str) -> None:
    """Write ``text`` on its own line where the user sees it now."""
    capman = config.pluginmanager.getplugin("capturemanager")
    reporter = config.pluginmanager.getplugin("terminalreporter")
    with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
        if reporter is None:  # an xdist worker: no terminal of its own
            print(f"\n{text}", file=sys.stderr, flush=True)
        else:
            reporter.write_line(text)
            reporter.flush()
