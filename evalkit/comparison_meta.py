"""The comparison's context and verdict: which runs were compared (:class:`RunInfo`), how their
eval sets matched (:class:`DatasetMatch`), and what the gates said (:class:`GateResult`,
:class:`Verdict`). Part of the data model of :mod:`evalkit.comparison`, which re-exports them;
``to_dict`` / ``from_dict`` follow its JSON schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from evalkit.dataset import Selection

__all__ = [
    "UNFINISHED",
    "DatasetMatch",
    "GateResult",
    "RunInfo",
    "Verdict",
    "coverage",
    "unfinished_text",
    "version_note",
]


# ------------------------------------------------------------------------------ context


UNFINISHED = ("running", "interrupted", "incomplete", "aborted")
"""Manifest statuses of a run that did not answer every case it set out to."""


@dataclass(frozen=True)
class RunInfo:
    """Which run a side of the comparison is."""

    path: str
    candidate: str
    """The candidate's name."""
    provider: str | None
    model: str | None
    """The model ID asked for."""
    fingerprint: str | None
    dataset: str | None
    dataset_version: str | None
    cases: int
    records: int
    repeats: int
    reported_models: tuple[str, ...] = ()
    """Model IDs the provider reported in this run's responses (sorted)."""
    evalkit_version: str | None = None
    """The evalkit version that scored this run (for a re-scored run: the re-scoring one)."""
    status: str | None = None
    """The run's manifest ``status``: ``complete``, or ``running`` / ``interrupted`` /
    ``incomplete`` / ``aborted`` for a run that did not answer every case it set out to
    (``None``: a run written before statuses)."""
    stopped: str | None = None
    """Why an ``incomplete`` run stopped, as recorded (the provider's message, the cap)."""
    stopped_by: str | None = None
    """Who stopped it: ``provider`` (a quota it will not reset soon) or ``budget``."""
    planned_cases: int | None = None
    """Cases the run set out to answer: its selection's, else the eval set's."""

    @property
    def unfinished(self) -> bool:
        """Whether the run stopped before answering every case it set out to."""
        return self.status in UNFINISHED

    def progress_text(self, *, why: bool = True) -> str:
        """``interrupted after 9 of 33 cases``, ``stopped by the provider after 2 of 33 cases:
        <its message>`` (without the message when not ``why``); ``""`` for a finished run."""
        if not self.unfinished:
            return ""
        of = f" of {self.planned_cases}" if self.planned_cases else ""
        by = {"provider": "stopped by the provider", "budget": "stopped by the cost cap"}
        how = {
            "running": "still running, or killed,",
            "interrupted": "interrupted",
            "aborted": "aborted",
        }.get(str(self.status)) or by.get(str(self.stopped_by), "stopped")
        said = f"{how} after {self.cases}{of} cases"
        if self.repeats > 1:  # "30 of 30 cases" read as finished when repeats were missing
            planned = f" of {self.planned_cases * self.repeats}" if self.planned_cases else ""
            said = f"{how} after {self.records}{planned} case repeats"
        return f"{said}: {self.stopped}" if why and self.stopped else said

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "candidate": self.candidate,
            "provider": self.provider,
            "model": self.model,
            "fingerprint": self.fingerprint,
            "dataset": self.dataset,
            "dataset_version": self.dataset_version,
            "cases": self.cases,
            "records": self.records,
            "repeats": self.repeats,
            "reported_models": list(self.reported_models),
            "evalkit_version": self.evalkit_version,
            "status": self.status,
            "stopped": self.stopped,
            "stopped_by": self.stopped_by,
            "planned_cases": self.planned_cases,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunInfo:
        return cls(
            path=d.get("path", ""),
            candidate=d.get("candidate", ""),
            provider=d.get("provider"),
            model=d.get("model"),
            fingerprint=d.get("fingerprint"),
            dataset=d.get("dataset"),
            dataset_version=d.get("dataset_version"),
            cases=int(d.get("cases", 0)),
            records=int(d.get("records", 0)),
            repeats=int(d.get("repeats", 1)),
            reported_models=tuple(d.get("reported_models") or ()),
            evalkit_version=d.get("evalkit_version"),
            status=d.get("status"),
            stopped=d.get("stopped"),
            stopped_by=d.get("stopped_by"),
            planned_cases=d.get("planned_cases"),
        )


