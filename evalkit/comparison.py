"""The comparison data model: what :func:`evalkit.compare.compare` returns.

:func:`~evalkit.compare.compare` pairs two runs case by case and returns a :class:`Comparison`: per-scorer
aggregates with 95% intervals, paired differences with intervals and p-values, per-case
status (regression, improvement, unchanged), the same per tag, cost/token/latency deltas,
errors by kind, what changed in the configuration, and the gate verdict.

The :class:`Comparison` is the one data model every view renders (terminal and Markdown
summaries, the HTML report, ``--json``, notebooks). ``to_dict`` / ``from_dict`` are its JSON
schema (``schema_version`` :data:`SCHEMA_VERSION`, documented in ``docs/compare.md``); readers
ignore unknown keys. Per-case rows omit empty fields to stay compact at 10,000 cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from evalkit.aggregate import RunMetrics, ScorerAggregate
from evalkit.changes import ConfigDiff, FieldChange, TextDiff
from evalkit.comparison_cases import STATUSES, CaseRow, CaseSide, ScoreCell, Status
from evalkit.comparison_judges import JudgeComparison, JudgeSide, JudgeText
from evalkit.comparison_meta import DatasetMatch, GateResult, RunInfo, Verdict

__all__ = [
    "SCHEMA_VERSION",
    "STATUSES",
    "CaseRow",
    "CaseSide",
    "Comparison",
    "ConfigDiff",
    "DatasetMatch",
    "Delta",
    "FieldChange",
    "GateResult",
    "JudgeComparison",
    "JudgeSide",
    "JudgeText",
    "RunInfo",
    "ScoreCell",
    "ScorerComparison",
    "SliceComparison",
    "Status",
    "StatusCounts",
    "TextDiff",
    "Verdict",
]

SCHEMA_VERSION = 1


Test = Literal["paired_bootstrap", "mcnemar", "none"]


# ------------------------------------------------------------------------------ headline


@dataclass(frozen=True)
class Delta:
    """One metric, baseline against candidate, paired over the shared cases."""

    metric: str
    """``<scorer>.mean``, ``<scorer>.pass_rate``, ``<scorer>.<outcome>_rate``,
    ``<scorer>.<metric>`` or a run metric such as ``cost.per_case``."""
    baseline: float | None
    candidate: float | None
    delta: float | None
    """``candidate - baseline`` (for paired tests: the mean paired difference)."""
    low: float | None = None
    """95% interval of ``delta``; ``None`` when no paired test applies (totals, quantiles)."""
    high: float | None = None
    p_value: float | None = None
    """Two-sided p-value of the paired test; ``None`` when no test applies."""
    test: Test = "none"
    n: int = 0
    """Paired cases the test used."""
    higher_is_better: bool | None = None
    """Direction: scores up is good, cost/latency/errors up is bad, ``None`` unknown."""
    baseline_ci: tuple[float | None, float | None] = (None, None)
    """95% interval of the baseline value alone (scorer means and pass rates)."""
    candidate_ci: tuple[float | None, float | None] = (None, None)
    unpaired: int = 0
    """Scorer metrics: cases scored on one side only (a scorer error such as a failed judge,
    or no response, on the other), left out. When non-zero, ``baseline``, ``candidate`` and
    ``delta`` are over the cases scored on both sides, and the side intervals are not given."""

    @property
    def rel_pct(self) -> float | None:
        """Relative change in percent of the baseline; ``None`` when the baseline is 0."""
        if self.baseline in (None, 0) or self.candidate is None:
            return None
        assert self.baseline is not None
        return (self.candidate - self.baseline) / abs(self.baseline) * 100

    @property
    def worse(self) -> bool:
        """The value moved in the bad direction (any amount, significant or not)."""
        if self.delta is None or self.higher_is_better is None or self.delta == 0:
            return False
        return (self.delta < 0) == self.higher_is_better

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "delta": self.delta,
            "rel_pct": self.rel_pct,
            "low": self.low,
            "high": self.high,
            "p_value": self.p_value,
            "test": self.test,
            "n": self.n,
            "higher_is_better": self.higher_is_better,
            "baseline_ci": list(self.baseline_ci),
            "candidate_ci": list(self.candidate_ci),
            "unpaired": self.unpaired,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Delta:
        bci, cci = d.get("baseline_ci") or (None, None), d.get("candidate_ci") or (None, None)
        return cls(
            metric=d["metric"],
            baseline=d.get("baseline"),
            candidate=d.get("candidate"),
            delta=d.get("delta"),
            low=d.get("low"),
            high=d.get("high"),
            p_value=d.get("p_value"),
            test=d.get("test", "none"),
            n=int(d.get("n", 0)),
            higher_is_better=d.get("higher_is_better"),
            baseline_ci=(bci[0], bci[1]),
            candidate_ci=(cci[0], cci[1]),
            unpaired=int(d.get("unpaired") or 0),
        )


@dataclass(frozen=True)
class StatusCounts:
    """How many cases fall in each :data:`STATUSES` bucket."""

    regression: int = 0
    improvement: int = 0
    unchanged_pass: int = 0
    unchanged_fail: int = 0
    unscored: int = 0
    baseline_only: int = 0
    candidate_only: int = 0
    content_changed: int = 0

    def to_dict(self) -> dict[str, int]:
        return {s: getattr(self, s) for s in STATUSES}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> StatusCounts:
        d = d or {}
        return cls(**{s: int(d.get(s, 0)) for s in STATUSES})


@dataclass(frozen=True)
class ScorerComparison:
    """One scorer in one slice: both aggregates and the case status counts for it."""

    name: str
    baseline: ScorerAggregate | None
    """``None`` when the baseline run has no such scorer."""
    candidate: ScorerAggregate | None
    counts: StatusCounts

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "candidate": self.candidate.to_dict() if self.candidate else None,
            "counts": self.counts.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScorerComparison:
        b, c = d.get("baseline"), d.get("candidate")
        return cls(
            name=d["name"],
            baseline=ScorerAggregate.from_dict(b) if b else None,
            candidate=ScorerAggregate.from_dict(c) if c else None,
            counts=StatusCounts.from_dict(d.get("counts")),
        )


@dataclass(frozen=True)
class SliceComparison:
    """The comparison restricted to one tag (or the whole run when ``tag`` is ``None``)."""

    tag: str | None
    cases: int
    """Shared cases in the slice (the ones paired tests use)."""
    metrics: tuple[Delta, ...]
    """Every metric: per scorer ``mean``, ``pass_rate``, outcome rates and detail metrics,
    then the run metrics (:data:`evalkit.aggregate.RUN_METRICS`)."""
    scorers: tuple[ScorerComparison, ...]
    counts: StatusCounts
    """Case-level status counts (a case passes when it passes every scorer)."""
    baseline_run: RunMetrics
    """Cost, tokens, latency, errors by kind of the baseline's shared cases in the slice."""
    candidate_run: RunMetrics

    def metric(self, name: str) -> Delta | None:
        return next((m for m in self.metrics if m.metric == name), None)

    def scorer(self, name: str) -> ScorerComparison | None:
        return next((s for s in self.scorers if s.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "cases": self.cases,
            "metrics": [m.to_dict() for m in self.metrics],
            "scorers": [s.to_dict() for s in self.scorers],
            "counts": self.counts.to_dict(),
            "baseline_run": self.baseline_run.to_dict(),
            "candidate_run": self.candidate_run.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SliceComparison:
        return cls(
            tag=d.get("tag"),
            cases=int(d.get("cases", 0)),
            metrics=tuple(Delta.from_dict(m) for m in d.get("metrics") or ()),
            scorers=tuple(ScorerComparison.from_dict(s) for s in d.get("scorers") or ()),
            counts=StatusCounts.from_dict(d.get("counts")),
            baseline_run=RunMetrics.from_dict(d.get("baseline_run") or {}),
            candidate_run=RunMetrics.from_dict(d.get("candidate_run") or {}),
        )


# ------------------------------------------------------------------------------ comparison


@dataclass(frozen=True)
class Comparison:
    """Baseline run against candidate run: everything a reviewer needs to decide."""

    baseline: RunInfo
    candidate: RunInfo
    dataset: DatasetMatch
    config: ConfigDiff
    overall: SliceComparison
    tags: tuple[SliceComparison, ...]
    """One slice per tag that occurs in the shared cases, sorted by tag."""
    cases: tuple[CaseRow, ...]
    """Every case of either run: shared ones in baseline order, then candidate-only ones."""
    verdict: Verdict
    """The gates' verdict (``PASS`` with no results when no gates were given)."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """How statistics were computed: ``confidence``, ``n_boot``, ``seed``."""
    judges: tuple[JudgeComparison, ...] = ()
    """Each judge-based scorer's provider, model, scale and texts on both sides."""
    outcomes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Scorer → the outcome labels its class declares (a closed set, ``Scorer.outcomes``): a
    gate on any other ``<scorer>.<label>_rate`` of it is an unknown metric, not a rate of 0."""
    schema_version: int = SCHEMA_VERSION

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    def slice(self, tag: str | None) -> SliceComparison | None:
        """The overall slice for ``None``, else the tag's slice (``None`` if absent)."""
        if tag is None:
            return self.overall
        return next((s for s in self.tags if s.tag == tag), None)

    def _repr_html_(self) -> str:
        from evalkit.frames import comparison_html

        return comparison_html(self)

    def __repr__(self) -> str:
        from evalkit.frames import comparison_repr

        return comparison_repr(self)

    def rows(self, status: str | None = None, tag: str | None = None) -> list[CaseRow]:
        """Case rows, optionally only one status and/or one tag."""
        return [
            r
            for r in self.cases
            if (status is None or r.status == status) and (tag is None or tag in r.tags)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "kind": "evalkit.comparison",
            "baseline": self.baseline.to_dict(),
            "candidate": self.candidate.to_dict(),
            "dataset": self.dataset.to_dict(),
            "config": self.config.to_dict(),
            "verdict": self.verdict.to_dict(),
            "overall": self.overall.to_dict(),
            "tags": [t.to_dict() for t in self.tags],
            "settings": dict(self.settings),
            "judges": [j.to_dict() for j in self.judges],
            "outcomes": {k: list(v) for k, v in self.outcomes.items()},
            "cases": [c.to_dict() for c in self.cases],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Comparison:
        return cls(
            baseline=RunInfo.from_dict(d.get("baseline") or {}),
            candidate=RunInfo.from_dict(d.get("candidate") or {}),
            dataset=DatasetMatch.from_dict(d.get("dataset") or {}),
            config=ConfigDiff.from_dict(d.get("config") or {}),
            overall=SliceComparison.from_dict(d.get("overall") or {}),
            tags=tuple(SliceComparison.from_dict(t) for t in d.get("tags") or ()),
            cases=tuple(CaseRow.from_dict(c) for c in d.get("cases") or ()),
            verdict=Verdict.from_dict(d.get("verdict") or {}),
            settings=dict(d.get("settings") or {}),
            judges=tuple(JudgeComparison.from_dict(j) for j in d.get("judges") or ()),
            outcomes={k: tuple(v) for k, v in (d.get("outcomes") or {}).items()},
            schema_version=int(d.get("schema_version", SCHEMA_VERSION)),
        )
