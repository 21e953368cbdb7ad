"""What a run says about itself: the manifest's counts and environment, and resuming a run.

The manifest is written when a run starts (``status: "running"``) and again when it ends
(``"complete"``, ``"interrupted"`` or ``"incomplete"`` when a budget stopped it), so a killed
run still names its candidate, eval set and scorers, which is all ``--resume`` needs. Counts
are derived from the records themselves (including those kept from before a resume), never
from a process's memory, so they stay right across kills.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from evalkit.config import Candidate
from evalkit.dataset import EvalSet, ToolSpec
from evalkit.errors import RunError
from evalkit.records import MANIFEST, RESULTS, Record, read_records
from evalkit.scoring import Scorer

__all__ = [
    "TEXT_CAP",
    "Counts",
    "ResumeState",
    "candidate_from_manifest",
    "environment",
    "load_resume",
    "scorer_entries",
    "scorers_follow_config",
]

TEXT_CAP = 20_000
"""Characters of one scorer text kept in the manifest (``chars`` says how long it was)."""


@dataclass
class Counts:
    """Running totals for the manifest's ``counts`` and the CLI summary."""

    cache_on: bool = True
    records: int = 0
    errors: int = 0
    errors_by_kind: Counter[str] = field(default_factory=Counter)
    cache_hits: int = 0
    cache_misses: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_cached_usd: float = 0.0
    """The part of :attr:`cost_usd` that answers served from the cache stand for: what they
    cost when first recorded, not paid again."""
    cost_unknown: int = 0
    """Records whose model has no known price: their cost is unknown, not zero."""
    not_run: int = 0
    """Case repeats left for ``--resume`` because the budget ran out."""
    scored: Counter[str] = field(default_factory=Counter)
    """Answered records each scorer gave a value or verdict, by scorer name."""
    scorer_errors: Counter[str] = field(default_factory=Counter)
    """Answered records each scorer could not score (a scorer error), by scorer name: with
    :attr:`scored`, whether a scorer evaluated anything, without reading the records back."""

    def plus(self, records: Iterable[Record]) -> Counts:
        """A copy with ``records`` added: the totals of a run whose errored records are being
        retried count the ones not yet replaced, so the manifest matches the file at any stop."""
        out = replace(
            self,
            errors_by_kind=Counter(self.errors_by_kind),
            scored=Counter(self.scored),
            scorer_errors=Counter(self.scorer_errors),
        )
        for r in records:
            out.add(r)
        return out

    def add(self, r: Record) -> None:
        self.records += 1
        if r.error is not None:
            self.errors += 1
            self.errors_by_kind[r.error.kind] += 1
        if r.cached:
            self.cache_hits += 1
        elif self.cache_on:
            self.cache_misses += 1
        self.input_tokens += r.usage.input_tokens or 0
        self.output_tokens += r.usage.output_tokens or 0
        if r.cost is not None:
            self.cost_usd += r.cost
            if r.cached:
                self.cost_cached_usd += r.cost
        elif r.error is None:
            self.cost_unknown += 1
        if r.error is None:
            for name, score in r.scores.items():
                if score.error is not None:
                    self.scorer_errors[name] += 1
                elif score.value is not None or score.passed is not None:
                    self.scored[name] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "errors": self.errors,
            "errors_by_kind": dict(sorted(self.errors_by_kind.items())),
            "cache_hits": self.cache_hits,
            "cache_misses": self.cache_misses,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 8),
            "cost_cached_usd": round(self.cost_cached_usd, 8),
            "cost_unknown": self.cost_unknown,
            "not_run": self.not_run,
            "scored": dict(sorted(self.scored.items())),
            "scorer_errors": dict(sorted(self.scorer_errors.items())),
        }


def environment(where: Path | None = None) -> dict[str, Any]:
    """evalkit version, Python, platform and (inside a repository) the git commit."""
    from evalkit import __version__

    env: dict[str, Any] = {
        "evalkit_version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "git": _git(where or Path.cwd()),
    }
    return env


