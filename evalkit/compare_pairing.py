"""How two runs pair up before they are compared: which runs they are (:class:`RunInfo`, with
the status their manifests record) and how their eval sets match (:class:`DatasetMatch`: shared
ids, selections, ids whose case was edited between versions). A helper of
:func:`evalkit.compare.compare`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.comparison import DatasetMatch, RunInfo
from evalkit.comparison_meta import UNFINISHED, coverage
from evalkit.dataset import Selection
from evalkit.errors import InputError
from evalkit.records import Run

__all__ = ["dataset_match", "run_info", "selection_of"]


def dataset_match(baseline: Run, candidate: Run, allowed: bool) -> tuple[DatasetMatch, set[str]]:
    """How the runs' cases pair up, and the shared ids whose case was edited in between."""
    vb, vc = baseline.dataset.get("version"), candidate.dataset.get("version")
    ids_b = {r.case_id for r in baseline.records}
    ids_c = {r.case_id for r in candidate.records}
    common = len(ids_b & ids_c)
    same = vb == vc
    if not same and not allowed:
        name = baseline.dataset.get("name") or "the eval set"
        raise InputError(
            f"compare: {baseline.path} ran {name} version {str(vb)[:12]} but {candidate.path} "
            f"ran {candidate.dataset.get('name') or 'an eval set'} version {str(vc)[:12]} "
            f"({common} case ids shared); re-run both on the same eval set, or allow the "
            "mismatch (--allow-dataset-mismatch) to compare only the shared cases"
        )
    if common == 0:
        raise InputError(
            f"compare: {baseline.path} and {candidate.path} have no case id in common; "
            "check that both runs are of the same eval set and finished"
        )
    edited, unknown = (set(), 0) if same else _edited_cases(baseline, candidate)
    shared = common - len(edited)
    if shared == 0:
        raise InputError(
            f"compare: every case id {baseline.path} and {candidate.path} share ({common}) "
            "holds a case that was edited between their eval set versions, so there is nothing "
            "to compare; re-run the baseline on the candidate's eval set"
        )
    sel_b, sel_c = selection_of(baseline), selection_of(candidate)
    notes = []
    if sel_b is not None or sel_c is not None:
        notes.append(
            f"Partial: {coverage(sel_b, sel_c)}; only the {shared} case(s) of both runs are compared and "
            "gated, not the whole eval set"
        )
    if not same:
        notes.append(
            f"Eval set versions differ ({str(vb)[:12]} vs {str(vc)[:12]}); mismatch allowed, "
            f"so only the {shared} shared {'' if unknown else 'unedited '}cases are compared"
        )
    if edited:
        first = ", ".join(sorted(edited)[:5]) + (", ..." if len(edited) > 5 else "")
        notes.append(
            f"{len(edited)} shared case id(s) hold an edited case ({first}): their answers are "
            "to different questions, so they are listed as content_changed, not compared or "
            "gated; re-run the baseline on this eval set version to compare them"
        )
    if unknown:
        notes.append(
            f"{unknown} shared case(s) cannot be checked for edits (a run written before "
            "evalkit recorded each case's content hash) and are compared as the same case"
        )
    if len(ids_b) != common or len(ids_c) != common:
        short = [w for w, r in (("baseline", baseline), ("candidate", candidate)) if _short(r)]
        why = (
            f"not answered (yet) by the unfinished {' and '.join(short)} run"
            if short
            else "the report lists those a selection did not leave out"
        )
        notes.append(
            f"{len(ids_b - ids_c)} case(s) only in the baseline and {len(ids_c - ids_b)} only "
            f"in the candidate are not counted in the statistics ({why})"
        )
    match = DatasetMatch(
        same_version=same,
        baseline_version=vb,
        candidate_version=vc,
        shared=shared,
        baseline_only=len(ids_b - ids_c),
        candidate_only=len(ids_c - ids_b),
        note="; ".join(notes) + ("." if notes else ""),
        baseline_selection=sel_b,
        candidate_selection=sel_c,
        content_changed=len(edited),
    )
    return match, edited


def _edited_cases(baseline: Run, candidate: Run) -> tuple[set[str], int]:
    """Shared case ids whose case content differs between the runs' eval set versions, and
    how many shared ids cannot be told (no content hash: a run written before it)."""

    def versions(run: Run) -> dict[str, str]:
        return {r.case_id: r.case_version for r in run.records}

    vb, vc = versions(baseline), versions(candidate)
    shared = [cid for cid in vb if cid in vc]
    known = [cid for cid in shared if vb[cid] and vc[cid]]
    return {cid for cid in known if vb[cid] != vc[cid]}, len(shared) - len(known)


def selection_of(run: Run) -> Selection | None:
    """The run's selection from its manifest (``None``: it covers the whole eval set)."""
    raw = run.manifest.get("selection")
    return Selection.from_dict(raw) if isinstance(raw, Mapping) else None


def run_info(run: Run) -> RunInfo:
    cand = run.candidate
    per_case: dict[str, int] = {}
    for r in run.records:
        per_case[r.case_id] = per_case.get(r.case_id, 0) + 1
    stopped, stopped_by = _stopped(run.manifest)
    return RunInfo(
        path=str(run.path),
        candidate=str(cand.get("name") or (run.records[0].candidate if run.records else "")),
        provider=cand.get("provider"),
        model=cand.get("model"),
        fingerprint=cand.get("fingerprint"),
        dataset=run.dataset.get("name"),
        dataset_version=run.dataset.get("version"),
        cases=len(per_case),
        records=len(run.records),
        repeats=int(run.manifest.get("repeats") or max(per_case.values(), default=1)),
        reported_models=tuple(sorted({r.model for r in run.records if r.model})),
        evalkit_version=_scored_by(run.manifest),
        status=run.manifest.get("status"),
        stopped=stopped,
        stopped_by=stopped_by,
        planned_cases=_planned(run),
    )


def _stopped(manifest: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """What stopped a run early, as its manifest records it: (message, ``provider``/``budget``)."""
    stop = manifest.get("stopped")
    if not isinstance(stop, Mapping) or not stop.get("reason"):
        return None, None
    return str(stop["reason"]), (str(stop["by"]) if stop.get("by") else None)


def _planned(run: Run) -> int | None:
    """Cases the run set out to answer: its selection's count, else the eval set's."""
    sel = selection_of(run)
    if sel is not None:
        return sel.selected
    n = run.dataset.get("cases")
    return int(n) if isinstance(n, int) and not isinstance(n, bool) else None


def _scored_by(manifest: Mapping[str, Any]) -> str | None:
    """The evalkit version whose scorers scored the run: a re-scoring's, else the run's."""
    again = manifest.get("rescored_from")
    version = again.get("evalkit_version") if isinstance(again, Mapping) else None
    return version or manifest.get("evalkit_version")


def _short(run: Run) -> bool:
    """Whether the run stopped before answering every case (its manifest ``status``)."""
    return run.manifest.get("status") in UNFINISHED
