"""A claim's figure that another passage states, in the figure's own local context.

Support answers combine two help-centre articles in one sentence: "The Plus plan costs £12 a
month and includes 3 devices", with the price in the plans article and the devices in the
account article. The claim's best passage is one article, so the other article's figure was a
number mismatch. Round 2 measured the union of passages and rejected it: "You can try the
Business plan free for 30 days" takes Business from one article and 30 from another. So a
figure is accepted from another passage only *with its own words*: every content word of the
figure's clause (the noun it counts, the thing it prices, the verb that links them) occurs in
the one sentence of that passage which states the figure, and that sentence names nothing the
claim does not. "You can return an item within 30 days" against "Standard delivery takes up
to 30 days" fails: *return* is not in the delivery sentence.
"""

from __future__ import annotations

import re

from evalkit.scorers._grounding_index import PassageIndex
from evalkit.scorers._grounding_lexicon import UNIT_WORDS
from evalkit.scorers._grounding_mention import Mention
from evalkit.scorers._grounding_numbers import has_number
from evalkit.scorers._grounding_text import content_words, fold, is_content, stem

__all__ = ["stated_elsewhere"]

_CLAUSE = re.compile(r"[,;:()]|\s(?:and|but|or|while|which|whereas|so)\s")
"""Where a figure's local context ends: "costs £12 a month *and* includes 3 devices" holds two
figures, each with its own words."""
_UNIT_STEMS = frozenset(stem(w) for w in UNIT_WORDS)


def stated_elsewhere(m: Mention, folded: str, i: int, index: PassageIndex) -> set[str] | None:
    """The stems of ``m``'s clause when a passage other than ``i`` states ``m`` with them.

    ``folded`` is the claim's folded text. Returns ``None`` when no other passage does, or
    when the clause has no content word of its own (a bare "3" has no context to check). The
    returned stems are the figure's words, which the best passage need not hold.
    """
    context = _context(m, folded)
    if not context:
        return None
    for j in range(len(index.passages)):
        if j == i or not all(has_number(index.numbers[j], k) for k in m.keys):
            continue
        for s, keys in enumerate(index.sentence_numbers(j)):
            if not all(has_number(keys, k) for k in m.keys):
                continue
            if context <= index.sentence_sets[j][s] and _names_only_claims(
                index.sentence_sets[j][s], index.passages[j].text, folded
            ):
                return context
    return None


def _context(m: Mention, folded: str) -> set[str]:
    """The figure's neighbours in its clause of the claim: the nearest content word on each
    side ("includes 3 devices"), or the two nearest on its one side ("the plan costs £12 a
    month"), its own words, units and other figures aside; empty when fewer than two."""
    at = folded.find(fold(m.text.strip()))
    if at < 0:
        return set()
    cuts = [0, *(x.end() for x in _CLAUSE.finditer(folded)), len(folded) + 1]
    start = max(c for c in cuts if c <= at)
    end = min(c for c in cuts if c > at)
    own = set(content_words(m.text))

    def usable(text: str) -> list[str]:
        return [
            w
            for w in content_words(text)
            if w not in own and w not in _UNIT_STEMS and not any(ch.isdigit() for ch in w)
        ]

    before = usable(folded[start:at])
    after = usable(folded[at + len(m.text.strip()) : end])
    if before and after:
        return {before[-1], after[0]}
    return set((before[-2:] if before else after[:2]) if len(before + after) >= 2 else [])


def _names_only_claims(sentence: set[str], passage: str, folded: str) -> bool:
    """Whether every word of ``sentence`` (stems) that ``passage`` capitalises occurs in the
    claim: "Business accounts include 5 devices" cannot support the Plus plan's 5 devices. A
    capital at a sentence's start counts too ("Standard delivery"), which errs on the side of
    refusing; the claim's own words are never a rival name."""
    claim = set(content_words(folded))
    capitals = {stem(w) for w in map(fold, _CAPITAL.findall(passage)) if is_content(w)}
    return not ((capitals & sentence) - claim)


_CAPITAL = re.compile(r"\b[A-Z][\w'-]*")
