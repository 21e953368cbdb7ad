"""Cost and latency: per-case scorers (``cost``, ``latency``) and run-level summaries.

The scorers judge one record against a per-case budget. Run budgets are ordinary gates on
the run metrics :mod:`evalkit.aggregate` computes (``cost.total``, ``latency.p95``); the pure
functions here (:func:`cost_summary`, :func:`latency_percentiles`, :func:`run_metrics`) give the
same figures plus per-tag, cached and estimated counts for notebooks and scripts.

Unknown is never zero: an unpriced model gives a ``cost`` score with ``value=None``,
``passed=None`` and ``outcome="unpriced"`` (so the run shows ``cost.unpriced_rate``), and a
run total is ``None`` when any answered record is unpriced, with the priced part beside it.
Token counts evalkit estimated are flagged ``estimated`` in details and summaries.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from evalkit.pricing import Price, load_prices, priced_model, usage_or_estimate
from evalkit.providers.base import Usage
from evalkit.records import Record
from evalkit.scoring import Score, ScoreContext, Scorer

__all__ = [
    "Cost",
    "CostSummary",
    "Latency",
    "cost_summary",
    "latency_percentiles",
    "percentile",
    "run_metrics",
]


@dataclass
class Cost(Scorer):
    """The case's cost in USD against an optional per-case budget.

    ``value`` is 1 within budget (or with no budget) and 0 over it; ``None`` when the cost is
    unknown. ``details["metrics"]`` carries ``cost_usd`` and token counts for averaging.
    """

    name: ClassVar[str] = "cost"
    max_usd_per_case: float | None = None
    """Budget per case; a case above it fails."""
    prices: Mapping[str, Mapping[str, Any]] | None = None
    """Price overrides (as ``[prices]``) used only when the engine did not price the case."""
    threshold: float = 0.5

    def __post_init__(self) -> None:
        load_prices(self.prices, where=f"scorer {self.name!r}: prices")  # bad overrides fail now

    def score(self, ctx: ScoreContext) -> Score:
        usage = ctx.response.usage
        if ctx.request is not None and (usage.input_tokens is None or usage.output_tokens is None):
            usage = usage_or_estimate(ctx.request, ctx.response)
        requested = _requested(ctx)
        reported = str(ctx.response.model) if ctx.response.model else None
        if ctx.cost_usd is None:
            hit = priced_model(load_prices(self.prices), requested, reported)
            model, price = hit if hit else (requested or reported, None)
            cost = price.cost(usage) if price is not None else None
        else:
            model, price = _engine_priced(ctx.cost_usd, usage, requested, reported)
            cost = ctx.cost_usd
        details: dict[str, Any] = {
            "cost_usd": cost,
            "model": model,
            "reported_model": reported,
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cached_tokens": usage.cached_tokens,
            "estimated": usage.estimated,
            "priced": cost is not None,
            "price_source": _source(price, ctx.cost_usd),
            "price_as_of": price.as_of if price else None,
            "max_usd_per_case": self.max_usd_per_case,
            "metrics": _token_metrics(usage) | ({"cost_usd": cost} if cost is not None else {}),
        }
        est = " (estimated tokens)" if usage.estimated else ""
        if cost is None:
            also = (
                f" (the provider reported {reported!r})" if reported and reported != model else ""
            )
            why = (
                f"unknown price for model {model!r}{also}; add it to the config's [prices] table"
                if price is None
                else "unknown token usage; the provider reported none and no request to estimate"
            )
            return Score(None, None, why, details | {"outcome": "unpriced"})
        if self.max_usd_per_case is not None and cost > self.max_usd_per_case:
            return Score(
                0.0,
                False,
                f"${cost:.6f}{est} exceeds the budget of ${self.max_usd_per_case:.6f} per case",
                details | {"outcome": "over_budget"},
            )
        budget = (
            f" within ${self.max_usd_per_case:.6f}" if self.max_usd_per_case is not None else ""
        )
        return Score(1.0, True, f"${cost:.6f}{est}{budget}", details | {"outcome": "ok"})


@dataclass
class Latency(Scorer):
    """The case's latency in milliseconds against an optional maximum ``max_ms``."""

    name: ClassVar[str] = "latency"
    max_ms: float | None = None
    threshold: float = 0.5

    def score(self, ctx: ScoreContext) -> Score:
        ms = ctx.response.latency_ms
        details: dict[str, Any] = {
            "latency_ms": ms,
            "max_ms": self.max_ms,
            "cached": ctx.response.cached,
        }
        if ms is None:
            return Score(
                None,
                None,
                "no latency measured for this response",
                details | {"outcome": "unmeasured"},
            )
        details["metrics"] = {"latency_ms": float(ms)}
        cached = " (served from cache)" if ctx.response.cached else ""
        if self.max_ms is not None and ms > self.max_ms:
            return Score(
                0.0,
                False,
                f"{ms:.0f} ms{cached} exceeds the maximum of {self.max_ms:.0f} ms",
                details | {"outcome": "slow"},
            )
        limit = f" within {self.max_ms:.0f} ms" if self.max_ms is not None else ""
        return Score(1.0, True, f"{ms:.0f} ms{cached}{limit}", details | {"outcome": "ok"})


def _requested(ctx: ScoreContext) -> str | None:
    """The model asked for: the request's, else the candidate's."""
    m = (ctx.request.model if ctx.request else None) or ctx.candidate.get("model")
    return str(m) if m else None


