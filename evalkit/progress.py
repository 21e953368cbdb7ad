"""Progress display: cases done of total, errors, tokens, cost so far and rate.

Three sinks, chosen once: a one-line bar on stderr when stderr is a terminal; an HTML line
updated in place under Jupyter (through ``IPython.display``, no ipywidgets); nothing when the
output is a pipe or a file (CI logs stay clean), unless forced with ``progress="on"``, which
then prints a plain line every few seconds. Redraws are throttled so that a run of 100,000
cached cases spends its time on cases, not on the terminal. Nothing is sent anywhere.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any, Literal

__all__ = ["Progress", "ProgressMode", "make_progress"]

ProgressMode = Literal["auto", "on", "off"]


class Progress:
    """Counts and a sink. ``update`` is cheap; drawing happens at most every ``interval_s``."""

    def __init__(self, total: int, *, label: str = "", interval_s: float = 0.1) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self.errors = 0
        self.cached = 0
        self.tokens = 0
        self.cost = 0.0
        self.interval_s = interval_s
        self._start = time.monotonic()
        self._next_draw = 0.0
        self._skipped = 0

    def skip(self, already_done: int) -> None:
        """Count records kept from an earlier (resumed) run as done, outside the rate."""
        self._skipped += already_done
        self.done += already_done

    def update(self, *, error: bool, cached: bool, tokens: int, cost: float | None) -> None:
        self.done += 1
        self.errors += error
        self.cached += cached
        self.tokens += tokens
        if cost:
            self.cost += cost
        now = time.monotonic()
        if now >= self._next_draw:
            self._next_draw = now + self.interval_s
            self.draw()

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        rate = (self.done - self._skipped) / elapsed
        pct = 100.0 * self.done / self.total if self.total else 100.0
        label = f"{self.label} " if self.label else ""
        return (
            f"{label}{self.done}/{self.total} ({pct:.0f}%) | errors {self.errors} | "
            f"cached {self.cached} | tokens {self.tokens:,} | ${self.cost:.4f} | "
            f"{rate:.1f} cases/s | {elapsed:.0f}s"
        )

    def draw(self) -> None:
        """Show the current line (subclasses decide where)."""

    def close(self) -> None:
        self.draw()


class TerminalProgress(Progress):
    """A bar rewritten in place with ``\\r`` on a terminal."""

    def __init__(self, total: int, *, stream: IO[str], label: str = "") -> None:
        super().__init__(total, label=label)
        self.stream = stream

    def draw(self) -> None:
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {self.line()}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        self.draw()
        self.stream.write("\n")
        self.stream.flush()


class LineProgress(Progress):
    """Forced progress on a non-terminal: a plain line every few seconds, and a last one."""

    def __init__(self, total: int, *, stream: IO[str], label: str = "") -> None:
        super().__init__(total, label=label, interval_s=5.0)
        self.stream = stream

    def draw(self) -> None:
        self.stream.write(self.line() + "\n")
        self.stream.flush()


class NotebookProgress(Progress):
    """An HTML line in a Jupyter cell output, updated in place by display id."""

    def __init__(self, total: int, *, label: str = "") -> None:
        super().__init__(total, label=label, interval_s=0.5)
        from IPython.display import HTML, display

        self._html = HTML
        self._handle: Any = display(HTML(self._render()), display_id=True)

    def _render(self) -> str:
        import html

        pct = 100.0 * self.done / self.total if self.total else 100.0
        return (
            f'<div style="font-family:monospace"><progress value="{self.done}" '
            f'max="{max(self.total, 1)}" style="width:14em"></progress> '
            f"{pct:.0f}% {html.escape(self.line())}</div>"
        )

    def draw(self) -> None:
        if getattr(self, "_handle", None) is not None:
            self._handle.update(self._html(self._render()))


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return shell is not None and hasattr(shell, "kernel")


def make_progress(
    mode: ProgressMode | bool | None, total: int, *, label: str = "", stream: IO[str] | None = None
) -> Progress:
    """The right sink for ``mode``: ``auto`` shows a bar only on a terminal or in Jupyter."""
    if mode is True:
        mode = "on"
    elif mode is False or mode is None:
        mode = "off" if mode is False else "auto"
    out = stream if stream is not None else sys.stderr
    if mode == "off":
        return Progress(total, label=label)
    if _in_notebook():
        try:
            return NotebookProgress(total, label=label)
        except Exception:  # an IPython too old or too odd: fall back to the terminal rules
            pass
    isatty = getattr(out, "isatty", lambda: False)()
    if isatty:
        return TerminalProgress(total, stream=out, label=label)
    if mode == "on":
        return LineProgress(total, stream=out, label=label)
    return Progress(total, label=label)
