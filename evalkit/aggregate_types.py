"""The data model of aggregates: :class:`Estimate` (a statistic with its 95% interval),
:class:`ScorerAggregate`, :class:`RunMetrics` and :class:`RunAggregate`, each with the
``to_dict``/``from_dict`` that comparisons and reports serialise.

Computed by :mod:`evalkit.aggregate`; re-exported there, where callers import them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RUN_METRICS", "Estimate", "RunAggregate", "RunMetrics", "ScorerAggregate"]

RUN_METRICS = (
    "cost.total",
    "cost.priced_total",
    "cost.per_case",
    "tokens.input",
    "tokens.output",
    "tokens.input_per_case",
    "tokens.output_per_case",
    "latency.p50",
    "latency.p95",
    "latency.max",
    "errors.rate",
    "empty.rate",
    "truncated.rate",
)
"""Run-level metric names a gate may use (besides ``<scorer>.<stat>``)."""


@dataclass(frozen=True)
class Estimate:
    """A statistic with its 95% interval; all ``None`` when nothing was measured."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0
    """How many cases it was computed from."""

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Estimate:
        d = d or {}
        return cls(d.get("value"), d.get("low"), d.get("high"), int(d.get("n", 0)))


@dataclass(frozen=True)
class ScorerAggregate:
    """One scorer over one run (or one tag slice of it)."""

    name: str
    cases: int
    """Cases the scorer applied to (a score or a provider error; a case ``skip_missing`` left
    out is not one)."""
    mean: Estimate
    """Mean of per-case values (scored records only), bootstrap 95% CI."""
    pass_rate: Estimate
    """Mean over cases of each case's share of passing repeats (without repeats: the share of
    cases that pass); provider errors count as failures, scorer errors (unscored) not at all. Wilson CI when no case is flaky (always so
    without repeats), cluster bootstrap of per-case rates otherwise."""
    errors: int = 0
    """Records where the scorer failed or the provider returned no response."""
    flaky: int = 0
    """Cases whose verdict differs across repeats."""
    outcomes: Mapping[str, float] = field(default_factory=dict)
    """``details["outcome"]`` label → share of scored records (averaged per case)."""
    metrics: Mapping[str, float] = field(default_factory=dict)
    """``details["metrics"]`` name → mean over cases."""
    unscored: int = 0
    """Records the scorer could not score (a scorer error, not a provider error): part of
    ``errors``, but no verdict, so left out of the pass rate rather than counted as failures."""
    unscored_rate: float | None = None
    """``<scorer>.unscored_rate``: per case the share of its repeats with a scorer error (without
    repeats: 1 or 0), averaged over the cases the scorer applied to; ``None`` when it applied to
    none. A gate on it bounds scorer errors (and opts out of the verdict's ``new_scorer_errors``
    rule for that scorer), as their own cases are left out of the mean and pass rate."""
    scored: int = 0
    """Cases the scorer gave a value, a verdict or an outcome on at least one repeat: the
    cases behind the mean, the outcome rates and (with provider errors as failures) the pass
    rate. Fewer than ``cases`` when some applied without a score (a refusal case without
    ``should_refuse``) or failed."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cases": self.cases,
            "scored": self.scored,
            "mean": self.mean.to_dict(),
            "pass_rate": self.pass_rate.to_dict(),
            "errors": self.errors,
            "flaky": self.flaky,
            "outcomes": dict(self.outcomes),
            "metrics": dict(self.metrics),
            "unscored": self.unscored,
            "unscored_rate": self.unscored_rate,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScorerAggregate:
        return cls(
            name=d["name"],
            cases=int(d.get("cases", 0)),
            mean=Estimate.from_dict(d.get("mean")),
            pass_rate=Estimate.from_dict(d.get("pass_rate")),
            errors=int(d.get("errors", 0)),
            flaky=int(d.get("flaky", 0)),
            outcomes=dict(d.get("outcomes") or {}),
            metrics=dict(d.get("metrics") or {}),
            unscored=int(d.get("unscored", 0)),
            unscored_rate=d.get("unscored_rate"),
            scored=int(d.get("scored", 0)),
        )


@dataclass(frozen=True)
class RunMetrics:
    """Cost, tokens, latency and errors of one run (or slice)."""

    cases: int
    records: int
    cost_total: float | None
    """USD over records with a known price; ``None`` when no record had one. The gate metric
    ``cost.total`` is ``None`` when ``cost_unknown`` > 0; this priced part is
    ``cost.priced_total``."""
    cost_per_case: float | None
    """``cost_total`` per answered record (one call of one case); ``None`` when any answered
    record is unpriced, as a mean of the priced ones alone hides a move to an unpriced model."""
    cost_unknown: int
    """Answered records without a known price (not counted as zero)."""
    input_tokens: int
    """Sum over all records (an errored record has none)."""
    output_tokens: int
    latency_p50: float | None
    """Milliseconds, over records that have a latency."""
    latency_p95: float | None
    latency_max: float | None
    errors: int
    """Records with a provider error."""
    errors_by_kind: Mapping[str, int] = field(default_factory=dict)
    usage_estimated: int = 0
    """Records whose token counts evalkit estimated (the provider reported none): their
    tokens and cost are estimates, and every view says so."""
    empty: int = 0
    """Answered records with no text and no tool call (an empty answer)."""
    truncated: int = 0
    """Answered records cut off by the token limit (finish reason ``length``: OpenAI's
    ``length``, Anthropic's ``max_tokens``), which scorers of claims and cost do not see."""

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.records if self.records else None

    @property
    def answered(self) -> int:
        """Records with a response (every record but the errored ones)."""
        return max(self.records - self.errors, 0)

    def unpriced_text(self) -> str:
        """``"unknown: 5 of 10 answered records unpriced"``, or ``""`` when every answered
        record has a price: the words every view shows beside an unknown ``cost.*`` value."""
        if not self.cost_unknown:
            return ""
        return f"unknown: {self.cost_unknown} of {self.answered} answered records unpriced"

    def metrics(self) -> dict[str, float | None]:
        """The flat ``name → value`` map gates look up (see :data:`RUN_METRICS`)."""
        n = self.answered
        # An unknown price makes the total and the per-case cost unknown: a budget gate must
        # not pass on a partial sum, nor a rise gate on the mean of the priced records alone
        # (half the calls moved to an unpriced model would read as "no change"). The priced
        # part stays visible as cost.priced_total.
        known = self.cost_unknown == 0
        # Per answered record: an errored call used no tokens, and counting it would halve
        # the figure when half the calls fail (fewer tokens, not a cheaper prompt).
        return {
            "cost.total": self.cost_total if known else None,
            "cost.priced_total": self.cost_total,
            "cost.per_case": self.cost_per_case if known else None,
            "tokens.input": float(self.input_tokens),
            "tokens.output": float(self.output_tokens),
            "tokens.input_per_case": self.input_tokens / n if n else None,
            "tokens.output_per_case": self.output_tokens / n if n else None,
            "latency.p50": self.latency_p50,
            "latency.p95": self.latency_p95,
            "latency.max": self.latency_max,
            "errors.rate": self.error_rate,
            "empty.rate": self.empty / n if n else None,
            "truncated.rate": self.truncated / n if n else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "records": self.records,
            "cost_total": self.cost_total,
            "cost_per_case": self.cost_per_case,
            "cost_unknown": self.cost_unknown,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "latency_p50": self.latency_p50,
            "latency_p95": self.latency_p95,
            "latency_max": self.latency_max,
            "errors": self.errors,
            "errors_by_kind": dict(self.errors_by_kind),
            "usage_estimated": self.usage_estimated,
            "empty": self.empty,
            "truncated": self.truncated,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunMetrics:
        return cls(
            cases=int(d.get("cases", 0)),
            records=int(d.get("records", 0)),
            cost_total=d.get("cost_total"),
            cost_per_case=d.get("cost_per_case"),
            cost_unknown=int(d.get("cost_unknown", 0)),
            input_tokens=int(d.get("input_tokens", 0)),
            output_tokens=int(d.get("output_tokens", 0)),
            latency_p50=d.get("latency_p50"),
            latency_p95=d.get("latency_p95"),
            latency_max=d.get("latency_max"),
            errors=int(d.get("errors", 0)),
            errors_by_kind=dict(d.get("errors_by_kind") or {}),
            usage_estimated=int(d.get("usage_estimated", 0)),
            empty=int(d.get("empty", 0)),
            truncated=int(d.get("truncated", 0)),
        )


@dataclass(frozen=True)
class RunAggregate:
    """Everything aggregated over one run or one tag slice of it."""

    tag: str | None
    """``None`` for the whole run."""
    scorers: tuple[ScorerAggregate, ...]
    run: RunMetrics

    def scorer(self, name: str) -> ScorerAggregate | None:
        return next((s for s in self.scorers if s.name == name), None)

    def metrics(self) -> dict[str, float | None]:
        """Flat ``metric → value``: ``<scorer>.mean``, ``.pass_rate``, ``.unscored_rate``,
        outcome rates, detail metrics and the run metrics; the names gates use."""
        out: dict[str, float | None] = {}
        for s in self.scorers:
            out[f"{s.name}.mean"] = s.mean.value
            out[f"{s.name}.pass_rate"] = s.pass_rate.value
            out[f"{s.name}.unscored_rate"] = s.unscored_rate  # an outcome "unscored" wins
            for label, rate in s.outcomes.items():
                out[f"{s.name}.{label}_rate"] = rate
            for name, value in s.metrics.items():
                out[f"{s.name}.{name}"] = value
        out.update(self.run.metrics())
        return out

    def estimate(self, metric: str) -> Estimate | None:
        """The estimate with interval for ``<scorer>.mean`` / ``.pass_rate``, else ``None``."""
        scorer, _, stat = metric.rpartition(".")
        s = self.scorer(scorer)
        if s is None or stat not in ("mean", "pass_rate"):
            return None
        return s.mean if stat == "mean" else s.pass_rate

    def to_dict(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "scorers": [s.to_dict() for s in self.scorers],
            "run": self.run.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunAggregate:
        return cls(
            tag=d.get("tag"),
            scorers=tuple(ScorerAggregate.from_dict(s) for s in d.get("scorers") or ()),
            run=RunMetrics.from_dict(d.get("run") or {}),
        )
