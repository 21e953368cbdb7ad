"""``evalkit compare``: is the candidate run safe to promote over the baseline run?

Prints the terminal summary of each comparison (verdict, gate reasons, what changed, headline
deltas, worst regressions) and optionally writes the comparison as JSON, a Markdown summary
for a pull-request comment, and the HTML report. Exit 1 when any gate fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.cli import EXIT_FAILED, EXIT_OK
from evalkit.errors import InputError
from evalkit.jsonfiles import dumps

if TYPE_CHECKING:
    from evalkit.comparison import Comparison
    from evalkit.config import Gate


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "compare",
        help="compare candidate run(s) with a baseline run and apply promotion gates",
        description="Compare each CANDIDATE_RUN with BASELINE_RUN case by case: per-scorer "
        "deltas with 95% intervals and p-values, regressions, cost and latency, what changed. "
        "Gates come from a suite of the config (--gates-from/--suite); without either, from "
        "the suite the runs record (evalkit run --suite), and stderr says which, or that no "
        "gate applies. "
        "Exit 0 when every gate passes, 1 when one fails, 2 on bad input.",
    )
    p.add_argument("baseline", metavar="BASELINE_RUN", help="the baseline run directory")
    p.add_argument(
        "candidates", nargs="+", metavar="CANDIDATE_RUN", help="candidate run directories"
    )
    p.add_argument(
        "--gates-from",
        metavar="CONFIG",
        help="config file with the suite's gates (default with --suite: found upwards)",
    )
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
    p.add_argument("--json", metavar="OUT", help="write the comparison(s) as JSON")
    p.add_argument("--markdown", metavar="OUT", help="write a Markdown summary (PR comment)")
    p.add_argument("--report", metavar="OUT.html", help="write the HTML report")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (results are deterministic)")
    p.set_defaults(handler=run)


def load_gates(
    config: str | None, suite: str | None, manifests: Sequence[Mapping[str, Any]] = ()
) -> tuple[Gate, ...]:
    """The gates of ``suite`` in ``config`` (or of the config's only suite). Without either
    option, the gates of the suite the runs record (``evalkit run --suite`` writes its name
    and config into each manifest): a comparison of a suite's runs that applied no gate
    printed "verdict: PASS" and exited 0 while the suite's gates failed. Where no gate
    applies, stderr says so."""
    from evalkit.config import load_config

    if config is None and suite is None:
        return _recorded_gates(manifests)
    project = load_config(config)
    if suite is not None:
        return tuple(project.suite(suite).gates)
    if len(project.suites) == 1:
        return tuple(next(iter(project.suites.values())).gates)
    raise InputError(
        f"{project.path} has {len(project.suites)} suites {sorted(project.suites)}; "
        "pick the one whose gates apply with --suite NAME"
    )


def _recorded_gates(manifests: Sequence[Mapping[str, Any]]) -> tuple[Gate, ...]:
    from evalkit.config import load_config

    recorded = {(m.get("config"), m.get("suite")) for m in manifests}
    if len(recorded) == 1:
        ((config, suite),) = recorded
        if isinstance(suite, str) and isinstance(config, str) and Path(config).is_file():
            try:
                project = load_config(config)
            except InputError:
                project = None
            if project is not None and suite in project.suites:
                print(
                    f"gates of suite {suite!r} from {project.path} (recorded in the runs; "
                    "--gates-from/--config and --suite choose others)",
                    file=sys.stderr,
                )
                return tuple(project.suites[suite].gates)
    print(
        "no gates applied: the verdict checks nothing (the runs record no suite of a config "
        "that exists here); pass --suite NAME (and the config) to apply a suite's gates",
        file=sys.stderr,
    )
    return ()


def comparisons_dict(comparisons: Sequence[Comparison]) -> dict[str, Any]:
    """One comparison's ``to_dict``, or for several a wrapper with the overall status."""
    if len(comparisons) == 1:
        return comparisons[0].to_dict()
    from evalkit.comparison import SCHEMA_VERSION

    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "evalkit.comparisons",
        "status": "PASS" if all(c.passed for c in comparisons) else "FAIL",
        "comparisons": [c.to_dict() for c in comparisons],
    }


def run(args: argparse.Namespace) -> int:
    from evalkit.compare import compare
    from evalkit.records import read_run
    from evalkit.summary import markdown_summary, terminal_summary

    # A named config is checked before any run is read (its errors come first, as in `run`).
    named = args.gates_from is not None or args.suite is not None
    gates = load_gates(args.gates_from, args.suite) if named else ()
    baseline = read_run(args.baseline)
    candidates = [read_run(path) for path in args.candidates]
    if not named:
        gates = load_gates(None, None, [c.manifest for c in candidates])
    comparisons = [
        compare(
            baseline,
            cand,
            gates=gates,
            allow_dataset_mismatch=args.allow_dataset_mismatch,
            allow_partial=args.allow_partial,
            seed=args.seed,
        )
        for cand in candidates
    ]
    if args.report:
        _write_report(comparisons, Path(args.report))
    for i, cmp in enumerate(comparisons):
        if i:
            print()
        sys.stdout.write(terminal_summary(cmp, report=args.report))
    if args.json:
        _write_text(Path(args.json), dumps(comparisons_dict(comparisons), indent=1) + "\n")
    if args.markdown:
        parts = [markdown_summary(c, report=args.report) for c in comparisons]
        _write_text(Path(args.markdown), "\n---\n\n".join(parts))
    return EXIT_OK if all(c.passed for c in comparisons) else EXIT_FAILED


def _write_report(comparisons: Sequence[Comparison], path: Path) -> None:
    try:
        from evalkit.report import write_report
    except ImportError as exc:
        raise InputError(
            f"compare: --report {path}: the HTML report is not available in this install "
            f"({exc}); drop --report or install evalkit with its report package"
        ) from exc
    write_report(list(comparisons), path)


def _write_text(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"compare: cannot write {path} ({exc.strerror}); check the path") from exc
