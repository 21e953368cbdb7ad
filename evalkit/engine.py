"""The run engine: eval set × candidate × repeats → scored records in a run directory.

Flow for one candidate: render every case once and keep nothing (a template error stops the
run before a single request is paid for), write the manifest (``status: "running"``), then a
fixed pool of workers pulls (case, repeat) pairs lazily, renders each pair's request as it
takes it (:mod:`evalkit.engine_requests`), gets its answer through the
:class:`~evalkit.dispatch.Dispatcher` (cache, limits, retries), prices it, scores it and
appends its record (one flushed line). Memory therefore holds the cases and the workers' few
in-flight pairs (at most one rendered request per worker), not every rendered prompt nor one
task per case; finished records are kept only when the caller wants them back
(``RunOptions.keep_records``).

Decisions:

- A failed request is a record with ``error`` (kind, message, status, attempts) and the run
  goes on. Only :class:`~evalkit.errors.InputError` and :class:`~evalkit.errors.RunError`
  abort it. A template error is an input error naming the case, raised before any request.
- Budget (``max_cost_usd``): each paid request first reserves its estimated cost and is sent
  only while new spending (candidate and judges; cache hits are free) plus the reservations
  fits the cap (:mod:`evalkit.engine_budget`, which states the overshoot bound); cached
  answers are still served. The pairs not run are *left for resume*
  (``counts.not_run``, status ``"incomplete"``), not recorded as errors, so statistics never
  mix "not asked" with "failed"; ``--resume RUN_DIR --max-cost MORE`` finishes them.
- Cost is the price of the answer even when it came from the cache, so runs compare fairly.
  A model with no known price has cost ``None`` (counted in ``cost_unknown``), never zero.
- Scorers are closed once at the end of every entry point (:func:`run_async`,
  :func:`run_suite_async`, :func:`resume_async`), in the run's event loop, whether it
  succeeded, failed or was cancelled (:func:`~evalkit.scoring.closing_scorers`), so an LLM
  judge keeps one client and one cache connection for the whole run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

# _rebuild_scorer and _sync keep their old names here: rescoring imports them from this module.
from evalkit.engine_resume import rebuild_scorer as _rebuild_scorer  # noqa: F401
from evalkit.engine_resume import resume, resume_async
from evalkit.engine_tasks import run_sync as _sync
from evalkit.errors import ConfigError

if TYPE_CHECKING:
    from evalkit.config import Candidate, Project
    from evalkit.dataset import EvalSet, Selection
    from evalkit.progress import Progress, ProgressMode
    from evalkit.records import Run
    from evalkit.scoring import Scorer
    from evalkit.scoring_build import ScorerLike

__all__ = [
    "RunOptions",
    "resume",
    "resume_async",
    "run",
    "run_async",
    "run_suite",
    "run_suite_async",
]


@dataclass(frozen=True)
class RunOptions:
    """How to run (not *what*: that is the eval set, candidate and scorers) and which of its
    (case, repeat) pairs (``select``, ``resume``, ``retry_errors``). ``None`` means "the
    suite's or the candidate's setting"."""

    out_dir: str | Path | None = None
    """The run directory (several candidates: one sub-folder each). Default: a new folder
    ``<suite-or-eval-set>-<UTC time>-<candidate>`` under ``runs_dir``."""
    runs_dir: str | Path | None = None
    """Where default run directories go (the project's ``runs_dir``; else ``.evalkit/runs``)."""
    repeats: int | None = None
    concurrency: int | None = None
    """Overrides the candidate's in-flight bound."""
    cache_mode: str | None = None
    """``use`` (default), ``refresh``, ``off`` or ``require``."""
    cache_dir: str | Path | None = None
    """Default: the project's ``cache_dir``, else ``.evalkit/cache``."""
    cache_copy_to: str | Path | None = None
    """Also write each answer stored in ``cache_dir`` into this cache folder as it arrives
    (:mod:`evalkit.cache_copy`): how ``pytest --evalkit-mode refresh``, which runs on a cache of
    the session's own, keeps the project's cache up to date even when interrupted."""
    resume: bool = False
    """Finish the run in ``out_dir``: only its missing (case, repeat) pairs are run."""
    retry_errors: bool = False
    """With ``resume``: also run again the pairs whose latest record has a provider error
    (rate limit, outage, spent quota); the new record is appended and wins. Needs ``resume``."""
    progress: ProgressMode | bool = "auto"
    max_cost_usd: float | None = None
    run_id: str | None = None
    prices: Mapping[str, Mapping[str, Any]] | None = None
    """Price overrides (model → USD per million tokens), as in the config's ``[prices]``."""
    select: Selection | None = None
    """Run only these cases of the eval set (ids or globs, tags, the first N): the same as
    passing ``eval_set.select(...)``, and the one way to narrow :func:`run_suite`,
    ``evaluate()`` and ``evalkit check``. Recorded in the manifest (``selection``); resuming
    through :func:`resume` reuses the run's selection, and a different one is refused."""
    keep_records: bool = True
    """Return the records in :class:`Run`; off, memory stays flat however long the run."""
    scorer_processes: int | None = None
    """Worker processes for ``cpu_bound`` scorers; 0 scores in-process. Default: in-process
    below 1,000 records or on one core, else up to 4 workers."""


