"""The hard checks of a claim against one passage: names, numbers, negation, relations.

Similarity can say a claim looks like a passage; these say where it cannot be right: a
number, date, amount or name the passage lacks, a negation on one side only, or two facts the
passage never states together. Each returns a reason a reviewer can read, or ``None``. The
relation checks are :mod:`~evalkit.scorers._grounding_relations` and the negation checks
:mod:`~evalkit.scorers._grounding_negation` (both re-exported here).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Set

from evalkit.scorers._grounding_arithmetic import derivation
from evalkit.scorers._grounding_clock import clocked, may_clock
from evalkit.scorers._grounding_derive import fraction_stems
from evalkit.scorers._grounding_index import PassageIndex, has_stem, stem_tokens
from evalkit.scorers._grounding_lexicon import NEGATIONS, STOPWORDS, UNIT_WORDS, wordlist
from evalkit.scorers._grounding_negation import negation_mismatch, region_negation
from evalkit.scorers._grounding_numbers import (
    Mention,
    has_number,
    may_spell_quantity,
    spelled_measures,
    spelled_quantities,
)
from evalkit.scorers._grounding_ordinals import ordinal_dates
from evalkit.scorers._grounding_paraphrase import canon_tokens
from evalkit.scorers._grounding_proximity import word_order
from evalkit.scorers._grounding_qualifiers import qualifier_mismatch, qualifiers
from evalkit.scorers._grounding_relations import _spelled, relation_mismatch
from evalkit.scorers._grounding_running import result_words, running_total
from evalkit.scorers._grounding_spans import spanned
from evalkit.scorers._grounding_text import (
    Claim,
    Given,
    entities,
    fold,
    numbers,
    stem,
    words,
)
from evalkit.scorers._grounding_units import dollars_said

__all__ = [
    "ClaimView",
    "mismatch",
    "negation_mismatch",
    "region_negation",
    "relation_mismatch",
]


class ClaimView:
    """What every passage comparison needs from one claim, computed once."""

    def __init__(
        self,
        claim: Claim,
        cwords: list[str],
        given: Given,
        is_source: Callable[[str], bool] = lambda _: False,
        ccwords: list[str] | None = None,
    ) -> None:
        text = claim.body
        self.folded = fold(text)
        self.cwords = cwords
        self.ccwords = cwords if ccwords is None else ccwords
        """The content words in canonical forms, for the word checks only (see
        :mod:`~evalkit.scorers._grounding_paraphrase`)."""
        self.numbers = numbers(text) + ordinal_dates(self.folded)  # "the first of March"
        # Names are found in the whole claim ("Yes, Bob: ..." names Bob although the checked
        # part starts with him) and kept where they are in the checked part.
        # A passage's source name ("according to the Returns Policy") is a citation, which
        # check_claim resolves; it is not a name the passage itself has to contain.
        self.entities = [
            e
            for e in (
                entities(text)
                if not claim.checked
                else [
                    e for e in entities(claim.text) if fold(e.text.strip(" .,;:!")) in self.folded
                ]
            )
            if not is_source(e.text)
        ]
        tokens = words(text)
        self.tokens = stem_tokens(tokens)
        self._words = tokens
        self.given = given
        self.negated = any(t in NEGATIONS or t.endswith("n't") for t in self.tokens)
        self.number_keys = {k for m in self.numbers for k in m.keys}
        # Quantities written in words ("two weeks", "half an hour"): not checked as numbers
        # (see numbers()), but words a passage's "14 days" or "30 minutes" accounts for.
        self.spelled = (
            [q for q, _, _ in spelled_quantities(self.folded)] if may_spell_quantity(tokens) else []
        )
        self.names = {stem(k) for e in self.entities for k in e.keys}
        self.order = word_order(cwords, self.names)
        self.qualifiers = qualifiers(self.folded)  # "30 days of delivery"
        self.floored = any(k[0] == "v" for k in self.number_keys)  # "from $10"

    @functools.cached_property
    def ctokens(self) -> list[str]:
        """The tokens in canonical forms, negations as written (see :attr:`ccwords`)."""
        return canon_tokens(self._words, NEGATIONS)

    def owned(self, surface: str) -> bool:
        """Whether a mention is the user's own thing ("your order A1234", "your $62 order")."""
        at = self.folded.find(fold(surface.strip(" .,;")))
        return at >= 0 and "your" in self.folded[:at].split()[-3:]


