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

__all__ = ["rebuild_scorer", "resume", "resume_async", "run_project", "use_run_scorers"]


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
    config, suite = m.get("config"), m.get("suite")
    recorded = run_project(m)
    # The project's scorer names are noted before a scorer is built or a case's checks are
    # parsed: either may name a scorer registered by a file of its scorers/ folder (QA15 F5).
    use_run_scorers(m, project, recorded)
    eval_set = load_eval_set(ds_path, name=m["dataset"].get("name"))
    eval_set = _reselect(run_dir, m, eval_set, options)
    if scorers_follow_config(m):
        from evalkit.config import load_config

        project = project or recorded or load_config(config)  # the last: its error
        specs = project.suite(str(suite)).scorers
        scorers = [s.build(where=f"{config}: [suites.{suite}] scorers") for s in specs]
    else:
        scorers = [rebuild_scorer(s, run_dir) for s in m.get("scorers", [])]
        project = project or (recorded if _is_file(config) else None)
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


def run_project(manifest: Mapping[str, Any]) -> Project | None:
    """The project a run was made in: its recorded config, read again (for its ``[prices]``
    and its scorer files), else, for a run that records none (``evalkit run DATASET``), the
    config found upwards from its eval set's folder, as it was found from the working folder
    when the run was made there. ``None`` when there is none or it cannot be read: a resumed
    run without it priced its new answers from the built-in table only (QA13 F3), and a
    case's check naming a project scorer was refused (QA15 F5)."""
    from evalkit.config import find_config, load_config
    from evalkit.errors import EvalkitError

    config = manifest.get("config")
    path: Path | None = Path(config) if isinstance(config, str) and _is_file(config) else None
    if path is None and not config:
        ds_path = (manifest.get("dataset") or {}).get("path")
        if isinstance(ds_path, str) and Path(ds_path).is_file():
            path = find_config(Path(ds_path).parent)
    if path is None:
        return None
    try:
        return load_config(path)
    except EvalkitError:
        return None


def use_run_scorers(manifest: Mapping[str, Any], *projects: Project | None) -> None:
    """Make the names the run's scorer modules register (``@evalkit.scorer``) known before
    its scorers are built and its eval set is parsed: the scorer files of ``projects`` (the
    one given, the run's own from :func:`run_project`) and the files and modules its
    manifest's scorers were loaded from.

    Why: a case's ``checks`` may name a scorer of the project's ``scorers/`` folder, which
    the registry imports only once a loaded config has noted it
    (:func:`~evalkit.dataset_checks.use_project_scorers`). ``evalkit run --resume`` and
    ``evalkit score`` read the eval set from the manifest, and loaded it before the config,
    so every such case was an "unknown scorer", from any folder (QA15 F5). Nothing is
    imported here; the registry does it when a name is first missing."""
    from evalkit.dataset_checks import project_scorer_sources
    from evalkit.scoring import SCORERS

    sources: list[str] = []
    for project in projects:
        if project is not None:
            sources += project_scorer_sources(project)
    for spec in manifest.get("scorers") or ():
        ref = spec.get("ref") if isinstance(spec, Mapping) else None
        if source := _source_of(ref):
            sources.append(source)
    SCORERS.use_sources(sources)


def _source_of(ref: Any) -> str | None:
    """The module a manifest scorer's ``ref`` was loaded from, when it is the user's: an
    existing ``/abs/file.py`` or an importable module other than evalkit's own."""
    module = ref.rpartition(":")[0] if isinstance(ref, str) else ""
    if module.endswith(".py"):
        return module if Path(module).is_file() else None
    if not module or module == "__main__" or module.split(".")[0] == "evalkit":
        return None
    return module


def _is_file(path: Any) -> bool:
    return isinstance(path, str) and bool(path) and Path(path).is_file()
