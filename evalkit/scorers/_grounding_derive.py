"""Figures a support answer works out from the passage's: one stated operation, no more.

A faithful answer restates "£10 per month" as "£120 a year", "25% off" as "you pay 75%",
"£63.175" as "£63.18", "4.96 hours" as "about 5 hours", and works out a total ("the kit plus
delivery comes to £25"), a difference ("Pro costs £5 more than Basic"), a discount applied
("with 20% off, the £50 jacket costs £40"), a balance ("after the £20 deposit you owe £80")
or a share ("split between 4 of you, that's £25 each"). :func:`worked_out` accepts a claim's
figure the passage lacks when it is one of those, and nothing else:

- its operands are figures of the claim's best passage (any sentence of it), the user's, or
  a count the claim writes in words ("two tickets", "twice");
- at most one operation, and only one the claim *states*: each operation needs its own cue
  word in the claim (:data:`_CUES`: "total", "plus" for a sum; "more", "save", "left",
  "owe" for a difference; "each", "per", "split" for a share; a percentage with "off",
  "discount", "save" for a percentage of). A figure that some sum or product of the
  passage's figures happens to give, in a claim that says no such thing, still fails;
- the result has the operands' unit (a sum of pounds is pounds, never days) and the claim's
  precision: "£33.33 each" for £100 split three ways, not "£33" (that is rounding, which
  needs an approximation word: "about £33").

Rounding and approximate conversions (:func:`approximates`) need no operation: the figure at
the claim's precision, or within 5% behind "about", "around", "roughly", ... The accidental
acceptance these open is measured in ``benchmarks/experiments/groundedness_numbers.py`` (see
docs/scorers/groundedness.md, "Fifth round").
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from evalkit.scorers._grounding_mention import Mention

__all__ = [
    "Figure",
    "Working",
    "approximates",
    "figures",
    "fraction_stems",
    "fraction_words",
    "may_derive",
    "worked_out",
]

Figure = tuple[float, str, str]
"""A figure as (value, unit, period): ``(10.0, "gbp", "month")`` for "£10 per month"; a unit
of ``""`` is a number with no unit, a period of ``""`` an amount stated for no period."""

_PERIOD_SIZE = {"day": ("d", 1), "week": ("d", 7), "month": ("m", 1), "quarter": ("m", 3)}
_PERIOD_SIZE["year"] = ("m", 12)


def _figure(key: str) -> Figure | None:
    """A number key with a unit (``"10@gbp/month"``, ``"^20@percent"``, ``"4@"``) as a
    figure; keys of dates, times, phones and measures are none."""
    at = key.find("@")
    if at <= 0:
        return None
    head = key[:at].lstrip("^v")
    try:
        value = float(head)
    except ValueError:
        return None
    unit, _, period = key[at + 1 :].partition("/")
    unit = unit.partition("=")[0]
    if unit == "bday":
        return None
    return value, unit, period


def figures(keys: Iterable[str]) -> set[Figure]:
    """The figures of a set of number keys (a passage's, the user's)."""
    return {f for k in keys if "@" in k and (f := _figure(k)) is not None}


def _claim_figure(m: Mention) -> Figure | None:
    """The claim figure ``m`` with its unit and period (its most specific key), or a plain
    number's value with no unit."""
    if m.kind not in ("number", "amount"):
        return None
    best: Figure | None = None
    for k in m.keys:
        f = _figure(k)
        if f is not None and (best is None or len(k) > len(best[1]) + len(best[2])):
            best = f
    if best is not None:
        return best
    try:
        return float(m.keys[0]), "", ""
    except ValueError:
        return None


def _decimals(m: Mention) -> int:
    """The decimals the claim writes its figure with ("£2.50" has 2, "£25" none)."""
    digits = re.search(r"\d[\d,]*(?:\.(\d+))?", m.text)
    return len(digits.group(1) or "") if digits else 0


def _close(claim: float, exact: float, decimals: int) -> bool:
    """Whether ``claim`` is ``exact`` at the claim's precision: to the cent for "£33.33",
    exactly for a whole "£25" (rounding to a whole figure needs an approximation word)."""
    if decimals == 0:
        return abs(claim - exact) < 1e-6 * max(1.0, abs(exact))
    return abs(claim - exact) <= 0.5 * 10.0**-decimals + 1e-9