@dataclass(frozen=True)
class DatasetMatch:
    """Whether both runs used the same eval set version, and which cases were paired."""

    same_version: bool
    baseline_version: str | None
    candidate_version: str | None
    shared: int
    """Cases present in both runs: the only ones compared."""
    baseline_only: int
    candidate_only: int
    note: str = ""
    """A sentence for the report when something is off (mismatch allowed, missing cases, a
    partial run)."""
    baseline_selection: Selection | None = None
    """The baseline run's selection (``evalkit run --case/--tag/--limit``); ``None``: the
    whole eval set."""
    candidate_selection: Selection | None = None
    """The candidate run's selection; ``None``: the whole eval set."""
    content_changed: int = 0
    """Shared case ids whose case was edited between the two eval set versions (allowed
    mismatch): listed, not compared, and not in :attr:`shared`."""
    unfinished: str = ""
    """Which run stopped before answering every case it set out to, and how far it got
    (:func:`unfinished_text`); ``""`` when both finished."""

    @property
    def partial(self) -> bool:
        """Whether either run covers only part of the eval set (a selection, or a run that
        stopped early), so the comparison and its gates speak for the compared cases only."""
        return (
            self.baseline_selection is not None
            or self.candidate_selection is not None
            or bool(self.unfinished)
        )

    def coverage(self) -> str:
        """``12 of 40 cases selected in the candidate run (--case refund-*)``, ``the candidate
        run is unfinished (interrupted after 9 of 33 cases)``; ``""`` when both runs cover the
        whole eval set."""
        said = coverage(self.baseline_selection, self.candidate_selection)
        return "; ".join(p for p in (said, self.unfinished) if p)

    def to_dict(self) -> dict[str, Any]:
        return {
            "same_version": self.same_version,
            "baseline_version": self.baseline_version,
            "candidate_version": self.candidate_version,
            "shared": self.shared,
            "baseline_only": self.baseline_only,
            "candidate_only": self.candidate_only,
            "note": self.note,
            "partial": self.partial,
            "baseline_selection": _sel(self.baseline_selection),
            "candidate_selection": _sel(self.candidate_selection),
            "content_changed": self.content_changed,
            "unfinished": self.unfinished,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DatasetMatch:
        return cls(
            same_version=bool(d.get("same_version", True)),
            baseline_version=d.get("baseline_version"),
            candidate_version=d.get("candidate_version"),
            shared=int(d.get("shared", 0)),
            baseline_only=int(d.get("baseline_only", 0)),
            candidate_only=int(d.get("candidate_only", 0)),
            note=d.get("note", ""),
            baseline_selection=_from_sel(d.get("baseline_selection")),
            candidate_selection=_from_sel(d.get("candidate_selection")),
            content_changed=int(d.get("content_changed", 0)),
            unfinished=str(d.get("unfinished") or ""),
        )


def unfinished_text(baseline: RunInfo, candidate: RunInfo, *, why: bool = False) -> str:
    """``the candidate run is unfinished (interrupted after 9 of 33 cases)``, both runs named
    when both are, with what stopped them when ``why``; ``""`` when both finished."""
    sides = (("candidate", candidate), ("baseline", baseline))
    return "; ".join(
        f"the {name} run is unfinished ({info.progress_text(why=why)})"
        for name, info in sides
        if info.unfinished
    )


def coverage(baseline: Selection | None, candidate: Selection | None) -> str:
    """What part of the eval set each run covers, in words (see :meth:`DatasetMatch.coverage`)."""

    def part(s: Selection, where: str) -> str:
        return f"{s.selected} of {s.of} cases selected in {where} ({s.flags()})"

    if baseline is not None and candidate is not None:
        if baseline.filters == candidate.filters:
            return part(candidate, "both runs")
        return f"{part(baseline, 'the baseline run')}; {part(candidate, 'the candidate run')}"
    if candidate is not None:
        return part(candidate, "the candidate run")
    return part(baseline, "the baseline run") if baseline is not None else ""


def version_note(baseline: RunInfo, candidate: RunInfo) -> str:
    """A note when the runs were scored by different evalkit versions (``""`` otherwise or
    when either version is unknown): built-in scorers may score differently between
    versions with no argument changed, so part of a delta may be evalkit's. Never a gate."""
    vb, vc = baseline.evalkit_version, candidate.evalkit_version
    if not vb or not vc or vb == vc:
        return ""
    return (
        f"baseline scored by evalkit {vb}, candidate by {vc}: built-in scorers may have "
        "changed between versions; re-score both runs with one version (evalkit score) to "
        "compare like with like"
    )


def _sel(s: Selection | None) -> dict[str, Any] | None:
    return s.to_dict() if s is not None else None


def _from_sel(d: Any) -> Selection | None:
    return Selection.from_dict(d) if isinstance(d, Mapping) else None


# ------------------------------------------------------------------------------ verdict


@dataclass(frozen=True)
class GateResult:
    """One rule of one gate (a gate with ``min`` and ``max_drop`` gives two results)."""

    gate: str
    """The gate's label (its name, or ``metric [tag]``)."""
    metric: str
    tag: str | None
    rule: str
    """``min``, ``max``, ``max_drop``, ``max_rise``, ``max_rise_pct`` or ``no_new_failures``;
    the verdict's built-in rules ``answered``, ``new_errors``, ``new_empty_answers``,
    ``new_truncated`` and ``new_scorer_errors`` (no gate declares them, see :data:`evalkit.gates.BUILTIN_RULES`);
    ``max_error_rate`` from ``evalkit check --max-error-rate``."""
    threshold: float | None
    status: Literal["pass", "fail", "skip"]
    """``skip`` only for a delta rule checked without a baseline (:func:`check_thresholds`)."""
    reason: str
    """Plain words with the numbers, e.g. ``groundedness.mean dropped 0.041 (0.913 → 0.872,
    95% CI −0.060…−0.020, p=0.003) > allowed 0.02``."""
    observed: float | None = None
    """The candidate value (absolute rules), the change (delta rules) or the count of new
    failures."""
    p_value: float | None = None
    cases: tuple[str, ...] = ()
    """Case ids behind a failure (new failures; at most 50)."""

    @property
    def passed(self) -> bool:
        return self.status != "fail"

    def to_dict(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "metric": self.metric,
            "tag": self.tag,
            "rule": self.rule,
            "threshold": self.threshold,
            "status": self.status,
            "reason": self.reason,
            "observed": self.observed,
            "p_value": self.p_value,
            "cases": list(self.cases),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GateResult:
        return cls(
            gate=d.get("gate", d.get("metric", "")),
            metric=d.get("metric", ""),
            tag=d.get("tag"),
            rule=d.get("rule", ""),
            threshold=d.get("threshold"),
            status=d.get("status", "fail"),
            reason=d.get("reason", ""),
            observed=d.get("observed"),
            p_value=d.get("p_value"),
            cases=tuple(d.get("cases") or ()),
        )


@dataclass(frozen=True)
class Verdict:
    """PASS when no gate rule failed (no gates at all is a PASS with no reasons)."""

    results: tuple[GateResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def status(self) -> Literal["PASS", "FAIL"]:
        return "PASS" if self.passed else "FAIL"

    @property
    def failures(self) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "passed": self.passed,
            "results": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Verdict:
        return cls(tuple(GateResult.from_dict(r) for r in d.get("results") or ()))
