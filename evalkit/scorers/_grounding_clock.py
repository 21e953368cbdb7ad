"""Clock times a claim writes in words: "half past five", "a quarter to nine", "5 o'clock".

A help centre writes "17:30"; an answer says "half past five". The number check compared the
claim's digits only, so "5 o'clock" was a number mismatch (5) and "half past five" three novel
words. Here such a phrase is read as the times it can name (the hour on a 12-hour clock, so
"five" is 5:00 or 17:00) and is accepted only where the sentences of the passage the claim
rests on state one of them; its words and digits are then the time's, not novel content. A
phrase the passage does not state is left to the other checks, which fail it as before.
"""

from __future__ import annotations

import re

from evalkit.scorers._grounding_index import PassageIndex
from evalkit.scorers._grounding_text import stem, words

__all__ = ["clocked", "may_clock"]

_HOURS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]
_HOUR = r"(" + "|".join(_HOURS) + r"|1[0-2]|0?[1-9])"
_CLOCK = re.compile(rf"\b(?:(?:a )?(half|quarter) (past|to) {_HOUR}|{_HOUR} o'?clock)\b")
_MINUTES = {("half", "past"): 30, ("quarter", "past"): 15, ("quarter", "to"): -15}


def may_clock(folded: str) -> bool:
    """A cheap test for a clock time in words (most claims have none)."""
    return "clock" in folded or " past " in folded or "quarter to " in folded


def clocked(folded: str, i: int, index: PassageIndex, region: tuple[int, int]) -> set[str]:
    """The stems and digits of the claim's clock phrases that passage ``i`` states in the
    sentences ``region`` (the words to excuse; empty when none)."""
    sentences = index.sentence_numbers(i)
    stated = {k for j in range(region[0], min(region[1], len(sentences))) for k in sentences[j]}
    out: set[str] = set()
    for hit in _CLOCK.finditer(folded):
        if hit.group(4):
            hour, minutes = _hour(hit.group(4)), 0
        else:
            hour, minutes = _hour(hit.group(3)), _MINUTES[(hit.group(1), hit.group(2))]
        if minutes < 0:
            hour, minutes = hour - 1 or 12, 60 + minutes
        times = {f"{h % 24}:{minutes:02d}" for h in (hour % 12, hour % 12 + 12)}
        if times & stated:
            out |= {w if w.isdigit() else stem(w) for w in words(hit.group(0))}
    return out


def _hour(text: str) -> int:
    return int(text) if text.isdigit() else _HOURS.index(text) + 1
