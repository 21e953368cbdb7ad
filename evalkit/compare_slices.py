"""The numbers of a comparison: per-scorer and run-metric deltas with intervals and p-values,
built slice by slice (the whole run, then each tag) from the two runs' case summaries.

Split from :mod:`evalkit.compare`, which pairs the runs, builds the rows and the verdict, and
calls :class:`SliceBuilder` here for each slice. Definitions are in ``docs/compare.md``.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from evalkit.aggregate import (
    RUN_METRICS,
    CaseScorer,
    CaseSummary,
    RunMetrics,
    ScorerAggregate,
    run_metrics,
    scorer_aggregate,
)
from evalkit.comparison import (
    STATUSES,
    Delta,
    ScorerComparison,
    SliceComparison,
    Status,
    StatusCounts,
)
from evalkit.stats import Bootstrap, mcnemar

__all__ = ["SliceBuilder", "outcome_direction", "status_of"]


def status_of(baseline: bool | None, candidate: bool | None) -> Status:
    """The status of a pair of verdicts (see :data:`STATUSES`)."""
    if baseline is None or candidate is None:
        return "unscored"
    if baseline and not candidate:
        return "regression"
    if candidate and not baseline:
        return "improvement"
    return "unchanged_pass" if candidate else "unchanged_fail"


def _count(statuses: Sequence[str]) -> StatusCounts:
    return StatusCounts(**{s: sum(1 for x in statuses if x == s) for s in STATUSES})


_NAN = float("nan")


class SliceBuilder:
    """Builds :class:`SliceComparison` for a list of shared case ids."""

    def __init__(
        self,
        base: Mapping[str, CaseSummary],
        cand: Mapping[str, CaseSummary],
        names: Sequence[str],
        *,
        n_boot: int,
        seed: int,
    ) -> None:
        self.base, self.cand, self.names = base, cand, names
        self.n_boot, self.seed = n_boot, seed
        self.present_b = {n for c in base.values() for n in c.scorers}
        self.present_c = {n for c in cand.values() for n in c.scorers}

    def __call__(self, tag: str | None, ids: Sequence[str]) -> SliceComparison:
        # A seed per slice, independent of which other tags exist, keeps results stable.
        boot = Bootstrap(
            len(ids), n_boot=self.n_boot, seed=self.seed + zlib.crc32(str(tag).encode())
        )
        boot.record()  # dry pass: collect every vector, then resample them all at once
        self._build(tag, ids, boot)
        boot.flush()
        return self._build(tag, ids, boot)

    def _build(self, tag: str | None, ids: Sequence[str], boot: Bootstrap) -> SliceComparison:
        b = [self.base[i] for i in ids]
        c = [self.cand[i] for i in ids]
        metrics: list[Delta] = []
        scorers: list[ScorerComparison] = []
        for name in self.names:
            agg_b = scorer_aggregate(name, b, boot) if name in self.present_b else None
            agg_c = scorer_aggregate(name, c, boot) if name in self.present_c else None
            pairs = [(x.scorers.get(name), y.scorers.get(name)) for x, y in zip(b, c, strict=True)]
            statuses = [
                status_of(p.passed if p else None, q.passed if q else None) for p, q in pairs
            ]
            scorers.append(ScorerComparison(name, agg_b, agg_c, _count(statuses)))
            metrics += _scorer_deltas(name, pairs, agg_b, agg_c, boot)
        run_b = run_metrics([r for x in b for r in x.records], cases=len(b))
        run_c = run_metrics([r for x in c for r in x.records], cases=len(c))
        metrics += _run_deltas(b, c, run_b, run_c, boot)
        return SliceComparison(
            tag=tag,
            cases=len(ids),
            metrics=tuple(metrics),
            scorers=tuple(scorers),
            counts=_count([status_of(x.passed, y.passed) for x, y in zip(b, c, strict=True)]),
            baseline_run=run_b,
            candidate_run=run_c,
        )


Pair = tuple[CaseScorer | None, CaseScorer | None]


def _scorer_deltas(
    name: str,
    pairs: Sequence[Pair],
    agg_b: ScorerAggregate | None,
    agg_c: ScorerAggregate | None,
    boot: Bootstrap,
) -> list[Delta]:
    def col(side: int, get: Any) -> np.ndarray:
        out = []
        for p in pairs:
            cs = p[side]
            v = get(cs) if cs is not None else None
            out.append(_NAN if v is None else float(v))
        return np.array(out, dtype=float)

    def delta(
        metric: str,
        vb: float | None,
        vc: float | None,
        get: Any,
        better: bool | None,
        *,
        ci_b: Any = None,
        ci_c: Any = None,
    ) -> Delta:
        res = boot.paired(col(0, get), col(1, get))
        return Delta(
            metric=metric,
            baseline=vb,
            candidate=vc,
            delta=None if vb is None or vc is None else vc - vb,
            low=res.low,
            high=res.high,
            p_value=res.p_value,
            test="paired_bootstrap" if res.n else "none",
            n=res.n,
            higher_is_better=better,
            baseline_ci=(ci_b.low, ci_b.high) if ci_b else (None, None),
            candidate_ci=(ci_c.low, ci_c.high) if ci_c else (None, None),
        )

    out = [
        delta(
            f"{name}.mean",
            agg_b.mean.value if agg_b else None,
            agg_c.mean.value if agg_c else None,
            lambda s: s.value,
            True,
            ci_b=agg_b.mean if agg_b else None,
            ci_c=agg_c.mean if agg_c else None,
        ),
    ]
    pr = delta(
        f"{name}.pass_rate",
        agg_b.pass_rate.value if agg_b else None,
        agg_c.pass_rate.value if agg_c else None,
        lambda s: s.pass_rate,
        True,
        ci_b=agg_b.pass_rate if agg_b else None,
        ci_c=agg_c.pass_rate if agg_c else None,
    )
    flips = [(p.passed, q.passed) for p, q in pairs if p and q and None not in (p.passed, q.passed)]
    if flips:
        test = mcnemar(
            sum(1 for x, y in flips if x and not y), sum(1 for x, y in flips if y and not x)
        )
        pr = replace(pr, p_value=test.p_mid, test="mcnemar", n=len(flips))
    out.append(pr)
    labels = sorted(set(agg_b.outcomes if agg_b else ()) | set(agg_c.outcomes if agg_c else ()))
    for label in labels:
        out.append(
            delta(
                f"{name}.{label}_rate",
                # A side with no judged case (every record an error) has no rate, not 0.
                agg_b.outcomes.get(label, 0.0) if agg_b and agg_b.outcomes else None,
                agg_c.outcomes.get(label, 0.0) if agg_c and agg_c.outcomes else None,
                lambda s, k=label: s.outcomes.get(k, 0) / s.scored if s.scored else None,
                outcome_direction(label, pairs),
            )
        )
    extra = sorted(set(agg_b.metrics if agg_b else ()) | set(agg_c.metrics if agg_c else ()))
    for m in extra:
        out.append(
            delta(
                f"{name}.{m}",
                agg_b.metrics.get(m) if agg_b else None,
                agg_c.metrics.get(m) if agg_c else None,
                lambda s, k=m: s.metrics.get(k),
                None,
            )
        )
    return out


def outcome_direction(label: str, pairs: Sequence[Pair] = ()) -> bool | None:
    """Whether a rising ``<label>_rate`` is good, learned from the scores themselves: an
    outcome whose cases mostly pass (``correct``, ``cited``) is good, one whose cases mostly
    fail (``over_refusal``, ``hallucinated_tool``) is bad, one never judged (``unpriced``) is
    bad too, since it hides a verdict. No scorer needs to declare anything."""
    verdicts = [
        cs.passed
        for pair in pairs
        for cs in pair
        if cs is not None and cs.outcomes.get(label) and cs.passed is not None
    ]
    if not verdicts:
        return False if pairs else None
    return sum(verdicts) / len(verdicts) > 0.5


def _case_mean(values: Sequence[float | None]) -> float:
    """The mean of a case's known values; ``nan`` (left out of the paired test) if none."""
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else _NAN


