"""Units for the groundedness scorer: which words name a unit, reading the unit after a number,
and converting a quantity to the scales its unit converts on.

A number written with a unit has the key ``"6@year"`` beside its plain ``"6"``; a passage's
number with no unit has ``"6@"``, which :func:`has_number` accepts for a claim's 6 of any unit.
A quantity whose unit converts (time, length, mass, data, ...) also has its :func:`measures`
(``"@mo:72"`` for 6 years or 72 months), so a claim may state it in another unit of the same
scale. An amount (a currency or percent) also keeps its cap and period (:func:`amount_keys`:
``"^20@percent"`` for "up to 20%", ``"29@dollar/month"`` for "$29 per month"), and a named
dollar its country (``"29@dollar=cad"`` for ``CA$29`` or ``29 CAD``, which a passage's
``US$29`` does not hold and its plain ``$29``, ``"29@dollar="``, does). The tables of
unit words and scales are in
:mod:`~evalkit.scorers._grounding_lexicon` (:data:`UNIT_WORDS`, :data:`UNIT_MEASURES`); the
numbers these units follow are read in :mod:`~evalkit.scorers._grounding_numbers`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Set

from evalkit.scorers._grounding_lexicon import STOPWORDS, UNIT_MEASURES, UNIT_WORDS, wordset

__all__ = [
    "AMOUNT_UNITS",
    "DOLLAR_NAMES",
    "DOLLAR_PREFIXES",
    "DOLLAR_SIGNS",
    "UNITS",
    "amount_keys",
    "dollars_said",
    "ends_quantity",
    "has_number",
    "measures",
    "unit_after",
]

_DOLLARS = {
    "usd": "us$ usd",
    "cad": "ca$ c$ cad",
    "aud": "a$ au$ aud",
    "nzd": "nz$ nzd",
    "hkd": "hk$ hkd",
    "sgd": "s$ sg$ sgd",
}
"""The named dollars, with the prefixes and codes that name each (all are also dollar words in
:data:`UNIT_WORDS`)."""
DOLLAR_SIGNS = {code: ws.split()[0].upper() for code, ws in _DOLLARS.items()}
"""How a reason writes a named dollar: ``cad`` is ``CA$``."""
DOLLAR_NAMES = {
    "us": "usd",
    "american": "usd",
    "canadian": "cad",
    "australian": "aud",
    "nz": "nzd",
    "singapore": "sgd",
    "hk": "hkd",
}
"""The word before "dollars" that names which ("29 Canadian dollars")."""
UNITS = {w: unit for unit, ws in UNIT_WORDS.items() for w in ws.split()} | {
    w: code for code, ws in _DOLLARS.items() for w in ws.split()
}
"""A unit written after (or, for a currency, before) a number, as the unit it names: ``yrs``
is ``year``, ``€`` and ``EUR`` are ``euro``. Units of one kind are kept apart (``GB`` is not
``MB``, ``$`` is not ``€``). A named dollar is its code (``CA$`` and ``CAD`` are ``cad``),
which :func:`_unit_keys` writes as a dollar with its country (see :func:`has_number`). A
quantity in another unit of the same scale is converted (see :data:`UNIT_MEASURES`). A word
that is a unit only in some senses (``m`` for metres or millions, ``s``) is left out: a
missing unit is lenient, a wrong one a false alarm."""
_CURRENCY_BEFORE = frozenset(
    w for u in ("dollar", "euro", "gbp", "yen", "rupee", "franc") for w in UNIT_WORDS[u].split()
) - {"dollar", "dollars", "euro", "euros", "yen", "rupee", "rupees"}
"""Currency symbols and codes that precede an amount (``€29``, ``EUR 49``, ``US$29``)."""
DOLLAR_PREFIXES = frozenset(
    w[:-1] for w in UNIT_WORDS["dollar"].split() if w.endswith("$") and w != "$"
)
"""Country prefixes written onto a dollar sign (``CA$29``, ``A$``, ``NZ$``, ``HK$``, ``S$``,
``US$``): part of the amount, never a name. ``CA$29`` is ``29 CAD``; against a plain ``$29``
either way round it is lenient (see :func:`has_number`)."""
_UNIT_MODIFIERS = wordset(
    "business working calendar full whole consecutive additional extra more further free "
    "straight school billing banking"
)
"""Words between a number and its unit ("5 business days", "2 more hours")."""
_NON_CALENDAR = wordset("business working banking school")
"""Modifiers that make a day a business day (``bday``), which converts to nothing."""
_UNIT_AFTER = re.compile(r"[ -]?([^\W\d_]+|%)(?:[ -]([^\W\d_]+))?")
_RANGE_END = re.compile(r" ?(?:-|–|—|to|and|or|through|thru) ?\$?\d[\d,]*(?:\.\d+)?")
"""The end of a range after its start ("4 to 6", "4-6", "4 or 5"): its unit is the start's."""
_UNIT_LEADS = _UNIT_MODIFIERS | wordset("per to and or through thru") | DOLLAR_NAMES.keys()
"""Words after a number that a unit may follow (:func:`unit_after` looks further)."""
_NEXT_WORD = re.compile(r" ([^\W\d_]+)")
_DOLLAR_WORDS = frozenset(("dollar", "dollars"))


