"""Durations a claim restates from the sentences it rests on without an exact conversion.

Two ways a duration the passage never writes is still the passage's: a clock-time range lasts
it ("those four hours" for "00:30-04:30", worked out as a product is), or it is months for days
behind an approximation word ("about three months" for "90 days"). Days and months never
convert exactly (:mod:`~evalkit.scorers._grounding_units` keeps them on two scales), so a month
is taken as 28 to 31 days, and only where the claim says it approximates: "3 months" for "90
days" still fails, as do "about 2 months" and "about 4 months".
"""

from __future__ import annotations

import re

from evalkit.scorers._grounding_dates import range_durations
from evalkit.scorers._grounding_derive import approximated
from evalkit.scorers._grounding_index import PassageIndex
from evalkit.scorers._grounding_mention import Mention

__all__ = ["spanned"]

_COUNT = re.compile(r"^[\^v]?(\d+(?:\.\d+)?)@(day|month)$")
"""A count of days or months among a mention's keys ("90@day", "^60@day" for "up to 60")."""
_OTHER = {"day": "month", "month": "day"}


def spanned(m: Mention, folded: str, i: int, index: PassageIndex, region: tuple[int, int]) -> bool:
    """Whether the sentences of passage ``i`` the claim rests on (``region``) last ``m``: a
    clock-time range of that length, or, when the claim's ``folded`` text marks ``m`` as
    approximate, days for months (28-31 days a month) either way round."""
    texts = index.sentence_texts(i)
    spans = {
        k for j in range(region[0], min(region[1], len(texts))) for k in range_durations(texts[j])
    }
    if any(k in spans for k in m.measures):
        return True
    mine = _counts(m.keys)
    if not mine or not approximated(folded, m):
        return False
    sentences = index.sentence_numbers(i)
    stated = {
        c for j in range(region[0], min(region[1], len(sentences))) for c in _counts(sentences[j])
    }
    for value, unit in mine:
        for other, kind in stated:
            if kind != _OTHER[unit]:
                continue
            months, days = (value, other) if unit == "month" else (other, value)
            if 28 * months <= days <= 31 * months:
                return True
    return False


def _counts(keys: object) -> set[tuple[float, str]]:
    found = set()
    for k in keys:  # type: ignore[attr-defined]
        hit = _COUNT.match(k)
        if hit:
            found.add((float(hit.group(1)), hit.group(2)))
    return found
