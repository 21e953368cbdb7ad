"""Numbers a support answer works out from the passage: "12 seats at $23 is $276".

A claim that applies a price to the user's quantity states a number the passage never
writes. It is supported when it is the product or the sum of two other numbers *of the same
claim*, each of which the passage (or the user) states: the working is on the page, so a
reviewer can see it, and a wrong result ("12 seats at $23 is $267") still fails. Numbers
that the passage merely happens to multiply to are not accepted: with a dozen figures in a
passage, some product or sum lands on almost any wrong fee (see docs/scorers/groundedness.md,
"Support answers", for both readings measured).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set

from evalkit.scorers._grounding_mention import Mention
from evalkit.scorers._grounding_units import has_number

__all__ = ["derived"]


def derived(m: Mention, mentions: Sequence[Mention], stated: Iterable[Set[str]]) -> bool:
    """Whether ``m`` is the product or sum of two other numbers of ``mentions`` (the claim's)
    that are each stated in one of ``stated`` (the passage's keys, the user's)."""
    value = _value(m)
    if value is None or value == 0:
        return False
    sources = list(stated)
    operands = [
        v
        for o in mentions
        if o is not m
        and (v := _value(o)) is not None
        and any(all(has_number(keys, k) for k in o.keys) for keys in sources)
    ]
    return any(
        _same(value, a * b) or _same(value, a + b)
        for x, a in enumerate(operands)
        for b in operands[x + 1 :]
    )


def _value(m: Mention) -> float | None:
    """The plain value of a number or amount (its first key); dates, times, phone numbers
    and versions have none."""
    if m.kind not in ("number", "amount"):
        return None
    try:
        return float(m.keys[0])
    except ValueError:
        return None


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 0.005 * max(abs(a), abs(b), 1.0)