def ends_quantity(folded: str, end: int) -> bool:
    """Whether a one-letter unit word (``t``, ``g``, ``h``, ``l``) that ends at ``end`` in
    ``folded`` text ends its quantity, so it is the unit: "5 t", "5 t.", "5 t of steel", but
    not "5 t-shirts" or "5 T shirts", where the letter is part of the thing counted. A word
    other than a function word after it is the counted thing's; then no unit is read, which
    is lenient, where a tonne would be a false alarm or a false conversion."""
    nxt = folded[end : end + 1]
    if nxt == "-":
        return not folded[end + 1 : end + 2].isalpha()
    if nxt == " ":
        m = _NEXT_WORD.match(folded, end)
        return m is None or m.group(1) in STOPWORDS
    return not (nxt.isalnum() or nxt == "'")


def unit_after(folded: str, end: int) -> str:
    """The unit written right after a number that ends at ``end`` in ``folded`` text
    (``6 years``, ``6-year-old``, ``5 business days``, ``29 Canadian dollars``), or of the
    range it starts ("4 to 6 hours"); ``""`` when there is none."""
    m = _UNIT_AFTER.match(folded, end)
    if m is None:
        r = _RANGE_END.match(folded, end)
        return unit_after(folded, r.end()) if r else ""
    first, second = m.group(1), m.group(2)
    unit = UNITS.get(first)
    if unit:
        return unit if len(first) > 1 or ends_quantity(folded, m.end(1)) else ""
    if first in DOLLAR_NAMES and second in _DOLLAR_WORDS:  # "29 Canadian dollars"
        return DOLLAR_NAMES[first]
    if second and (first in _UNIT_MODIFIERS or (first == "per" and second == "cent")):
        if first == "per":
            return "percent"
        unit = UNITS.get(second, "")
        if len(second) == 1 and not ends_quantity(folded, m.end(2)):
            return ""
        return "bday" if unit == "day" and first in _NON_CALENDAR else unit
    r = _RANGE_END.match(folded, end)
    return unit_after(folded, r.end()) if r else ""


def _unit_keys(key: str, unit: str, passage: bool) -> tuple[str, ...]:
    """``key`` and the key of the number with its unit; a passage's number without a unit has
    the key ``"6@"``, which supports the number with any unit (see :func:`has_number`). A
    named dollar is a dollar and its country (``"29@dollar"``, ``"29@dollar=cad"``); a
    passage's plain dollar has ``"29@dollar="``, which holds any country."""
    if unit:
        if unit in DOLLAR_SIGNS:
            return (key, f"{key}@dollar", f"{key}@dollar={unit}")
        if passage and unit == "dollar":
            return (key, f"{key}@dollar", f"{key}@dollar=")
        return (key, f"{key}@{unit}")
    return (key, f"{key}@") if passage else (key,)


def measures(value: float, unit: str) -> tuple[str, ...]:
    """``value`` of ``unit`` on each scale the unit converts on, as keys: ``"@s:1209600"`` for
    2 weeks or 14 days, ``"@mo:72"`` for 72 months or 6 years; ``()`` for a unit that converts
    to nothing (currencies, percent) or no unit. A key opens with ``@``, so it is never read
    as a number (:func:`has_number`, the relation check) and only equals the same key."""
    scales = UNIT_MEASURES.get(unit)
    if not scales:
        return ()
    return tuple(f"@{scale}:{value * size:.12g}" for scale, size in scales)


_measures = functools.lru_cache(maxsize=1 << 14)(measures)
""":func:`measures`, cached for the hot path: passages repeat their quantities."""


def has_number(keys: Set[str], key: str) -> bool:
    """Whether a passage's (or request's) number ``keys`` hold a claim's ``key``: ``"6@year"``
    is held by ``"6@year"`` and by the unit-less ``"6@"`` (a bare 6 counts anything); a
    capped ``"^20@percent"`` ("up to 20%") also by a plain 20%, which is within its cap (a
    floor, ``"v10@dollar"`` for "from $10", likewise by a plain $10); a
    rate ``"29@dollar/year"`` also where the passage states no period for $29 at all; a named
    dollar ``"29@dollar=cad"`` by the same country or a plain dollar (``"29@dollar="``): a
    plain ``$`` on either side matches any dollar, two named ones must be the same."""
    if key in keys:
        return True
    at = key.find("@")
    if at <= 0:
        return False
    if key[0] == "^" or key[0] == "v":  # a cap or a floor holds where the plain amount does
        return has_number(keys, key[1:])
    if key[: at + 1] in keys:
        return True
    eq = key.find("=", at)
    if eq > 0:  # a named dollar: held by a plain one ("29@dollar=")
        return key[: eq + 1] in keys
    slash = key.find("/", at)
    return slash > 0 and not any(k.startswith(key[: slash + 1]) for k in keys)


