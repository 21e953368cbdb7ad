"""Re-scoring a finished run: its stored answers scored again, offline, into a new run folder.

Why: a scorer's threshold or arguments change, evalkit's scorers are upgraded, a scorer is
added; the baseline and the candidate must then be scored again by the same rules before they
are compared, and asking the provider again would cost money, take time and (at temperature
above 0) change the answers being judged. ``evalkit score RUN_DIR --out NEW_DIR`` (Inspect AI's
``inspect score LOG``) does it from the run folder alone.

Decisions:

- The source run is never modified: it is only read. The new run is written into a hidden
  temporary folder beside ``out_dir`` and renamed into place at the end, so a killed or failed
  re-score leaves no half-written ``out_dir`` (after a SIGKILL, only the hidden
  ``.<name>.rescore-*.tmp`` folder, which may be deleted). An existing non-empty ``out_dir``
  is refused.
- Each record keeps everything the provider gave and the engine measured (response, usage,
  cost, latency, request, attempts, cached flag, timestamp); only ``scores`` is replaced. A
  record with a provider error stays as it is, unscored. Duplicate lines of a (case, repeat)
  are resolved as every reader does (the last wins) and written once.
- The eval set must be the run's (same version, the content hash): scoring answers against
  edited cases would pair them with questions they never answered. It is refused, with the
  reason, as ``--resume`` refuses it.
- Scoring goes through the engine's machinery: :class:`~evalkit.scoring_pool.ScoringPool`
  (``cpu_bound`` scorers in worker processes, the others in the event loop, so async and judge
  scorers work) and :func:`~evalkit.scoring.closing_scorers`.
- An LLM judge follows the rule it follows in the run: the answers are scored as answers of
  the source run's cache mode (its manifest's ``cache.mode``;
  :func:`~evalkit.cache.answer_cache_mode`), so a judge whose cache is ``use`` (the default)
  stays offline when re-scoring a replay run (``require``): a verdict that was not recorded
  is a scorer error on its case naming what to do, never a call to the judge's provider.
  Before, ``evalkit score`` knew no cache mode and such a judge asked its provider (with the
  key, or failing every case on a 401 in an offline CI job) although the replay run's own
  advice said it would not (QA15 F4). ``cache_mode`` (``--cache-mode``) overrides the
  recorded mode: ``use`` lets those judges ask for the missing verdicts. It is recorded in
  the new manifest's ``rescored_from.cache_mode``; the ``cache`` entry stays the source's
  (how the answers were obtained).
- The module is ``rescoring`` and the function ``rescore`` (``evalkit.rescore``): a module
  named like its function would shadow it as an attribute of the package once imported, and
  type checkers would take ``evalkit.rescore`` for the module.
- The manifest is the source's, with a new ``run_id``, the new ``scorers``, ``rescored_from``
  and ``finished_at``; its ``counts`` are the provider's and stay unchanged, but for the
  per-scorer ``scored`` and ``scorer_errors``, which are the new scorers'. Its status stays
  that of the source (``complete`` for a finished run); a run still marked ``running`` (in
  progress, or killed) is refused: finish it with ``--resume`` first.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.cache import note_answer_cache_mode
from evalkit.dataset import EvalSet, Message, ToolSpec
from evalkit.engine import _check_unique_names, _sync
from evalkit.engine_resume import run_project, use_run_scorers
from evalkit.engine_run import _scorer_processes, all_or_none
from evalkit.errors import InputError, RunError
from evalkit.providers.base import Request
from evalkit.records import RESULTS, Record, Run, RunWriter, dedupe, read_records
from evalkit.rescoring_inputs import (
    ScorerLike,
    answers_cache_mode,
    check_cache_mode,
    check_fields,
    check_out,
    eval_set_of,
    scorers_for,
    sources,
)
from evalkit.runmeta import Counts, candidate_from_manifest, read_manifest, scorer_entries
from evalkit.scoring import ScoreContext, Scorer, closing_scorers
from evalkit.scoring_pool import ScoringPool

if TYPE_CHECKING:
    from evalkit.config import Candidate, Project
    from evalkit.dataset import Case
    from evalkit.progress import Progress, ProgressMode

__all__ = ["ScorerLike", "rescore", "rescore_all", "rescore_all_async", "rescore_async"]


@dataclass(frozen=True)
class _Job:
    """One run folder to re-score, checked and ready before anything is scored."""

    source: Path
    sub: str | None
    """The sub-folder name in a multi-candidate folder (``None``: the folder is the run)."""
    manifest: Mapping[str, Any]
    eval_set: EvalSet
    candidate: Candidate
    scorers: tuple[Scorer, ...]
    records: tuple[Record, ...]
    origin: Mapping[str, Any]
    """Manifest keys that change with where the scorers and eval set came from."""
    scorers_from: str
    """``"config"`` (a suite's), ``"manifest"`` (the run's own specs) or ``"given"``."""
    cache_mode: str
    """The cache mode the answers are scored as (the LLM judges read it): the source run's
    recorded one, or the ``cache_mode`` asked for."""


def rescore(
    run_dir: str | Path,
    out_dir: str | Path,
    scorers: Sequence[ScorerLike] | None = None,
    *,
    project: Project | None = None,
    suite: str | None = None,
    eval_set: EvalSet | str | Path | None = None,
    scorer_processes: int | None = None,
    progress: ProgressMode | bool = "auto",
    cache_mode: str | None = None,
) -> Run:
    """Score the answers of the run in ``run_dir`` again into the new run folder ``out_dir``.

    ``scorers=None`` rebuilds the run's scorers as ``--resume`` does (the recorded config's
    suite when both are recorded and the file exists, else the manifest's names and arguments);
    ``project``/``suite`` take a suite's scorers instead (``suite`` defaults to the run's). The
    eval set is reloaded from the recorded path unless ``eval_set`` is given; either way its
    version must be the run's. ``cache_mode`` (``use``, ``refresh``, ``off``, ``require``)
    overrides the source run's recorded cache mode, which decides, as in the run, whether an
    LLM judge whose cache is ``use`` may ask its provider (not in ``require``: a replay run is
    re-scored offline). Also works inside a running loop (Jupyter). For a folder holding one
    run per candidate use :func:`rescore_all`.
    """
    runs = _sync(
        lambda: rescore_all_async(
            run_dir,
            out_dir,
            scorers,
            project=project,
            suite=suite,
            eval_set=eval_set,
            scorer_processes=scorer_processes,
            progress=progress,
            cache_mode=cache_mode,
            single=True,
        )
    )
    return runs[0]  # type: ignore[no-any-return]


async def rescore_async(
    run_dir: str | Path,
    out_dir: str | Path,
    scorers: Sequence[ScorerLike] | None = None,
    **kwargs: Any,
) -> Run:
    """:func:`rescore` in the caller's event loop."""
    return (await rescore_all_async(run_dir, out_dir, scorers, single=True, **kwargs))[0]


