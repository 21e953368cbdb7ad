"""The numbers of a comparison: per-scorer and run-metric deltas with intervals and p-values,
built slice by slice (the whole run, then each tag) from the two runs' case summaries.

Split from :mod:`evalkit.compare`, which pairs the runs, builds the rows and the verdict, and
calls :class:`SliceBuilder` here for each slice. Definitions are in ``docs/compare.md``.
"""

from __future__ import annotations

import importlib
import sys
import zlib
from collections.abc import Iterable, Mapping, Sequence
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
from evalkit.records import Record, Run
from evalkit.stats import Bootstrap, mcnemar

__all__ = [
    "SliceBuilder",
    "declared_good_outcomes",
    "outcome_directions",
    "pair_status",
    "status_of",
]


def status_of(baseline: bool | None, candidate: bool | None) -> Status:
    """The status of a pair of verdicts (see :data:`STATUSES`)."""
    if baseline is None or candidate is None:
        return "unscored"
    if baseline and not candidate:
        return "regression"
    if candidate and not baseline:
        return "improvement"
    return "unchanged_pass" if candidate else "unchanged_fail"


def pair_status(b: CaseSummary, c: CaseSummary) -> Status:
    """The overall status of a case, over the scorers that gave it a verdict on both sides.

    A ``regression`` when any of them passed in the baseline and fails now, whatever the
    others did: an AND over scorers hid a new failure (a wrong tool argument, a new
    under-refusal) behind a scorer that failed the case on both sides ("unchanged fail",
    XFAIL in pytest). Otherwise the AND over those scorers decides, as for one scorer.

    A scorer unscored on one side (a scorer error such as a judge without a score, or a
    scorer only one run has) is left out: its verdict on the other side has nothing to be
    compared with, and counting it made judge failures candidate regressions. A provider
    error is a failing verdict, so it still counts. With no scorer shared, the sides' overall
    verdicts decide (``unscored`` when one has none).
    """
    both = [
        (x.passed, y.passed)
        for n, x in b.scorers.items()
        if (y := c.scorers.get(n)) is not None and x.passed is not None and y.passed is not None
    ]
    if any(x and not y for x, y in both):
        return "regression"
    if both:
        return status_of(all(x for x, _ in both), all(y for _, y in both))
    return status_of(b.passed, c.passed)


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
        directions: Mapping[tuple[str, str], bool] | None = None,
    ) -> None:
        self.base, self.cand, self.names = base, cand, names
        # (scorer, outcome) -> higher is better, decided once for the whole comparison
        # (outcome_directions, below), so every slice labels a rate the same way.
        self.directions = directions or {}
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
            metrics += _scorer_deltas(name, pairs, agg_b, agg_c, boot, self.directions)
        run_b = run_metrics([r for x in b for r in x.records], cases=len(b))
        run_c = run_metrics([r for x in c for r in x.records], cases=len(c))
        metrics += _run_deltas(b, c, run_b, run_c, boot)
        return SliceComparison(
            tag=tag,
            cases=len(ids),
            metrics=tuple(metrics),
            scorers=tuple(scorers),
            counts=_count([pair_status(x, y) for x, y in zip(b, c, strict=True)]),
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
    directions: Mapping[tuple[str, str], bool],
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
        xb, xc = col(0, get), col(1, get)
        res = boot.paired(xb, xc)
        both = ~np.isnan(xb) & ~np.isnan(xc)
        # Cases scored on one side only (a scorer error, or no response, on the other): left
        # out, and the values and delta are those of the cases scored on both sides, which the
        # interval and p-value describe. Side means over different cases made a judge failing
        # on one case a "drop of 0.083" beside "95% CI 0…0, p=1.000".
        unpaired = int(np.sum(np.isnan(xb) != np.isnan(xc)))
        if unpaired and vb is not None and vc is not None:
            if both.any():
                vb, vc = float(xb[both].mean()), float(xc[both].mean())
            else:
                vb = vc = None
            ci_b = ci_c = None  # the side intervals are of the sides' own cases
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
            unpaired=unpaired,
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
    if (agg_b and agg_b.unscored) or (agg_c and agg_c.unscored):  # else 0 (gates._implicit_rate)
        out.append(
            delta(
                f"{name}.unscored_rate",
                agg_b.unscored_rate if agg_b else None,
                agg_c.unscored_rate if agg_c else None,
                lambda s: s.unscored_rate,
                False,
            )
        )
    labels = sorted(set(agg_b.outcomes if agg_b else ()) | set(agg_c.outcomes if agg_c else ()))
    for label in labels:
        out.append(
            delta(
                f"{name}.{label}_rate",
                # A side with no judged case (every record an error) has no rate, not 0.
                agg_b.outcomes.get(label, 0.0) if agg_b and agg_b.outcomes else None,
                agg_c.outcomes.get(label, 0.0) if agg_c and agg_c.outcomes else None,
                lambda s, k=label: s.outcomes.get(k, 0) / s.scored if s.scored else None,
                # Never learned from case majorities, which flip with flaky repeats; an outcome
                # the map lacks (a builder used on its own) hides a verdict: bad.
                directions.get((name, label), False),
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
    "truncated.rate": lambda r: None if r.error else float(r.finish_reason == "length"),
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


# ------------------------------------------------------------------ outcome directions
# Which way is good for a scorer's outcome rate (``<scorer>.<outcome>_rate``): decided once per
# comparison, never from case majorities (with repeats, a case that hallucinated a tool in 1 of
# 3 repeats passes by majority, so a rising ``hallucinated_tool_rate`` read "better" exactly
# for flaky candidates). The rule, in order (also in ``docs/compare.md``):
# 1. The scorer declares it: :attr:`evalkit.scoring.Scorer.good_outcomes` names the outcomes
#    whose rise is good, every other label it emits is bad. The class is found through the
#    ``ref`` of the scorer's spec in either run's manifest (a built-in scorer is imported; a
#    project scorer only if its module is already imported, as compare never runs user code).
# 2. Otherwise, from the records of both runs (each repeat on its own, never a case majority):
#    an outcome is good when more than half of the records carrying it, with a verdict, pass;
#    an outcome no such record has (``unpriced``: it hides the verdict) is bad.


def outcome_directions(names: Sequence[str], runs: Sequence[Run]) -> dict[tuple[str, str], bool]:
    """``(scorer, outcome) → higher_is_better`` for every outcome label in ``runs``."""
    specs: dict[str, Mapping[str, Any]] = {}
    for run in runs:
        for spec in run.manifest.get("scorers") or ():
            if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
                specs.setdefault(spec["name"], spec)
    records = [r for run in runs for r in run.records]
    out: dict[tuple[str, str], bool] = {}
    for name in names:
        declared = declared_good_outcomes(specs.get(name))
        for label, verdicts in _verdicts_by_outcome(name, records).items():
            if declared is not None:
                out[(name, label)] = label in declared
            else:
                known = [v for v in verdicts if v is not None]
                out[(name, label)] = bool(known) and sum(known) / len(known) > 0.5
    return out


def _verdicts_by_outcome(name: str, records: Iterable[Record]) -> dict[str, list[bool | None]]:
    out: dict[str, list[bool | None]] = {}
    for r in records:
        s = r.scores.get(name)
        if s is None or s.error is not None or r.error is not None:
            continue
        label = s.details.get("outcome") if isinstance(s.details, Mapping) else None
        if isinstance(label, str):
            out.setdefault(label, []).append(None if s.passed is None else bool(s.passed))
    return out


def declared_good_outcomes(spec: Mapping[str, Any] | None) -> frozenset[str] | None:
    """The good outcomes the scorer behind a manifest spec declares, or ``None`` when it
    declares none or cannot be found without running code the user did not ask to run."""
    ref = spec.get("ref") if spec else None
    if not isinstance(ref, str) or ":" not in ref:
        return None
    module_name, _, qualname = ref.rpartition(":")
    module = sys.modules.get(module_name)
    if module is None and module_name.startswith("evalkit."):
        try:
            module = importlib.import_module(module_name)
        except Exception:  # a built-in moved or renamed since the run: use the fallback
            return None
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    good = getattr(obj, "good_outcomes", None)
    if isinstance(good, (frozenset, set, tuple, list)) and all(isinstance(g, str) for g in good):
        return frozenset(good)
    return None
