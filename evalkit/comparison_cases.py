"""Per-case rows of a comparison: one case, baseline beside candidate, as the report shows it.

Part of the comparison data model; :mod:`evalkit.comparison` re-exports everything here.
Rows omit empty fields in ``to_dict`` to stay compact at 10,000 cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = ["STATUSES", "CaseRow", "CaseSide", "ScoreCell", "Status"]

Status = Literal[
    "regression",
    "improvement",
    "unchanged_pass",
    "unchanged_fail",
    "unscored",
    "baseline_only",
    "candidate_only",
    "content_changed",
]
STATUSES: tuple[str, ...] = get_args(Status)
"""Case status: ``regression`` passed in the baseline and fails now, ``improvement`` the
reverse, ``unchanged_pass`` / ``unchanged_fail`` same verdict, ``unscored`` no verdict on a side,
``baseline_only`` / ``candidate_only`` the case is in one run only (allowed dataset mismatch),
``content_changed`` both runs have the id but its case was edited between their eval set versions
(allowed mismatch): shown side by side, never compared, counted or gated."""


# ------------------------------------------------------------------------------ per case


@dataclass(frozen=True)
class ScoreCell:
    """One scorer on one case of one run. Reason and details come from the repeat shown (the
    first that agrees with the majority verdict; see :class:`CaseSide`)."""

    value: float | None
    """Mean over repeats."""
    passed: bool | None
    """Majority verdict over repeats (a tie fails); errors count as failures."""
    pass_rate: float | None = None
    """Share of repeats that passed (only stored when there are repeats)."""
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    """The scorer's evidence as it wrote it: groundedness ``claims`` (text, span, supported),
    refusal ``verdict`` / ``outcome``, tool-call per-call verdicts, ``metrics``."""
    error: str | None = None
    """The scorer error, or ``"provider error: <kind>"`` when there was no response."""
    outcomes: tuple[str, ...] = ()
    """Distinct ``details["outcome"]`` labels over repeats."""
    unscored: int = 0
    """Repeats with a scorer error (no verdict; not a provider error): what the verdict's
    ``new_scorer_errors`` rule counts. ``error`` alone cannot tell, as it is the shown repeat's."""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"value": self.value, "passed": self.passed}
        if self.pass_rate is not None:
            d["pass_rate"] = self.pass_rate
        if self.reason:
            d["reason"] = self.reason
        if self.details:
            d["details"] = dict(self.details)
        if self.error is not None:
            d["error"] = self.error
        if self.outcomes:
            d["outcomes"] = list(self.outcomes)
        if self.unscored:
            d["unscored"] = self.unscored
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoreCell:
        return cls(
            value=d.get("value"),
            passed=d.get("passed"),
            pass_rate=d.get("pass_rate"),
            reason=d.get("reason", ""),
            details=d.get("details") or {},
            error=d.get("error"),
            outcomes=tuple(d.get("outcomes") or ()),
            unscored=int(d.get("unscored") or 0),
        )