def rescore_all(
    run_dir: str | Path,
    out_dir: str | Path,
    scorers: Sequence[ScorerLike] | None = None,
    **kwargs: Any,
) -> list[Run]:
    """:func:`rescore` for a run folder or a folder of one run per candidate (each sub-folder
    is re-scored into the same sub-folder of ``out_dir``); one :class:`Run` per run."""
    return _sync(lambda: rescore_all_async(run_dir, out_dir, scorers, **kwargs))  # type: ignore[no-any-return]


async def rescore_all_async(
    run_dir: str | Path,
    out_dir: str | Path,
    scorers: Sequence[ScorerLike] | None = None,
    *,
    project: Project | None = None,
    suite: str | None = None,
    eval_set: EvalSet | str | Path | None = None,
    scorer_processes: int | None = None,
    progress: ProgressMode | bool = "auto",
    cache_mode: str | None = None,
    single: bool = False,
) -> list[Run]:
    """:func:`rescore_all` in the caller's event loop. Every run folder is checked (manifest,
    eval set version, scorers, case fields) before any record is scored. ``single`` refuses a
    folder of runs per candidate (what :func:`rescore`, which returns one run, needs)."""
    from evalkit.progress import make_progress

    src, out = Path(run_dir), Path(out_dir)
    check_cache_mode(cache_mode)
    found = sources(src, single)
    check_out(out, src)
    jobs = [
        _prepare(d, sub, scorers, project=project, suite=suite, eval_set=eval_set)
        for d, sub in found
    ]
    jobs = [replace(j, cache_mode=cache_mode or j.cache_mode) for j in jobs]
    tmp = out.parent / f".{out.name}.rescore-{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir(parents=True)
    bar = make_progress(progress, sum(len(j.records) for j in jobs), label=f"score {src.name}")
    try:
        async with closing_scorers(s for j in jobs for s in j.scorers):
            for j in jobs:
                await _score_job(j, tmp, scorer_processes, bar)
        if out.is_dir():  # empty (checked): replaced by the finished folder
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        bar.close()
    from evalkit.records import read_run

    return [read_run(out / j.sub if j.sub else out) for j in jobs]