def mismatch(
    view: ClaimView, i: int, index: PassageIndex, region: tuple[int, int]
) -> tuple[str | None, set[str]]:
    """The first number, date, amount or name of the claim that passage ``i`` lacks, and
    the stems of the request's own names and numbers that the claim may repeat.

    A name or number the user supplied (``view.given``) is not invented, but a claim can
    still misuse it: "We ship to Mexico" after "Do you ship to Mexico?" answers the
    question with the user's word. So a given mention the passage lacks is accepted only
    where it cannot be the claim's answer: in a negated claim ("we don't ship to Mexico"),
    as the user's own thing ("your order A1234", "your $62 order"), or, for a number, when
    the passage sentences the claim rests on (``region``) state no other number it could
    replace ("at 8 months you are inside the 12-month warranty", but not "returns are
    accepted within 60 days" against "within 30 days").
    """
    pid = index.passages[i].id
    excused: set[str] = set()
    contradicted: Mention | None = None
    for q in view.spelled:
        if all(has_number(index.numbers[i], k) for k in q.keys):
            continue
        if _converted(q, i, index, region) or spanned(q, view.folded, i, index, region):
            excused |= _quantity_stems(q)
        elif contradicted is None and _stated_otherwise(q, i, index, view.given):
            contradicted = q
    clock = clocked(view.folded, i, index, region) if may_clock(view.folded) else set()
    excused |= clock  # "half past five" for "17:30": the time's words, not novel ones
    for m in view.numbers:
        if m.text.strip() in clock:
            continue
        if all(has_number(index.numbers[i], k) for k in m.keys):
            if m.keys[0].startswith("tel:") or m.kind == "date":  # "+44 20 ..." for "020
                # ...", "01/03" for "1 March": digits the passage writes another way
                excused |= {stem(w) for w in words(m.text)} - index.stems[i]
            elif view.floored and any(k[0] == "v" and k in index.numbers[i] for k in m.keys):
                excused |= _FLOOR_STEMS  # "plans start at $10" for "available from $10"
            continue
        if m.measures and _converted(m, i, index, region):
            excused |= _quantity_stems(m)  # "72 months" for "6 years": no novel words either
            continue
        if m.measures and spanned(m, view.folded, i, index, region):
            excused |= _quantity_stems(m) | set(m.keys)  # no sentence states it: no relation
            continue
        if all(has_number(view.given.numbers, k) for k in m.keys) and (
            view.negated or view.owned(m.text) or not _rival_number(view, m, i, index, region)
        ):
            excused.update(m.keys)
            continue
        if view.given.worked and running_total(m, view.folded, view.given.worked):
            excused |= result_words(m, view.folded)  # "That's £118.20": the items listed
            continue
        # the answer's own figures are no operands of a step (QA16 F12: "£161.88 a year, so
        # after 3 months £148.39 is left" took 161.88 - 13.49): only a running total uses them
        worked = derivation(m, view.numbers, view.folded, i, index, view.given.numbers)
        if worked is not None:  # "£276" for 12 x £23, "£120 a year" for "£10 a month"
            excused |= {stem(w) if w.isalpha() else w for w in worked}
            continue
        return f"{m.kind} mismatch: {_missing(m, index.numbers[i], pid)}", excused
    if "half" in view.folded or "quarter" in view.folded or "third" in view.folded:
        excused |= {stem(w) for w in fraction_stems(view.folded, index.numbers[i])}
    if contradicted is not None:
        return f"number mismatch: {contradicted.text.strip()} not in passage {pid}", excused
    if view.qualifiers:  # "30 days of delivery" against "30 days of purchase"
        qualified = qualifier_mismatch(view.qualifiers, i, index, excused)
        if qualified is not None:
            return f"number mismatch: {qualified}", excused
    for e in view.entities:
        if all(
            key in index.words[i] or has_stem(stem(key), index.stems[i], index.prefixes[i])
            for key in e.keys
        ):
            continue
        if all(k in view.given.names for k in e.keys) and (view.negated or view.owned(e.text)):
            excused.update(stem(k) for k in e.keys)
            continue
        return f"entity mismatch: {e.text.strip(' .,;')} not in passage {pid}", excused
    return None, excused


_FLOOR_STEMS = frozenset(
    stem(w)
    for w in wordlist(
        "start starts starting begin begins beginning low little cost costs price prices "
        "priced available"
    )
)
"""Words that only state a price floor ("plans start at", "prices begin at", "cost as little
as"): where claim and passage both floor the same amount, they are the floor's wording, not
content (the amount and its period are still checked)."""


def _converted(m: Mention, i: int, index: PassageIndex, region: tuple[int, int]) -> bool:
    """Whether passage ``i`` states the quantity ``m`` in another unit of its scale, in
    digits ("6 years" for "72 months") or in words ("half an hour" for "30 minutes"), in
    the sentences the claim's other words rest on (``region``). Its words are then excused
    from the word checks, so they cannot place it: "the Basic plan's warranty is 36 months"
    must not borrow the Pro plan's "3 years" from the next sentence."""
    have = index.numbers[i]
    spelled = _spelled(i, index)
    if not any(k in have or k in spelled for k in m.measures):
        return False
    numbers, texts = index.sentence_numbers(i), index.sentence_texts(i)
    return any(
        k in numbers[j] or (spelled and k in spelled_measures(texts[j]))
        for j in range(region[0], min(region[1], len(numbers)))
        for k in m.measures
    )


