"""The HTML regression report: one self-contained file per comparison (or several).

:func:`write_report` is the whole public surface. The data side (:mod:`.viewmodel`,
:mod:`.metrics`, :mod:`.cases`) turns comparisons into the page's JSON; the rendering side
(:mod:`.html`, :mod:`.charts`, ``templates/``) turns that into HTML. The file fetches
nothing, so it can be attached to a CI run, mailed, or opened from disk years later.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.compare import Comparison

__all__ = ["render_report", "write_report"]


def render_report(
    comparisons: Comparison | Sequence[Comparison], *, title: str | None = None
) -> str:
    """The report's HTML as a string (see :func:`write_report`)."""
    from evalkit.report.html import render_html
    from evalkit.report.viewmodel import build_view

    return render_html(build_view(comparisons, title=title))


def write_report(
    comparisons: Comparison | Sequence[Comparison],
    path: str | Path,
    *,
    title: str | None = None,
) -> Path:
    """Write the HTML report for one comparison, or one tab per comparison, to ``path``.

    The parent folder is created; the file is replaced atomically so a browser or CI artifact
    upload never sees half a report. Returns the path written.
    """
    from evalkit.records import write_text_atomic

    out = Path(path)
    write_text_atomic(out, render_report(comparisons, title=title))
    return out
