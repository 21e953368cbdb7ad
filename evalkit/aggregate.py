"""Aggregates over a run's records: per-scorer means and pass rates with 95% intervals, run
metrics (cost, tokens, latency, errors), overall and per tag.

The unit of analysis is the *case*, not the record: with repeats, a case's value is the mean
over its repeats and its pass rate the share of repeats that passed, and intervals resample
cases (a cluster bootstrap), because repeats of one case are not independent evidence.

Definitions (also in ``docs/compare.md``):

- A scorer *applies* to a record when the record carries that score, or when the record has a
  provider error (there was no response to score; that counts as a failure, shown as error).
- A record *passes* a scorer when ``Score.passed`` is true; a scorer error or a provider error
  is a failure; ``passed=None`` without error (a value-only scorer) gives no verdict.
- A case *passes* a scorer when more than half of its verdicts over repeats pass (a tie fails);
  it is *flaky* when its verdicts differ across repeats.
- A case *passes overall* when it passes every scorer that gave it a verdict.
- Two conventions in ``Score.details`` are aggregated generically: ``details["outcome"]``
  becomes ``<scorer>.<outcome>_rate`` and ``details["metrics"][name]`` becomes
  ``<scorer>.<name>`` (the mean over cases).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from evalkit.records import Record
from evalkit.stats import Bootstrap, wilson

__all__ = [
    "RUN_METRICS",
    "CaseScorer",
    "CaseSummary",
    "Estimate",
    "RunAggregate",
    "RunMetrics",
    "ScorerAggregate",
    "aggregate",
    "aggregate_by_tag",
    "aggregate_cases",
    "all_tags",
    "run_metrics",
    "scorer_aggregate",
    "scorer_names",
    "summarise_cases",
]

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
    """Cases the scorer applied to."""
    mean: Estimate
    """Mean of per-case values (scored records only), bootstrap 95% CI."""
    pass_rate: Estimate
    """Mean over cases of each case's share of passing repeats (without repeats: the share of
    cases that pass); errors count as failures. Wilson CI when no case is flaky (always so
    without repeats), cluster bootstrap of per-case rates otherwise."""
    errors: int = 0
    """Records where the scorer failed or the provider returned no response."""
    flaky: int = 0
    """Cases whose verdict differs across repeats."""
    outcomes: Mapping[str, float] = field(default_factory=dict)
    """``details["outcome"]`` label → share of scored records (averaged per case)."""
    metrics: Mapping[str, float] = field(default_factory=dict)
    """``details["metrics"]`` name → mean over cases."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cases": self.cases,
            "mean": self.mean.to_dict(),
            "pass_rate": self.pass_rate.to_dict(),
            "errors": self.errors,
            "flaky": self.flaky,
            "outcomes": dict(self.outcomes),
            "metrics": dict(self.metrics),
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
        )