@dataclass(frozen=True)
class CaseSide:
    """One case in one run. Output and tool calls are those of the repeat shown: the first
    whose verdicts agree with the majority (the first repeat when none does)."""

    output: str
    passed: bool | None
    """Passes every scorer that gave a verdict (see ``docs/compare.md``)."""
    scores: Mapping[str, ScoreCell] = field(default_factory=dict)
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    """:meth:`ToolCall.to_dict` of each call."""
    cost: float | None = None
    """USD, mean over repeats with a known price."""
    latency_ms: float | None = None
    """Mean over repeats."""
    error: Mapping[str, Any] | None = None
    """:meth:`ErrorInfo.to_dict` of the first errored repeat."""
    model: str | None = None
    """The model ID the provider reported."""
    usage_estimated: bool = False
    """Token counts (and so the cost) were estimated by evalkit for at least one repeat."""
    repeats: int = 1
    verdicts: tuple[bool | None, ...] = ()
    """Case-level verdict per repeat (only stored when there are repeats)."""
    truncated: int = 0
    """Repeats whose answer the token limit cut off (finish reason ``length``)."""
    finish_reason: str | None = None
    """The finish reason of the repeat shown, when it is not a plain end (``stop``,
    ``tool_calls``, or ``unknown`` for a provider that reports none)."""
    finish_unknown: int = 0
    """Answered repeats whose finish reason is ``unknown`` (a pipeline that reports none, or
    a run recorded before evalkit normalised a callable's ``max_tokens``): whether they were
    cut off is not known."""

    @property
    def flaky(self) -> bool:
        return len({v for v in self.verdicts if v is not None}) > 1

    @property
    def pass_rate(self) -> float | None:
        v = [x for x in self.verdicts if x is not None]
        return sum(v) / len(v) if v else None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "output": self.output,
            "passed": self.passed,
            "scores": {k: v.to_dict() for k, v in self.scores.items()},
        }
        optional = {
            "tool_calls": [dict(t) for t in self.tool_calls],
            "cost": self.cost,
            "latency_ms": self.latency_ms,
            "error": dict(self.error) if self.error else None,
            "model": self.model,
        }
        d.update({k: v for k, v in optional.items() if v not in (None, [])})
        if self.usage_estimated:
            d["usage_estimated"] = True
        if self.truncated:
            d["truncated"] = self.truncated
        if self.finish_reason:
            d["finish_reason"] = self.finish_reason
        if self.finish_unknown:
            d["finish_unknown"] = self.finish_unknown
        if self.repeats != 1:
            d["repeats"] = self.repeats
            d["verdicts"] = list(self.verdicts)
            d["flaky"] = self.flaky
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CaseSide:
        return cls(
            output=d.get("output", ""),
            passed=d.get("passed"),
            scores={k: ScoreCell.from_dict(v) for k, v in (d.get("scores") or {}).items()},
            tool_calls=tuple(d.get("tool_calls") or ()),
            cost=d.get("cost"),
            latency_ms=d.get("latency_ms"),
            error=d.get("error"),
            model=d.get("model"),
            usage_estimated=bool(d.get("usage_estimated", False)),
            repeats=int(d.get("repeats", 1)),
            verdicts=tuple(d.get("verdicts") or ()),
            truncated=int(d.get("truncated") or 0),
            finish_reason=d.get("finish_reason"),
            finish_unknown=int(d.get("finish_unknown") or 0),
        )


@dataclass(frozen=True)
class CaseRow:
    """One case, baseline beside candidate: what the report's case table shows."""

    case_id: str
    tags: tuple[str, ...]
    input: str
    """The request's non-system message text, joined by blank lines."""
    status: Status
    """Case-level status (see :data:`STATUSES`)."""
    scorer_status: Mapping[str, Status]
    """The same status per scorer."""
    baseline: CaseSide | None
    """``None`` for a ``candidate_only`` case."""
    candidate: CaseSide | None

    @property
    def paired(self) -> bool:
        """Whether the two sides answered the same case: the rows statistics and gates count.
        A ``content_changed`` row has both sides, but of two different questions."""
        return (
            self.baseline is not None
            and self.candidate is not None
            and self.status != "content_changed"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "tags": list(self.tags),
            "input": self.input,
            "status": self.status,
            "scorer_status": dict(self.scorer_status),
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "candidate": self.candidate.to_dict() if self.candidate else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CaseRow:
        b, c = d.get("baseline"), d.get("candidate")
        return cls(
            case_id=str(d["case_id"]),
            tags=tuple(d.get("tags") or ()),
            input=d.get("input", ""),
            status=d.get("status", "unscored"),
            scorer_status=dict(d.get("scorer_status") or {}),
            baseline=CaseSide.from_dict(b) if b else None,
            candidate=CaseSide.from_dict(c) if c else None,
        )