def _missing(m: Mention, keys: Set[str], pid: str) -> str:
    """What passage ``pid`` lacks of ``m``, for the reason: "$29 per year not in passage p",
    "20% not in passage p, which says up to 20%" when it caps the amount, or the mention's
    text."""
    text = m.text.strip()
    for k in m.keys:
        if has_number(keys, k):
            continue
        if "/" in k.partition("@")[2] and not k.startswith("tel:"):  # a date's "6/8", a phone's
            return f"{text} per {k.rpartition('/')[2]} not in passage {pid}"
        if "^" + k in keys:
            return f"{text} not in passage {pid}, which says up to {text}"
        if "v" + k in keys:
            return f"{text} not in passage {pid}, which says from {text}"
        said = dollars_said(text, k, keys)  # "CA$29" against "US$29"
        if said:
            return f"{text} not in passage {pid}, which says {said}"
        break
    return f"{text} not in passage {pid}"


def _stated_otherwise(q: Mention, i: int, index: PassageIndex, given: Given) -> bool:
    """Whether passage ``i`` states a quantity of the kind of the claim's spelled quantity
    ``q`` ("five days", "two weeks", "half an hour") that it lacks: a number of its unit ("10
    days"; a business day is of a day's kind) or on its scale ("2 weeks" for "five days").
    Then "five days" contradicts the passage as "5 days" does, and fails as hard; with
    nothing of its kind stated it stays for the word checks, since a spelled count may be
    the writer's loose wording. An article's "a week" and "one day" or "one-year" stay soft
    ("in a week or so", "one day he left": like ``one`` in
    :data:`~evalkit.scorers._grounding_numbers.NUMBER_WORDS`, it rarely counts), as does a
    quantity the user wrote in the request."""
    if q.text.replace("-", " ").split(None, 1)[0] in ("a", "an", "one") or all(
        has_number(given.numbers, k) for k in q.keys
    ):
        return False
    unit = q.keys[-1].partition("@")[2]
    kinds = _DAY_KINDS if unit in _DAY_KINDS else (unit,)
    scales = tuple(k[: k.index(":") + 1] for k in q.measures)
    for k in index.numbers[i]:
        at = k.find("@")
        if at > 0 and k[at + 1 :] in kinds:
            return True
        if at == 0 and scales and k.startswith(scales):
            return True
    return bool(scales) and any(k.startswith(scales) for k in _spelled(i, index))


_DAY_KINDS = ("day", "bday")


def _quantity_stems(m: Mention) -> frozenset[str]:
    """The stems a converted quantity's words give: its number's and its unit's in any
    spelling ("72", "month"; "half", "hour" for "half an hour")."""
    unit = m.keys[-1].partition("@")[2]
    return frozenset(stem(w) for w in words(m.text)) | _unit_stems(unit)


@functools.lru_cache(maxsize=64)
def _unit_stems(unit: str) -> frozenset[str]:
    written = UNIT_WORDS.get("day" if unit == "bday" else unit, "")
    return frozenset(stem(w) for w in written.split())


def _rival_number(
    view: ClaimView, m: Mention, i: int, index: PassageIndex, region: tuple[int, int]
) -> bool:
    """Whether the region's sentences state another number the user's number ``m`` could
    be replacing: one counting the same thing ("30 days" for "60 days"), or, when ``m``
    counts nothing, any number the claim does not repeat."""
    units = {u for k, u in _counted(view.folded) if k in m.keys}
    texts = index.sentence_texts(i)
    for j in range(region[0], min(region[1], len(texts))):
        for k, u in _counted(texts[j]):
            if k not in view.number_keys and (not units or u in units):
                return True
        if (
            not units
            and {k for k in index.sentence_numbers(i)[j] if "@" not in k} - view.number_keys
        ):  # numbers, not their unit keys ("6@year")
            return True
    return False


_COUNTED = re.compile(r"(?<![\w.])\$?(\d[\d,]*(?:\.\d+)?)[ -]+([^\W\d_]+)(?:[ -]([^\W\d_]+))?")


def _counted(folded: str) -> list[tuple[str, str]]:
    """(number, stem of a word it counts) pairs, for the two words after the number:
    ``12-month`` gives ``("12", "month")``, ``5 business days`` ``("5", "business")`` and
    ``("5", "day")``."""
    out: list[tuple[str, str]] = []
    for m in _COUNTED.finditer(folded):
        key = _canon_number(m.group(1))
        out.extend((key, stem(u)) for u in m.groups()[1:] if u and u not in STOPWORDS)
    return out


def _canon_number(digits: str) -> str:
    try:
        value = float(digits.replace(",", ""))
    except ValueError:  # "1,2,3"
        return digits
    return str(int(value)) if value == int(value) else f"{value:g}"