def _engine_priced(
    cost: float, usage: Usage, requested: str | None, reported: str | None
) -> tuple[str | None, Price | None]:
    """Which model the engine priced at ``cost``, and the shipped entry that gives that figure
    (``None`` when it came from a ``[prices]`` override this scorer does not see).

    The engine's table is the shipped one plus the config's overrides, so a requested model
    the shipped table prices is the one the engine priced; otherwise a reported model whose
    shipped price gives ``cost`` is (the engine fell back to it); otherwise the figure came
    from an override, most likely of the requested model, which the engine tries first.
    """
    shipped = load_prices()

    def same(price: Price | None) -> bool:
        own = price.cost(usage) if price is not None else None
        return own is not None and math.isclose(own, cost, rel_tol=1e-9, abs_tol=1e-15)

    first = shipped.price_for(requested) if requested else None
    if requested and first is not None:
        return requested, first if same(first) else None
    fallback = shipped.price_for(reported) if reported else None
    if reported and same(fallback):
        return reported, fallback
    return requested or reported, None


def _source(price: Any, engine_cost: float | None) -> str | None:
    if price is not None:
        return f"{price.model}: {price.source}" if price.source else price.model
    return "engine: the run's price table" if engine_cost is not None else None


def _token_metrics(u: Usage) -> dict[str, float]:
    out = {}
    for k in ("input_tokens", "output_tokens", "cached_tokens"):
        v = getattr(u, k)
        if v is not None:
            out[k] = float(v)
    return out


# ----------------------------------------------------------------- run-level summaries


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation; ``None`` for no values.

    The same definition as ``numpy.percentile(..., method="linear")``, so p50 of two values
    is their mean and p100 is the maximum.
    """
    xs = sorted(float(v) for v in values if v is not None and not math.isnan(v))
    if not xs:
        return None
    pos = (len(xs) - 1) * min(max(q, 0.0), 100.0) / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_percentiles(values: Iterable[float | None]) -> dict[str, float | None]:
    """``{"n", "p50", "p95", "p99", "max", "mean"}`` of the measured latencies (ms).

    ``None`` entries (failed or unmeasured requests) are skipped; with none left every
    figure but ``n`` is ``None``.
    """
    xs = [float(v) for v in values if v is not None and not math.isnan(v)]
    return {
        "n": float(len(xs)),
        "p50": percentile(xs, 50),
        "p95": percentile(xs, 95),
        "p99": percentile(xs, 99),
        "max": max(xs) if xs else None,
        "mean": sum(xs) / len(xs) if xs else None,
    }


@dataclass(frozen=True)
class CostSummary:
    """Cost and tokens over a set of records (a run, or one tag of it)."""

    records: int
    """Records with a response (failed requests are counted in ``failed`` instead)."""
    failed: int
    priced: int
    unpriced: int
    """Answered records whose cost is unknown; when > 0, ``total_usd`` is ``None``."""
    priced_total_usd: float
    """Sum over the priced records only."""
    total_usd: float | None
    per_case_usd: float | None
    """Mean over priced records."""
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    estimated: int
    """Records whose token counts evalkit estimated."""
    by_tag: Mapping[str, CostSummary] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "failed": self.failed,
            "priced": self.priced,
            "unpriced": self.unpriced,
            "priced_total_usd": self.priced_total_usd,
            "total_usd": self.total_usd,
            "per_case_usd": self.per_case_usd,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "estimated": self.estimated,
            "by_tag": {k: v.to_dict() for k, v in self.by_tag.items()},
        }


def cost_summary(records: Iterable[Record], *, by_tag: bool = True) -> CostSummary:
    """Total and per-case cost, tokens in/out/cached, and (optionally) the same per tag."""
    recs = list(records)
    answered = [r for r in recs if r.error is None]
    costs = [r.cost for r in answered if r.cost is not None]
    unpriced = len(answered) - len(costs)
    priced_total = sum(costs)
    tags: dict[str, list[Record]] = {}
    if by_tag:
        for r in recs:
            for t in r.tags:
                tags.setdefault(t, []).append(r)
    return CostSummary(
        records=len(answered),
        failed=len(recs) - len(answered),
        priced=len(costs),
        unpriced=unpriced,
        priced_total_usd=priced_total,
        total_usd=None if unpriced or not answered else priced_total,
        per_case_usd=priced_total / len(costs) if costs else None,
        input_tokens=sum(r.usage.input_tokens or 0 for r in answered),
        output_tokens=sum(r.usage.output_tokens or 0 for r in answered),
        cached_tokens=sum(r.usage.cached_tokens or 0 for r in answered),
        estimated=sum(1 for r in answered if r.usage.estimated),
        by_tag={t: cost_summary(rs, by_tag=False) for t, rs in sorted(tags.items())},
    )


def run_metrics(records: Iterable[Record]) -> dict[str, float | None]:
    """Run-level figures under the gate metric names of :class:`evalkit.config.Gate`.

    ``cost.total``, ``cost.per_case``, ``cost.unpriced``, ``tokens.input``, ``tokens.output``,
    ``tokens.cached``, ``tokens.estimated`` (records with estimated counts),
    ``latency.p50``, ``latency.p95``, ``latency.max``, ``latency.mean``.
    """
    recs = list(records)
    c = cost_summary(recs, by_tag=False)
    lat = latency_percentiles(r.latency_ms for r in recs if r.error is None)
    return {
        "cost.total": c.total_usd,
        "cost.per_case": c.per_case_usd,
        "cost.unpriced": float(c.unpriced),
        "tokens.input": float(c.input_tokens),
        "tokens.output": float(c.output_tokens),
        "tokens.cached": float(c.cached_tokens),
        "tokens.estimated": float(c.estimated),
        "latency.p50": lat["p50"],
        "latency.p95": lat["p95"],
        "latency.max": lat["max"],
        "latency.mean": lat["mean"],
    }
