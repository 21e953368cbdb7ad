"""What a re-score reads and checks before it scores anything: the run folders under RUN_DIR,
the ``--out`` folder, the run's eval set (the same version, or refused), the scorers (given,
from a suite, or the run's own rebuilt) and the case fields they need.

Kept apart from :mod:`evalkit.rescoring`, which does the scoring and the writing, so that every
refusal (and its message) is in one place and happens before a scorer runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.dataset import EvalSet
from evalkit.engine_resume import rebuild_scorer
from evalkit.errors import InputError, RunError
from evalkit.records import MANIFEST, Record
from evalkit.runmeta import scorers_follow_config
from evalkit.scoring import Scorer
from evalkit.scoring_build import ScorerLike

if TYPE_CHECKING:
    from evalkit.config import Project
    from evalkit.dataset import Case

__all__ = [
    "ScorerLike",
    "answers_cache_mode",
    "check_cache_mode",
    "check_fields",
    "check_out",
    "eval_set_of",
    "scorers_for",
    "sources",
]


def sources(src: Path, single: bool) -> list[tuple[Path, str | None]]:
    """The run folders under ``src``: itself, or its sub-folders holding a manifest."""
    if (src / MANIFEST).is_file():
        return [(src, None)]
    subs = sorted(d for d in src.iterdir() if (d / MANIFEST).is_file()) if src.is_dir() else []
    if not subs:
        raise RunError(
            f"{src}: not a run folder (no {MANIFEST} there nor in its sub-folders); pass the "
            "folder 'evalkit run' wrote (its --out)"
        )
    if single:
        raise RunError(
            f"{src}: holds one run per candidate ({', '.join(d.name for d in subs)}); re-score "
            "one of them, or all with rescore_all() (CLI: evalkit score RUN_DIR --out NEW_DIR)"
        )
    return [(d, d.name) for d in subs]


def check_cache_mode(mode: str | None) -> None:
    """Refuse a ``cache_mode`` that is not one of a run's (before anything is read)."""
    from evalkit.config import CACHE_MODES

    if mode is not None and mode not in CACHE_MODES:
        raise InputError(
            f"rescore(cache_mode={mode!r}): not a cache mode; pick one of {list(CACHE_MODES)}"
        )


def answers_cache_mode(m: Mapping[str, Any]) -> str:
    """The cache mode a run's answers were obtained in (its manifest's ``cache.mode``): what
    an LLM judge re-scoring them follows by default. ``use`` for a run that records none (a
    run made before evalkit recorded it), the run's own default."""
    mode = (m.get("cache") or {}).get("mode")
    return mode if isinstance(mode, str) and mode else "use"


def check_out(out: Path, src: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RunError(
            f"--out {out}: already exists and is not empty; a re-score writes a new run folder; "
            "choose another --out or delete it"
        )
    o, s = out.resolve(), src.resolve()
    if o == s or s in o.parents:
        raise RunError(
            f"--out {out}: is inside the run being re-scored ({src}), which is never modified; "
            "choose a folder outside it"
        )


def eval_set_of(
    run_dir: Path, m: Mapping[str, Any], given: EvalSet | str | Path | None
) -> tuple[EvalSet, dict[str, Any]]:
    """The run's eval set, reloaded (or as given) and checked to be the same version."""
    from evalkit.dataset import load_eval_set

    ds = m.get("dataset") or {}
    origin: dict[str, Any] = {}
    if isinstance(given, EvalSet):
        es = given
    else:
        path = given if given is not None else ds.get("path")
        if not path:
            raise RunError(
                f"{run_dir}: the run's eval set was built in Python (no path in its manifest); "
                "pass it: rescore(..., eval_set=EVAL_SET), or --dataset FILE"
            )
        if not Path(path).is_file():
            raise RunError(
                f"{run_dir}: its eval set {str(path)!r} is not there any more; restore it, or "
                "pass the same eval set with --dataset FILE"
            )
        es = load_eval_set(path, name=ds.get("name"))
        if given is not None:
            origin["dataset"] = {**ds, "path": str(Path(path).resolve())}
    if ds.get("version") != es.version:
        raise RunError(
            f"{run_dir}: the eval set {str(ds.get('path') or ds.get('name'))!r} changed since "
            f"the run (version {str(ds.get('version'))[:12]} -> {es.version[:12]}); scoring its "
            "answers against other cases would mislead; restore the eval set the run used (or "
            "pass it with --dataset FILE), or run the new eval set anew"
        )
    return es, origin


def scorers_for(
    run_dir: Path,
    m: Mapping[str, Any],
    given: Sequence[ScorerLike] | None,
    project: Project | None,
    suite: str | None,
    recorded: Project | None = None,
) -> tuple[list[Scorer], dict[str, Any]]:
    """The scorers to run and the manifest keys that say where they came from: when a suite
    gave them, its config and suite; always ``scorers_from`` (``"given"``, ``"manifest"`` or
    ``"config"``), kept in ``rescored_from`` so that resuming or re-scoring the new run again
    rebuilds these scorers, not the suite's the run was first scored with. ``recorded`` is
    the run's own config already read (:func:`~evalkit.engine_resume.run_project`)."""
    if given is not None:
        from evalkit.scoring_build import as_scorers

        return as_scorers(list(given), "scorers"), {"scorers_from": "given"}
    config, recorded_suite = m.get("config"), m.get("suite")
    if project is None and suite is None and not scorers_follow_config(m):
        built = [rebuild_scorer(s, run_dir) for s in m.get("scorers", [])]
        return built, {"scorers_from": "manifest"}
    from evalkit.config import load_config

    if project is None:
        if not config:
            raise InputError(
                f"{run_dir}: the run records no config to take suite {suite!r} from; pass "
                "--config C (project=)"
            )
        project = recorded if recorded and _read_from(recorded, config) else load_config(config)
    name = suite or recorded_suite
    if not name:
        raise InputError(f"{run_dir}: the run records no suite; pass --suite S (suite=)")
    where = f"{project.path}: [suites.{name}] scorers"
    built = [s.build(where=where) for s in project.suite(name).scorers]
    path = str(Path(project.path).resolve()) if project.path else config
    return built, {"config": path, "suite": name, "scorers_from": "config"}


def _read_from(project: Project, config: str) -> bool:
    """Whether ``project`` was read from the file ``config`` (no need to read it again)."""
    if project.path is None:
        return False
    return Path(project.path).resolve() == Path(config).resolve()


def check_fields(
    run_dir: Path,
    scorers: Sequence[Scorer],
    records: Sequence[Record],
    cases: Mapping[str, Case],
    name: str,
) -> None:
    """Refuse a scorer that needs a case field none of the answered cases sets: it would only
    fill the new run with scorer errors. Where some cases lack it, each of them gets the
    scorer error (or, with ``skip_missing``, no score), exactly as in a run."""
    answered = {r.case_id for r in records if r.error is None}
    problems = []
    for s in scorers:
        missing = [f for f in s.requires if not any(cases[c].has(f) for c in answered)]
        if answered and missing and not s.skip_missing:
            problems.append(f"scorer {s.name!r} needs case field(s) {missing}")
    if problems:
        raise InputError(
            f"{run_dir}: {'; '.join(problems)}, which none of the {len(answered)} answered "
            f"case(s) of eval set {name!r} sets; add the field(s) to the eval set (a new "
            "version: run it anew), or leave the scorer out (--scorer for the ones to keep)"
        )
