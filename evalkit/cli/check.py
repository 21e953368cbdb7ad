"""``evalkit check``: run suites, compare each candidate with its baseline, gate, report.

The one command a CI job needs besides pytest: exit 0 when every gate passes, 1 when one
fails, 2 on bad input. ``--baseline-run`` compares with a stored run (what is in production)
instead of running the suite's baseline candidate again.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from evalkit.cli import EXIT_FAILED, EXIT_OK


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="run suites, compare with the baseline, apply gates, write the report",
        description="Run each suite's candidates, compare each with the suite's baseline "
        "(or a stored baseline run), apply the suite's gates, print a summary and write the "
        "HTML report. Exit 0 when every gate passes, 1 when one fails, 2 on bad input.",
    )
    add_common(p)
    p.add_argument("--suite", action="append", help="suite to check (repeatable; default: all)")
    p.add_argument("--candidate", action="append", help="only these candidates (repeatable)")
    p.add_argument("--baseline-run", metavar="RUN_DIR", help="compare with this stored run")
    p.set_defaults(handler=run)


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config", help="config file (default: evalkit.toml or pyproject.toml, upwards)"
    )
    p.add_argument("--report", metavar="OUT.html", help="HTML report path (default: reports_dir)")
    p.add_argument("--markdown", metavar="OUT.md", help="also write a Markdown summary")
    p.add_argument("--json", metavar="OUT.json", help="also write verdicts and comparisons as JSON")
    p.add_argument("--out", metavar="DIR", help="folder for the run directories")
    p.add_argument("--cache-mode", choices=("use", "refresh", "off", "require"))
    p.add_argument("--concurrency", type=int)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)


def check(args: argparse.Namespace, suites: list[str] | None, *, title: str) -> tuple[int, Path]:
    """Evaluate suites, print summaries, write the report; (exit code, report path)."""
    from evalkit.api import as_mapping, evaluate
    from evalkit.config import load_config
    from evalkit.engine import RunOptions
    from evalkit.report import write_report
    from evalkit.summary import markdown_summary, terminal_summary

    project = load_config(args.config)
    names = suites or list(project.suites)
    report = Path(args.report) if args.report else project.reports_dir / f"{title}.html"
    results = []
    for name in names:
        out = Path(args.out) / name if args.out else None
        options = RunOptions(
            out_dir=out,
            cache_mode=args.cache_mode,
            concurrency=args.concurrency,
            progress="auto" if args.progress is None else args.progress,
        )
        results.append(
            evaluate(
                name,
                config=project,
                candidates=getattr(args, "candidate", None),
                baseline_run=getattr(args, "baseline_run", None),
                options=options,
            )
        )
    comparisons = [c for r in results for c in r.comparisons]
    if comparisons:
        write_report(comparisons, report, title=f"evalkit: {title}")
    for r in results:
        for c in r.comparisons:
            print(terminal_summary(c, report=str(report)))
            print()
        for cand, verdict in r.thresholds.items():
            for g in verdict.results:
                print(f"[{r.suite}] {cand}: {g.status.upper()} {g.reason}")
    if args.markdown:
        text = "\n\n".join(markdown_summary(c, report=str(report)) for c in comparisons)
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    if args.json:
        data = {
            "status": "PASS" if all(r.passed for r in results) else "FAIL",
            "suites": [as_mapping(r) for r in results],
        }
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    passed = all(r.passed for r in results)
    print(f"verdict: {'PASS' if passed else 'FAIL'} over suites {', '.join(names)}")
    if comparisons:
        print(f"report: {report.resolve()}")
    return (EXIT_OK if passed else EXIT_FAILED), report


def run(args: argparse.Namespace) -> int:
    code, _ = check(args, args.suite, title="check")
    return code
