"""How two string arguments of a tool call are compared when the schema gives no ``enum``.

The principle: a string is compared as the *value* it is recognisably written as, and
otherwise as text in which every character but case, Unicode form and spacing counts.

1. **Number**: the whole string is a decimal number (a sign, a decimal point, well-formed
   thousands separators ``1,000`` or ``1 000``): compared by value, so ``"10.50"`` is
   ``"10.5"`` and ``"+500"`` is ``"500"``, while ``"-500"`` is not ``"500"``.
2. **Date and time**: ``YYYY-MM-DD`` (any one of ``- / .``), ``D/M/YYYY`` or ``M/D/YYYY``
   (the order is unknown, so both sides must use the same separator), ``H:MM[:SS]`` with an
   optional am/pm, and a date followed by a time: compared by their parts, so ``"09:30"`` is
   ``"9:30"`` and ``"2024-1-5"`` is ``"2024-01-05"``, while ``"11/2/2024"`` is not
   ``"1/12/2024"``.
3. **Grouped identifier**: digits in groups (phone, card and account numbers: at least seven
   digits, groups separated by one space, ``-`` or ``.``, every group after the first of two
   digits or more, an optional leading ``+`` and a parenthesised area code) compare their digit
   sequences; letters and digits grouped by single spaces only, every group holding a digit
   (IBANs, postcodes), compare with the spaces removed.
4. **Text**: everything else, after Unicode NFC, case folding, typographic dashes and quotes
   read as ASCII, and whitespace trimmed and collapsed to one space. Every other character
   counts, a space inside the text too: ``"3/4"`` is not ``"3*4"``, ``"j.smith@"`` not
   ``"j_smith@"``, ``"../a"`` not ``"a"``, ``"round trip"`` not ``"round-trip"``. Two
   spellings join: an abbreviation of single capitals (``"U.S."`` is ``"US"``) and a
   coefficient's multiplication sign (``"2*x"`` is ``"2x"``).

A string with no reading of the same kind as the other side's is compared as text.

The Berkeley Function Calling Leaderboard (BFCL) instead deletes whitespace and
``, . / - _ * ^`` and lower-cases (:func:`normalize_string`), which equates ``"-500"`` with
``"500"`` and ``"3/4"`` with ``"3*4"`` (QA14 F1, QA16 F1); ``bfcl_compat`` keeps it on purpose.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable
from decimal import Decimal

__all__ = ["fold", "normalize_string", "readings", "same_value", "text_key"]

_BFCL_NOISE = re.compile(r"[\s,./\-_*^]")
_BFCL_SIGNS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "'": '"'})
_TYPOGRAPHIC = str.maketrans(
    {
        "\u2212": "-",  # minus sign
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)

# 1. numbers: no leading zero (``"02134"`` is a code, not 2134), ASCII digits only.
_INTEGER = r"(?:0|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]{0,2}(?: [0-9]{3})+|[1-9][0-9]*)"
_NUMBER = re.compile(rf"([+-]?) ?((?:{_INTEGER}(?:\.[0-9]*)?)|\.[0-9]+)")

# 2. dates and times
_ISO_DATE = r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})"
_YEAR_LAST = r"([0-9]{1,2})([-/.])([0-9]{1,2})\6([0-9]{4})"
_TIME = r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)? ?(am|pm|a\.m\.|p\.m\.)?"
_DATE_TIME = re.compile(
    rf"(?:{_ISO_DATE}|{_YEAR_LAST})(?:(?:t| )({_TIME})(z|[+-][0-9]{{2}}:?[0-9]{{2}})?)?"
)
_ONLY_TIME = re.compile(_TIME)
_HOUR_ONLY = re.compile(r"([0-9]{1,2}) ?(am|pm|a\.m\.|p\.m\.)")

# 3. grouped identifiers
_DIGIT_GROUPS = re.compile(r"\+? ?(?:[0-9]+ )?(?:\([0-9]+\) ?)?[0-9]+(?:[ .-][0-9]+)*")
_LONGEST_VALUE = 64
"""Longer strings are text: no number, date or identifier is that long, and the patterns
above need not run over a pasted document."""
_SPACED_CODE = re.compile(r"[^\W_]+(?: [^\W_]+)*")

# 4. text: an abbreviation of single capitals (U.S., D.C.), not inside a word, an address or a
# host name; the multiplication sign of a coefficient (2*x)
_ABBREVIATION = re.compile(r"(?<![\w.@/-])(?:[A-Z]\.)+[A-Z]\.?(?![\w@/-]|\.\w)")
_COEFFICIENT = re.compile(r"(?<=[0-9])\*(?=[^\W\d_])")


def fold(text: str) -> str:
    """NFC, ``casefold``, typographic dashes and quotes as ASCII, whitespace collapsed.

    NFC because the same visible text arrives in several encodings (an eval set written on
    macOS often holds decomposed "u + combining diaeresis" where the model emits the
    precomposed "ü"); not NFKC, which would make ``"x²"`` ``"x2"``. ``casefold`` rather than
    ``lower`` so "Straße" equals "STRASSE".
    """
    folded = unicodedata.normalize("NFC", text).casefold().translate(_TYPOGRAPHIC)
    return " ".join(folded.split())


def normalize_string(text: str) -> str:
    """BFCL's normalisation: NFKC, case-fold, ``'`` as ``"``, delete whitespace and
    ``, . / - _ * ^`` (unchanged since before QA14; a typographic minus reads as ``-``).

    Used only with ``bfcl_compat``; it equates ``"-500"`` with ``"500"`` (see the module
    docstring), which evalkit's default :func:`same_value` does not.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_BFCL_SIGNS)
    return _BFCL_NOISE.sub("", folded)