_APPROX = re.compile(
    r"\b(?:about|around|approximately|roughly|nearly|almost|some|circa|approx|just (?:under|over)"
    r"|close to|or so)\W+(?:[$€£¥₹]|[a-z]{1,2}\$)?$|~\s*$"
)
"""An approximation word right before a figure: "about 5 hours", "roughly £60", "~5"."""
_APPROX_AFTER = re.compile(r"^\S*\s+(?:\w+\s+)?or so\b")


def approximated(folded: str, m: Mention) -> bool:
    """Whether the claim marks its figure ``m`` as approximate ("about 5", "5 hours or so")."""
    at = folded.find(m.text.strip(" .,;").lower())
    if at < 0:
        return False
    return bool(_APPROX.search(folded, max(0, at - 24), at)) or bool(
        _APPROX_AFTER.match(folded[at : at + 40])
    )


def _round_half_up(value: float, decimals: int) -> float:
    try:
        step = Decimal(1).scaleb(-decimals)
        return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return value


def _rounds_to(claim: float, exact: float, decimals: int, approx: bool) -> bool:
    """Whether ``exact`` rounds to ``claim``: at the claim's decimals ("£63.175" to "£63.18",
    never to a whole figure without an approximation word), or, behind "about", to the
    claim's last significant digit and within 5% ("4.96 hours" to "about 5 hours", "£63.18"
    to "about £60" is 5.0% off and fails)."""
    if claim == exact:
        return False
    if decimals > 0 and _round_half_up(exact, decimals) == claim:
        return True
    if not approx or claim == 0 or abs(claim - exact) > 0.05 * abs(exact):
        return False
    place = decimals and -decimals
    if decimals == 0:
        whole = round(claim)
        place = len(str(whole)) - len(str(whole).rstrip("0")) if whole else 0
    return math.isclose(_round_half_up(exact / 10.0**place, 0) * 10.0**place, claim)


def approximates(m: Mention, folded: str, stated: Set[Figure]) -> bool:
    """Whether the claim's figure ``m`` is a stated figure rounded (see :func:`_rounds_to`),
    with the same unit and period, or with none on the passage's side."""
    f = _claim_figure(m)
    if f is None:
        return False
    value, unit, period = f
    decimals, approx = _decimals(m), approximated(folded, m)
    return any(
        (u == unit or u == "")
        and (p == period or not p or not period)
        and _rounds_to(value, v, decimals, approx)
        for v, u, p in stated
    )


_FRACTIONS = (
    (re.compile(r"\b(?:a|one) half\b|\bhalf (?:of|the|price|off)\b|\bhalve[sd]?\b"), 50.0),
    (re.compile(r"\b(?:a|one) quarter\b"), 25.0),
    (re.compile(r"\bthree quarters\b"), 75.0),
    (re.compile(r"\b(?:a|one) third\b"), 100 / 3),
    (re.compile(r"\btwo thirds\b"), 200 / 3),
)
"""Fractions written in words, as the percentage they are: "half the fee" is 50%."""


def fraction_words(folded: str) -> list[tuple[float, str]]:
    """The fractions ``folded`` text writes in words, each as a percentage and its words."""
    if "half" not in folded and "quarter" not in folded and "third" not in folded:
        return []
    return [(pct, m.group(0)) for rx, pct in _FRACTIONS for m in rx.finditer(folded)]


def _same_percent(value: float, pct: float, decimals: int, approx: bool) -> bool:
    return _close(value, pct, decimals) or (
        pct != int(pct) and (approx or decimals == 0) and abs(value - pct) < 1.0
    )