def run(
    eval_set: EvalSet,
    candidate: Candidate,
    scorers: ScorerLike | Sequence[ScorerLike] = (),
    options: RunOptions | None = None,
) -> Run:
    """Synchronous :func:`run_async`; also works inside a running loop (Jupyter)."""
    return _sync(lambda: run_async(eval_set, candidate, scorers, options))


async def run_async(
    eval_set: EvalSet,
    candidate: Candidate,
    scorers: ScorerLike | Sequence[ScorerLike] = (),
    options: RunOptions | None = None,
) -> Run:
    """Run every case of ``eval_set`` (``repeats`` times) against ``candidate`` and score it.

    ``scorers`` are built scorers, registered names or references (``"contains"``,
    ``"scorers/mine.py:fn"``), :class:`~evalkit.config.ScorerSpec` objects or ``{"name",
    "args", "threshold"}`` mappings, as :func:`~evalkit.rescore` takes them; all are built before
    anything runs, so an unknown name is a :class:`~evalkit.errors.ConfigError` naming the
    closest registered ones, raised before the first request.
    """
    from evalkit.progress import make_progress
    from evalkit.scoring import closing_scorers
    from evalkit.scoring_build import as_scorers

    built = as_scorers(scorers, "run: scorers")
    options = options or RunOptions()
    eval_set = _select(eval_set, options.select)
    repeats = options.repeats or 1
    progress = make_progress(options.progress, len(eval_set) * repeats, label=candidate.name)
    try:
        async with closing_scorers(built):
            return await _execute(eval_set, candidate, built, options, progress, None)
    finally:
        progress.close()


def run_suite(
    project: Project,
    suite_name: str,
    candidates: Sequence[str] | None = None,
    options: RunOptions | None = None,
) -> dict[str, Run]:
    """Synchronous :func:`run_suite_async`."""
    return _sync(lambda: run_suite_async(project, suite_name, candidates, options))


async def run_suite_async(
    project: Project,
    suite_name: str,
    candidates: Sequence[str] | None = None,
    options: RunOptions | None = None,
) -> dict[str, Run]:
    """Run a suite's candidates (all, or those named) concurrently: {candidate name: Run}.

    Each candidate has its own provider, limits and run directory; they share the cache and
    the scorers, which are closed (:meth:`~evalkit.scoring.Scorer.aclose`) once all are done.
    If one candidate's run fails, the others are cancelled, not left running.
    """
    from evalkit.dataset import load_eval_set
    from evalkit.engine_run import all_or_none
    from evalkit.progress import make_progress
    from evalkit.scoring import closing_scorers

    options = options or RunOptions()
    suite = project.suite(suite_name)
    names = list(candidates or suite.candidates)
    cands = [project.candidate(n) for n in names]
    eval_set = _select(load_eval_set(suite.dataset_path), options.select)
    scorers = [
        s.build(where=f"{project.path}: [suites.{suite_name}] scorers") for s in suite.scorers
    ]
    opts = replace(
        options,
        repeats=options.repeats or suite.repeats,
        cache_mode=options.cache_mode or suite.cache,
        cache_dir=options.cache_dir or project.cache_dir,
        runs_dir=options.runs_dir or project.runs_dir,
        max_cost_usd=options.max_cost_usd
        if options.max_cost_usd is not None
        else suite.max_cost_usd,
        prices=options.prices if options.prices is not None else project.prices,
    )
    stamp = _stamp()
    per_cand = []
    for c in cands:
        out = opts.out_dir
        if out is not None and len(cands) > 1:
            out = Path(out) / c.name
        elif out is None:
            out = Path(opts.runs_dir or ".evalkit/runs") / f"{suite_name}-{stamp}-{c.name}"
        per_cand.append(replace(opts, out_dir=out))
    total = len(eval_set) * (opts.repeats or 1) * len(cands)
    label = suite_name if len(cands) > 1 else cands[0].name
    progress = make_progress(opts.progress, total, label=label)
    # absolute, as the eval set's path is: --resume and evalkit score may run from elsewhere
    config = str(Path(project.path).resolve()) if project.path else None
    suite_info = {"suite": suite_name, "config": config}
    try:
        async with closing_scorers(scorers):
            runs = await all_or_none(
                [
                    _execute(eval_set, c, scorers, o, progress, suite_info)
                    for c, o in zip(cands, per_cand, strict=True)
                ]
            )
    finally:
        progress.close()
    return {c.name: r for c, r in zip(cands, runs, strict=True)}


