"""Dates and clock times for the groundedness scorer: month names, numeric dates read as
written ones, and clock times in 24-hour form.

:func:`dates_and_times` rewrites folded text so that every way of writing one date or time
reads the same (``2025-03-31`` and ``31/03/2025`` as ``31 march 2025``; ``3 pm``,
``3:00 p.m.`` and ``15:00`` as ``15:00``); the number check then compares one form
(:mod:`evalkit.scorers._grounding_numbers`).
"""

from __future__ import annotations

import re

from evalkit.scorers._grounding_lexicon import wordlist, wordset

__all__ = [
    "AMBIGUOUS",
    "CLOCK",
    "DATE_OR_TIME_HINT",
    "MONTHS",
    "MONTH_NAMES",
    "MONTH_NUMBER",
    "NAMED_TIMES",
    "ambiguous_months",
    "dates_and_times",
    "month_pair",
    "range_durations",
    "with_months",
]

MONTHS = wordset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
MONTH_NAMES = wordlist(
    "january february march april may june july august september october november december"
)
MONTH_NUMBER = {name[:3]: i + 1 for i, name in enumerate(MONTH_NAMES)}


def dates_and_times(out: str) -> str:
    """Folded text ``out`` with its numeric dates written in words and its clock times in
    24-hour ``h:mm`` (called by :func:`~evalkit.scorers._grounding_text.fold` only where
    :data:`DATE_OR_TIME_HINT` finds one may follow, or :data:`NAMED_TIMES` are named)."""
    if "noon" in out or "midnight" in out:  # "12 noon" and "12 pm", "midnight" and "12 am"
        out = _NAMED_TIME.sub(lambda m: "12:00" if m.group(1) == "noon" else "0:00", out)
    if _DATE_HINT.search(out):
        out = _NUMERIC_DATE.sub(_written_date, out)
    if "/" in out and _SHORT_DATE_HINT.search(out):
        out = _SHORT_DATE.sub(_short_date, out)
    if _TIME_HINT.search(out):
        out = _CLOCK_12.sub(_to_24h, out)
        out = _CLOCK_24.sub(lambda m: f"{int(m.group(1))}:{m.group(2)}", out)
    return out


NAMED_TIMES = ("noon", "midnight")
"""Clock times written as words: ``noon`` is ``12:00``, ``midnight`` ``0:00`` (as ``12 am``)."""
_NAMED_TIME = re.compile(r"\b(?:12(?::00)? ?)?(noon|midnight)\b")
_TIME_HINT = re.compile(r"\d\s*[ap]\.?m\b|\d:\d\d")
DATE_OR_TIME_HINT = re.compile(r"\d(?:\s*[ap]\.?m\b|:\d\d|[-/.]\d{1,2}[-/.]\d|/\d\d\b)")
"""A clock time or a numeric date may follow (:data:`_TIME_HINT` or :data:`_DATE_HINT`)."""
_CLOCK_12 = re.compile(r"\b(\d{1,2})(?::([0-5]\d))?\s*([ap])(?:m\b|\.m\.)")
_CLOCK_24 = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")


_DATE_HINT = re.compile(r"\d[-/.]\d{1,2}[-/.]\d")
_NUMERIC_DATE = re.compile(
    r"(?<![\w./-])(?:(\d{4})([-/.])(\d{1,2})\2(\d{1,2})|(\d{1,2})([-/.])(\d{1,2})\6(\d{4}|\d\d))"
    r"(?:(?![\w/-]|\.\d)|t(?=\d))"
)
"""A numeric date: ``2025-03-31`` (also with ``/`` or ``.``, or a time after a ``T``),
``31/03/2025`` or ``03/31/2025`` (also with ``-`` or ``.``), or either of the last two with a
two-digit year (``31/03/25``)."""


def _written_date(m: re.Match[str]) -> str:
    """A numeric date as the words a passage would write (``2025-03-31`` and ``31/03/2025``
    become ``31 march 2025``), so the month + day check of
    :func:`~evalkit.scorers._grounding_numbers.digit_mentions`, the words and the
    fuzzy ratios see one form. A day-first or month-first date is read the way its numbers
    allow (a part above 12 is the day); when both parts could be the month (``03/04/2025``)
    it becomes ``3/4/2025``, which the number check matches against either reading. Anything
    that is no valid date is left as written."""
    if m.group(1):  # year first: always year-month-day
        year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(4))
    else:
        a, b, year = int(m.group(5)), int(m.group(7)), int(m.group(8))
        if len(m.group(8)) == 2:
            if not _two_digit_year_date(a, b, m.group(6)) or m.group(0).endswith("t"):
                return m.group(0)
            year += 2000 if year < 70 else 1900
        if a <= 12 and b <= 12 and a != b:
            if not (a and b and 1000 <= year < 3000) or m.group(0).endswith("t"):
                return m.group(0)
            return f"{a}/{b}/{year}"
        month, day = (b, a) if a > 12 else (a, b)
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1000 <= year < 3000):
        return m.group(0)
    time = " " if m.group(0).endswith("t") else ""  # "2025-03-31t10:00"
    return f"{day} {MONTH_NAMES[month - 1]} {year}{time}"


