"""Comparisons between two facts in one claim: "a $10 transfer fee, which is less than the
$30 overdraft fee", "a £350 excess rather than the standard £100".

A help centre states each fact in its own sentence; the answer puts them side by side. Read
as one claim, its two amounts are "never stated together" (the relation check) and its words
look scattered over two sentences. Read as what it is, it makes three assertions: the left
fact, the right fact, and the comparison between them. So such a claim is checked as two
claims, each with every hard check, and the comparison's arithmetic is checked here: a
comparison the wrong way round ("$10, more than the $30 fee") fails as a number mismatch.

Conservative by design: only a marker with an amount on each side, the right side naming
what it is (a content word besides the number: "the $30 overdraft fee", not a bare "$100"),
and, for "less/more ... than", amounts of the same unit whose order can be read. A claim that
compares with a bare threshold ("costs less than $100") is never split: that threshold is
the claim's own fact and stays tied to its subject by the relation check. "Compared with",
"versus" and "as opposed to" are not read: they often carry the scope of the left side to the
right ("36% among women between 2002 and 2012, compared to 23% among men"), and the right side
checked alone lost that scope (on FaithBench one hallucinated summary passed).
"""

from __future__ import annotations

import re

from evalkit.scorers._grounding_mention import Mention
from evalkit.scorers._grounding_text import content_words, numbers

__all__ = ["comparison_parts"]

_MARKER = re.compile(
    r"(?:\s*,\s*(?:which|that)\s+(?:is|are|was|were)\s+|\s*,\s*|\s+)"
    r"(?:(?:much|far|a\s+lot|slightly|a\s+bit)\s+)?"
    r"(?:(?P<cmp>less|more|lower|higher|cheaper|dearer|longer|shorter|bigger|smaller|larger"
    r"|greater|fewer)\s+than|rather\s+than|instead\s+of)\s+",
    re.IGNORECASE,
)
_BELOW = frozenset({"less", "lower", "cheaper", "shorter", "smaller", "fewer"})


def comparison_parts(clause: str) -> tuple[list[tuple[int, int]], str]:
    """The parts of ``clause`` to check as claims, as ``[start, end)`` spans in it, and the
    reason its comparison is false (``""`` when true or not read). One span (the whole
    clause) when it is no comparison of two stated facts."""
    whole = [(0, len(clause))]
    m = _MARKER.search(clause)
    if m is None:
        return whole, ""
    left, right = clause[: m.start()], clause[m.end() :]
    left_numbers, right_numbers = numbers(left), numbers(right)
    if not left_numbers or not right_numbers:
        return whole, ""
    if not any(not w.isdigit() and not _numeric(w) for w in content_words(right)):
        return whole, ""  # "less than $100": a threshold, not a second fact
    if m.group("cmp"):
        a, b = _value(left_numbers[-1]), _value(right_numbers[0])
        if a is None or b is None or a[1] != b[1]:
            return whole, ""
        below = m.group("cmp").lower() in _BELOW
        if (a[0] < b[0]) != below or a[0] == b[0]:
            said = f"{left_numbers[-1].text.strip()} is not {m.group('cmp').lower()} than "
            return whole, f"number mismatch: {said}{right_numbers[0].text.strip()}"
    return [(0, m.start()), (m.end(), len(clause))], ""


def _numeric(word: str) -> bool:
    return word.replace(".", "", 1).replace(",", "").isdigit()


def _value(m: Mention) -> tuple[float, str] | None:
    """A mention's number and unit (``("10", "10@dollar")`` gives ``(10.0, "dollar")``), or
    ``None`` when it is no plain quantity (a date, a clock time, a code)."""
    if m.kind not in ("number", "amount"):
        return None
    try:
        value = float(m.keys[0])
    except ValueError:
        return None
    unit = next((k.partition("@")[2] for k in m.keys[1:] if "@" in k and k[0] != "@"), "")
    return value, unit.split("/", 1)[0].rstrip("=")
