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
- An outcome rate is 0.0 for every label of the scorer's vocabulary that no scored case of the
  slice had, and unknown (absent) when the slice scored no case. The vocabulary is the labels
  of the records aggregated (the whole run's, for a tag slice), widened by ``outcomes=``:
  :func:`outcome_vocabulary` adds the labels a scorer declares (``Scorer.outcomes``) and
  those of other runs, as a comparison takes both sides'. Taken from the slice alone, an
  outcome a tag never had was missing, while the gates and deltas said 0.0.

The data model is in :mod:`evalkit.aggregate_types` and the per-case consolidation in
:mod:`evalkit.aggregate_per_case`; both are re-exported here, where callers import them.
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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
from evalkit.records import Record, Run
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
    "declared_outcomes",
    "outcome_labels",
    "outcome_vocabulary",
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
    outcomes: Mapping[str, Iterable[str]] | None = None,
) -> RunAggregate:
    """Aggregate a run's records, or only those tagged ``tag``; ``outcomes`` widens each
    scorer's outcome vocabulary beyond the labels of ``records`` (module docstring)."""
    records = tuple(records)
    vocab = _vocabulary(records, outcomes)
    records = tuple(r for r in records if tag is None or tag in r.tags)
    names = tuple(scorers) if scorers is not None else scorer_names(records)
    cases = list(summarise_cases(records, names).values())
    return aggregate_cases(cases, names, records, tag=tag, n_boot=n_boot, seed=seed, outcomes=vocab)


def aggregate_by_tag(
    records: Iterable[Record],
    *,
    n_boot: int = 1000,
    seed: int = 0,
    outcomes: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, RunAggregate]:
    """One :class:`RunAggregate` per tag, sorted by tag; every slice has the outcome rates of
    the whole run's vocabulary, widened by ``outcomes``.

    Equal to ``aggregate(records, tag=t)`` for every tag; cases are summarised once and a
    summary is reused in each slice that holds all of its records (the usual case, as tags
    are the case's), so ten tags do not summarise every case ten times over.
    """
    records = tuple(records)
    vocab = _vocabulary(records, outcomes)
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
        out[t] = aggregate_cases(
            cases, names, tagged, tag=t, n_boot=n_boot, seed=seed, outcomes=vocab
        )
    return out


def aggregate_cases(
    cases: Sequence[CaseSummary],
    scorers: Sequence[str],
    records: Sequence[Record],
    *,
    tag: str | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    outcomes: Mapping[str, Iterable[str]] | None = None,
) -> RunAggregate:
    """Aggregate already summarised cases (``records`` are theirs, for the run metrics);
    ``outcomes``: scorer → outcome labels to give a rate even where no case had them."""
    boot = Bootstrap(len(cases), n_boot=n_boot, seed=seed)
    vocab = outcomes or {}
    aggs = tuple(
        scorer_aggregate(name, cases, boot, labels=vocab.get(name, ())) for name in scorers
    )
    return RunAggregate(tag=tag, scorers=aggs, run=run_metrics(records, cases=len(cases)))


def scorer_aggregate(
    name: str, cases: Sequence[CaseSummary], boot: Bootstrap, *, labels: Iterable[str] = ()
) -> ScorerAggregate:
    """Aggregate one scorer over cases, resampling with ``boot`` (sized to ``cases``);
    ``labels`` get an outcome rate (0.0 if no case had them) when any case was scored."""
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
    seen = {o for p in applied for o in p.outcomes}
    # a slice that scored no case has no rate at all: unknown, not 0
    vocab = seen | set(labels) if any(p.scored for p in applied) else seen
    outcomes = {}
    for label in sorted(vocab):
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
        scored=sum(1 for p in applied if p.judged),
    )


def outcome_labels(records: Iterable[Record]) -> dict[str, set[str]]:
    """Scorer → the ``details["outcome"]`` labels its scores carry in ``records``."""
    out: dict[str, set[str]] = {}
    for r in records:
        for name, s in r.scores.items():
            label = s.details.get("outcome") if isinstance(s.details, Mapping) else None
            if isinstance(label, str) and s.error is None and r.error is None:
                out.setdefault(name, set()).add(label)
    return out


def outcome_vocabulary(runs: Iterable[Run]) -> dict[str, tuple[str, ...]]:
    """Scorer → every outcome label known for it over ``runs``: those any run's records carry
    and those its class declares (:attr:`evalkit.scoring.Scorer.outcomes`, found through the
    ``ref`` of the scorer's spec in a manifest), sorted. Pass it as ``outcomes=`` so that runs
    summarised side by side have the same rate columns, 0.0 where an outcome did not occur."""
    runs = list(runs)
    out: dict[str, set[str]] = {}
    for run in runs:
        for name, labels in outcome_labels(run.records).items():
            out.setdefault(name, set()).update(labels)
    for name, declared in declared_outcomes(r.manifest for r in runs).items():
        out.setdefault(name, set()).update(declared)
    return {name: tuple(sorted(labels)) for name, labels in out.items()}


def declared_outcomes(manifests: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Scorer name → the outcome labels its class declares (a closed set), over the scorer
    specs of ``manifests``; scorers that declare none are left out."""
    out: dict[str, set[str]] = {}
    for manifest in manifests:
        for spec in manifest.get("scorers") or ():
            if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
                declared = _declared_outcomes(spec.get("ref"))
                if declared:
                    out.setdefault(spec["name"], set()).update(declared)
    return {name: tuple(sorted(labels)) for name, labels in out.items()}


def _declared_outcomes(ref: Any) -> frozenset[str]:
    """The ``outcomes`` a scorer class declares, from its ``module:qualname`` reference.

    A built-in's module is imported; any other only if already imported (reading runs never
    runs a project's code), as :func:`evalkit.compare_slices.declared_good_outcomes` does."""
    if not isinstance(ref, str) or ":" not in ref:
        return frozenset()
    module_name, _, qualname = ref.rpartition(":")
    obj: Any = sys.modules.get(module_name)
    if obj is None and module_name.startswith("evalkit."):
        try:
            obj = importlib.import_module(module_name)
        except Exception:  # a built-in renamed since the run: the records' labels only
            return frozenset()
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    declared = getattr(obj, "outcomes", None)
    if isinstance(declared, (frozenset, set, tuple, list)):
        return frozenset(x for x in declared if isinstance(x, str))
    return frozenset()


def _vocabulary(
    records: Sequence[Record], given: Mapping[str, Iterable[str]] | None
) -> dict[str, set[str]]:
    """The labels of ``records`` per scorer, with ``given`` added."""
    vocab = outcome_labels(records)
    for name, labels in (given or {}).items():
        vocab.setdefault(name, set()).update(labels)
    return vocab


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
        truncated=sum(1 for r in records if r.error is None and r.finish_reason == "length"),
    )
