"""What a number's own words say: the qualifier after a quantity ("30 days *of delivery*").

A support answer's window, warranty or fee is a number with a unit and what it counts from or
applies to: "within 30 days of delivery" and "within 30 days of purchase" state different
policies with the same number and unit. The word checks tolerate one novel content word in a
claim, which is right for a paraphrase ("you can *quickly* return ...") but not for the word
that anchors a checked number. So a quantity followed by ``of``, ``after``, ``from``,
``following``, ``before``, ``since`` or ``prior to`` and a content word needs that word (its
stem) in a passage sentence that states the same number, and fails as a number mismatch
otherwise: ``number mismatch: 30 days of delivery: passage p says 30 days of purchase``.
A few everyday names of one event count as the same anchor (:data:`_SAME_ANCHOR`: delivery
and receipt, purchase and order).

Only a number with a unit (a currency or percent sign, or a unit word such as ``days``,
``years``, ``GB``: see :data:`~evalkit.scorers._grounding_units.UNITS`) has a qualifier here;
"3 of the 5 members" counts, and its words stay with the word checks. ``of`` anchors only a
period of time ("30 days of delivery"); after another unit it says what the quantity is ("50
GB of storage", "$10 of credit"), which a passage's "50 gigabytes" may leave implicit. A number that no
passage sentence states in digits (a converted "72 months" for "6 years", a spelled "thirty
days") is not placed, so its qualifier is left to the word checks too.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass

from evalkit.scorers._grounding_index import PassageIndex, _prefix_map, has_stem
from evalkit.scorers._grounding_lexicon import STOPWORDS, wordset
from evalkit.scorers._grounding_mention import canon
from evalkit.scorers._grounding_numbers import NUMBER_WORDS
from evalkit.scorers._grounding_text import stem
from evalkit.scorers._grounding_units import UNITS

__all__ = ["Qualifier", "qualifier_mismatch", "qualifiers"]

_QUALIFIED = re.compile(
    r"(?<![\w.])(\$?\d[\d,]*(?:\.\d+)?%?)"  # the number, with its sign
    r"((?:[ -][^\W\d_]+){0,2}?)"  # its unit, after a modifier at most ("5 business days")
    r" (of|after|from|following|before|since|prior to) "
    r"(?:(?:the|your|their|our|its|his|her|a|an|each|this|that|first|initial) )?"
    r"(?:(?:date|day|time|moment|end|start|beginning) of (?:(?:the|your|their|our) )?)?"
    r"([^\W\d_]+)"  # "the date of purchase" is anchored by "purchase"
)
"""A quantity and the word its preposition ties it to: "30 days of delivery", "2 years from
the activation date", "$5 after the first month"."""
_NOT_QUALIFIERS = wordset(
    "which whom whose what those these them it us you him her me one ones each all any both "
    "either none most some many more less least up to total date day time moment"
)
"""Words after the preposition that anchor nothing ("30 days from which ...", "5 of them"),
or nothing by themselves ("2 years from the date you bought it")."""
_SAME_ANCHOR = (
    "delivery delivered deliver receipt receiving received arrival arrived arrives",
    "purchase purchasing purchased buying bought order ordering ordered checkout",
    "cancellation cancelling canceling cancelled canceled cancel",
    "activation activating activated",
)
"""Words that name the same event a window counts from: "14 days after delivery" is "14 days
of receiving the order". A support answer paraphrases these freely, and a window's anchor
only changes the policy across these groups (delivery against purchase), not within them."""
_SYNONYMS: dict[str, frozenset[str]] = {
    stem(w): group
    for words in _SAME_ANCHOR
    for group in [frozenset(stem(x) for x in words.split())]
    for w in words.split()
}
_DIGIT = re.compile(r"\d")
_TIME_UNITS = frozenset(("second", "minute", "hour", "day", "bday", "week", "month", "year"))
"""Units a window is counted in: only after them does ``of`` anchor ("30 days of delivery")."""


@dataclass(frozen=True)
class Qualifier:
    """A quantity of a claim and the word that qualifies it."""

    text: str
    """The claim's words, as written in folded text: ``30 days of delivery``."""
    number: str
    """The quantity's number, canonical (``"30"``, ``"10"`` for ``$10``)."""
    word: str
    """The stem of the qualifying word (``"delivery"``)."""


def qualifiers(folded: str) -> list[Qualifier]:
    """The qualified quantities of a claim's ``folded`` text (usually none: a claim is short
    and the pattern needs a digit, a unit and one of seven prepositions)."""
    if _DIGIT.search(folded) is None:
        return []
    out: list[Qualifier] = []
    for m in _QUALIFIED.finditer(folded):
        number, unit_words, word = m.group(1), m.group(2).split(), m.group(4)
        units = [UNITS[w.strip("-")] for w in unit_words if w.strip("-") in UNITS]
        if not units and not (number.startswith("$") or number.endswith("%")):
            continue  # "3 of the members": a count, not a quantity with a unit
        if m.group(3) == "of" and not _TIME_UNITS.intersection(units):
            continue  # "50 GB of storage", "$10 of credit": what it is, not where it counts from
        if word in STOPWORDS or word in _NOT_QUALIFIERS or word in NUMBER_WORDS:
            continue
        out.append(Qualifier(m.group(0), _canon(number), stem(word)))
    return out


def qualifier_mismatch(
    found: list[Qualifier], i: int, index: PassageIndex, excused: Set[str]
) -> str | None:
    """The first qualified quantity of a claim whose qualifying word no sentence of passage
    ``i`` stating its number has, as the text of a reason; ``None`` when there is none.
    ``excused`` are the keys of the user's own numbers, which are not checked."""
    if not found:
        return None
    numbers, sets = index.sentence_numbers(i), index.sentence_sets[i]
    pid = index.passages[i].id
    for q in found:
        if q.number in excused:
            continue
        stating = [j for j, have in enumerate(numbers) if q.number in have]
        words = _SYNONYMS.get(q.word, (q.word,))
        if not stating or any(
            w in sets[j] or has_stem(w, sets[j], _prefix_map(sets[j]))
            for j in stating
            for w in words
        ):
            continue
        texts = index.sentence_texts(i)
        said = [
            p.group(0)
            for j in stating
            for p in _QUALIFIED.finditer(texts[j])
            if _canon(p.group(1)) == q.number
        ]
        if said:
            return f"{q.text}: passage {pid} says {said[0]}"
        return f"{q.text} not in passage {pid}"
    return None


def _canon(number: str) -> str:
    """``"$1,000"`` as ``"1000"``, ``"2.50"`` as ``"2.5"``: the key a passage states it by."""
    digits = number.strip("$%").replace(",", "")
    try:
        return canon(float(digits))
    except ValueError:  # "1,2,3"
        return digits
