"""Dates a claim writes with an ordinal word: "the first of March", "March the twenty-first".

The number check reads digits ("1 March", "the 1st of March"); "first" is not a number word
(as an adverb it rarely counts, see :data:`~evalkit.scorers._grounding_numbers.NUMBER_WORDS`),
so "the first of March" was no date at all and "first" a novel word. Only an ordinal word
joined to a month name is read here, as the date it names, with the keys a digit date gets
("1 March": ``"1"``, ``"mar 1"``), so it is checked like one: against "01/03/2025" or "1 March"
it passes, against "2 March" it is a date mismatch.
"""

from __future__ import annotations

import re

from evalkit.scorers._grounding_dates import MONTH_NAMES
from evalkit.scorers._grounding_mention import Mention

__all__ = ["ordinal_dates"]

_UNITS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
]
_ORDINAL = {w: n for n, w in enumerate(_UNITS, 1)} | {"twentieth": 20, "thirtieth": 30}
_ORDINAL |= {f"twenty-{w}": 20 + n for n, w in enumerate(_UNITS[:9], 1)}
_ORDINAL |= {f"twenty {w}": 20 + n for n, w in enumerate(_UNITS[:9], 1)}
_ORDINAL |= {"thirty-first": 31, "thirty first": 31}
_WORD = "|".join(sorted(_ORDINAL, key=len, reverse=True))
_MONTH = "|".join(MONTH_NAMES)
_DATE = re.compile(
    rf"\b(?:the )?({_WORD})(?: day)? of ({_MONTH})\b|\b({_MONTH}) (?:the )?({_WORD})\b"
)


def ordinal_dates(folded: str) -> list[Mention]:
    """The dates of a claim's ``folded`` text written with an ordinal word."""
    if "of " not in folded and not any(m in folded for m in MONTH_NAMES):
        return []
    out = []
    for hit in _DATE.finditer(folded):
        day_word = hit.group(1) or hit.group(4)
        month = hit.group(2) or hit.group(3)
        day = _ORDINAL[day_word]
        out.append(Mention(hit.group(0), "date", (str(day), f"{month[:3]} {day}")))
    return out