async def _execute(
    eval_set: EvalSet,
    candidate: Candidate,
    scorers: Sequence[Scorer],
    options: RunOptions,
    progress: Progress,
    suite_info: Mapping[str, Any] | None,
) -> Run:
    from evalkit.engine_run import CandidateRun

    _check_unique_names(scorers, suite_info)
    _check_case_checks(eval_set, scorers)
    _check_blank_references(eval_set, scorers, suite_info)
    job = CandidateRun(eval_set, candidate, scorers, options, progress, dict(suite_info or {}))
    return await job.execute()


def _select(eval_set: EvalSet, select: Selection | None) -> EvalSet:
    """``eval_set`` narrowed by ``select``; an eval set already selected with the same filters
    is kept as it is (a resumed run given its own selection again)."""
    if select is None or (
        eval_set.selection is not None and eval_set.selection.filters == select.filters
    ):
        return eval_set
    return eval_set.select(select.cases, select.tags, select.limit)


def _check_unique_names(scorers: Sequence[Scorer], suite_info: Mapping[str, Any] | None) -> None:
    """Scores are keyed by scorer name, so two scorers of one name would overwrite each other's
    scores on every record, silently; refuse the run before it starts instead."""
    seen: dict[str, Scorer] = {}
    for s in scorers:
        if s.name in seen:
            where = f"[suites.{suite_info['suite']}] scorers" if suite_info else "scorers"
            first, second = (_describe(x) for x in (seen[s.name], s))
            raise ConfigError.single(
                where,
                f"two scorers are named {s.name!r} ({first} and {second}); a record keeps one "
                "score per name, so one would overwrite the other; give one of them another "
                "name: 'as' in its entry ({'name': ..., 'as': 'other_name'}, or as = \"...\" "
                "in the config), or ScorerSpec(..., alias='other_name')",
            )
        seen[s.name] = s


def _check_case_checks(eval_set: EvalSet, scorers: Sequence[Scorer]) -> None:
    """A case's check that cannot be built (an invalid regex, a missing argument) is refused
    before the first request, as ``evalkit validate`` reports it (QA14 F6): left to scoring
    time it was an error on its case after the answer had been paid for."""
    from evalkit.scorers.checks import Checks, check_problems

    for scorer in scorers:
        if isinstance(scorer, Checks):
            problems = check_problems(eval_set, scorer)
            if problems:
                raise ConfigError(problems)


def _check_blank_references(
    eval_set: EvalSet, scorers: Sequence[Scorer], suite_info: Mapping[str, Any] | None
) -> None:
    """A blank ``expected`` that a contains-family scorer of this run would find in every
    output (so pass any answer) is refused before the first request, as ``evalkit validate
    --config`` reports it; loading the eval set accepts it, since ``exact_match`` reads it as
    "the answer must be empty" (QA16 F4)."""
    from evalkit.scorers._text_blank import blank_reference_problems

    label = f" of [suites.{suite_info['suite']}]" if suite_info and suite_info.get("suite") else ""
    problems = [p for s in scorers for p in blank_reference_problems(eval_set, s, label)]
    if problems:
        raise ConfigError(problems)


def _describe(s: Scorer) -> str:
    fn = getattr(s, "fn", None)
    target = fn if callable(fn) else type(s)
    return f"{getattr(target, '__module__', '?')}:{getattr(target, '__qualname__', '?')}"


def default_run_dir(options: RunOptions, label: str, candidate: str) -> Path:
    base = Path(options.runs_dir) if options.runs_dir else Path(".evalkit/runs")
    return base / f"{label}-{_stamp()}-{candidate}"


def _stamp() -> str:
    """UTC time plus a random suffix: two runs started in the same second never collide."""
    import uuid

    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:4]
