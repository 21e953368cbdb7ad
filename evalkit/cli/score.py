"""``evalkit score``: score a finished run's stored answers again into a new run folder.

The candidates' provider is never called. An LLM judge follows the source run's cache mode,
as it did in the run: re-scoring a replay run (``require``) asks no judge's provider either (a
verdict not recorded is a scorer error on its case), unless ``--cache-mode use`` lets the
judges whose cache is ``use`` ask for it (QA15 F4). Exit 0 when the new run is written;
2 on bad input (a run folder that cannot be re-scored, an eval set whose version changed, an
unknown scorer, a scorer needing a case field the eval set lacks, an existing --out); 3, after
writing everything, when a scorer could score none of the answered cases it applied to (a
judge whose every call failed: a re-score that evaluated nothing must not pass as one that
worked), with the same message as ``evalkit run`` (:mod:`evalkit.cli._error_rate`). The
source's provider errors are not judged again: they were when it ran, and re-scoring cannot
change them.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from evalkit.cli import EXIT_ERRORS, EXIT_OK
from evalkit.errors import InputError

if TYPE_CHECKING:
    from evalkit.records import Run


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "score",
        help="score a finished run again (changed thresholds, new scorers) without the provider",
        description="Score the stored answers of RUN_DIR again into the new run folder --out, "
        "without calling the candidates' provider: after changing a scorer's threshold or "
        "arguments, "
        "upgrading evalkit or adding a scorer, re-score the baseline and the candidate and "
        "compare again. Scorers: by default the run's (from its config's suite when the "
        "manifest records both, else the manifest's names and arguments); --config/--suite "
        "take a suite's; --scorer replaces them. RUN_DIR may hold one run per candidate: each "
        "is re-scored into the same sub-folder of --out. The source run is never modified. "
        "An LLM judge follows the run's cache mode, as in the run: a replay run (cache mode "
        "require) is re-scored offline, a verdict not recorded being a scorer error on its "
        "case; --cache-mode use lets a judge ask its provider for it. "
        "Exit 3 (after writing everything) when a scorer could score none of the answered "
        "cases it applied to.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run folder ('evalkit run' --out)")
    p.add_argument("--out", required=True, metavar="NEW_DIR", help="the new run folder")
    p.add_argument("--config", help="take the scorers from this config's suite")
    p.add_argument("--suite", help="the suite whose scorers to use (default: the run's)")
    p.add_argument(
        "--scorer",
        action="append",
        default=[],
        metavar="NAME",
        help="scorer name or module:attr reference (repeatable); replaces the run's scorers",
    )
    p.add_argument(
        "--dataset",
        metavar="FILE",
        help="the run's eval set, when it moved (it must be the same version)",
    )
    from evalkit.config import CACHE_MODES

    p.add_argument(
        "--cache-mode",
        choices=CACHE_MODES,
        help="the cache mode the answers are scored as, for LLM judges (default: the run's; "
        "require: no judge whose cache is 'use' calls its provider)",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force the progress display on or off (default: only on a terminal)",
    )
    from evalkit.cli.run import add_scorer_processes_option

    add_scorer_processes_option(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from evalkit.cli.run import scorer_processes_of
    from evalkit.rescoring import rescore_all
    from evalkit.scoring import build_scorer

    if args.scorer and args.suite:
        raise InputError(
            "evalkit score: --scorer and --suite both name the scorers; give one of them"
        )
    scorers = [build_scorer(s, where=f"--scorer {s}") for s in args.scorer] or None
    project = None
    if args.config:
        from evalkit.config import load_config

        project = load_config(args.config)
    runs = rescore_all(
        args.run_dir,
        args.out,
        scorers,
        project=project,
        suite=args.suite,
        eval_set=args.dataset,
        scorer_processes=scorer_processes_of(args),
        progress="auto" if args.progress is None else args.progress,
        cache_mode=args.cache_mode,
    )
    for run in runs:
        print_score_summary(run)
    from evalkit.cli._error_rate import print_errors, scored_nothing

    failed = scored_nothing(runs, "evalkit score")
    print_errors(failed)
    return EXIT_ERRORS if failed else EXIT_OK


def print_score_summary(run: Run) -> None:
    """What was re-scored, then each scorer's figures as ``evalkit run`` prints them."""
    from evalkit.cli.run import scorer_lines

    m = run.manifest
    c = m.get("counts", {})
    src = m.get("rescored_from") or {}
    errors = c.get("errors", 0)
    lines = [
        f"run {m.get('run_id')} [{m.get('candidate', {}).get('name')}]: {m.get('status')}, "
        f"re-scored from run {src.get('run_id')} ({src.get('path')})",
        f"  records {len(run.records)}"
        + (f", {errors} with a provider error (kept unscored)" if errors else ""),
    ]
    if m.get("selection"):
        from evalkit.dataset import Selection

        lines.append(
            f"  selection: {Selection.from_dict(m['selection']).describe()}; a partial run"
        )
    lines += _unfinished(run)
    lines += [*scorer_lines(run), f"  run dir: {run.path}"]
    print("\n".join(lines))
    sys.stdout.flush()


def _unfinished(run: Run) -> list[str]:
    """What an unfinished source left undone, and the command that finishes the new run (a
    re-scored run resumes in its own folder, its new records scored by the same scorers)."""
    m = run.manifest
    status = m.get("status")
    if status not in ("incomplete", "interrupted"):
        return []
    not_run = (m.get("counts") or {}).get("not_run", 0)
    not_retried = (m.get("retry_errors") or {}).get("not_retried", 0)
    left = [f"{not_run} case repeat(s) never run"] if not_run else []
    left += [f"{not_retried} errored case repeat(s) not retried"] if not_retried else []
    # incomplete by a --max-cost budget: the copied budget would stop the resumed run at the
    # same spend (a provider's stop needs no flag, only time for the limit to reset)
    by_budget = (m.get("stopped") or {}).get("by", "budget") == "budget"
    flag = (" --retry-errors" if not_retried else "") + (
        " --max-cost USD" if status == "incomplete" and by_budget else ""
    )
    return [
        f"  the source run is {status} ({'; '.join(left) or 'case repeats missing'}); finish "
        f"this one with: evalkit run --resume {run.path}{flag}"
    ]