_CUES = {
    "sum": re.compile(
        r"\b(?:total|totals|totalling|totaling|altogether|in all|combined|together|plus"
        r"|comes? to|adds? up|sum|on top)\b"
    ),
    "difference": re.compile(
        r"\b(?:more than|less than|cheaper|dearer|higher|lower|extra|saves?|saving|difference"
        r"|left|remaining|remains?|owe|outstanding|balance|after|minus|rest|short)\b"
    ),
    "product": re.compile(
        r"\b(?:each|per|times|total|totals|altogether|in all|combined|twice|double|triple"
        r"|as many|as much|for \w+ (?:people|persons|guests|tickets|nights|items|seats|users))\b"
        r"|\d ?x\b|×"
    ),
    "share": re.compile(r"\b(?:each|per|apiece|split|divided|shared?|a head|a month|a week)\b"),
    "percent": re.compile(
        r"\b(?:off|discount(?:ed)?|saves?|saving|reduc(?:ed|tion)|cheaper|less|vat|tax|plus"
        r"|on top|surcharge|interest|refund(?:ed)?|back|pay|paying|charged?|costs?|comes to)\b"
    ),
}
"""The words a claim states each operation with. A claim without its cue is not read as the
operation, whatever its figures happen to give."""
_ANY_CUE = re.compile(
    "|".join(f"(?:{rx.pattern})" for rx in _CUES.values())
    + "|"
    + _APPROX.pattern.replace("$|~\\s*$", "|~")
)
_COUNT_WORDS = {
    "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "six": 6.0, "seven": 7.0,
    "eight": 8.0, "nine": 9.0, "ten": 10.0, "eleven": 11.0, "twelve": 12.0, "dozen": 12.0,
    "twice": 2.0, "double": 2.0, "doubled": 2.0, "triple": 3.0, "tripled": 3.0,
    "couple": 2.0, "pair": 2.0, "both": 2.0,
}  # fmt: skip
"""Counts a claim writes in words, which may multiply or split a passage's figure."""


def _counts(folded: str, stated: Set[Figure]) -> dict[float, str]:
    """Counts that may multiply or split, with the word that writes each (``""`` for a
    figure): whole unit-less figures of 2 to 100 stated by the passage or the user, and the
    claim's counts in words."""
    out = {v: "" for v, u, _ in stated if u == "" and v == int(v) and 2 <= v <= 100}
    for w in re.findall(r"[a-z]+", folded):
        n = _COUNT_WORDS.get(w)
        if n is not None:
            out.setdefault(n, w)
    return out


def may_derive(m: Mention, folded: str) -> bool:
    """A cheap test that :func:`worked_out` or :func:`approximates` may accept ``m``: it is
    a percentage, a rate for a period, written with decimals, or the claim has a cue word
    or an approximation word. Most missing figures fail here without reading the passage's."""
    if m.kind not in ("number", "amount"):
        return False
    last = m.keys[-1]
    return (
        last.endswith("@percent")
        or "/" in last.partition("@")[2]
        or "." in m.keys[0]
        or _has_cue(folded)
    )


@functools.lru_cache(maxsize=1 << 10)
def _has_cue(folded: str) -> bool:
    """Whether a claim's folded text has a cue or approximation word: asked for each of its
    missing figures against each shortlisted passage, so read once per claim."""
    return _ANY_CUE.search(folded) is not None


def worked_out(m: Mention, folded: str, stated: Set[Figure]) -> Working | None:
    """How the claim's figure ``m``, which no passage states, is one stated operation away
    from the ``stated`` figures (the best passage's and the user's): a per-period
    restatement, a complement of a discount, a fraction in words, a sum or difference, a
    product or share by a count, or a percentage of an amount (see the module docstring);
    ``None`` when it is none of these."""
    f = _claim_figure(m)
    if f is None or f[0] <= 0:
        return None
    value, unit, period = f
    decimals = _decimals(m)
    if unit == "percent" and _percent_restated(value, folded, stated, decimals):
        return Working(_cue_words(folded, "percent"), ())
    if period:
        base = _per_period(value, unit, period, stated, decimals)
        if base is not None:
            return Working(frozenset((period,)), (base,))
    # a bare number ("17 in total") sums figures of one unit, whichever it is
    units = {unit} if unit else {u for _, u, _ in stated if u not in ("percent", "frac")}
    hit = lambda x: x > 0 and _close(value, x, decimals)  # noqa: E731
    for u in units:
        same = sorted({v for v, w, p in stated if w == u and (p == period or not p or not period)})
        if not same:
            continue
        for op, fn in (("sum", lambda a, b: a + b), ("difference", lambda a, b: abs(a - b))):
            if u and _CUES[op].search(folded):  # bare numbers are too many to sum
                pair = _pair(same, lambda a, b, fn=fn: hit(fn(a, b)))  # type: ignore[misc]
                if pair:
                    return Working(_cue_words(folded, op), pair)
        # a bare figure multiplies only by a count the claim writes ("twice as many"): by a
        # passage's count, some product of a passage's bare numbers lands on most figures
        counts = _counts(folded, stated if u else set()) if u != "percent" else {}
        for op, fn in (("product", lambda a, n: a * n), ("share", lambda a, n: a / n)):
            if counts and _CUES[op].search(folded):
                for a in same:
                    for n, word in counts.items():
                        if hit(fn(a, n)):
                            return Working(_cue_words(folded, op) | {word}, (a, n))
        if u and u != "percent" and _CUES["percent"].search(folded):
            for r in (v for v, w, _ in stated if w == "percent" and 0 < v < 100):
                for a in same:
                    if hit(a * r / 100) or hit(a * (1 - r / 100)) or hit(a * (1 + r / 100)):
                        return Working(_cue_words(folded, "percent"), (a, r))
    return None


