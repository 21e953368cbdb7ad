"""A worked example's running figures: totals and steps built on the answer's own figures.

Support answers work a user's case out over several sentences: "Car and driver: £88.50.
Second adult: £19.80. Child: £9.90. That's £118.20 each way." or "Monthly comes to £215.88 a
year. The annual plan is £179.90, so paying yearly saves you £35.98." Each later figure is one
stated step from figures the answer itself wrote earlier, which the passage never states:
£118.20 is no passage's figure, nor a sum of two of the claim's own. Read one claim at a time,
such a step failed as `number mismatch`, and every worked example was a false alarm.

**Decision:** figures of the answer's earlier claims (:attr:`Given.worked`, in order) are
used by one operation only, :func:`running_total`: a figure that is the total of the last two
or more amounts the answer listed (same unit), with a result cue ("that's", "in total",
"altogether", "comes to", "so") and no word of a difference ("so you save £152.49" is no
total). A wrong total still fails: "That's £118.40" is no sum of the items before it. A claim
whose own figures failed (a number, amount, date or time mismatch) carries nothing forward.

**Not kept** (QA16 F12): the answer's own figures, earlier ones and those a claim worked out
so far, as operands of any stated step. "At £13.49 per month, that's £161.88 a year, so after
the 3 months you've paid you have £148.39 left" passed as 161.88 - 13.49, the right
arithmetic on the wrong operands (£121.41 is right); "saves you £148.39" likewise (£22.88 is
right). Which figures a step combines is meaning the operation's cue word does not carry, and
every figure the answer writes widens the pool a wrong step can be matched from, so a later
step is worked out from the passage's and the user's figures alone, as before, and the
correct "saves you £22.88" after "£161.88 a year" is a false alarm again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evalkit.scorers._grounding_derive import figures
from evalkit.scorers._grounding_mention import Mention

__all__ = ["carried_keys", "result_words", "running_total"]

_RESULT_CUE = re.compile(
    r"\b(?:that(?:'|\u2019)?s|that is|that makes|which makes|which is|makes|total|totals|totalling"
    r"|in total|altogether|in all|comes? to|came to|adds? up|so|giving|bringing)\b"
)
"""Words that announce a result: a claim's figure is read as a running total only after one."""
_CUE_WORDS = frozenset(
    [
        "total",
        "totals",
        "totalling",
        "altogether",
        "all",
        "come",
        "comes",
        "came",
        "add",
        "adds",
        "up",
        "make",
        "makes",
        "giving",
        "bring",
        "bringing",
    ]
)
_DIFFERENCE = re.compile(
    r"\b(?:saves?|saving|left|remaining|remains?|owe|outstanding|balance|difference|cheaper"
    r"|dearer|less|more than|minus|back|refund(?:ed)?|off|discount)\b"
)
"""Words of a difference: a claim stating one is not read as a running total, whatever the
sum of the items before it happens to give."""
_MAX_ITEMS = 8
"""How far back a total may reach: an itemised list of a support answer is short."""
_FAILED = ("number mismatch", "amount mismatch", "date mismatch", "time mismatch")


def carried_keys(mentions: Sequence[Mention], reason: str) -> tuple[str, ...]:
    """The number keys a checked claim carries forward to later claims: those of its numbers
    and amounts, unless its own figures failed (``reason``)."""
    if reason.startswith(_FAILED):
        return ()
    return tuple(
        max(m.keys, key=len) for m in mentions if m.kind in ("number", "amount") and m.keys
    )


def running_total(m: Mention, folded: str, worked: Sequence[str]) -> bool:
    """Whether ``m`` is the total of the last two or more amounts of ``worked`` (the answer's
    earlier figures, in order) that share its unit, in a claim that announces a result."""
    if m.kind not in ("number", "amount") or len(worked) < 2 or not _RESULT_CUE.search(folded):
        return False
    if _DIFFERENCE.search(folded):  # "so you save £152.49": a sum is no saving or balance
        return False
    mine = figures([max(m.keys, key=len)])
    if not mine:
        return False
    value, unit, _ = next(iter(mine))
    if not unit or unit == "percent":  # a total of bare counts or of percentages is no total
        return False
    digits = re.search(r"\d[\d,]*(?:\.(\d+))?", m.text)
    decimals = len(digits.group(1) or "") if digits else 0
    total, items = 0.0, 0
    for key in reversed(worked):
        f = figures([key])
        if not f or next(iter(f))[1] != unit:
            continue  # "your 8-year-old: £9.90": the age is no item of the total
        total += next(iter(f))[0]
        items += 1
        if items >= 2 and abs(total - value) <= 0.5 * 10.0**-decimals + 1e-9:
            return True
        if items >= _MAX_ITEMS:
            break
    return False


def result_words(m: Mention, folded: str) -> set[str]:
    """What a running total excuses from the word checks: the figure as written ("118.20")
    and its cue words ("in total", "comes to"), which state the operation, not a fact."""
    cues = {w for c in _RESULT_CUE.finditer(folded) for w in c.group(0).split()}
    return set(m.keys) | {m.text.strip()} | (cues & _CUE_WORDS)
