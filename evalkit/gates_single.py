"""Promotion gates on a single run (no baseline): the absolute ``min``/``max`` rules.

Split from :mod:`evalkit.gates` (which re-exports :func:`check_thresholds`); it shares that
module's wording of reasons, so a rule reads the same whether or not it had a baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from evalkit.aggregate import RunAggregate, aggregate, scorer_names
from evalkit.comparison import GateResult, Verdict
from evalkit.config import Gate
from evalkit.gates import _absolute, _result, _rules, _unknown_metric, _where, _why_unknown
from evalkit.records import Record, Run

__all__ = ["check_thresholds"]


def check_thresholds(
    run: Run | Sequence[Record], gates: Iterable[Gate], *, n_boot: int = 1000, seed: int = 0
) -> Verdict:
    """Check a single run (no baseline): ``min`` / ``max`` rules are evaluated, delta and
    ``no_new_failures`` rules are reported as ``skip`` (they need a baseline run)."""
    records = tuple(run.records if isinstance(run, Run) else run)
    names = scorer_names(records, run.manifest if isinstance(run, Run) else None)
    cache: dict[str | None, RunAggregate] = {}
    results: list[GateResult] = []
    for gate in gates:
        for rule in _rules(gate):
            if rule not in ("min", "max"):
                results.append(
                    GateResult(
                        gate.label,
                        gate.metric,
                        gate.tag,
                        rule,
                        None if rule == "no_new_failures" else getattr(gate, rule),
                        "skip",
                        f"{gate.metric}{_where(gate)}: {rule} needs a baseline run; skipped",
                    )
                )
                continue
            if gate.tag not in cache:
                cache[gate.tag] = aggregate(
                    records, tag=gate.tag, scorers=names, n_boot=n_boot, seed=seed
                )
            tagged = [r for r in records if gate.tag is None or gate.tag in r.tags]
            results.append(_threshold(cache[gate.tag], gate, rule, tagged))
    return Verdict(tuple(results))


def _threshold(
    agg: RunAggregate, gate: Gate, rule: str, records: Sequence[Record] = ()
) -> GateResult:
    """One ``min``/``max`` rule on ``agg``; ``records`` (the slice's) name unpriced models."""
    if agg.run.records == 0:
        return _result(
            gate,
            rule,
            False,
            f"{gate.metric}: no records{_where(gate)}; the gate cannot be checked",
        )
    metrics: Mapping[str, float | None] = agg.metrics()
    if gate.metric not in metrics:
        scorer, _, stat = gate.metric.rpartition(".")
        if not (stat.endswith("_rate") and agg.scorer(scorer) is not None):
            return _unknown_metric(gate, rule, list(metrics))
    est = agg.estimate(gate.metric)
    value = metrics.get(gate.metric)
    if gate.metric not in metrics:
        # An outcome no case had is a rate of 0, if the scorer judged any case at all.
        judged = agg.scorer(gate.metric.rpartition(".")[0])
        value = 0.0 if judged is not None and judged.outcomes else None
    ci = (est.low, est.high) if est else (None, None)
    unpriced = [r.model for r in records if r.cost is None and r.error is None and r.model]
    why = _why_unknown(gate.metric, agg.run, list(dict.fromkeys(unpriced)))
    return _absolute(gate, rule, value, ci, est.n if est else 0, why=why)
