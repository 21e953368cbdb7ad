"""The end of a pytest session with evalkit: the HTML report, the ``evalkit`` summary section.

Split from :mod:`evalkit.pytest_plugin`, whose hooks call these functions. Like the plugin it
imports only pytest and the standard library at module level (it loads in every pytest run).
Under pytest-xdist each worker sends what it ran to the controller (``workeroutput``), which
writes the report and the summary for the whole session.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from evalkit.pytest_runner import Settings, SuiteRunner

__all__ = ["finish", "keep_worker", "summarize"]

_FROM_WORKERS = pytest.StashKey[list[dict[str, Any]]]()
_REPORT_NOTE = pytest.StashKey[str]()


def finish(config: pytest.Config, runner: SuiteRunner | None, settings: Settings) -> None:
    """``pytest_sessionfinish``: a worker sends what it ran; the controller (or a session
    without xdist) writes the report, or notes why it did not."""
    workeroutput = getattr(config, "workeroutput", None)  # pytest-xdist worker
    if workeroutput is not None:
        if runner is not None:
            workeroutput["evalkit"] = json.dumps(
                {
                    "comparisons": [c.to_dict() for c in runner.comparisons()],
                    "spent": runner.spent,
                    "notes": runner.notes,
                    "evaluated": runner.evaluated,
                }
            )
        return
    report = settings.report
    if report is None:
        return
    from evalkit.comparison import Comparison

    comparisons = list(runner.comparisons()) if runner is not None else []
    for part in config.stash.get(_FROM_WORKERS, []):
        comparisons += [Comparison.from_dict(d) for d in part["comparisons"]]
    unique = {
        (c.baseline.candidate, c.candidate.candidate, c.candidate.dataset_version): c
        for c in comparisons
    }
    if unique:
        from evalkit.report import write_report

        write_report(list(unique.values()), report, title="evalkit: pytest")
    elif runner is not None or config.stash.get(_FROM_WORKERS, []):
        why = (
            "no suite compared two runs" if _evaluated(config, runner) else "nothing was evaluated"
        )
        config.stash[_REPORT_NOTE] = f"report: not written to {report}: {why} this session"


def _evaluated(config: pytest.Config, runner: SuiteRunner | None) -> bool:
    """Whether this process or an xdist worker evaluated anything (a collection error, or
    ``--collect-only``, leaves the runner created but unused)."""
    parts = config.stash.get(_FROM_WORKERS, [])
    return (runner is not None and runner.evaluated) or any(p.get("evaluated", True) for p in parts)


def keep_worker(node: Any) -> None:
    """``pytest_testnodedown`` (xdist controller): keep what a finished worker ran."""
    raw = getattr(node, "workeroutput", {}).get("evalkit")
    if raw:
        node.config.stash.setdefault(_FROM_WORKERS, []).append(json.loads(raw))


def summarize(
    terminalreporter: Any, config: pytest.Config, runner: SuiteRunner | None, settings: Settings
) -> None:
    """``pytest_terminal_summary``: the ``evalkit`` section (spend, notes, report)."""
    parts = config.stash.get(_FROM_WORKERS, [])
    if runner is None and not parts:
        return
    if not _evaluated(config, runner):  # a spend of $0 would read as if the suites had run
        if _REPORT_NOTE in config.stash:  # the one thing to say: where the report is not
            terminalreporter.section("evalkit")
            terminalreporter.write_line(config.stash[_REPORT_NOTE])
        return
    spent = (runner.spent if runner else 0.0) + sum(p["spent"] for p in parts)
    notes = list(runner.notes if runner else []) + [n for p in parts for n in p["notes"]]
    notes = list(dict.fromkeys(notes))  # each xdist worker that ran a suite says the same
    from evalkit.terminal_text import inert

    def write(line: str) -> None:
        terminalreporter.write_line(inert(line))

    terminalreporter.section("evalkit")
    cap = settings.max_cost_usd
    write(
        f"mode {settings.mode}; provider spend ${spent:.4f}"
        + (f" of cap ${cap:g}" if cap is not None else "")
    )
    for note in notes:
        write(note)
    if _REPORT_NOTE in config.stash:
        write(config.stash[_REPORT_NOTE])
    elif settings.report and Path(settings.report).is_file():
        write(f"report: {Path(settings.report).resolve()}")