_PER_CASE: dict[str, Any] = {
    "cost.per_case": lambda r: r.cost,
    # Per answered record, as RunMetrics divides them: an errored call is left out (a case
    # whose every record errored drops out of the test), not counted as 0 tokens, which put
    # the interval of "half the calls error, the rest unchanged" around -50%.
    "tokens.input_per_case": lambda r: None if r.error else (r.usage.input_tokens or 0),
    "tokens.output_per_case": lambda r: None if r.error else (r.usage.output_tokens or 0),
    "errors.rate": lambda r: 1.0 if r.error else 0.0,
    # Per answered record, as RunMetrics: an errored call has no answer to be empty.
    "empty.rate": lambda r: None if r.error else float(not r.output.strip() and not r.tool_calls),
}


def _run_deltas(
    b: Sequence[CaseSummary],
    c: Sequence[CaseSummary],
    run_b: RunMetrics,
    run_c: RunMetrics,
    boot: Bootstrap,
) -> list[Delta]:
    mb, mc = run_b.metrics(), run_c.metrics()
    out = []
    for metric in RUN_METRICS:
        vb, vc = mb[metric], mc[metric]
        d = Delta(
            metric=metric,
            baseline=vb,
            candidate=vc,
            delta=None if vb is None or vc is None else vc - vb,
            higher_is_better=False,
        )
        get = _PER_CASE.get(metric)
        # No test beside an unknown value: cost.per_case is unknown when any answered record
        # is unpriced, and a test over the priced cases alone ("CI 0…0, p=1.000") would read
        # as a measured "no change".
        if get is not None and vb is not None and vc is not None:
            xb = np.array([_case_mean([get(r) for r in s.records]) for s in b])
            xc = np.array([_case_mean([get(r) for r in s.records]) for s in c])
            res = boot.paired(xb, xc)
            if res.n:
                d = replace(
                    d,
                    low=res.low,
                    high=res.high,
                    p_value=res.p_value,
                    test="paired_bootstrap",
                    n=res.n,
                )
        out.append(d)
    return out