_SHORT_DATE_HINT = re.compile(r"\d\d/\d\d(?![\w/])")
_SHORT_DATE = re.compile(
    r"(\b(?:on|by|until|till|from|before|after|since|dated|due|ends?|starts?|to) (?:the )?)"
    r"(\d\d)/(\d\d)(?![\w/-]|\.\d)"
)
"""A numeric date without a year, two digits each (``01/03``, ``31/03``), right after a word
that introduces a date ("on", "by", "until", "from", "due", ...). Without that word ``24/7``,
``50/50`` or ``10/10`` (a rating) would read as dates."""


def _short_date(m: re.Match[str]) -> str:
    """``31/03`` as ``31 march``; ``01/03``, whose day and month could be either way round
    (1 March in a British help centre, January 3 in an American one), as ``1/3/``, which
    :data:`AMBIGUOUS` reads as either (no year: the trailing ``/``). No valid date: as
    written."""
    cue, a, b = m.group(1), int(m.group(2)), int(m.group(3))
    if not (1 <= a <= 31 and 1 <= b <= 31) or (a > 12 and b > 12):
        return m.group(0)
    if a <= 12 and b <= 12 and a != b:
        return f"{cue}{a}/{b}/"
    day, month = (b, a) if b > 12 else (a, b)
    return f"{cue}{day} {MONTH_NAMES[month - 1]}"


def _two_digit_year_date(a: int, b: int, separator: str) -> bool:
    """Whether ``a``, ``b`` and a two-digit year are certainly a date: one of ``a``, ``b`` must
    be a day above 12, so the order is known (``31/03/25``, ``03/31/25``). ``03/04/25`` stays
    as written: day and month could be either way round and, unlike a four-digit year, ``25``
    does not even show it is a date. With dots only day first counts (``31.03.25``, the
    European form): ``1.21.10`` is far more often a version number than January 21, 2010.
    Day and month equal (``12/12/25``) is one reading too, with slashes."""
    if a == b:
        return separator == "/" and 1 <= a <= 12
    if a <= 12 and b <= 12:
        return False
    return separator != "." or a > 12


def _to_24h(m: re.Match[str]) -> str:
    hour = int(m.group(1))
    if hour > 12:
        return m.group(0)
    hour = hour % 12 + (12 if m.group(3) == "p" else 0)
    return f"{hour}:{m.group(2) or '00'}"


CLOCK = re.compile(r"(?<![\w.:])([01]?\d|2[0-3]):([0-5]\d)(?![\w:]|\.\d)")
"""A clock time as :func:`dates_and_times` leaves it (``3 pm`` and ``15:00`` are both
``15:00``)."""
AMBIGUOUS = re.compile(
    r"(?<![\w./-])(1[0-2]|[1-9])/(1[0-2]|[1-9])/(\d{4}|(?![\w/-]))(?![\w/-]|\.\d)"
)
"""A date :func:`dates_and_times` could not order (``3/4/2025``: March 4 or April 3; ``3/4/``
without a year)."""


def month_pair(a: int, b: int) -> str:
    """The key of a day and month whose order is unknown (``3/4`` for March 4 or April 3)."""
    return f"{min(a, b)}/{max(a, b)}"


def ambiguous_months(folded: str) -> list[str]:
    """The month names either reading of the ambiguous dates in ``folded`` text gives
    (``3/4/2025``: ``march``, ``april``), so a passage that writes such a date also has the
    words of a claim that writes it in full ("March 4")."""
    if "/" not in folded:
        return []
    return [
        MONTH_NAMES[int(g) - 1]
        for d in AMBIGUOUS.finditer(folded)
        for g in (d.group(1), d.group(2))
    ]


def with_months(tokens: list[str], folded: str) -> list[str]:
    """A passage sentence's ``tokens`` with the month names of its ambiguous dates placed
    beside the digits they read: ``1/3/2025`` is "1 march 3 january 2025", so a claim's "1
    March" (or "March 1", "3 January") sits as tightly in the passage as the date does,
    where names appended at the sentence's end stretched it ("scattered words")."""
    if "/" not in folded:
        return tokens
    out = list(tokens)
    for d in AMBIGUOUS.finditer(folded):
        a, b = d.group(1), d.group(2)
        at = next((n for n in range(len(out) - 1) if out[n] == a and out[n + 1] == b), None)
        if at is None:  # not where expected: the names still belong to the sentence
            out += [MONTH_NAMES[int(a) - 1], MONTH_NAMES[int(b) - 1]]
            continue
        out[at : at + 2] = [a, MONTH_NAMES[int(b) - 1], b, MONTH_NAMES[int(a) - 1]]
    return out


_TIME_RANGE = re.compile(
    r"(?<![\w.:])([01]?\d|2[0-3]):([0-5]\d)\s*(?:-|\u2013|to|until|till|and)\s*"
    r"([01]?\d|2[0-3]):([0-5]\d)(?![\w:])"
)


def range_durations(folded: str) -> set[str]:
    """The lengths of the clock-time ranges in ``folded`` text, as duration measures
    (``"@s:14400"`` for ``0:30-4:30``, as :func:`~evalkit.scorers._grounding_units.measures`
    writes "four hours"), so "those four hours" can rest on "00:30-04:30". A range past
    midnight ("22:00-6:00") wraps to the next day."""
    if ":" not in folded:
        return set()
    out: set[str] = set()
    for m in _TIME_RANGE.finditer(folded):
        start = int(m.group(1)) * 60 + int(m.group(2))
        end = int(m.group(3)) * 60 + int(m.group(4))
        minutes = (end - start) % (24 * 60)
        if minutes:
            out.add(f"@s:{minutes * 60}")
    return out
