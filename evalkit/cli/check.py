"""``evalkit check``: run suites, compare each candidate with its baseline, gate, report.

The one command a CI job needs besides pytest: exit 0 when every gate passes, 1 when one
fails, 2 on bad input, 3 when every record of a candidate that ran was a provider error (or
more than ``--max-error-rate``): the verdict then judged nothing, whatever the gates say. ``--baseline-run`` compares with a stored run (what is in production)
instead of running the suite's baseline candidate again. ``--case/--tag/--limit`` check a
selection of the eval set only with ``--allow-partial``, and the verdict then says so.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.cli import EXIT_ERRORS, EXIT_FAILED, EXIT_OK
from evalkit.errors import InputError

if TYPE_CHECKING:
    from evalkit.api import SuiteResult
    from evalkit.config import Project
    from evalkit.dataset import Selection
    from evalkit.records import Run


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="run suites, compare with the baseline, apply gates, write the report",
        description="Run each suite's candidates, compare each with the suite's baseline "
        "(or a stored baseline run), apply the suite's gates, print a summary and write the "
        "HTML report. Exit 0 when every gate passes, 1 when one fails, 2 on bad input, 3 when "
        "every call of a candidate failed (or more than --max-error-rate of them).",
    )
    add_common(p)
    p.add_argument("--suite", action="append", help="suite to check (repeatable; default: all)")
    p.add_argument("--candidate", action="append", help="only these candidates (repeatable)")
    p.add_argument("--baseline-run", metavar="RUN_DIR", help="compare with this stored run")
    from evalkit.cli.run import add_selection

    add_selection(p)
    p.add_argument(
        "--allow-partial",
        action="store_true",
        help="allow --case/--tag/--limit, and runs that stopped early (provider quota, "
        "max_cost_usd, an interrupt): gates then judge the cases answered only, and the verdict "
        "says so",
    )
    from evalkit.cli._error_rate import add_error_rate_option
    from evalkit.cli.run import add_scorer_processes_option

    add_scorer_processes_option(p)
    add_error_rate_option(p)
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
    from evalkit.cli._error_rate import error_rate_of, print_errors
    from evalkit.cli.run import scorer_processes_of
    from evalkit.config import load_config
    from evalkit.engine import RunOptions
    from evalkit.report import write_report
    from evalkit.summary import markdown_summary, terminal_summary

    select = _selection(args)
    processes = scorer_processes_of(args)  # evalkit demo has no such flag: None
    # evalkit demo shares check() without the flag, and exits 0 whenever the demo ran
    gate_errors = hasattr(args, "max_error_rate")
    max_error_rate = error_rate_of(args)
    _check_stored_baseline(args)
    project = load_config(args.config)
    names = suites or list(project.suites)
    from evalkit.cli._validate_gates import warn_gate_tags

    warn_gate_tags(project, names)
    from evalkit.cli._keys import warn_missing_keys

    wanted = getattr(args, "candidate", None)
    used = {
        c for n in names for c in (project.suite(n).baseline_name, *project.suite(n).candidates)
    }
    chosen = [c for c in sorted(used) if c in project.candidates and (not wanted or c in wanted)]
    warn_missing_keys((project.candidates[c] for c in chosen), args.cache_mode)
    baseline_run = _stored_baseline(args, project, names)
    report = Path(args.report) if args.report else project.reports_dir / f"{title}.html"
    results = []
    for name in names:
        out = Path(args.out) / name if args.out else None
        options = RunOptions(
            out_dir=out,
            cache_mode=args.cache_mode,
            concurrency=args.concurrency,
            progress="auto" if args.progress is None else args.progress,
            select=select,
            scorer_processes=processes,
        )
        results.append(
            evaluate(
                name,
                config=project,
                candidates=getattr(args, "candidate", None),
                baseline_run=baseline_run,
                options=options,
                allow_partial=bool(getattr(args, "allow_partial", False)),
            )
        )
    failed: list[str] = []
    if gate_errors:
        failed, results = _error_limit(results, max_error_rate)
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
        _budget_notes(r)
    if args.markdown:
        text = "\n\n".join(markdown_summary(c, report=str(report)) for c in comparisons)
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    if args.json:
        data = {
            "status": "PASS" if all(r.passed for r in results) else "FAIL",
            "partial": any(r.partial for r in results),
            "suites": [as_mapping(r) for r in results],
        }
        from evalkit.jsonfiles import dumps  # never NaN: a run from before details were JSON

        Path(args.json).write_text(dumps(data, indent=2) + "\n", encoding="utf-8")
    passed = all(r.passed for r in results)
    partial = [f"[{r.suite}] {_coverage(r)}" for r in results if r.partial]
    print(
        f"verdict: {'PASS' if passed else 'FAIL'} over suites {', '.join(names)}"
        + (
            f" (partial: {'; '.join(partial)}; not a verdict on the whole eval set)"
            if partial
            else ""
        )
    )
    if comparisons:
        print(f"report: {report.resolve()}")
    if failed:
        print_errors(failed)
        return EXIT_ERRORS, report
    return (EXIT_OK if passed else EXIT_FAILED), report


def _budget_notes(result: SuiteResult) -> None:
    """A run the suite's ``max_cost_usd`` stopped, and what it spent: without this a budget
    stop was invisible in ``check`` (the run summaries that say it are ``evalkit run``'s)."""
    from evalkit.cli._run_summary import _finish_hint, budget_lines

    for name, run in result.runs.items():
        lines = budget_lines(run.manifest)
        if run.manifest.get("stopped"):
            lines.append(f"  stopped: {_finish_hint(run)}")
        if lines:
            print(f"[{result.suite}] {name}:\n" + "\n".join(lines))


def _error_limit(
    results: list[SuiteResult], max_rate: float | None
) -> tuple[list[str], list[SuiteResult]]:
    """The messages of the runs that make the command exit 3 (too many provider errors, a
    scorer that scored nothing), and the results with a failed ``max_error_rate`` result in
    the verdict of every comparison of such a run (else in its own thresholds), so that no
    summary, report or verdict line says PASS for a command that exits 3."""
    from dataclasses import replace

    from evalkit.cli._error_rate import too_many_errors
    from evalkit.comparison import Verdict
    from evalkit.gates import error_limit

    messages: list[str] = []
    out = []
    for r in results:
        comparisons, thresholds = list(r.comparisons), dict(r.thresholds)
        # a stored --baseline-run is not in r.runs: only what this command ran is judged
        for name, run in r.runs.items():
            said = too_many_errors([run], max_rate, "evalkit check")
            if not said:
                continue
            messages += said
            # its first lines (what, commonest error); stderr has the whole message
            why = "; ".join(
                "; ".join(x.strip() for x in m.removeprefix("evalkit check: ").splitlines()[:2])
                for m in said
            )
            fail = error_limit(f"{why}; exit 3 (stderr says what to do)", max_rate)
            mine = [str(run.path) in (c.baseline.path, c.candidate.path) for c in comparisons]
            for i, c in enumerate(comparisons):
                # "nothing was evaluated" (rule answered) says it already
                if mine[i] and not any(x.rule == "answered" for x in c.verdict.failures):
                    verdict = Verdict((*c.verdict.results, fail))
                    comparisons[i] = replace(c, verdict=verdict)
            if not any(mine):
                thresholds[name] = Verdict((*thresholds.get(name, Verdict(())).results, fail))
        out.append(replace(r, comparisons=tuple(comparisons), thresholds=thresholds))
    return messages, out


def _selection(args: argparse.Namespace) -> Selection | None:
    """``--case/--tag/--limit``, refused without ``--allow-partial`` before anything runs:
    ``check`` is what CI gates on, and a selection left in a CI script would keep passing on
    a few cases while the rest of the eval set goes unchecked."""
    if not hasattr(args, "case"):  # evalkit demo shares check() without these flags
        return None
    from evalkit.cli.run import selection_of

    select = selection_of(args)
    if select is not None and not args.allow_partial:
        raise InputError(
            f"evalkit check: {select.flags()} selects part of the eval set, and gates would "
            "then judge those cases only; add --allow-partial to check a selection (the "
            "verdict says it is partial), or drop the selection to check the whole eval set"
        )
    return select


def _check_stored_baseline(args: argparse.Namespace) -> None:
    """A stored ``--baseline-run`` that ran a selection makes every comparison partial just
    as ``--case/--tag/--limit`` do, so it needs ``--allow-partial`` too: a baseline run with
    ``--limit 10`` kept as CI's baseline would otherwise pass CI on ten cases for good."""
    folder = getattr(args, "baseline_run", None)
    if not folder or getattr(args, "allow_partial", False):
        return
    from evalkit.comparison_meta import UNFINISHED
    from evalkit.dataset import Selection
    from evalkit.records import MANIFEST

    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        raw, status = manifest.get("selection"), manifest.get("status")
    except (OSError, ValueError, AttributeError):
        return  # reading the run reports what is wrong with it
    if status in UNFINISHED:  # known now: refused before paying for the candidates (QA13 F4)
        raise InputError(
            f"evalkit check: --baseline-run {folder} is unfinished (status {status}), so gates "
            f"would judge the cases it answered only; finish it with evalkit run --resume "
            f"{folder}, or add --allow-partial to check against it (the verdict says it is "
            "partial)"
        )
    if raw:
        raise InputError(
            f"evalkit check: --baseline-run {folder} selected {Selection.from_dict(raw).describe()}"
            ", so gates would judge those cases only; add --allow-partial to check against it "
            "(the verdict says it is partial), or give a baseline run of the whole eval set"
        )


def _stored_baseline(args: argparse.Namespace, project: Project, names: list[str]) -> Run | None:
    """The stored ``--baseline-run``, read once and matched against every suite's eval set
    before any suite runs: with several suites, the second one's mismatch would otherwise be
    found after the first suite had been paid for."""
    folder = getattr(args, "baseline_run", None)
    if not folder:
        return None
    from evalkit.api import refuse_other_eval_set
    from evalkit.records import read_run

    stored = read_run(folder)
    for name in names:
        refuse_other_eval_set(project, name, stored)
    return stored


def _coverage(result: SuiteResult) -> str:
    """What part of the eval set a suite's verdict covers."""
    told = [c.dataset.coverage() for c in result.comparisons if c.dataset.partial]
    if told:
        return "; ".join(dict.fromkeys(told))
    from evalkit.dataset import Selection

    sels = [r.manifest.get("selection") for r in result.runs.values()]
    return "; ".join(dict.fromkeys(Selection.from_dict(s).describe() for s in sels if s))


def run(args: argparse.Namespace) -> int:
    code, _ = check(args, args.suite, title="check")
    return code
