"""Aggregates over a run's records: per-scorer means and pass rates with 95% intervals, run
metrics (cost, tokens, latency, errors), overall and per tag.

The unit of analysis is the *case*, not the record: with repeats, a case's value is the mean
over its repeats and its pass rate the share of repeats that passed, and intervals resample
cases (a cluster bootstrap), because repeats of one case are not independent evidence.

Definitions (also in ``docs/compare.md``):

- A scorer *applies* to a record when the record carries that score, or when the record has a
  provider error (there was no response to score; that counts as a failure, shown as error)
  and does not name the scorer in ``skipped`` (a suite's ``skip_missing`` would have left
  the case unscored by it).
- A record *passes* a scorer when ``Score.passed`` is true; a provider error is a failure;
  ``passed=None`` without error (a value-only scorer) gives no verdict. A scorer error (a judge
  with no score, off the scale, or rate-limited after retries) gives no verdict either: the
  record is *unscored* by that scorer, left out of its pass rate, mean and outcome rates, since
  the scorer failed, not the candidate. ``<scorer>.unscored_rate`` measures them, and a
  comparison's verdict fails on *new* ones (:func:`evalkit.gates_builtin.new_scorer_errors`):
  a scorer that raises because of the answer must not turn bad answers into no answers.
- A case *passes* a scorer when more than half of its verdicts over repeats pass (a tie fails);
  it is *flaky* when its verdicts differ across repeats.
- A case *passes overall* when it passes every scorer that gave it a verdict.
- Two conventions in ``Score.details`` are aggregated generically: ``details["outcome"]``
  becomes ``<scorer>.<outcome>_rate`` and ``details["metrics"][name]`` becomes
  ``<scorer>.<name>`` (the mean over cases).

The data model is in :mod:`evalkit.aggregate_types` and the per-case consolidation in
:mod:`evalkit.aggregate_per_case`; both are re-exported here, where callers import them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from evalkit.aggregate_per_case import (
    CaseScorer,
    CaseSummary,
    all_tags,
    scorer_names,
    summarise_cases,
)
from evalkit.aggregate_types import (
    RUN_METRICS,
    Estimate,
    RunAggregate,
    RunMetrics,
    ScorerAggregate,
)
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
    """One :class:`RunAggregate` per tag, sorted by tag.

    Equal to ``aggregate(records, tag=t)`` for every tag; cases are summarised once and a
    summary is reused in each slice that holds all of its records (the usual case, as tags
    are the case's), so ten tags do not summarise every case ten times over.
    """
    records = tuple(records)
    names = scorer_names(records)
    summaries = summarise_cases(records, names)
    out: dict[str, RunAggregate] = {}
    for t in all_tags(records):
        tagged = [r for r in records if t in r.tags]
        counts = Counter(r.case_id for r in tagged)
        cases = []
        for case_id, n in counts.items():  # first-seen order, as aggregate() sees it
            full = summaries[case_id]
            if n == len(full.records):
                cases.append(full)
            else:  # repeats of this case carry different tags: summarise the tagged ones
                own = [r for r in tagged if r.case_id == case_id]
                cases.append(summarise_cases(own, names)[case_id])
        out[t] = aggregate_cases(cases, names, tagged, tag=t, n_boot=n_boot, seed=seed)
    return out


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
        unscored=sum(p.unscored for p in applied),
        unscored_rate=sum(p.unscored_rate for p in applied) / len(applied) if applied else None,
        outcomes=outcomes,
        metrics=metrics,
    )


def run_metrics(records: Sequence[Record], *, cases: int | None = None) -> RunMetrics:
    """Cost, tokens, latency and errors over records."""
    costs = [r.cost for r in records if r.cost is not None]
    lat = np.array([r.latency_ms for r in records if r.latency_ms is not None], dtype=float)
    kinds = Counter(r.error.kind for r in records if r.error is not None)
    total = float(sum(costs)) if costs else None
    unknown = sum(1 for r in records if r.cost is None and r.error is None)
    return RunMetrics(
        cases=cases if cases is not None else len({r.case_id for r in records}),
        records=len(records),
        cost_total=total,
        # Unknown when any answered record is unpriced: see RunMetrics.cost_per_case.
        cost_per_case=total / len(costs) if total is not None and not unknown else None,
        cost_unknown=unknown,
        input_tokens=sum(r.usage.input_tokens or 0 for r in records),
        output_tokens=sum(r.usage.output_tokens or 0 for r in records),
        latency_p50=float(np.percentile(lat, 50)) if lat.size else None,
        latency_p95=float(np.percentile(lat, 95)) if lat.size else None,
        latency_max=float(lat.max()) if lat.size else None,
        errors=sum(kinds.values()),
        errors_by_kind=dict(sorted(kinds.items())),
        usage_estimated=sum(1 for r in records if r.usage.estimated),
        empty=sum(
            1 for r in records if r.error is None and not r.output.strip() and not r.tool_calls
        ),
    )