def _prepare(
    run_dir: Path,
    sub: str | None,
    scorers: Sequence[ScorerLike] | None,
    *,
    project: Project | None,
    suite: str | None,
    eval_set: EvalSet | str | Path | None,
) -> _Job:
    m = read_manifest(run_dir)
    if m.get("status") == "running":
        raise RunError(
            f"{run_dir}: the run is not finished (manifest status 'running': still running, or "
            f"killed); finish it first with: evalkit run --resume {run_dir}"
        )
    candidate = candidate_from_manifest(m)
    recorded = run_project(m)
    # before a scorer is built or a case's checks are parsed: either may name a scorer that a
    # file of the project's scorers/ folder registers (QA15 F5)
    use_run_scorers(m, project, recorded)
    es, origin = eval_set_of(run_dir, m, eval_set)
    path = run_dir / RESULTS
    records = dedupe(read_records(path)) if path.exists() else ()
    cases = es.by_id()
    unknown = sorted({r.case_id for r in records} - set(cases))
    if unknown:
        raise RunError(
            f"{run_dir}: records of case(s) {unknown[:5]} that the eval set {es.name!r} does "
            "not hold; pass the eval set the run used with --dataset FILE (eval_set=)"
        )
    built, scorer_origin = scorers_for(run_dir, m, scorers, project, suite, recorded)
    scorers_from = scorer_origin.pop("scorers_from")
    if not built:
        raise InputError(
            f"{run_dir}: no scorers to run (the manifest records none); name them with "
            "--scorer NAME (scorers=[...]) or --config C --suite S"
        )
    _check_unique_names(built, {"suite": m.get("suite")} if m.get("suite") else None)
    check_fields(run_dir, built, records, cases, es.name)
    return _Job(
        run_dir,
        sub,
        m,
        es,
        candidate,
        tuple(built),
        records,
        {**origin, **scorer_origin},
        scorers_from,
        answers_cache_mode(m),
    )


async def _score_job(job: _Job, tmp: Path, processes: int | None, bar: Progress) -> None:
    """Score one run's records and write the new run into ``tmp`` (or its sub-folder)."""
    answered = sum(r.error is None for r in job.records)
    pool = ScoringPool(job.scorers, _scorer_processes(processes, answered))
    summary = job.candidate.summary()
    cases = job.eval_set.by_id()
    done: list[Record | None] = [None] * len(job.records)
    pending = iter(enumerate(job.records))

    async def worker(items: Iterator[tuple[int, Record]]) -> None:
        # in this worker's task only (a context variable): the judges scoring these answers
        # follow the cache mode they were obtained in, as in the run (QA15 F4)
        note_answer_cache_mode(job.cache_mode)
        for i, r in items:
            case = cases[r.case_id]
            if r.error is None:
                ctx = ScoreContext(case, r.response(), _request(r, case), summary, r.cost)
                r = replace(r, scores=await pool.score(ctx))
            else:  # the scorers a provider error counts against may be others now
                r = replace(r, skipped=tuple(s.name for s in job.scorers if s.skips(case)))
            done[i] = r
            bar.update(error=r.error is not None, cached=r.cached, tokens=0, cost=None)

    failed = True
    try:
        n = max(1, min(job.candidate.concurrency, 1024))
        await all_or_none([worker(pending) for _ in range(n)])
        failed = False
    finally:
        await pool.aclose(abort=failed)
    now = _now()
    counts = dict(job.manifest.get("counts") or {})
    if counts:  # the provider's totals stay; the per-scorer ones are the new scorers'
        new = Counts().plus(r for r in done if r is not None)
        counts.update(
            scored=dict(sorted(new.scored.items())),
            scorer_errors=dict(sorted(new.scorer_errors.items())),
        )
    manifest = {
        **job.manifest,
        **({"counts": counts} if counts else {}),
        **job.origin,
        "run_id": uuid.uuid4().hex[:12],
        **scorer_entries(job.scorers),  # specs, and the texts a judge was given
        "rescored_from": {
            "run_id": job.manifest.get("run_id"),
            "path": str(job.source.resolve()),
            "at": now,
            "evalkit_version": _version(),
            "scorers_from": job.scorers_from,
            "cache_mode": job.cache_mode,
        },
        "finished_at": now,
        "status": job.manifest.get("status") or "complete",
    }
    writer = RunWriter(tmp / job.sub if job.sub else tmp)
    with writer:
        for r in done:
            assert r is not None
            writer.append(r)
    writer.write_manifest(manifest)


def _request(r: Record, case: Case) -> Request:
    """The request as the record stored it (what was really sent), for scorers reading it."""
    d = r.request
    return Request(
        case_id=r.case_id,
        repeat=r.repeat,
        model=str(d.get("model") or ""),
        messages=tuple(Message.from_dict(m) for m in d.get("messages") or ()),
        params=d.get("params") or {},
        tools=tuple(ToolSpec.from_dict(t) for t in d.get("tools") or ()),
        tool_choice=d.get("tool_choice"),
        metadata=d.get("metadata") or {},
        case=case,
    )


def _version() -> str:
    from evalkit import __version__

    return __version__


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")
