"""The run's spending cap (``--max-cost``): reserve a request's estimated cost before sending it.

Why reserve and not only count: counting what came back stops a run only after the answers
in flight have returned, and at the default concurrency of 16 a small suite's whole eval set
is in flight before the first price is known (QA8: ``--max-cost 0.01`` spent $0.0734). So
each request that needs a paid call first reserves its *estimated* cost; it is sent only if

    spent + reserved (the requests in flight) + its estimate <= max_cost_usd

and otherwise waits for a request in flight to settle (its reservation is replaced by its
real price), then asks again. When nothing is in flight and it still does not fit, the budget
is *exhausted*: no new request is sent and the rest is left for ``--resume``.

The estimate (:meth:`Budget.estimate`): input tokens from the rendered request
(:func:`evalkit.pricing.estimate_input_tokens`, about four characters a token), output tokens
from the request's ``max_tokens`` / ``max_completion_tokens`` when set (an upper bound), else
the mean output of this run's answers so far, and before the first answer
:data:`DEFAULT_OUTPUT_TOKENS`. That first figure is a guess, so only one request is sent (a
probe) until an answer gives a real one: a budget costs one round trip of latency at the start,
never a wave of 16 requests priced by a guess.

The guarantee, precisely: the run's new spending exceeds the cap by at most the sum, over the
requests in flight when it stopped, of (real cost - estimate), plus the LLM judges' calls of
the pairs being scored then (a judge's cost is counted when its verdict returns, not reserved).
With ``max_tokens`` set the output estimate is an upper bound, and the overshoot comes only
from input tokens the chars/4 estimate undercounts (code, non-Latin text).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.pricing import Price, PriceTable
    from evalkit.providers.base import Request, Response
    from evalkit.scoring import Score

__all__ = ["DEFAULT_OUTPUT_TOKENS", "Budget", "judge_spending", "price_answer", "with_usage"]

DEFAULT_OUTPUT_TOKENS = 256
"""Output tokens assumed for a request without ``max_tokens`` until answers show more: about
a long paragraph, the size of a typical chat answer."""


class Budget:
    """One candidate run's spending cap: reservations, settled costs and judge spending."""

    def __init__(self, cap: float | None, prices: PriceTable) -> None:
        self.cap = cap
        self.prices = prices
        self.spent = 0.0
        """New spending on the candidate's calls (cache hits are free)."""
        self.judge_spent = 0.0
        """New spending on LLM judges' calls (verdicts not served from the judge's cache)."""
        self.reserved = 0.0
        self.in_flight = 0
        self.exhausted = False
        self.refused_estimate: float | None = None
        """The estimate of the request that found the budget spent, for the stop message."""
        self._outputs = 0
        self._answers = 0
        self._changed: asyncio.Event | None = None

    @property
    def total(self) -> float:
        """Everything this run spent: the candidate's calls and the judges'."""
        return self.spent + self.judge_spent

    def estimate(self, request: Request) -> tuple[float, bool]:
        """The request's estimated cost in USD (0.0 without a price) and whether its output
        is a guess (no ``max_tokens`` and no answer seen yet)."""
        from evalkit.pricing import estimate_input_tokens, priced_model
        from evalkit.providers.base import Usage

        hit = priced_model(self.prices, request.model, None)
        limit = request.params.get("max_tokens") or request.params.get("max_completion_tokens")
        guess = False
        if isinstance(limit, int | float) and limit > 0:
            out = float(limit)
        elif self._answers:
            out = self._outputs / self._answers
        else:
            out, guess = float(DEFAULT_OUTPUT_TOKENS), True
        if hit is None:
            return 0.0, guess
        cost = hit[1].cost(Usage(estimate_input_tokens(request), int(out + 0.999)))
        return (cost or 0.0), guess

    async def reserve(self, request: Request) -> float | None:
        """Reserve the request's estimate, waiting while requests in flight may free room;
        ``None`` when the budget is exhausted (send nothing). Pair with :meth:`settle`."""
        if self.cap is None:
            self.in_flight += 1
            return self.estimate(request)[0]
        while True:
            est, guess = self.estimate(request)  # again after each wait: answers teach it
            if self.exhausted:
                return None
            if guess:  # a probe: alone, while anything is left (its output is unknown)
                fits = self.in_flight == 0 and self.total < self.cap
            else:
                fits = self.total + self.reserved + est <= self.cap and self.total < self.cap
            if fits:
                self.reserved += est
                self.in_flight += 1
                return est
            if self.in_flight == 0:  # nothing will come back to free room: stop here
                self.exhausted, self.refused_estimate = True, est
                self._notify()
                return None
            if self._changed is None:
                self._changed = asyncio.Event()
            await self._changed.wait()

    def settle(self, reserved: float, cost: float | None, output_tokens: int | None) -> None:
        """Replace a reservation by what the request really cost (``None``/0: nothing, as for
        a failed call or an unpriced model); ``output_tokens`` teaches the next estimates."""
        self.reserved = max(0.0, self.reserved - reserved)
        self.in_flight = max(0, self.in_flight - 1)
        if cost:
            self.spent += cost
        if output_tokens is not None:
            self._outputs += output_tokens
            self._answers += 1
        if self.cap is not None and self.total >= self.cap:
            self.exhausted = True
        self._notify()

    def add_judge(self, cost: float) -> None:
        """Count judge spending (after the verdicts returned) against the cap."""
        self.judge_spent += cost
        if self.cap is not None and self.total >= self.cap:
            self.exhausted = True
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None  # waiters woke on the old event; the next wait gets a new one

    def stop_reason(self) -> str:
        """Why the budget stopped the run, with the figures."""
        assert self.cap is not None
        text = f"--max-cost {self.cap:g} reached: spent {_usd(self.total)} of ${self.cap:g}"
        if self.judge_spent:
            text += f" (judge calls {_usd(self.judge_spent)})"
        if self.total < self.cap and self.refused_estimate is not None:
            text += f"; the next request was estimated at ${self.refused_estimate:.2g}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The manifest's ``budget`` entry (written only for a run with a cap)."""
        return {
            "max_cost_usd": self.cap,
            "spent_usd": round(self.total, 8),
            "candidate_spent_usd": round(self.spent, 8),
            "judge_spent_usd": round(self.judge_spent, 8),
            "exceeded": self.cap is not None and self.total > self.cap,
        }


