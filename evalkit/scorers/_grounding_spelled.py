"""Quantities written in words for the groundedness scorer: "two weeks", "half an hour",
"a day and a half", "three business days".

:func:`spelled_quantities` reads them as :class:`~evalkit.scorers._grounding_mention.Mention`
with the keys and :func:`~evalkit.scorers._grounding_units.measures` that digits would give;
an article after a quantity makes a rate ("$10 a week"), which is no quantity. A claim's
spelled quantity is checked in :mod:`~evalkit.scorers._grounding_checks`; a passage's is read
on demand (:func:`spelled_measures`). Re-exported by
:mod:`~evalkit.scorers._grounding_numbers`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

from evalkit.scorers._grounding_lexicon import UNIT_MEASURES, wordlist
from evalkit.scorers._grounding_mention import Mention, canon
from evalkit.scorers._grounding_units import _NON_CALENDAR, UNITS, measures

__all__ = ["may_spell_quantity", "spelled_measures", "spelled_quantities"]


_ONES = "one two three four five six seven eight nine"
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
_CARDINAL = {w: float(i + 1) for i, w in enumerate(wordlist(_ONES))} | {
    w: float(i + 10) for i, w in enumerate(wordlist(_TEENS))
}
_CARDINAL |= {w: float(10 * i + 20) for i, w in enumerate(wordlist(_TENS))}
_MEASURED_WORDS = sorted(
    (w for w, u in UNITS.items() if u in UNIT_MEASURES and w.isalpha() and len(w) > 1),
    key=len,
    reverse=True,
)


def _alternatives(names: str) -> str:
    return "|".join(sorted(names.split(), key=len, reverse=True))


_SPELLED = re.compile(
    r"(?<![\w'-])(?<!once )(?<!twice )(?<!times )(?<!per )"
    r"(?:(half) an? |(?:a|one) (quarter) of an? "
    rf"|((?:{_alternatives(_TENS)})(?:[- ](?:{_alternatives(_ONES)}))?"
    rf"|{_alternatives(_TEENS + ' ' + _ONES)}|an?)( and a half)?[ -])"
    r"(?:(business|working|banking|school|calendar|full|whole|consecutive|additional|extra)"
    r"[ -])?"
    rf"({'|'.join(_MEASURED_WORDS)})(?![\w'])( and a half)?"
)
"""A quantity written in words with a unit that converts: "two weeks", "a day and a half",
"half an hour", "one and a half hours", "twenty-four hours", "a quarter of an hour", "three
business days". Not "twice a day" or "per hour" (rates), nor ordinals ("the second week")."""


_SPELLED_LEADS = frozenset(_CARDINAL) | {"a", "an", "half", "quarter"}
_SPELLED_UNITS = frozenset(_MEASURED_WORDS)


def may_spell_quantity(tokens: Collection[str]) -> bool:
    """Whether text with these word ``tokens`` may write a quantity in words (a number word,
    an article or "half", and a unit that converts): a set test that spares most texts the
    slower :data:`_SPELLED` search."""
    return not (_SPELLED_UNITS.isdisjoint(tokens) or _SPELLED_LEADS.isdisjoint(tokens))


def spelled_quantities(folded: str) -> list[tuple[Mention, int, int]]:
    """The quantities :data:`_SPELLED` finds in ``folded`` text, each as a mention (its keys
    as digits would give them, with its :func:`measures`) and its span."""
    out: list[tuple[Mention, int, int]] = []
    for m in _SPELLED.finditer(folded):
        half, quarter, number, and_half, modifier, word, half_after = m.groups()
        if number in ("a", "an") and _rate(folded, m.start()):
            continue
        if half or quarter:
            value = 0.5 if half else 0.25
        elif number in ("a", "an", "one"):
            value = 1.0
        else:
            parts = number.replace("-", " ").split()
            value = sum(_CARDINAL[p] for p in parts)
        if and_half or half_after:
            value += 0.5
        unit = UNITS[word]
        if unit == "day" and modifier in _NON_CALENDAR:
            unit = "bday"
        key = canon(value)
        mention = Mention(m.group(0), "number", (key, f"{key}@{unit}"), measures(value, unit))
        out.append((mention, m.start(), m.end()))
    return out


def _rate(folded: str, start: int) -> bool:
    """Whether the article at ``start`` ("a week") makes a rate of the quantity before it:
    "$10 a week", "5 days a week", "10 GB a month", "3 messages a day", "twice a day". It
    then means "per": no period of one week that a passage must state, or that supports a
    claim's "7 days". After anything else ("within a week", "for a day", "$10. A week
    later") it is one."""
    before = folded[max(0, start - 40) : start].split()[-2:]
    if not before or not (before[-1][-1].isalnum() or before[-1][-1] == "%"):
        return False  # a sentence or clause ended before it
    last = before[-1]
    return (
        _counts(last)
        or last in _RATE_WORDS
        or last in UNITS  # "5 days a week"
        or (len(before) == 2 and _counts(before[0]))  # "3 messages a day"
    )


def _counts(word: str) -> bool:
    """Whether ``word`` is a number (``5``, ``$10``, ``20%``, ``two``)."""
    return word in _CARDINAL or any(c.isdigit() for c in word)


_RATE_WORDS = frozenset({"once", "twice", "thrice", "times"})


@functools.lru_cache(maxsize=4096)
def spelled_measures(folded: str) -> frozenset[str]:
    """The measures of the quantities ``folded`` text writes in words (see
    :func:`spelled_quantities`). Read on demand, for a claim's quantity that a passage does
    not state in digits, so passages pay nothing for it otherwise."""
    return frozenset(k for m, _, _ in spelled_quantities(folded) for k in m.measures)
