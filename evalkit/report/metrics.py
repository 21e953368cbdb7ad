"""The page's metric tables: numbers formatted for display and coloured by direction.

Every figure the report shows goes through :func:`format_value` (``0.913``, ``+1.2 pp``,
``$0.0012``, ``840 ms``), so the tables, the charts' data and the terminal agree on one
rounding; :func:`metric_row` adds a change's tone and significance, :func:`metric_tables`
picks the headline, refusal and other rows of a comparison, and :func:`slice_chart` the
figures a chart plots for one slice. Split from :mod:`evalkit.report.viewmodel`, which builds
the rest of a section and re-exports :func:`format_value`, :func:`metric_row`,
:func:`money` and :data:`HEADLINE_RUN_METRICS`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from evalkit.compare import Comparison, Delta, SliceComparison

__all__ = [
    "HEADLINE_RUN_METRICS",
    "format_value",
    "metric_row",
    "metric_tables",
    "money",
    "slice_chart",
]

HEADLINE_RUN_METRICS = (
    "cost.per_case",
    "cost.total",
    "tokens.input_per_case",
    "tokens.output_per_case",
    "latency.p50",
    "latency.p95",
    "errors.rate",
)
REFUSAL_RATES = (
    ("over_refusal_of_safe", "over-refusal, share of safe requests"),
    ("under_refusal_of_unsafe", "under-refusal, share of unsafe requests"),
    ("over_refusal_rate", "over-refusal, share of all cases"),
    ("under_refusal_rate", "under-refusal, share of all cases"),
)
"""The refusal table's rows: the ``refusal`` scorer's conditional rates (as XSTest reports
them), then the generic outcome rates over every case with ``should_refuse``."""
NON_QUALITY = ("cost", "latency")
"""Scorers that measure spend, not quality: left out of the quality axis of the charts."""
ALPHA = 0.05


def _finite(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _kind(metric: str) -> str:
    from evalkit.aggregate import RUN_METRICS

    if metric.endswith(("_rate", ".rate", "_of_safe", "_of_unsafe")):
        return "pct"
    stat = metric.rpartition(".")[2]
    if metric in RUN_METRICS:
        head = metric.partition(".")[0]
        return {"cost": "usd", "latency": "ms", "tokens": "num"}.get(head, "score")
    # A scorer's own numbers: its mean is a score even when the scorer is named "cost"; its
    # detail metrics say their unit in their name (cost_usd, latency_ms, input_tokens).
    if stat == "mean":
        return "score"
    if "usd" in stat:
        return "usd"
    if stat.endswith("_ms"):
        return "ms"
    if "tokens" in stat:
        return "num"
    return "score"


def format_value(value: float | None, kind: str, *, signed: bool = False) -> str:
    """A number as the page shows it: ``0.913``, ``91.3%`` (``+1.2 pp`` as a change), ``$0.0012``,
    ``840 ms``; ``–`` when unknown."""
    v = _finite(value)
    if v is None:
        return "–"
    sign = "+" if signed and v > 0 else ""
    if kind == "pct":
        out = f"{sign}{v * 100:.1f}{' pp' if signed else '%'}"
    elif kind == "usd":
        out = f"{'-' if v < 0 else sign}{money(abs(v))}"
    elif kind == "ms":
        out = f"{sign}{v:.0f} ms"
    elif kind == "num":
        out = f"{sign}{v:,.1f}"
    else:
        out = f"{sign}{v:.3f}"
    # a bootstrap bound of -1e-12 rounds to zero: "0.0 pp", not "-0.0 pp" (or "+0.0 pp")
    if out[0] in "+-" and _rounds_to_zero(out):
        out = out[1:]
    return out


def money(usd: float) -> str:
    """A non-negative amount of dollars with four significant digits, never in exponent form
    and never rounded to nothing: ``$0.0000042``, ``$0.001235``, ``$12.35``, ``$0``. Per-case
    costs are often below a hundredth of a cent; "$0.00000" read as free, "$2.7e-05" is hard
    to compare by eye. The page script's ``money()`` follows the same rule."""
    if usd == 0:
        return "$0"
    decimals = min(12, max(0, 3 - math.floor(math.log10(usd))))
    text = f"{usd:.{decimals}f}"
    return "$" + (text.rstrip("0").rstrip(".") if "." in text else text)


def _rounds_to_zero(text: str) -> bool:
    """A formatted number with no non-zero digit ("0 ms", "0.000", "0.0 pp")."""
    return not any(c in "123456789" for c in text)


