"""``evalkit run``: run a suite from the config, an eval set ad hoc, or resume a run.

Per-case provider errors are data in the run (counted in the summary, kept for
``--retry-errors``); exit 0 unless every record of a candidate is one (or more than
``--max-error-rate`` of them), which exits 3 after everything is written: such a run evaluated
nothing. Exit 2 means the input was wrong (config, eval set, template, unknown provider or
scorer, a run directory that cannot be resumed) and nothing was paid for.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.cli import EXIT_ERRORS, EXIT_OK
from evalkit.cli._error_rate import (
    add_error_rate_option,
    error_rate_of,
    print_errors,
    too_many_errors,
)
from evalkit.cli._run_summary import (  # noqa: F401 - imported from here by score, tests
    _finish_hint,
    _stored_records,
    budget_lines,
    error_lines,
    print_summary,
    retry_lines,
    scorer_lines,
)
from evalkit.config import CACHE_MODES
from evalkit.errors import InputError

if TYPE_CHECKING:
    from evalkit.config import Project
    from evalkit.dataset import Selection
    from evalkit.engine import RunOptions
    from evalkit.records import Run


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "run",
        help="run a suite or an eval set against candidates and score the answers",
        description="Run a suite from the config (--suite), an eval set ad hoc (DATASET "
        "--provider --model), or finish an interrupted run (--resume RUN_DIR; add "
        "--retry-errors to run its failed cases again).",
    )
    p.add_argument("dataset", nargs="?", metavar="DATASET", help="eval set for an ad hoc run")
    g = p.add_argument_group("from the config")
    g.add_argument("--config", help="evalkit.toml or pyproject.toml (default: found upwards)")
    g.add_argument("--suite", help="suite to run (default: the only suite)")
    g.add_argument("--candidate", action="append", help="run only this candidate (repeatable)")
    a = p.add_argument_group("ad hoc")
    a.add_argument("--provider", help="provider name (openai, anthropic, callable, replay, ...)")
    a.add_argument("--model", help="model ID")
    a.add_argument("--base-url", help="OpenAI-compatible server URL (vLLM, Ollama, LiteLLM)")
    a.add_argument("--api-key-env", help="environment variable holding the API key")
    a.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="provider option (repeatable; VALUE parsed as JSON when it is JSON)",
    )
    a.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="sampling parameter, e.g. temperature=0 (repeatable)",
    )
    a.add_argument(
        "--scorer",
        action="append",
        default=[],
        metavar="NAME",
        help="scorer name or module:attr reference (repeatable)",
    )
    a.add_argument("--prompt-file", help="Jinja2 prompt template file")
    a.add_argument("--system", help="system instructions")
    add_selection(p)
    r = p.add_argument_group("how to run")
    r.add_argument(
        "--out", metavar="RUN_DIR", help="run directory (several candidates: one sub-folder each)"
    )
    r.add_argument("--concurrency", type=int, metavar="N", help="requests in flight per candidate")
    r.add_argument("--repeats", type=int, metavar="K", help="run every case K times")
    r.add_argument("--cache-mode", choices=CACHE_MODES, help="use (default), refresh, off, require")
    r.add_argument("--cache-dir", help="response cache folder (default: the project's)")
    r.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="finish the missing cases of a run (a selected run keeps its selection)",
    )
    r.add_argument(
        "--retry-errors",
        action="store_true",
        help="with --resume: also run again the cases whose answer was a provider error "
        "(rate limit, outage, spent quota); cases with an answer are not called again",
    )
    r.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force the progress display on or off (default: only on a terminal)",
    )
    r.add_argument(
        "--max-cost",
        type=float,
        metavar="USD",
        help="stop sending new requests once this much is spent (rest: --resume)",
    )
    add_scorer_processes_option(r)
    add_error_rate_option(r)
    p.set_defaults(handler=handle)


def add_scorer_processes_option(p: Any) -> None:
    """``--scorer-processes N`` (shared with ``evalkit score`` and ``evalkit check``)."""
    p.add_argument(
        "--scorer-processes",
        type=int,
        metavar="N",
        help="worker processes for cpu_bound scorers; 0 scores in-process (default: "
        "in-process below 1,000 records or on one core, else up to 4)",
    )


def scorer_processes_of(args: argparse.Namespace) -> int | None:
    """``--scorer-processes`` checked (``None`` when not given: the automatic choice)."""
    n: int | None = getattr(args, "scorer_processes", None)
    if n is not None and n < 0:
        raise InputError(f"--scorer-processes: must be >= 0 (0: in-process), got {n}")
    return n


def add_selection(p: argparse.ArgumentParser) -> None:
    """``--case``, ``--tag``, ``--limit``: run part of the eval set while iterating on a prompt
    (shared with ``evalkit check``)."""
    s = p.add_argument_group(
        "which cases",
        "filters narrow in turn: ids/patterns, then tags, then the first N in file order; the "
        "run records its selection and compares as partial",
    )
    s.add_argument(
        "--case",
        action="append",
        metavar="ID",
        help="only this case id or glob pattern, e.g. 'refund-*' (repeatable)",
    )
    s.add_argument(
        "--tag", action="append", metavar="TAG", help="only cases with this tag (repeatable: any)"
    )
    s.add_argument("--limit", type=int, metavar="N", help="only the first N cases (file order)")


def selection_of(args: argparse.Namespace) -> Selection | None:
    """The selection the flags ask for, or ``None`` for the whole eval set."""
    from evalkit.dataset import Selection

    cases, tags, limit = getattr(args, "case", None), getattr(args, "tag", None), args.limit
    if limit is not None and limit < 1:
        raise InputError(f"--limit: must be >= 1, got {limit}")
    if not cases and not tags and limit is None:
        return None
    return Selection(tuple(dict.fromkeys(cases or ())), tuple(dict.fromkeys(tags or ())), limit)


def handle(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from evalkit.engine import RunOptions

    for flag, value in (("--concurrency", args.concurrency), ("--repeats", args.repeats)):
        if value is not None and value < 1:
            raise InputError(f"{flag}: must be >= 1, got {value}")
    if args.retry_errors and not args.resume:
        raise InputError(
            "--retry-errors: it retries the failed cases of an existing run; pass "
            "--resume RUN_DIR (the run's folder, its --out) with it"
        )
    max_error_rate = error_rate_of(args)
    options = RunOptions(
        out_dir=args.out,
        repeats=args.repeats,
        concurrency=args.concurrency,
        cache_mode=args.cache_mode,
        cache_dir=args.cache_dir,
        progress="auto" if args.progress is None else args.progress,
        max_cost_usd=args.max_cost,
        keep_records=False,
        retry_errors=args.retry_errors,
        select=selection_of(args),
        scorer_processes=scorer_processes_of(args),
    )
    if args.resume:
        from evalkit.engine import resume

        project = _project_or_none(args.config) if args.config else _resume_project(args.resume)
        runs = resume(args.resume, replace(options, out_dir=None), project)
    elif args.suite or (args.config and not args.dataset):
        runs = _run_suite(args, options)
    elif args.dataset:
        runs = [_run_adhoc(args, options)]
    elif _found_config() is not None:
        # As `evalkit check` does: the config found upwards, and its only suite (--help
        # promised both defaults; several suites are refused, listed, in _run_suite).
        runs = _run_suite(args, options)
    else:
        raise InputError(
            "evalkit run: nothing to run and no evalkit.toml or pyproject.toml found upwards; "
            "give --suite NAME (with a config), DATASET --provider NAME --model ID, or "
            "--resume RUN_DIR"
        )
    for run in runs:
        print_summary(run)
    failed = too_many_errors(runs, max_error_rate, "evalkit run")
    print_errors(failed)
    return EXIT_ERRORS if failed else EXIT_OK


def _run_suite(args: argparse.Namespace, options: RunOptions) -> list[Run]:
    from evalkit.config import load_config
    from evalkit.engine import run_suite

    project = load_config(args.config)
    suite = args.suite
    if suite is None:
        if len(project.suites) != 1:
            raise InputError(
                f"{project.path}: declares {len(project.suites)} suites; pick one with "
                f"--suite NAME: {', '.join(sorted(project.suites)) or 'none'}"
            )
        suite = next(iter(project.suites))
    from evalkit.cli._validate_gates import warn_gate_tags

    warn_gate_tags(project, [suite])
    from evalkit.cli._keys import warn_missing_keys

    spec = project.suite(suite)
    names = args.candidate or [spec.baseline_name, *spec.candidates]
    known = [project.candidates[n] for n in dict.fromkeys(names) if n in project.candidates]
    warn_missing_keys(known, options.cache_mode)
    return list(run_suite(project, suite, args.candidate, options).values())


def _run_adhoc(args: argparse.Namespace, options: RunOptions) -> Run:
    from dataclasses import replace

    from evalkit.config import Candidate
    from evalkit.dataset import load_eval_set
    from evalkit.engine import run
    from evalkit.scoring import build_scorer

    if not args.provider or not args.model:
        raise InputError("evalkit run DATASET: --provider and --model are required")
    data: dict[str, Any] = {"provider": args.provider, "model": args.model}
    for key, value in (
        ("base_url", args.base_url),
        ("api_key_env", args.api_key_env),
        ("prompt_file", args.prompt_file),
        ("system", args.system),
    ):
        if value is not None:
            data[key] = value
    if args.option:
        data["options"] = _pairs(args.option, "--option")
    if args.param:
        data["params"] = _pairs(args.param, "--param")
    name = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in args.model)
    candidate = Candidate.from_dict(name, data, base_dir=Path.cwd(), where="command line")
    scorers = [build_scorer(s, where=f"--scorer {s}") for s in args.scorer]
    project = _project_or_none(args.config)
    # After the scorers and the config: a case's checks may name a scorer that a --scorer
    # file or the project's scorer files register (@evalkit.scorer), known once they load.
    eval_set = load_eval_set(args.dataset)
    if project is not None:
        options = replace(
            options,
            runs_dir=project.runs_dir,
            cache_dir=options.cache_dir or project.cache_dir,
            prices=project.prices,
        )
    if options.out_dir is None:
        from evalkit.engine import default_run_dir

        options = replace(options, out_dir=default_run_dir(options, eval_set.name, name))
    return run(eval_set, candidate, scorers, options)


def _found_config() -> Path | None:
    """The config found upwards from the current directory, or None."""
    from evalkit.config import find_config

    return find_config()


def _resume_project(run_dir: str) -> Project | None:
    """The project a resumed run takes its ``[prices]`` (and suite scorers) from without
    ``--config``: ``None`` when its manifest names a config file, which the engine then reads,
    so a config found upwards from the working folder cannot replace the run's own (QA13 F3:
    resumed in a folder whose evalkit.toml lacked the run's prices, 26 of 30 records were
    unpriced and the cost cap went blind); else the one found upwards, as for the run itself."""
    from evalkit.errors import EvalkitError
    from evalkit.runmeta import read_manifest

    try:
        config = read_manifest(Path(run_dir)).get("config")
    except EvalkitError:  # the engine says what is wrong with the folder
        return None
    if isinstance(config, str) and Path(config).is_file():
        return None
    return _project_or_none(None)


def _project_or_none(config: str | None) -> Project | None:
    from evalkit.config import load_config

    path = Path(config) if config else _found_config()
    return load_config(path) if path is not None else None


def _pairs(items: list[str], flag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"{flag} {item!r}: write it as KEY=VALUE")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out