@dataclass(frozen=True, slots=True)
class Working:
    """How a claim's figure was worked out: the words that state the operation (no novel
    words for the word checks) and the stated figures it used (which the relation check
    need not find in one sentence: the claim brings them together)."""

    words: frozenset[str]
    operands: tuple[float, ...]


def _cue_words(folded: str, op: str) -> frozenset[str]:
    return frozenset(w for m in _CUES[op].finditer(folded) for w in m.group(0).split())


def _pair(values: list[float], test: Callable[[float, float], bool]) -> tuple[float, float]:
    for x, a in enumerate(values):
        for b in values[x + 1 :]:
            if test(a, b):
                return (a, b)
    return ()  # type: ignore[return-value]


_DISCOUNT_AFTER = re.compile(r"\s*(?:%|percent|per cent)\s+(?:off|discount|reduction|cheaper)")


def _percent_restated(value: float, folded: str, stated: Set[Figure], decimals: int) -> bool:
    """A percentage the passage states another way: a fraction in words ("half the fee" for
    a claim's 50%) or the part a discount leaves ("you pay 75%" for "25% off"; not "75%
    off", which is another discount)."""
    approx = "about" in folded or "around" in folded or "roughly" in folded
    if any(_same_percent(value, pct, decimals, approx) for pct, _ in _fraction_percents(stated)):
        return True
    at = folded.find(f"{_text(value)}%")
    if at < 0:
        at = folded.find(f"{_text(value)} percent")
    if at >= 0 and _DISCOUNT_AFTER.match(folded, at + len(_text(value))):
        return False  # "75% off" is a discount of its own, never the part "25% off" leaves
    if not re.search(r"\b(?:pay|paying|charged|price|cost|of the)\b", folded):
        return False
    return any(u == "percent" and _close(value, 100 - v, decimals) for v, u, _ in stated)


def _fraction_percents(stated: Set[Figure]) -> list[tuple[float, str]]:
    """The percentages the passage writes as fractions (kept as ``"frac"`` figures)."""
    return [(v, "") for v, u, _ in stated if u == "frac"]


def _text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


_PER_YEAR_WEEKS = 52.0


def _per_period(
    value: float, unit: str, period: str, stated: Set[Figure], decimals: int
) -> float | None:
    """The same rate for another period: "£120 a year" for "£10 per month", "£2.50 a week"
    never for "£10 a month" (weeks and months do not convert exactly); year and week by 52."""
    mine = _PERIOD_SIZE.get(period)
    if mine is None:
        return None
    for v, u, p in stated:
        if u != unit or not p or p == period:
            continue
        theirs = _PERIOD_SIZE.get(p)
        if theirs is None:
            continue
        if theirs[0] == mine[0]:
            factor = mine[1] / theirs[1]
        elif {period, p} == {"year", "week"}:
            factor = _PER_YEAR_WEEKS if period == "year" else 1 / _PER_YEAR_WEEKS
        else:
            continue
        if _close(value, v * factor, decimals):
            return v
    return None


def fraction_stems(folded: str, passage: Iterable[str]) -> set[str]:
    """The words of the claim's fractions in words that the passage (its number keys) states
    as a percentage ("half the fee" for "50% of the fee"): no novel words."""
    stated = figures(passage)
    return {
        w
        for pct, phrase in fraction_words(folded)
        if any(u == "percent" and abs(v - pct) < 1.0 for v, u, _ in stated)
        for w in phrase.split()
    }
