"""Where a gate's metric comes from when the comparison has no row for it: an outcome rate
no case had (0 on each side, unless the scorer's declared outcomes say the label cannot
exist); the candidate's own value for a ``min``/``max`` rule; and why a comparing rule must
not judge a scorer that was set up differently in the two runs. Helpers of
:mod:`evalkit.gates`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from evalkit.aggregate_types import RUN_METRICS
from evalkit.comparison import Comparison, Delta, SliceComparison

__all__ = ["candidate_alone", "implicit_rate", "ruler_changed"]


def ruler_changed(cmp: Comparison, metric: str) -> str | None:
    """Why a comparing rule cannot judge ``metric``: its scorer was set up differently in the
    two runs (a threshold, a method), so a delta would measure the change of ruler."""
    scorer = "" if metric in RUN_METRICS else metric.split(".")[0]
    changed = cmp.config.rescored(scorer) if scorer else []
    if not changed:
        return None
    what = "; ".join(f"{c.key.split('.', 2)[2]} {c.baseline!r} → {c.candidate!r}" for c in changed)
    return (
        f"{metric}: not judged: scorer {scorer!r} was set up differently in the two runs "
        f"({what}), so the change is partly the ruler's; score both runs alike (evalkit score "
        "BASELINE_RUN --out NEW_DIR --config C --suite S) and compare again"
    )


def implicit_rate(
    metric: str, known: Sequence[Delta], declared: Mapping[str, Sequence[str]] | None = None
) -> Delta | None:
    """``<scorer>.<label>_rate`` for a label no case had: 0 on each side where the scorer
    judged a case, unknown where it judged none (so "no new under-refusal" cannot pass on
    answers nobody saw); a label outside its ``declared`` outcomes (a typo) is no rate."""
    scorer, _, stat = metric.rpartition(".")
    mean = next((d for d in known if d.metric == f"{scorer}.mean"), None)
    closed = (declared or {}).get(scorer)  # unscored_rate is every scorer's, declared or not
    if not stat.endswith("_rate") or mean is None or _undeclared(stat[:-5], closed):
        return None
    base = None if mean.baseline is None else 0.0
    cand = None if mean.candidate is None else 0.0
    return Delta(metric, base, cand, None if base is None or cand is None else 0.0)


def _undeclared(label: str, closed: Sequence[str] | None) -> bool:
    return bool(closed) and label not in (*(closed or ()), "unscored")


def candidate_alone(
    sl: SliceComparison, metric: str
) -> tuple[float | None, tuple[float | None, float | None], int] | None:
    """``(value, 95% interval, cases)`` of a scorer metric over every case the candidate
    scored, for ``min``/``max``, which judge the candidate alone. A delta row is paired: with
    cases scored on one side only (a judge that failed in the baseline, a scorer the baseline
    ran an older version of) its candidate value leaves them out, and a candidate failing
    exactly those cases passed ``min`` (QA16 F5). ``None`` for run metrics (cost, latency:
    not paired) and names no aggregate holds."""
    name, _, stat = metric.partition(".")
    found = sl.scorer(name)
    agg = found.candidate if found is not None else None
    if agg is None or not stat:
        return None
    if stat in ("mean", "pass_rate"):
        e = agg.mean if stat == "mean" else agg.pass_rate
        return e.value, (e.low, e.high), e.n
    if stat == "unscored_rate":
        return agg.unscored_rate, (None, None), agg.cases
    if stat in agg.metrics:
        return agg.metrics[stat], (None, None), agg.scored
    if stat.endswith("_rate") and stat[: -len("_rate")] in agg.outcomes:
        return agg.outcomes[stat[: -len("_rate")]], (None, None), agg.scored
    return None
