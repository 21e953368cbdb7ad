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
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.cli import EXIT_ERRORS, EXIT_OK
from evalkit.cli._error_rate import (
    add_error_rate_option,
    error_rate_of,
    print_errors,
    too_many_errors,
)
from evalkit.config import CACHE_MODES
from evalkit.errors import InputError

if TYPE_CHECKING:
    from evalkit.config import Project
    from evalkit.dataset import Selection
    from evalkit.engine import RunOptions
    from evalkit.records import Record, Run


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
    add_error_rate_option(r)
    p.set_defaults(handler=handle)


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
    )
    if args.resume:
        from evalkit.engine import resume

        runs = resume(args.resume, replace(options, out_dir=None), _project_or_none(args.config))
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
    return list(run_suite(project, suite, args.candidate, options).values())


def _run_adhoc(args: argparse.Namespace, options: RunOptions) -> Run:
    from dataclasses import replace

    from evalkit.config import Candidate
    from evalkit.dataset import load_eval_set
    from evalkit.engine import run
    from evalkit.scoring import build_scorer

    if not args.provider or not args.model:
        raise InputError("evalkit run DATASET: --provider and --model are required")
    eval_set = load_eval_set(args.dataset)
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


def print_summary(run: Run) -> None:
    m = run.manifest
    c = m.get("counts", {})
    kinds = ", ".join(f"{k} {n}" for k, n in c.get("errors_by_kind", {}).items())
    cost = f"${c.get('cost_usd', 0):.4f}" + (
        f" (+{c['cost_unknown']} of unknown price)" if c.get("cost_unknown") else ""
    )
    lines = [
        f"run {m.get('run_id')} [{m.get('candidate', {}).get('name')}]: {m.get('status')}",
        f"  records {c.get('records', 0)}, errors {c.get('errors', 0)}"
        + (f" ({kinds})" if kinds else ""),
        (
            f"  cache hits {c.get('cache_hits', 0)}, misses {c.get('cache_misses', 0)}; "
            if (m.get("cache") or {}).get("used", True)
            else "  cache not used; "
        )
        + f"tokens in {c.get('input_tokens', 0):,}, out {c.get('output_tokens', 0):,}; cost {cost}"
        + (f"; judge calls ${m['judge_cost_usd']:.4f}" if m.get("judge_cost_usd") else ""),
    ]
    lines += budget_lines(m)
    sel = m.get("selection")
    if sel:
        from evalkit.dataset import Selection

        lines.append(f"  selection: {Selection.from_dict(sel).describe()}; a partial run")
    if c.get("not_run"):
        lines.append(f"  {c['not_run']} case repeat(s) not run: {_finish_hint(run)}")
    records = _stored_records(run)
    lines += error_lines(records)
    lines += retry_lines(run)
    lines += scorer_lines(run, records)
    lines.append(f"  run dir: {run.path}")
    from evalkit.terminal_text import inert

    print(inert("\n".join(lines)))  # error bodies and scorer reasons are untrusted
    sys.stdout.flush()


def budget_lines(manifest: Mapping[str, Any]) -> list[str]:
    """What this session spent against ``--max-cost`` (the candidate's new calls and the
    judges'), and a warning when it went over: a cap is a promise, so breaking it is said."""
    b = manifest.get("budget")
    if not b or not b.get("max_cost_usd"):
        return []
    spent, cap = float(b.get("spent_usd") or 0.0), float(b["max_cost_usd"])
    lines = [f"  budget: spent ${spent:.4f} of --max-cost {cap:g} (new calls, judges included)"]
    if b.get("exceeded"):
        lines.append(
            f"  warning: spent ${spent:.4f}, {spent / cap:.2f}x the --max-cost {cap:g}: the "
            "requests in flight cost more than estimated; set max_tokens to bound them "
            "(docs/engine.md, Budget)"
        )
    return lines


