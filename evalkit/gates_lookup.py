"""Where a gate's metric comes from when the comparison has no row for it: an outcome rate
no case had (0 on each side, unless the scorer's declared outcomes say the label cannot
exist), and why a comparing rule must not judge a scorer that was set up differently in the
two runs. Helpers of :mod:`evalkit.gates`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from evalkit.aggregate_types import RUN_METRICS
from evalkit.comparison import Comparison, Delta

__all__ = ["implicit_rate", "ruler_changed"]


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
