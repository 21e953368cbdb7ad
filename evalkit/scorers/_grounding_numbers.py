"""Numbers for the groundedness scorer: digits, amounts, scales, units and number words.

:func:`digit_mentions` reads every number written in digits in folded text as a
:class:`Mention` with canonical keys (``1,000`` and ``1000`` are ``"1000"``, ``$5 million``
and ``$5m`` are ``"5000000"``, ``March 5`` is ``"mar 5"`` as well as ``"5"``, ``15:00`` is a
clock time and never the plain numbers 15 and 0). Spelled-out numbers are in
:data:`NUMBER_WORDS`, for the callers that count them.

Units. A number written with a unit (``6 years``, ``6-year-old``, ``6 yrs``, ``250g``, ``$29``,
``€29``, ``29 EUR``, ``15%``) also has the key ``"6@year"`` (see :data:`UNITS`), so in a claim
it needs the same number with the same unit in the passage: "Children under 6 years" is not
supported by "4 to 6 hours". In a passage (``passage=True``) a number with no unit after it
has the key ``"6@"``, which :func:`has_number` accepts for a claim's 6 of any unit: the
passage's bare "under 6" supports the claim's "under 6 years", as it did before units were
read. The unit of a range's end is its start's too
("4 to 6 hours", "4-6 hours", "between 4 and 6 hours"). Which words are units, and how a
quantity converts, is :mod:`~evalkit.scorers._grounding_units` (re-exported here).

A phone number is one mention (:func:`phone_mention`), compared by its national number, so its
national and international forms match and a wrong digit in any group fails the whole number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evalkit.scorers._grounding_dates import (
    AMBIGUOUS,
    CLOCK,
    MONTH_NAMES,
    MONTH_NUMBER,
    MONTHS,
    month_pair,
)
from evalkit.scorers._grounding_lexicon import STOPWORDS, UNIT_MEASURES, wordlist, wordset
from evalkit.scorers._grounding_mention import Mention, canon
from evalkit.scorers._grounding_spelled import (
    may_spell_quantity,
    spelled_measures,
    spelled_quantities,
)
from evalkit.scorers._grounding_units import (
    _CURRENCY_BEFORE,
    _NON_CALENDAR,
    _UNIT_LEADS,
    _UNIT_MODIFIERS,
    AMOUNT_UNITS,
    DOLLAR_SIGNS,
    UNITS,
    _measures,
    _unit_keys,
    amount_keys,
    ends_quantity,
    has_number,
    measures,
    unit_after,
)

__all__ = [
    "AMOUNT_SUFFIX_SCALES",
    "ATTACHED",
    "NUMBER_UNIT",
    "NUMBER_WORDS",
    "SCALED",
    "SCALES",
    "SUFFIX_SCALES",
    "THOUSANDS",
    "UNITS",
    "Mention",
    "canon",
    "digit_mentions",
    "has_number",
    "may_spell_quantity",
    "measures",
    "phone_mention",
    "scaled_word",
    "spelled_keys",
    "spelled_measures",
    "spelled_quantities",
    "unit_after",
]


_NUM = re.compile(r"(?<![\w.])[-+]?\$?\d(?:[\d,]*\d)?(?:\.\d+)*(?:%|[a-z]{1,4})?(?![\w])")
"""A number in folded text: a dotted version or address (``2.4.1``) compared as written, or a
value with an optional ``$``, ``%``, ordinal, or a unit or scale written onto it (``250g``,
``10k``, ``$5m``), which must not hide the number from the checks."""
SUFFIX_SCALES = {"k": 1e3}
"""Scales written onto a number whatever it counts; ``m`` and ``bn`` scale only an amount
(``$5m``: 5 metres or minutes are common too)."""
AMOUNT_SUFFIX_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}
_ORDINALS = frozenset({"st", "nd", "rd", "th", "s"})
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
NUMBER_WORDS = {
    w: float(i)
    for i, w in enumerate(
        wordlist(
            "zero _ two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
        )
    )
    if w != "_"
} | {
    "thirty": 30.0,
    "forty": 40.0,
    "fifty": 50.0,
    "sixty": 60.0,
    "seventy": 70.0,
    "eighty": 80.0,
    "ninety": 90.0,
    "hundred": 100.0,
    "dozen": 12.0,
    "second": 2.0,
    "third": 3.0,
    "fourth": 4.0,
    "fifth": 5.0,
    "sixth": 6.0,
    "seventh": 7.0,
    "eighth": 8.0,
    "ninth": 9.0,
    "tenth": 10.0,
    "twice": 2.0,
    "double": 2.0,
}
"""``one``/``first`` are left out on purpose: as pronoun and adverb they rarely count."""
ATTACHED = re.compile(r"\d(?:[^\W\d_]| (?:thousand|[mbtr]illion)\b)")
"""A letter or a scale word right after a digit: a unit or scale that :data:`NUMBER_UNIT` or
:data:`SCALED` may separate or apply."""
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
"""A thousands separator (``5,000``)."""
NUMBER_UNIT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)([^\W\d_]+)\b")
"""A unit written onto a number (``250g``)."""
SCALED = re.compile(
    r"(?<![\w.])((?:[a-z]{1,2})?\$|[€£¥₹]|)(\d+(?:\.\d+)?) ?"
    r"(thousand|million|billion|trillion|k|mn|m|bn|b)\b"
)
"""A number with a scale, written on or after it (``$5m``, ``ca$5m``, ``£2.5m``, ``10k``, ``5
million``)."""


_PHONE = re.compile(
    r"(?<![\w.,+/$-])(?:"
    r"\+\d{1,3}(?:[ .-]?\(0\))?(?:[ .-]?\(?\d{1,5}\)?){2,5}"  # +44 20 7946 0958, +1 (800) ...
    r"|\(\d{2,5}\)[ .-]?\d{2,4}[ .-]?\d{3,4}"  # (800) 555-0199
    r"|0\d{1,4}[ .-]\d{3,4}[ .-]?\d{3,4}"  # 020 7946 0958
    r"|(?:1[ .-])?\d{3}[ .-]\d{3}[ .-]\d{4}"  # 1-800-555-0199, 800.555.0199
    r")(?!\w|,\d|[.-]\d)"  # a comma ends it ("call 555-0199, or"), unless digits follow
)
"""A phone number, national or international, read as one token (see :func:`phone_mention`)."""
_PHONE_HINT = re.compile(r"[0-9][ .-][0-9]")
"""Digits on both sides of a separator: a text without it (and without ``+`` or ``(``) holds no
phone number, so most passages skip the per-number tests (one scan in C is cheaper)."""
_CC2 = wordset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 "
    "63 64 65 66 81 82 84 86 90 91 92 93 94 95 98"
)
"""The two-digit country calling codes; 1 and 7 are the one-digit ones, all others have three
(calling codes are prefix-free, so the digits after ``+`` say where the code ends)."""


def phone_mention(surface: str) -> Mention:
    """A phone number as one mention whose key is its national number without trunk prefix:
    ``+1 800 555 0199``, ``1-800-555-0199`` and ``(800) 555-0199`` are ``"tel:8005550199"``,
    ``+44 20 7946 0958``, ``+44 (0)20 ...`` and ``020 7946 0958`` ``"tel:2079460958"``. An
    international form also has the key ``"tel:2079460958@cc/44"``, which
    :func:`has_number` accepts where the passage states the number without a country code
    (like an amount's period), so a wrong country code fails only against one that is given.
    Compared as one token, a wrong digit anywhere fails the whole number."""
    digits = "".join(c for c in surface.replace("(0)", "") if c.isdigit())
    if surface.startswith("+"):
        n = 1 if digits[0] in "17" else 2 if digits[:2] in _CC2 else 3
        national = digits[n:].lstrip("0")
        return Mention(surface, "number", (f"tel:{national}", f"tel:{national}@cc/{digits[:n]}"))
    national = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits.lstrip("0")
    return Mention(surface, "number", (f"tel:{national}",))


def _phone_at(folded: str, m: re.Match[str], signs: bool) -> re.Match[str] | None:
    """The phone number that the number ``m`` opens, if any. A few cheap character tests come
    first, so that :data:`_PHONE` is tried at a few places only (this is the hot path: every
    passage's numbers); ``signs`` says whether the text has a ``+`` or ``(`` at all."""
    start, end = m.span()
    opened = folded[start - 1 : start] == "("
    if (
        folded[end + 1 : end + 2].isdigit()  # "800 555", "+1 800", "1-800"
        or folded[end - 5 : end - 4] == "."  # "800.555.0199"
        or (signs and (opened or folded[start] == "+"))
    ):
        return _PHONE.match(folded, start - opened)
    return None


def scaled_word(m: re.Match[str]) -> str:
    """``5 million``, ``$5m`` and ``10k`` as the one word ``5000000`` / ``10000`` that
    ``5,000,000`` and ``10,000`` are (``m`` and ``b`` scale only an amount: ``5m`` is metres)."""
    scale = SCALES.get(m.group(3)) or (AMOUNT_SUFFIX_SCALES if m.group(1) else SUFFIX_SCALES).get(
        m.group(3)
    )
    if scale is None:
        return m.group(0)
    return m.group(1) + canon(float(m.group(2)) * scale)


def digit_mentions(
    folded: str, unscaled: set[str] | None = None, *, passage: bool = True
) -> list[Mention]:
    """The digit-written mentions of ``folded`` text; the unscaled value of an amount such
    as ``5 million`` (``"5"``) is added to ``unscaled`` when given.

    A date whose day and month could be swapped (``3/4/2025``) is matched by either reading:
    its key in a claim is the unordered pair ``"3/4"``, which a ``passage`` gives for every
    date whose day is 12 or less, and a passage gives both readings' keys for it.
    """
    out: list[Mention] = []
    ambiguous = {d.start(): d for d in AMBIGUOUS.finditer(folded)} if "/" in folded else {}
    second = {d.start(2) for d in ambiguous.values()}
    clocks = {c.end(1): c for c in CLOCK.finditer(folded)} if ":" in folded else {}
    minutes = {c.start(2) for c in clocks.values()}
    phone_end = -1
    signs = "(" in folded or "+" in folded
    phones = signs or _PHONE_HINT.search(folded) is not None
    for m in _NUM.finditer(folded):
        if phones:
            if m.start() < phone_end:
                continue  # a group of a phone number, which is read whole
            phone = _phone_at(folded, m, signs)
            if phone is not None:
                out.append(phone_mention(phone.group(0)))
                phone_end = phone.end()
                continue
        if clocks:  # "15:00" is one time, never the counts 15 and 0
            if m.start() in minutes:
                continue
            clock = clocks.get(m.end())
            if clock is not None:
                hour = int(clock.group(1))
                key = f"{hour}:{clock.group(2)}"
                out.append(Mention(clock.group(0), "time", (key,)))
                if passage:  # "opens at 9" is the passage's "9 am"; "15 days" is not its "3 pm"
                    out.append(Mention(clock.group(0), "number", (str(hour % 12 or 12),)))
                continue
        if ambiguous:
            if m.start() in second:
                continue
            if m.start() in ambiguous:
                out.append(_ambiguous_date(ambiguous[m.start()], passage))
                continue
        raw = m.group(0)
        digits = raw.rstrip(_LETTERS)
        suffix = raw[len(digits) :]
        if digits.count(".") >= 2:  # a version or an address: compared as written
            out.append(Mention(digits, "number", (digits.lstrip("+$"),)))
            continue
        if suffix in _ORDINALS:  # "3rd", "1990s"
            suffix = ""
        digits = digits.lstrip("+$").rstrip("%")
        cents = digits[-3:-2] == "," and digits.count(",") == 1  # "29,99 €": a decimal comma
        digits = digits.replace(",", "")
        try:
            value = float(digits)
        except ValueError:
            continue
        after = folded[m.end() : m.end() + 12].strip().split(" ", 1)[0].strip(".,;")
        before = folded[max(0, m.start() - 10) : m.start()].split()
        month = after if after in MONTHS else (before[-1].strip(".,") if before else "")
        dollar = raw.startswith("$")
        unit = "dollar" if dollar else "percent" if raw.endswith("%") else ""
        kind = "number"
        if before and not unit and before[-1] in _CURRENCY_BEFORE:
            unit = UNITS[before[-1]]  # "€29", "EUR 49", "CAD 29"
            if folded[m.start() - 1] == "$":  # "ca$29": a dollar amount, named by its prefix
                raw, kind, dollar = before[-1].upper() + raw, "amount", True
        money = dollar or (unit in AMOUNT_UNITS and unit != "percent")  # "£2.5m", "€3bn"
        scales = AMOUNT_SUFFIX_SCALES if money else SUFFIX_SCALES
        if suffix in scales:  # "10k", "$5m": the scaled value, and the written one as well
            unit = unit or unit_after(folded, m.end())
            if unscaled is not None:
                unscaled.update(_unit_keys(canon(value), unit, passage))
            kind = "amount" if money else "number"
            value *= scales[suffix]
            written = _unit_keys(canon(value), unit, passage)
            out.append(Mention(raw, kind, written, measures(value, unit)))
            continue
        if suffix:  # a unit written onto the number ("250g", "40hrs"): the number counts
            unit = UNITS.get(suffix, "")
            if len(suffix) == 1 and unit and not ends_quantity(folded, m.end()):
                unit = ""  # "5t-shirts"
            written = _unit_keys(canon(value), unit, passage)
            out.append(Mention(raw, "number", written, measures(value, unit)))
            continue
        if dollar or raw.endswith("%") or after in SCALES or after == "percent":
            kind = "amount"
            end = m.end()
            if after in SCALES:  # "5 million dollars": the unit follows the scale
                end = folded.index(after, end) + len(after)
                unit = unit or unit_after(folded, end)
                if unscaled is not None:
                    unscaled.update(_unit_keys(canon(value), unit, passage))
                value *= SCALES[after]
            else:
                unit = unit or "percent"
            if unit == "dollar" and folded[end : end + 1] == " ":  # "$29 CAD": which dollar
                named = unit_after(folded, end)
                if named in DOLLAR_SIGNS:
                    unit = named
                    if after in DOLLAR_SIGNS:
                        raw += " " + after.upper()
            if cents and unit in AMOUNT_UNITS:
                value /= 100
            written = (
                amount_keys(folded, m.start(), end, canon(value), unit, passage)
                if unit in AMOUNT_UNITS
                else _unit_keys(canon(value), unit, passage)
            )
            out.append(Mention(raw, kind, written, measures(value, unit)))
        elif month in MONTHS and 1 <= value <= 31 and value == int(value):
            # "March 5" must match a March 5 in the passage, not any 5 (e.g. "5 days"); a
            # year next to a month ("3 March 2025", "March 2025") is a plain number
            surface = f"{raw} {month.title()}" if after == month else f"{month.title()} {raw}"
            keys: tuple[str, ...] = (canon(value), f"{month[:3]} {canon(value)}")
            if passage and value <= 12:  # the day could be the month of a claim's "3/4/2025"
                keys += (month_pair(MONTH_NUMBER[month[:3]], int(value)),)
            out.append(Mention(surface, "date", keys))
        else:
            if not unit:  # most numbers: the next word is a unit, or no unit can follow
                unit = UNITS.get(after, "")
                if unit and len(after) == 1:  # "5 t" is tonnes, "5 T shirts" are not
                    unit = unit if ends_quantity(folded, folded.index(after, m.end()) + 1) else ""
                if not unit and (after in _UNIT_LEADS or after.startswith(("-", "–", "—"))):
                    unit = unit_after(folded, m.end())
            key = canon(value)  # _unit_keys, inlined: this is the hot path of every passage
            if unit in AMOUNT_UNITS:  # "€29", "29 EUR per month"
                if cents:
                    value /= 100
                    key = canon(value)
                written = amount_keys(folded, m.start(), m.end(), key, unit, passage)
                if unit in DOLLAR_SIGNS and after == unit:  # "29 CAD" names its dollar
                    raw, kind = f"{raw} {after.upper()}", "amount"
                out.append(Mention(raw, kind, written, measures(value, unit)))
            elif unit:
                sized = _measures(value, unit) if unit in UNIT_MEASURES else ()
                out.append(Mention(raw, "number", (key, f"{key}@{unit}"), sized))
            else:
                out.append(Mention(raw, "number", (key, key + "@") if passage else (key,)))
    return out


def spelled_keys(tokens: Sequence[str]) -> set[str]:
    """The keys of a passage's spelled-out numbers (``tokens`` are its words): "six years"
    states 6 years (``"6"``, ``"6@year"``), "under six" a bare 6 (``"6"``, ``"6@"``)."""
    keys: set[str] = set()
    if NUMBER_WORDS.keys().isdisjoint(tokens):  # the common case, at C speed
        return keys
    for k, w in enumerate(tokens):
        if w in NUMBER_WORDS:
            key = canon(NUMBER_WORDS[w])
            nxt = tokens[k + 1] if k + 1 < len(tokens) else ""
            unit = UNITS.get(nxt, "")
            if unit and len(nxt) == 1 and k + 2 < len(tokens) and tokens[k + 2] not in STOPWORDS:
                unit = ""  # "five t shirts": the letter belongs to the thing counted
            if not unit and nxt in _UNIT_MODIFIERS and k + 2 < len(tokens):
                unit = UNITS.get(tokens[k + 2], "")
                if unit == "day" and nxt in _NON_CALENDAR:
                    unit = "bday"
            keys.update(_unit_keys(key, unit, True))
    return keys


def _ambiguous_date(m: re.Match[str], passage: bool) -> Mention:
    """``3/4/2025``: a claim needs a passage date of March 4 or April 3 (its year is checked
    as the plain number after it); a passage states both readings."""
    a, b = int(m.group(1)), int(m.group(2))
    keys: tuple[str, ...] = (month_pair(a, b),)
    if passage:
        keys += (str(a), str(b), f"{MONTH_NAMES[a - 1][:3]} {b}", f"{MONTH_NAMES[b - 1][:3]} {a}")
    return Mention(m.group(0).rstrip("/"), "date", keys)  # "1/3/" has no year
