"""The light stemmer of the groundedness scorer: suffixes, number words, abbreviations.

Claim and passage words are compared by stem, so ``directed`` and ``directs`` meet, ``three``
is ``3``, ``hrs`` is ``hour`` and ``Sat`` is ``Saturday``. It is a suffix stripper, not a
dictionary: cheap (cached), predictable, and wrong in ways listed here rather than hidden.
"""

from __future__ import annotations

import functools

from evalkit.scorers._grounding_mention import canon
from evalkit.scorers._grounding_numbers import NUMBER_WORDS

__all__ = ["UNIT_SHORT", "stem"]

_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "ments",
    "ment",
    "ingly",
    "ings",
    "ing",
    "edly",
    "ied",
    "ies",
    "ed",
    "es",
    "ly",
    "s",
)


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light suffix stripper: enough to equate ``directed``/``directs``, cheap to run.
    The few verbs a support answer says for a policy's word (:data:`_SAME_VERB`) share its
    stem."""
    out = _stem(word)
    return _SAME_VERB.get(out, out)


_SAME_VERB = {"requir": "need"}
"""Stems one verb of a policy is restated with: "you'll need a smart meter" for "requires a
smart meter" (else the claim rests on another sentence that says "don't need" and reads as
its negation). Kept tiny: each pair merges two words everywhere."""


def _stem(word: str) -> str:
    if word in NUMBER_WORDS:  # "three" and "3" are the same word
        return canon(NUMBER_WORDS[word])
    if word in UNIT_SHORT:  # "40 hrs" is "40 hours"
        return UNIT_SHORT[word]
    if len(word) <= 4 or word.isdigit():
        # plurals of short words: days/day, fees/fee, apps/app (not bus, this, gas, less)
        if len(word) == 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            return word[:-1]
        return word
    if word in _PLY_VERBS:  # "apply" is no adverb of "app"
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return base + "y"
            if suffix == "es" and not base.endswith(("s", "x", "z", "ch", "sh")):
                base += "e"  # pag-es is page-s; box-es is box
            elif (  # ship-ped, ship-ping: one consonant
                suffix[0] in "ei"
                and len(base) >= 4
                and base[-1] == base[-2]
                and base[-1] not in "aeioulsz"
            ):
                return base[:-1]
            return _final_e(base)
    return _final_e(word)


_PLY_VERBS = frozenset({"apply", "supply", "reply", "comply", "imply", "multiply"})
"""Verbs ending in ``ly`` that the ``ly`` rule would cut to another word ("app", "rep");
their inflections ("applies", "applied") already stem to them through ``ies``/``ied``."""
UNIT_SHORT = {
    "hr": "hour",
    "hrs": "hour",
    "yr": "year",
    "yrs": "year",
    "wk": "week",
    "wks": "week",
    "mins": "minut",
    "secs": "second",
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}
"""Unit and weekday abbreviations, as the stem of the word they shorten ("Sat 9am-1pm" for
"Saturday 9am-1pm"; "sat" and "sun" are rarely the verb and the star in a support answer,
and a text that means them reads them the same on both sides)."""


def _final_e(word: str) -> str:
    """change/changed/changes all give ``chang``; short words (``page``) keep their e."""
    if len(word) >= 5 and word.endswith("e") and not word.endswith("ee"):
        return word[:-1]
    return word