@dataclass(frozen=True)
class RunMetrics:
    """Cost, tokens, latency and errors of one run (or slice)."""

    cases: int
    records: int
    cost_total: float | None
    """USD over records with a known price; ``None`` when no record had one."""
    cost_per_case: float | None
    """``cost_total`` per priced record (one call of one case)."""
    cost_unknown: int
    """Records without a known price (not counted as zero)."""
    input_tokens: int
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

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.records if self.records else None

    def metrics(self) -> dict[str, float | None]:
        """The flat ``name → value`` map gates look up (see :data:`RUN_METRICS`)."""
        n = self.records or None
        # An unknown price makes the total unknown: a budget gate must not pass on a partial
        # sum. The priced part stays visible as cost.priced_total.
        return {
            "cost.total": self.cost_total if self.cost_unknown == 0 else None,
            "cost.priced_total": self.cost_total,
            "cost.per_case": self.cost_per_case,
            "tokens.input": float(self.input_tokens),
            "tokens.output": float(self.output_tokens),
            "tokens.input_per_case": self.input_tokens / n if n else None,
            "tokens.output_per_case": self.output_tokens / n if n else None,
            "latency.p50": self.latency_p50,
            "latency.p95": self.latency_p95,
            "latency.max": self.latency_max,
            "errors.rate": self.error_rate,
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
        """Flat ``metric → value``: ``<scorer>.mean``, ``.pass_rate``, outcome rates, detail
        metrics and the run metrics; the names gates use."""
        out: dict[str, float | None] = {}
        for s in self.scorers:
            out[f"{s.name}.mean"] = s.mean.value
            out[f"{s.name}.pass_rate"] = s.pass_rate.value
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


# ----------------------------------------------------------------------------- per case


@dataclass(frozen=True)
class CaseScorer:
    """One scorer on one case, consolidated over repeats."""

    value: float | None
    """Mean of the scored values over repeats."""
    verdicts: tuple[bool | None, ...]
    """Per repeat: passed, failed (errors included), or ``None`` (no verdict)."""
    errors: int
    outcomes: Mapping[str, int]
    """``details["outcome"]`` label → repeats that had it."""
    scored: int
    """Repeats with a value or an outcome (the outcome-rate denominator)."""
    metrics: Mapping[str, float]
    """``details["metrics"]`` means over repeats."""

    @cached_property
    def pass_rate(self) -> float | None:
        v = [x for x in self.verdicts if x is not None]
        return sum(v) / len(v) if v else None

    @cached_property
    def passed(self) -> bool | None:
        """Majority verdict over repeats; a tie fails."""
        rate = self.pass_rate
        return None if rate is None else rate > 0.5

    @cached_property
    def flaky(self) -> bool:
        return len({x for x in self.verdicts if x is not None}) > 1


@dataclass(frozen=True)
class CaseSummary:
    """One case of one run: its records (sorted by repeat) and per-scorer consolidation."""

    case_id: str
    tags: tuple[str, ...]
    records: tuple[Record, ...]
    scorers: Mapping[str, CaseScorer]

    @cached_property
    def passed(self) -> bool | None:
        """Passes every scorer that gave a verdict; ``None`` when none did."""
        verdicts = [s.passed for s in self.scorers.values() if s.passed is not None]
        if not verdicts:
            return False if any(r.error for r in self.records) else None
        return all(verdicts)

    @cached_property
    def verdicts(self) -> tuple[bool | None, ...]:
        """Per repeat: passed every scorer with a verdict (provider errors fail)."""
        out: list[bool | None] = []
        for i in range(len(self.records)):
            vs = [s.verdicts[i] for s in self.scorers.values() if s.verdicts[i] is not None]
            out.append(all(vs) if vs else (False if self.records[i].error else None))
        return tuple(out)

    @cached_property
    def pass_rate(self) -> float | None:
        v = [x for x in self.verdicts if x is not None]
        return sum(v) / len(v) if v else None

    @cached_property
    def flaky(self) -> bool:
        return len({x for x in self.verdicts if x is not None}) > 1


def scorer_names(records: Iterable[Record]) -> tuple[str, ...]:
    """Every scorer name that appears in the records, sorted."""
    return tuple(sorted({name for r in records for name in r.scores}))


def all_tags(records: Iterable[Record]) -> tuple[str, ...]:
    return tuple(sorted({t for r in records for t in r.tags}))


def summarise_cases(
    records: Iterable[Record], scorers: Sequence[str] | None = None
) -> dict[str, CaseSummary]:
    """Group records by case (first-seen order) and consolidate each scorer over repeats."""
    records = tuple(records)
    names = tuple(scorers) if scorers is not None else scorer_names(records)
    groups: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        groups[r.case_id].append(r)
    out: dict[str, CaseSummary] = {}
    for case_id, recs in groups.items():
        recs.sort(key=lambda r: r.repeat)
        per: dict[str, CaseScorer] = {}
        for name in names:
            cs = _case_scorer(recs, name)
            if cs is not None:
                per[name] = cs
        tags = tuple(dict.fromkeys(t for r in recs for t in r.tags))
        out[case_id] = CaseSummary(case_id, tags, tuple(recs), per)
    return out


def _case_scorer(recs: Sequence[Record], name: str) -> CaseScorer | None:
    values: list[float] = []
    verdicts: list[bool | None] = []
    outcomes: Counter[str] = Counter()
    metric_sums: dict[str, list[float]] = defaultdict(list)
    errors = scored = 0
    applied = False
    for r in recs:
        s = r.scores.get(name)
        if s is None:
            verdicts.append(False if r.error else None)
            errors += bool(r.error)
            applied |= r.error is not None
            continue
        applied = True
        if s.error is not None or r.error is not None:
            verdicts.append(False)
            errors += 1
            continue
        verdicts.append(None if s.passed is None else bool(s.passed))
        outcome = s.details.get("outcome") if isinstance(s.details, Mapping) else None
        value = _finite(s.value)
        if value is not None:
            values.append(value)
        if value is not None or isinstance(outcome, str):
            scored += 1
        if isinstance(outcome, str):
            outcomes[outcome] += 1
        metrics = s.details.get("metrics") if isinstance(s.details, Mapping) else None
        if isinstance(metrics, Mapping):
            for k, v in metrics.items():
                if not isinstance(v, bool) and (x := _finite(v)) is not None:
                    metric_sums[str(k)].append(x)
    if not applied:
        return None
    return CaseScorer(
        value=sum(values) / len(values) if values else None,
        verdicts=tuple(verdicts),
        errors=errors,
        outcomes=dict(outcomes),
        scored=scored,
        metrics={k: sum(v) / len(v) for k, v in metric_sums.items()},
    )


def _finite(v: object) -> float | None:
    """``v`` as a float when it is a finite number, else ``None``.

    A NaN or infinite value (a scorer bug, or ``NaN`` read back from JSON) counts as no value:
    it used to make its case's mean over repeats NaN, dropping the other repeats, and an
    infinite value made the scorer's mean infinite and its interval NaN.
    """
    if isinstance(v, (int, float)) and math.isfinite(v):
        return float(v)
    return None


# ----------------------------------------------------------------------------- aggregate


def aggregate(
    records: Iterable[Record],
    *,
    tag: str | None = None,
    scorers: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> RunAggregate:
    """Aggregate a run's records, or only those tagged ``tag``."""
    records = tuple(r for r in records if tag is None or tag in r.tags)
    names = tuple(scorers) if scorers is not None else scorer_names(records)
    cases = list(summarise_cases(records, names).values())
    return aggregate_cases(cases, names, records, tag=tag, n_boot=n_boot, seed=seed)


def aggregate_by_tag(
    records: Iterable[Record], *, n_boot: int = 1000, seed: int = 0
) -> dict[str, RunAggregate]:
    """One :class:`RunAggregate` per tag, sorted by tag."""
    records = tuple(records)
    names = scorer_names(records)
    return {
        t: aggregate(records, tag=t, scorers=names, n_boot=n_boot, seed=seed)
        for t in all_tags(records)
    }


def aggregate_cases(
    cases: Sequence[CaseSummary],
    scorers: Sequence[str],
    records: Sequence[Record],
    *,
    tag: str | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> RunAggregate:
    """Aggregate already summarised cases (``records`` are theirs, for the run metrics)."""
    boot = Bootstrap(len(cases), n_boot=n_boot, seed=seed)
    aggs = tuple(scorer_aggregate(name, cases, boot) for name in scorers)
    return RunAggregate(tag=tag, scorers=aggs, run=run_metrics(records, cases=len(cases)))


def scorer_aggregate(name: str, cases: Sequence[CaseSummary], boot: Bootstrap) -> ScorerAggregate:
    """Aggregate one scorer over cases, resampling with ``boot`` (sized to ``cases``)."""
    per = [c.scorers.get(name) for c in cases]
    values = np.array([np.nan if p is None or p.value is None else p.value for p in per])
    rates = np.array([np.nan if p is None or p.pass_rate is None else p.pass_rate for p in per])
    applied = [p for p in per if p is not None]
    mean = boot.mean_ci(values)
    judged = rates[~np.isnan(rates)]
    # When no case is flaky (always so without repeats) each case is one pass/fail: Wilson
    # holds, and a bootstrap would give an all-pass run the zero-width interval [1, 1].
    if judged.size and bool(np.all((judged == 0) | (judged == 1))):
        lo, hi = wilson(int(judged.sum()), int(judged.size))
        pass_rate = Estimate(float(judged.mean()), lo, hi, int(judged.size))
    else:
        pass_rate = boot.mean_ci(rates)
    labels = sorted({o for p in applied for o in p.outcomes})
    outcomes = {}
    for label in labels:
        shares = [p.outcomes.get(label, 0) / p.scored for p in applied if p.scored]
        outcomes[label] = sum(shares) / len(shares) if shares else 0.0
    metric_names = sorted({m for p in applied for m in p.metrics})
    metrics = {}
    for m in metric_names:
        vals = [p.metrics[m] for p in applied if m in p.metrics]
        metrics[m] = sum(vals) / len(vals)
    return ScorerAggregate(
        name=name,
        cases=len(applied),
        mean=mean,
        pass_rate=pass_rate,
        errors=sum(p.errors for p in applied),
        flaky=sum(p.flaky for p in applied),
        outcomes=outcomes,
        metrics=metrics,
    )


def run_metrics(records: Sequence[Record], *, cases: int | None = None) -> RunMetrics:
    """Cost, tokens, latency and errors over records."""
    costs = [r.cost for r in records if r.cost is not None]
    lat = np.array([r.latency_ms for r in records if r.latency_ms is not None], dtype=float)
    kinds = Counter(r.error.kind for r in records if r.error is not None)
    total = float(sum(costs)) if costs else None
    return RunMetrics(
        cases=cases if cases is not None else len({r.case_id for r in records}),
        records=len(records),
        cost_total=total,
        cost_per_case=total / len(costs) if total is not None else None,
        cost_unknown=sum(1 for r in records if r.cost is None and r.error is None),
        input_tokens=sum(r.usage.input_tokens or 0 for r in records),
        output_tokens=sum(r.usage.output_tokens or 0 for r in records),
        latency_p50=float(np.percentile(lat, 50)) if lat.size else None,
        latency_p95=float(np.percentile(lat, 95)) if lat.size else None,
        latency_max=float(lat.max()) if lat.size else None,
        errors=sum(kinds.values()),
        errors_by_kind=dict(sorted(kinds.items())),
        usage_estimated=sum(1 for r in records if r.usage.estimated),
    )