def retry_lines(run: Run) -> list[str]:
    """What ``--retry-errors`` did this time: pairs retried, now ok, and any the budget left."""
    r = run.manifest.get("retry_errors")
    if not r:
        return []
    retried, ok = r.get("retried", 0), r.get("ok", 0)
    line = f"  retried {retried} errored case repeat(s) of {r.get('errored', 0)}"
    lines = [line + (f": {ok} now ok, {retried - ok} errored again" if retried else "")]
    if r.get("not_retried"):
        hint = _finish_hint(run, "--retry-errors")
        lines.append(f"  {r['not_retried']} errored case repeat(s) not retried: {hint}")
    return lines


def _finish_hint(run: Run, *flags: str) -> str:
    """Why a run stopped sending requests, and the command that finishes it."""
    stopped = run.manifest.get("stopped") or {"by": "budget", "reason": "budget reached"}
    cmd = " ".join(["evalkit run --resume", str(run.path), *flags])
    if stopped.get("by") == "provider":
        return f"{stopped.get('reason')}; once the limit resets, finish with: {cmd}"
    return f"{stopped.get('reason')}; finish with: {cmd} --max-cost USD"


def _stored_records(run: Run) -> Sequence[Record]:
    """The run's records, read back from disk when the run kept none in memory (the command
    runs with keep_records=False, for flat memory), each slimmed to what the summary reads:
    100,000 whole records (requests, outputs, score evidence) held 280 MB for a few lines."""
    if run.records or not run.manifest.get("counts", {}).get("records"):
        return run.records
    from evalkit.records import RESULTS, dedupe, read_records

    path = run.path / RESULTS
    return dedupe(_slim(r) for r in read_records(path)) if path.exists() else ()


def _slim(r: Record) -> Record:
    """``r`` without what the run summary never reads: the request, the output and tool calls
    but for whether there were any (``empty.rate``), and score evidence (an aggregate reads
    only ``outcome`` and ``metrics`` of the details)."""
    from dataclasses import replace

    scores = {
        name: replace(
            s,
            reason="",
            details={k: s.details[k] for k in ("outcome", "metrics") if k in s.details},
        )
        for name, s in r.scores.items()
    }
    output = r.output.strip()[:1]
    return replace(r, request={}, output=output, tool_calls=r.tool_calls[:1], scores=scores)


def error_lines(records: Sequence[Record]) -> list[str]:
    """Per error kind, how many records and the first one's message: the message names the
    cause and the fix (a base_url nobody listens on, a wrong key), which a count alone hides."""
    first: dict[str, tuple[int, Record]] = {}
    for r in records:
        if r.error is not None:
            n, rec = first.get(r.error.kind, (0, r))
            first[r.error.kind] = (n + 1, rec)
    return [
        f"  {kind} ({n} record{'s' if n != 1 else ''}, first {rec.case_id} #{rec.repeat}): "
        f"{rec.error.message if rec.error else ''}"
        for kind, (n, rec) in first.items()
    ]


def scorer_lines(run: Run, records: Sequence[Record] | None = None) -> list[str]:
    """Per scorer, over the whole run: mean and pass rate with their 95% intervals (per tag:
    ``SuiteResult.summary()`` / ``evalkit.frames.aggregates_frame``, or the report)."""
    from evalkit.aggregate import aggregate

    def est(e: Any, pct: bool) -> str:
        f = (lambda v: f"{v:.1%}") if pct else (lambda v: f"{v:.3f}")
        ci = f" [{f(e.low)}, {f(e.high)}]" if e.low is not None and e.high is not None else ""
        return f"{f(e.value)}{ci}"

    if records is None:
        records = _stored_records(run)
    out = []
    for s in aggregate(records).scorers:
        parts = []
        if s.mean.value is not None:
            parts.append(f"mean {est(s.mean, False)}")
        if s.pass_rate.value is not None:
            parts.append(f"pass rate {est(s.pass_rate, True)}")
        what = ", ".join(parts) or "no values"
        errors = f", {s.errors} error(s)" if s.errors else ""
        out.append(f"  {s.name}: {what} over {s.cases} case(s){errors}")
    return out