def scorer_entries(scorers: Sequence[Scorer]) -> dict[str, Any]:
    """The manifest's ``scorers`` (specs) and ``scorer_texts``: each scorer's
    :meth:`~evalkit.scoring.Scorer.texts` stored once, so a report can show what an LLM judge
    was asked, where the spec has only hashes.

    ``scorer_texts[name]`` is ``{"spec_sha256", "texts": {label: {"text", "sha256", "chars"}}}``:
    ``sha256`` and ``chars`` are of the whole text, ``text`` is cut to :data:`TEXT_CAP`. The
    spec's hash ties the texts to the scorers they were written with: a run re-scored by other
    scorers that kept this key would otherwise show the old ones' texts.
    """
    from evalkit.config_secrets import redact_scorer_args
    from evalkit.hashing import sha256_json, sha256_text

    # A judge's base_url and headers may hold a key (a scorer built in Python): never stored.
    specs = [s.spec() for s in scorers]
    specs = [
        {**sp, "args": redact_scorer_args(sp["args"])}
        if isinstance(sp.get("args"), Mapping)
        else sp
        for sp in specs
    ]
    texts: dict[str, Any] = {}
    for scorer, spec in zip(scorers, specs, strict=True):
        try:
            got = scorer.texts()
        except Exception as exc:  # a user scorer's display hook must not abort the run
            import warnings

            warnings.warn(
                f"scorer {spec['name']!r}: texts() raised {type(exc).__name__}: {exc}; its "
                "texts are left out of the run's manifest",
                RuntimeWarning,
                stacklevel=2,
            )
            got = {}
        own = {k: v for k, v in (got or {}).items() if isinstance(v, str)}
        if own:
            texts[spec["name"]] = {
                "spec_sha256": sha256_json(spec),
                "texts": {
                    label: {"text": t[:TEXT_CAP], "sha256": sha256_text(t), "chars": len(t)}
                    for label, t in own.items()
                },
            }
    return {"scorers": specs, "scorer_texts": texts}


def _git(folder: Path) -> dict[str, Any] | None:
    folder = folder if folder.is_dir() else folder.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


@dataclass
class ResumeState:
    """What an interrupted run already holds."""

    manifest: dict[str, Any]
    done: set[tuple[str, int]]
    counts: Counts
    """Totals of the records in ``done`` (not of those in ``retry``)."""
    records: list[Record]
    """Kept only when the caller keeps records in memory."""
    retry: dict[tuple[str, int], Record] = field(default_factory=dict)
    """With ``retry_errors``: the errored latest record of each pair to run again. Such a pair
    is not in ``done`` and its record is not in ``counts``, so once its new record is appended
    (and wins, being last) nothing is counted twice."""


def load_resume(
    run_dir: Path,
    *,
    candidate: Candidate,
    eval_set: EvalSet,
    scorers: Sequence[Scorer],
    repeats: int,
    cache_on: bool,
    keep_records: bool,
    retry_errors: bool = False,
) -> ResumeState:
    """Check that ``run_dir`` is the same run (candidate, eval set, scorers, repeats) and read
    which (case, repeat) pairs are done. Refuses, with the reason, anything that differs.

    A pair is done when it has a record; with ``retry_errors``, only when its latest record has
    no provider error (a scorer's error on a good answer is not a provider error: the answer
    is kept and not paid for again)."""
    manifest = read_manifest(run_dir)
    where = f"--resume {run_dir}"
    old_fp = manifest.get("candidate", {}).get("fingerprint")
    if old_fp != candidate.fingerprint():
        raise RunError(
            f"{where}: the candidate changed since the run started (fingerprint {str(old_fp)[:12]} "
            f"-> {candidate.fingerprint()[:12]}); start a new run with another --out"
        )
    ds = manifest.get("dataset", {})
    if ds.get("version") != eval_set.version:
        raise RunError(
            f"{where}: the eval set {ds.get('path') or ds.get('name')!r} changed since the run "
            f"started (version {str(ds.get('version'))[:12]} -> {eval_set.version[:12]}); "
            "resuming would mix answers to different cases; start a new run"
        )
    _check_selection(manifest, eval_set, where)
    old_scorers = [s.get("name") for s in manifest.get("scorers", [])]
    new_scorers = [s.spec()["name"] for s in scorers]
    if old_scorers != new_scorers:
        raise RunError(
            f"{where}: the scorers changed ({old_scorers} -> {new_scorers}); resume with the "
            "same scorers, then score the finished run again with the new ones into another "
            f"folder: evalkit score {run_dir} --out NEW_DIR [--scorer NAME ...]"
        )
    if int(manifest.get("repeats", 1)) != repeats:
        raise RunError(
            f"{where}: the run has repeats={manifest.get('repeats')} but {repeats} was asked; "
            "leave --repeats out when resuming"
        )
    counts = Counts(cache_on=cache_on)
    latest: dict[tuple[str, int], Record] = {}
    path = run_dir / RESULTS
    if path.exists():
        for r in read_records(path):
            # Without kept records only the counts read them: a finished record's request,
            # output and score evidence held 300 MB on resuming 10,000 of 100,000 pairs.
            latest[r.key] = r if keep_records or r.error is not None else _counted_part(r)
    retry = {k: r for k, r in latest.items() if r.error is not None} if retry_errors else {}
    kept = [r for k, r in latest.items() if k not in retry]
    for r in kept:
        counts.add(r)
    return ResumeState(
        manifest=manifest,
        done={r.key for r in kept},
        counts=counts,
        records=kept if keep_records else [],
        retry=retry,
    )