def dollars_said(text: str, key: str, keys: Set[str]) -> str:
    """What a passage's number ``keys`` say instead of a claim's named dollar ``key``
    (``"29@dollar=cad"``), written as the claim's amount ``text`` is: ``"US$29"`` for a claim's
    ``CA$29`` or ``29 CAD`` against a passage's ``US$29``; ``""`` for any other key."""
    eq = key.find("=")
    if eq < 0 or key.startswith("tel:"):
        return ""
    head = key[: eq + 1]
    codes = sorted(k[eq + 1 :] for k in keys if k.startswith(head) and k[eq + 1 :] in DOLLAR_SIGNS)
    amount = text.split()[0]
    amount = amount[amount.find("$") + 1 :]  # "CA$5m" -> "5m", "29" stays
    code = amount.lstrip("0123456789.,")
    if code in DOLLAR_SIGNS:  # "29usd" -> "29"
        amount = amount[: -len(code)]
    return " or ".join(DOLLAR_SIGNS[c] + amount for c in codes)


AMOUNT_UNITS = frozenset(
    ("dollar", "euro", "gbp", "yen", "rupee", "franc", "cent", "percent", *DOLLAR_SIGNS)
)
"""Units of an amount, which a cap ("up to 20% off") and a period ("$29 per month") qualify."""
_CAP = re.compile(
    r"(?:\bup ?to|\bas (?:much|high) as|\bat most|\bno more than|\bnot more than|\bmax(?:imum)?"
    r"(?: of)?|\bcapped at) ?(?:[$€£¥₹]|[a-z]{1,2}\$|(?:usd|eur|gbp|chf|inr|jpy|cad|aud|nzd|hkd|sgd) ?)?$"
)
"""A cap right before an amount: "up to 20%", "as much as €50", "a maximum of $100"."""
_FLOOR = re.compile(
    r"(?:\bfrom|\bstart(?:s|ing)?(?: at| from)?|\bbeginning at|\bas (?:low|little) as) ?"
    r"(?:[$€£¥₹]|[a-z]{1,2}\$|(?:usd|eur|gbp|chf|inr|jpy|cad|aud|nzd|hkd|sgd) ?)?$"
)
"""A price floor right before an amount: "from $10", "starting at $10", "as low as $10". Not
"at least" or "a minimum of": those are thresholds ("orders of at least $50 ship free"), which
an answer restates as "orders of $50 or more"."""
_PERIOD = re.compile(
    r"(?: ?[€£¥₹]| (?:usd|eur|gbp|chf|inr|jpy|cad|aud|nzd|hkd|sgd|euros?|pounds?|rupees?|francs?"
    r"|(?:(?:us|american|canadian|australian|nz|hk|singapore) )?dollars?))?"
    r"(?: ?/ ?| (?:per|a|an|each|every) )"
    r"(?:(?:user|seat|person|member|agent|licen[cs]e|device|head)s?(?: ?/ ?| (?:per|a|an) ))?"
    r"(day|week|month|quarter|year|mo|yr|annum|night)s?\b"
    r"| (daily|weekly|monthly|quarterly|yearly|annually|nightly)\b"
)
"""The period an amount is paid or charged for, after it (and its currency word): "$29 per
month", "$29/mo", "€29 a month", "29 EUR monthly", "$29 per user per month"."""
_PERIODS = {
    "mo": "month",
    "yr": "year",
    "annum": "year",
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "yearly": "year",
    "annually": "year",
    "nightly": "night",
}


def amount_keys(
    folded: str, start: int, end: int, key: str, unit: str, passage: bool = True
) -> tuple[str, ...]:
    """The keys of an amount (``unit`` in :data:`AMOUNT_UNITS`) written from ``start`` to
    ``end``: the number's key, its key with its unit, capped (``"^20@percent"``) after "up
    to", floored (``"v10@dollar"``) after "from" or "starting at" (not where a range's end
    follows: "from $10 to $20"), and with the period it is charged for
    (``"29@dollar/month"``). A passage's "up to 20% off" does not hold a claim's plain "20%
    off", which promises the cap, nor its "from $10" a plain "$10", which drops the floor's
    hedge; "$29 per year"
    is not "$29 per month". An amount without a period holds any (see :func:`has_number`).
    A named dollar (``unit`` ``"cad"``) is a dollar with its country's key last
    (``"29@dollar=cad"``); a ``passage``'s plain dollar has ``"29@dollar="``, which holds any
    (see :func:`_unit_keys`)."""
    cap = "^" if _CAP.search(folded, max(0, start - 24), start) else ""
    if not cap and _FLOOR.search(folded, max(0, start - 24), start):
        cap = "" if _RANGE_END.match(folded, end) else "v"  # "from $10 to $20" is a range
    country = ""
    if unit in DOLLAR_SIGNS:
        unit, country = "dollar", unit
    keys: tuple[str, ...] = (key, f"{cap}{key}@{unit}")
    m = _PERIOD.match(folded, end)
    if m is not None:
        period = m.group(1) or m.group(2)
        keys += (f"{key}@{unit}/{_PERIODS.get(period, period)}",)
    if country or (passage and unit == "dollar"):
        keys += (f"{key}@dollar={country}",)
    return keys