def _usd(x: float) -> str:
    """Four decimals, or three significant digits below a cent ($0.00099, not $0.0010)."""
    return f"${x:.4f}" if x >= 0.01 or x == 0 else f"${x:.3g}"


def judge_spending(scores: Mapping[str, Score]) -> float:
    """New spending of the LLM judges behind ``scores``: each score's ``judge_cost_usd``
    (the ``judge`` scorer, groundedness's judge mode) when its verdict was not cached."""
    total = 0.0
    for s in scores.values():
        d = s.details or {}
        cost = d.get("judge_cost_usd")
        if isinstance(cost, int | float) and not d.get("cached"):
            total += float(cost)
    return total


def with_usage(req: Request, resp: Response) -> Response:
    """The response with every token count the provider left out estimated and flagged
    (``usage.estimated``), by :func:`evalkit.pricing.usage_or_estimate`: the rule the ``cost``
    scorer applies, so the record is priced whenever its score is, at the same figure.
    Estimating only when both counts were missing left a record with an input count alone
    unpriced while its score priced an estimate."""
    u = resp.usage
    if u.input_tokens is not None and u.output_tokens is not None:
        return resp
    from dataclasses import replace

    from evalkit.pricing import usage_or_estimate

    return replace(resp, usage=usage_or_estimate(req, resp))


def price_answer(
    prices: PriceTable, req: Request, resp: Response
) -> tuple[float | None, str | None, Price | None]:
    """The answer's cost, the model it was priced as, and its price entry (see
    ``ScoreContext``); all ``None`` when the model has no price or counts are unknown."""
    from evalkit.pricing import priced_model

    hit = priced_model(prices, req.model, resp.model)
    if hit is None:
        return None, None, None
    model, price = hit
    cost = price.cost(resp.usage)
    return (cost, model, price) if cost is not None else (None, None, None)
