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
from typing import Protocol

from evalkit.scorers._grounding_derive import (
    Figure,
    approximates,
    figures,
    fraction_words,
    may_derive,
    worked_out,
)
from evalkit.scorers._grounding_mention import Mention
from evalkit.scorers._grounding_units import has_number

__all__ = ["derivation", "derived"]


class _Passages(Protocol):
    numbers: list[set[str]]
    texts: list[str]
    figures: dict[int, object]


def derivation(
    m: Mention,
    mentions: Sequence[Mention],
    folded: str,
    i: int,
    index: _Passages,
    given: Set[str],
) -> set[str] | None:
    """What to excuse from the other checks when the claim's figure ``m``, which passage
    ``i`` lacks, is worked out: from two other figures of the claim (:func:`derived`), with
    one operation the claim states, or rounded (see
    :mod:`~evalkit.scorers._grounding_derive`). ``m``'s keys, the words that state the
    operation, and the keys of the claim's figures it used; ``None`` when it is not."""
    if derived(m, mentions, (index.numbers[i], given)):
        return set(m.keys)  # "12 seats at $23 is $276": worked out in the claim
    if not may_derive(m, folded):
        return None
    stated = stated_figures(index.numbers[i], index.texts[i], given, index.figures, i)
    working = worked_out(m, folded, stated)
    if working is not None:  # "£120 a year" for "£10 a month", "£25 in total" for £20 + £5
        used = {k for o in mentions for k in o.keys if _value(o) in working.operands}
        return set(m.keys) | set(working.words) | used
    if approximates(m, folded, stated):  # "about 5 hours" for "4.96 hours"
        return set(m.keys)
    return None


def stated_figures(
    passage: Iterable[str], text: str, given: Iterable[str], cache: dict[int, object], i: int
) -> set[Figure]:
    """The figures a claim's number may be worked out from: passage ``i``'s number keys
    (``passage``) and its fractions in words (in its folded ``text``, as ``"frac"``
    percentages), built once per passage into ``cache``, and the user's (``given``)."""
    mine = cache.get(i)
    if mine is None:
        mine = cache[i] = frozenset(figures(passage)) | {
            (pct, "frac", "") for pct, _ in fraction_words(text)
        }
    return mine | figures(given)  # type: ignore[operator, no-any-return]


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