def _counted_part(r: Record) -> Record:
    """``r`` with only what :meth:`Counts.add` reads: no request, output, tool calls, nor
    score reasons and details."""
    from dataclasses import replace

    scores = {n: replace(sc, reason="", details={}) for n, sc in r.scores.items()}
    return replace(r, request={}, output="", tool_calls=(), scores=scores)


def _check_selection(manifest: Mapping[str, Any], eval_set: EvalSet, where: str) -> None:
    """A run directory holds one selection of the eval set: resuming with other cases (or the
    whole set for a selected run) would leave a run that is neither."""
    from evalkit.dataset import Selection

    raw = manifest.get("selection")
    old = Selection.from_dict(raw) if raw else None
    new = eval_set.selection
    if (old.filters if old else None) == (new.filters if new else None):
        return
    before = f"selected {old.describe()}" if old else "covers the whole eval set"
    now = f"the selection {new.flags()}" if new else "the whole eval set"
    raise RunError(
        f"{where}: the run {before} but {now} was given; resume it with the same selection "
        "(resume() reuses it: evalkit run --resume RUN_DIR), or start a new run with another "
        "--out"
    )


def scorers_follow_config(manifest: Mapping[str, Any]) -> bool:
    """Whether a run's scorers are rebuilt from its recorded config's suite (so an edited
    threshold applies) rather than from the manifest's own scorer specs.

    A run re-scored with scorers named outright (``evalkit score --scorer``) still records the
    config and suite it was run for, but its records were scored by other scorers: rebuilding
    the suite's would score its resumed records by other rules (or be refused as "the scorers
    changed"), so such a run always uses its manifest's scorers."""
    config, suite = manifest.get("config"), manifest.get("suite")
    if not (config and suite and Path(config).is_file()):
        return False
    rescored = manifest.get("rescored_from") or {}
    return rescored.get("scorers_from", "config") == "config"


def read_manifest(run_dir: Path) -> dict[str, Any]:
    import json

    path = run_dir / MANIFEST
    if not path.is_file():
        raise RunError(
            f"{run_dir}: not a run directory (no {MANIFEST}); pass the folder 'evalkit run' "
            "wrote (its --out)"
        )
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RunError(f"{path}: invalid JSON ({exc.msg}); the manifest is corrupted") from exc
    return data


def candidate_from_manifest(manifest: Mapping[str, Any]) -> Candidate:
    """Rebuild the candidate a run used, with its prompt and system sources inlined."""
    c = manifest.get("candidate") or {}
    try:
        return Candidate(
            name=c["name"],
            provider=c["provider"],
            model=c["model"],
            params=c.get("params") or {},
            system=c.get("system"),
            prompt=c.get("prompt"),
            tools=tuple(ToolSpec.from_dict(t) for t in c.get("tools") or ()),
            tool_choice=c.get("tool_choice"),
            base_url=c.get("base_url"),
            options=c.get("options") or {},
            api_key_env=c.get("api_key_env"),
            concurrency=int(c.get("concurrency", 16)),
            rpm=c.get("rpm"),
            tpm=c.get("tpm"),
            timeout_s=float(c.get("timeout_s", 60.0)),
            max_retries=int(c.get("max_retries", 6)),
            metadata=c.get("metadata") or {},
            base_dir=manifest.get("base_dir") or ".",
        )
    except KeyError as exc:
        raise RunError(
            f"manifest: candidate is missing {exc}; the run directory cannot be resumed"
        ) from None