def text_key(text: str) -> str:
    """Rule 4: the dots of a capital abbreviation dropped, :func:`fold`, ``2*x`` read as ``2x``.

    A space inside the text counts, next to punctuation too: ``"rm -rf / tmp"`` is not
    ``"rm -rf /tmp"``, so ``"2x + 5"`` is not ``"2x+5"`` either (one BFCL row, measured).
    """
    plain = _ABBREVIATION.sub(
        lambda m: m.group().replace(".", ""), unicodedata.normalize("NFC", text)
    )
    return _COEFFICIENT.sub("", fold(plain))


def _number(text: str) -> Decimal | None:
    found = _NUMBER.fullmatch(text)
    if found is None:
        return None
    sign, body = found.groups()
    return Decimal(sign + body.replace(",", "").replace(" ", ""))


def _clock(
    hour: str, minute: str, second: str | None, frac: str | None, half: str | None
) -> tuple[int, int, Decimal] | None:
    h, m, s = int(hour), int(minute), Decimal(f"{second or 0}.{frac or 0}")
    if half is not None:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if half.startswith("p") else 0)
    if h > 24 or m > 59 or s >= 61:
        return None
    return h, m, s


def _date_time(text: str) -> tuple[str, Hashable] | None:
    """``("date", key)`` / ``("time", key)`` when ``text`` is a date, a time or both."""
    hour = _HOUR_ONLY.fullmatch(text)
    found = _ONLY_TIME.fullmatch(text)
    if hour is not None:
        clock = _clock(hour[1], "0", None, None, hour[2])
        return None if clock is None else ("time", clock)
    if found is not None:
        clock = _clock(*found.groups())
        return None if clock is None else ("time", clock)
    found = _DATE_TIME.fullmatch(text)
    if found is None:
        return None
    g = found.groups()
    if g[0] is not None:  # year first: the order is known, any separator
        year, month, day = int(g[0]), int(g[2]), int(g[3])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        date: Hashable = ("ymd", year, month, day)
    else:  # year last: D/M or M/D, unknown, so the separator must be the same on both sides
        first, second, year = int(g[4]), int(g[6]), int(g[7])
        if not (1 <= first <= 31 and 1 <= second <= 31 and min(first, second) <= 12):
            return None
        date = (g[5], first, second, year)
    if g[8] is None:
        return "date", date
    clock = _clock(*g[9:14])
    return None if clock is None else ("date_time", (date, clock, g[14] or ""))


def _digits(text: str) -> str | None:
    """Rule 3's digit sequence of a phone, card or account number, else ``None``."""
    if _DIGIT_GROUPS.fullmatch(text) is None or re.fullmatch(r"[0-9]+\.[0-9]+", text):
        return None  # one dot between digits is a decimal point, never a grouping
    groups = re.findall(r"[0-9]+", text)
    if len(groups) > 1 and any(len(g) < 2 for g in groups[1:]):
        return None  # "192.168.1.10", "10.0.0.1": a one-digit group carries meaning
    digits = "".join(groups)
    return digits if len(digits) >= 7 else None


def _spaced_code(text: str) -> str | None:
    """Rule 3's letters and digits grouped by spaces (an IBAN, a postcode), spaces removed."""
    if _SPACED_CODE.fullmatch(text) is None or not any(c.isalpha() for c in text):
        return None
    groups = text.split(" ")
    if not all(any(c.isdecimal() for c in g) for g in groups):
        return None  # "Route 66" is not "Route66"
    return "".join(groups)


def readings(text: str) -> dict[str, Hashable]:
    """Every value kind ``text`` can be read as (rules 1-3) and its comparison key.

    A date or time has no other reading, so ``"2024-01-05"`` never meets ``"20240105"``; nor
    has a string shaped like one but out of range (``"2024-13-01"``).
    """
    folded = fold(text)
    found: dict[str, Hashable] = {}
    if len(folded) > _LONGEST_VALUE:
        return found
    if any(p.fullmatch(folded) for p in (_DATE_TIME, _ONLY_TIME, _HOUR_ONLY)):
        when = _date_time(folded)  # out of range ("2024-13-01"): text, not digit groups
        if when is not None:
            found[when[0]] = when[1]
        return found
    number = _number(folded)
    if number is not None:
        found["number"] = number
    digits = _digits(folded)
    if digits is not None:
        found["digits"] = digits
    code = _spaced_code(folded)
    if code is not None:
        found["code"] = code
    return found


def same_value(got: str, expected: str) -> bool:
    """Whether two strings are the same argument: by the first value kind both can be read
    as (date and time, number, digit groups, spaced code), else as text (:func:`text_key`)."""
    if got == expected:
        return True
    mine, theirs = readings(got), readings(expected)
    for kind, key in mine.items():
        if kind in theirs:
            return key == theirs[kind]
    return text_key(got) == text_key(expected)