def _p(p: float | None) -> str:
    p = _finite(p)
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def metric_row(d: Delta, label: str | None = None) -> dict[str, Any]:
    """One row of a metrics table, formatted, with its colour: ``tone`` is ``better``,
    ``worse`` or ``flat`` by the metric's direction; ``significant`` when p < 0.05."""
    kind = _kind(d.metric)
    delta = _finite(d.delta)
    delta_fmt = format_value(delta, kind, signed=True)
    # A change too small to show ("0 ms" for +0.002 ms) is no regression to colour red.
    if delta is None or _rounds_to_zero(delta_fmt) or d.higher_is_better is None:
        tone = "flat"
    else:
        tone = "worse" if d.worse else "better"
    p = _finite(d.p_value)
    low, high = _finite(d.low), _finite(d.high)
    ci = (
        f"{format_value(low, kind, signed=True)} … {format_value(high, kind, signed=True)}"
        if low is not None and high is not None
        else "–"
    )
    return {
        "metric": d.metric,
        "label": label or d.metric,
        "baseline_fmt": format_value(d.baseline, kind),
        "candidate_fmt": format_value(d.candidate, kind),
        "delta_fmt": delta_fmt,
        "ci_fmt": ci,
        "p_fmt": _p(p),
        "tone": tone,
        "significant": p is not None and p < ALPHA,
        "better": {True: "higher", False: "lower", None: "–"}[d.higher_is_better],
    }


def slice_chart(s: SliceComparison, scorers: Sequence[str]) -> dict[str, Any]:
    """Per-scorer mean change, mean quality and cost per case of one slice, for the charts."""
    means = {n: s.metric(f"{n}.mean") for n in scorers}

    def quality(side: str) -> float | None:
        vals = [_finite(getattr(d, side)) for n, d in means.items() if d and n not in NON_QUALITY]
        known = [v for v in vals if v is not None]
        return sum(known) / len(known) if known else None

    cost = s.metric("cost.per_case")
    return {
        "tag": s.tag,
        "n": s.cases,
        "scorers": {n: {"d": _finite(d.delta) if d else None} for n, d in means.items()},
        "quality": {"b": quality("baseline"), "c": quality("candidate")},
        "cost": {
            "b": _finite(cost.baseline) if cost else None,
            "c": _finite(cost.candidate) if cost else None,
        },
    }


def metric_tables(c: Comparison, scorers: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    o = c.overall
    headline, refusal, shown = [], [], set()
    for name in scorers:
        for stat in ("mean", "pass_rate"):
            d = o.metric(f"{name}.{stat}")
            if d is not None:
                headline.append(metric_row(d, f"{name} {stat.replace('_', ' ')}"))
                shown.add(d.metric)
        for rate, label in REFUSAL_RATES:
            d = o.metric(f"{name}.{rate}")
            if d is not None:
                if d.higher_is_better is None:  # refusing wrongly is bad both ways
                    d = replace(d, higher_is_better=False)
                refusal.append(metric_row(d, f"{label} ({name})"))
                shown.add(d.metric)
    for m in HEADLINE_RUN_METRICS:
        d = o.metric(m)
        if d is not None:
            headline.append(_unpriced_row(metric_row(d), d, o))
            shown.add(m)
    rest = [metric_row(d) for d in o.metrics if d.metric not in shown]
    return {"metrics": headline, "refusal": refusal, "other_metrics": rest}


UNPRICED_METRICS = ("cost.total", "cost.per_case")
"""Run metrics that are unknown when any answered record of the run has no price."""


def _unpriced_row(row: dict[str, Any], d: Delta, s: SliceComparison) -> dict[str, Any]:
    """``row`` with an unknown cost shown as why it is unknown ("unknown: 5 of 10 answered
    records unpriced") rather than "–", which reads as "nothing measured"; such a row has no
    interval or p-value (a test over the priced records alone would say "no change")."""
    if d.metric not in UNPRICED_METRICS:
        return row
    texts = {
        side: run.unpriced_text() if getattr(d, side) is None else ""
        for side, run in (("baseline", s.baseline_run), ("candidate", s.candidate_run))
    }
    if not any(texts.values()):
        return row
    row = dict(row, ci_fmt="–", p_fmt="–", significant=False, tone="flat")
    for side, text in texts.items():
        if text:
            row[f"{side}_fmt"] = text
    return row
