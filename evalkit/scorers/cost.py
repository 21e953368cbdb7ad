"""Cost and latency: the per-case scorers ``cost`` and ``latency``.

The scorers judge one record against a per-case budget. Run budgets are ordinary gates on
the run metrics :mod:`evalkit.aggregate` computes (``cost.total``, ``cost.per_case``,
``latency.p95``, ...); this module keeps no copy of those figures.

Unknown is never zero: an unpriced model gives a ``cost`` score with ``value=None``,
``passed=None`` and ``outcome="unpriced"`` (so the run shows ``cost.unpriced_rate``); with a
budget (``max_usd_per_case``) it fails instead, as a cost nobody knows is not within budget.
The per-case figure averaged per run is ``priced_cost_usd``, named for what it is: the mean over
the *priced* cases (QA14 F3: as ``cost_usd`` it read "no change" for a candidate half of whose
answers moved to an unpriced model). The run metric ``cost.per_case`` is the honest mean: unknown
when any answered record is unpriced. Token
counts evalkit estimated are flagged ``estimated`` in details. A response is priced as the
model :func:`evalkit.pricing.priced_model` picks, the engine's order; when the engine priced
it, the scorer reports the engine's model and price entry (``ScoreContext.priced_as``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from evalkit.pricing import Price, load_prices, priced_model, usage_or_estimate
from evalkit.providers.base import Usage
from evalkit.scoring import Score, ScoreContext, Scorer

__all__ = ["Cost", "Latency"]


@dataclass
class Cost(Scorer):
    """The case's cost in USD against an optional per-case budget.

    ``value`` is 1 within budget (or with no budget) and 0 over it; when the cost is unknown,
    ``None`` without a budget and 0 with one. ``details["metrics"]`` carries
    ``priced_cost_usd`` (priced cases only) and token counts for averaging.
    """

    name: ClassVar[str] = "cost"
    outcomes: ClassVar[frozenset[str] | None] = frozenset({"ok", "over_budget", "unpriced"})
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
        elif ctx.priced_as is not None:
            model, price = ctx.priced_as, ctx.price
            cost = ctx.cost_usd
        else:  # a stored run re-scored: the engine's choice is not on the record
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
            "metrics": _token_metrics(usage)
            | ({"priced_cost_usd": cost} if cost is not None else {}),
        }
        if usage.cache_write_tokens is not None:
            details["cache_write_tokens"] = usage.cache_write_tokens
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
            if self.max_usd_per_case is not None:
                budget = f"; the budget of ${self.max_usd_per_case:.6f} per case cannot be checked"
                return Score(0.0, False, why + budget, details | {"outcome": "unpriced"})
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
    outcomes: ClassVar[frozenset[str] | None] = frozenset({"ok", "slow", "unmeasured"})
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
    for k in ("input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens"):
        v = getattr(u, k)
        if v is not None:
            out[k] = float(v)
    return out
