"""``evalkit demo``: the offline demo comparison behind the README's first command.

Runs every suite of the repository's ``evalkit.toml`` whose candidates are all replays of
recorded outputs (no API key, no network), compares each candidate with its baseline, applies
the promotion gates, prints the summaries and writes ``reports/demo.html``. The demo's
candidates contain real regressions, so a FAIL verdict is the expected result; the command
exits 0 when the demo ran (use ``evalkit check`` for an exit code that follows the verdict).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from evalkit.cli import EXIT_OK
from evalkit.cli.check import add_common, check


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="run the offline demo comparison (recorded outputs, no API key)",
        description="Run the offline demo suites (replayed outputs of real models), compare "
        "baseline with candidate, apply the gates and write reports/demo.html.",
    )
    add_common(p)
    p.set_defaults(handler=run, cache_mode="off")


def offline_suites(config: str | None) -> list[str]:
    """Suites whose every candidate replays recorded outputs."""
    from evalkit.config import load_config

    project = load_config(config)
    return [
        name
        for name, suite in project.suites.items()
        if all(project.candidate(c).provider == "replay" for c in suite.candidates)
    ]


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    suites = offline_suites(args.config)
    _, report = check(args, suites, title="demo")
    print(
        f"demo finished in {time.perf_counter() - started:.1f} s; open {report} in a browser "
        "to review the comparison (exit code 0: the demo ran; the verdict is the demo's result)"
    )
    return EXIT_OK
