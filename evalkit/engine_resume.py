"""Resuming a run from its directory alone: :func:`resume` / :func:`resume_async` rebuild the
candidate, eval set (with its recorded selection), scorers and options from the manifest and
run only the missing (case, repeat) pairs through the engine. :func:`rebuild_scorer` is also
how rescoring rebuilds a run's scorers.

:mod:`evalkit.engine` re-exports these names; this module imports the engine lazily, inside
functions, because the engine imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.engine_tasks import run_sync
from evalkit.errors import ConfigError, RunError

if TYPE_CHECKING:
    from evalkit.config import Candidate, Project
    from evalkit.dataset import EvalSet
    from evalkit.engine import RunOptions
    from evalkit.records import Run
    from evalkit.scoring import Scorer

__all__ = ["rebuild_scorer", "resume", "resume_async"]


def resume(
    run_dir: str | Path, options: RunOptions | None = None, project: Project | None = None
) -> list[Run]:
    """Synchronous :func:`resume_async`."""
    return run_sync(lambda: resume_async(run_dir, options, project))  # type: ignore[no-any-return]


async def resume_async(
    run_dir: str | Path, options: RunOptions | None = None, project: Project | None = None
) -> list[Run]:
    """Finish an interrupted run from its directory alone (or every run under a folder that
    holds one sub-folder per candidate): candidate, eval set, scorers and repeats come from
    the manifest; only missing (case, repeat) pairs are run, and with
    ``options.retry_errors`` those whose answer was a provider error. ``options`` may change
    how (cache mode, budget, concurrency), never what."""
    from evalkit.engine import RunOptions, _execute
    from evalkit.engine_run import all_or_none
    from evalkit.progress import make_progress
    from evalkit.records import MANIFEST
    from evalkit.scoring import closing_scorers

    options = options or RunOptions()
    root = Path(run_dir)
    if (root / MANIFEST).is_file():
        dirs = [root]
    elif root.is_dir():
        dirs = sorted(d for d in root.iterdir() if (d / MANIFEST).is_file())
    else:
        dirs = []
    if not dirs:
        raise RunError(
            f"--resume {root}: no {MANIFEST} there nor in its sub-folders; pass the folder "
            "'evalkit run' wrote (its --out)"
        )
    jobs = [_resume_job(d, options, project) for d in dirs]
    total = sum(len(es) * (o.repeats or 1) for es, _, _, o, _ in jobs)
    progress = make_progress(options.progress, total, label=f"resume {root.name}")
    try:
        async with closing_scorers(s for _, _, scorers, _, _ in jobs for s in scorers):
            runs = await all_or_none(
                [_execute(es, c, s, o, progress, i) for es, c, s, o, i in jobs]
            )
    finally:
        progress.close()
    return list(runs)


def _resume_job(
    run_dir: Path, options: RunOptions, project: Project | None
) -> tuple[EvalSet, Candidate, list[Scorer], RunOptions, dict[str, Any]]:
    from evalkit.dataset import load_eval_set
    from evalkit.runmeta import candidate_from_manifest, read_manifest, scorers_follow_config

    m = read_manifest(run_dir)
    candidate = candidate_from_manifest(m)
    ds_path = (m.get("dataset") or {}).get("path")
    if not ds_path:
        raise RunError(
            f"--resume {run_dir}: the run's eval set was built in Python (no path); resume it "
            "with run_async(..., RunOptions(out_dir=..., resume=True))"
        )
    eval_set = load_eval_set(ds_path, name=m["dataset"].get("name"))
    eval_set = _reselect(run_dir, m, eval_set, options)
    config, suite = m.get("config"), m.get("suite")
    if scorers_follow_config(m):
        from evalkit.config import load_config

        project = project or load_config(config)
        specs = project.suite(str(suite)).scorers
        scorers = [s.build(where=f"{config}: [suites.{suite}] scorers") for s in specs]
    else:
        scorers = [rebuild_scorer(s, run_dir) for s in m.get("scorers", [])]
        project = project or _prices_project(config)
    cache = m.get("cache") or {}
    opts = replace(
        options,
        out_dir=run_dir,
        resume=True,
        repeats=options.repeats or int(m.get("repeats", 1)),
        cache_mode=options.cache_mode or cache.get("mode"),
        cache_dir=options.cache_dir or cache.get("dir"),
        max_cost_usd=options.max_cost_usd
        if options.max_cost_usd is not None
        else m.get("max_cost_usd"),
        prices=options.prices
        if options.prices is not None
        else (project.prices if project else None),
        run_id=m.get("run_id"),
    )
    return eval_set, candidate, scorers, opts, {"suite": suite, "config": config}


def _reselect(
    run_dir: Path, manifest: Mapping[str, Any], eval_set: EvalSet, options: RunOptions
) -> EvalSet:
    """The cases a resumed run covers: its recorded selection applied again to the reloaded
    eval set. Asking for another selection is refused (it would mix runs of different cases
    in one directory). When the file changed, the whole set is returned and
    :func:`~evalkit.runmeta.load_resume` refuses the changed version, the clearer reason."""
    from evalkit.dataset import Selection

    raw = manifest.get("selection")
    recorded = Selection.from_dict(raw) if raw else None
    asked = options.select
    if asked is not None and (recorded is None or asked.filters != recorded.filters):
        covers = f"selected {recorded.describe()}" if recorded else "covers the whole eval set"
        raise RunError(
            f"--resume {run_dir}: the run {covers} but {asked.flags()} was asked; leave "
            "--case, --tag and --limit out when resuming (the run's selection is reused), or "
            "start a new run with another --out (cached answers are not paid for again)"
        )
    if recorded is None or manifest.get("dataset", {}).get("version") != eval_set.version:
        return eval_set
    return eval_set.select(recorded.cases, recorded.tags, recorded.limit)


def rebuild_scorer(spec: Mapping[str, Any], run_dir: Path) -> Scorer:
    """A scorer of a run's manifest, by its registered name or else by the reference it was
    loaded from (``module:attr``, or the absolute ``file.py:attr`` of a scorers/ file)."""
    from evalkit.scoring import build_scorer, rename_scorer

    where = f"{run_dir} manifest scorer {spec.get('name')!r}"
    args, threshold = spec.get("args"), spec.get("threshold")
    try:
        return build_scorer(spec["name"], args, threshold, where=where)
    except ConfigError:
        if not spec.get("ref"):
            raise
        built = build_scorer(spec["ref"], args, threshold, where=where)
        # a scorer run under another name (a suite's as = "...") keeps that name
        return rename_scorer(built, spec["name"]) if built.name != spec["name"] else built


def _prices_project(config: Any) -> Project | None:
    """The run's recorded config, read for its ``[prices]``: without it a resumed run priced
    its new answers from the built-in table only, so a model priced in the config came out
    unpriced and the cost cap went blind (QA13 F3). ``None`` when it cannot be read."""
    from evalkit.config import load_config
    from evalkit.errors import EvalkitError

    if not isinstance(config, str) or not Path(config).is_file():
        return None
    try:
        return load_config(config)
    except EvalkitError:
        return None
