"""``evalkit report``: compare baseline and candidate runs and write the HTML report.

Runs come in pairs, ``BASELINE CANDIDATE [BASELINE CANDIDATE ...]``; each pair becomes one tab
of the same file (the demo compares three eval sets at once), with an overall verdict on top.
Exit code 1 when any comparison's gates fail, like ``evalkit compare``, so the report step can
be the gate step of a CI job too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.cli import EXIT_FAILED, EXIT_OK
from evalkit.cli.compare import load_gates
from evalkit.errors import InputError

if TYPE_CHECKING:
    pass


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="write the HTML regression report of baseline vs candidate run(s)",
        description="Compare each BASELINE_RUN with the CANDIDATE_RUN after it and write one "
        "self-contained HTML file (one tab per pair). Gates come from a suite of the config "
        "(--config/--suite); without either, from the suite the runs record (evalkit run "
        "--suite), and stderr says which, or that no gate applies. "
        "Exit 1 when a gate fails.",
    )
    p.add_argument(
        "runs",
        nargs="+",
        metavar="RUN",
        help="run directories in pairs: BASELINE_RUN CANDIDATE_RUN [BASELINE_RUN CANDIDATE_RUN ...]",
    )
    p.add_argument("--out", required=True, help="HTML file to write (e.g. reports/pr-123.html)")
    p.add_argument("--title", help="page title (default: the first pair's candidate names)")
    p.add_argument("--config", help="config file with the gates (default: found upwards)")
    p.add_argument("--suite", help="suite whose gates apply (needed when the config has several)")
    p.add_argument(
        "--allow-dataset-mismatch",
        action="store_true",
        help="compare runs of different eval set versions on their shared case ids",
    )
    p.add_argument(
        "--allow-partial",
        action="store_true",
        help="accept a run that stopped before answering every case (provider quota, cost cap, "
        "an interrupt): gates judge the cases answered; without it such a run fails the verdict",
    )
    p.set_defaults(handler=run)


def _pairs(runs: Sequence[str]) -> list[tuple[Path, Path]]:
    if len(runs) % 2:
        raise InputError(
            f"report: {len(runs)} run directories given; pass them in pairs "
            "(BASELINE_RUN CANDIDATE_RUN, repeated for more comparisons)"
        )
    return [(Path(runs[i]), Path(runs[i + 1])) for i in range(0, len(runs), 2)]


def run(args: argparse.Namespace) -> int:
    from evalkit.compare import compare
    from evalkit.records import read_run
    from evalkit.report import write_report

    pairs = _pairs(args.runs)
    named = args.config is not None or args.suite is not None
    gates = load_gates(args.config, args.suite) if named else ()
    loaded = [(read_run(b), read_run(c)) for b, c in pairs]
    if not named:
        gates = load_gates(None, None, [c.manifest for _, c in loaded])
    comparisons = [
        compare(
            b,
            c,
            gates=gates,
            allow_dataset_mismatch=args.allow_dataset_mismatch,
            allow_partial=args.allow_partial,
        )
        for b, c in loaded
    ]
    path = write_report(comparisons, args.out, title=args.title)
    failed = [c for c in comparisons if not c.passed]
    verdict = "FAIL" if failed else "PASS"
    print(f"{verdict}: report written to {path} ({path.stat().st_size / 1e6:.1f} MB)")
    for c in failed:
        for g in c.verdict.failures:
            print(f"  FAIL {c.candidate.candidate} [{g.gate}]: {g.reason}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK
