"""The negation checks of a claim against a passage: a "not" on one side only.

A claim that restates a passage sentence's words but negates them ("we don't refund gift
cards" against "gift cards are refunded"), or states un-negated what the passage negates, is
unsupported however similar it looks. Split from :mod:`~evalkit.scorers._grounding_checks`
(the names, numbers and relations of a claim), which re-exports :func:`negation_mismatch` and
:func:`region_negation`: a negation is read from the claim's and the passage's word order,
the figure checks from their mentions, and neither needs the other's helpers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from evalkit.scorers._grounding_index import stem_tokens
from evalkit.scorers._grounding_lexicon import NEGATIONS, STOPWORDS
from evalkit.scorers._grounding_paraphrase import canon_tokens
from evalkit.scorers._grounding_text import words

if TYPE_CHECKING:  # the checks module imports this one, for its re-export
    from evalkit.scorers._grounding_checks import ClaimView

__all__ = ["negation_mismatch", "region_negation"]


def negation_mismatch(
    view: ClaimView,
    sentences: Sequence[list[str]],
    sets: Sequence[set[str]],
    *,
    canonical: bool = False,
    text_of: Callable[[int], str] | None = None,
) -> str | None:
    """A negation next to a shared word on one side only: "did not win" against "won".

    The passage sentence compared is the one sharing most of the claim's words; only a
    negation within three words before a word both sides share counts, so an unrelated
    "not" elsewhere in a long sentence does not flag the claim. When that sentence has
    clauses (``text_of`` gives its text), the negation must be in the clause the claim
    restates, the one sharing most of its words: "Refunds go to your card within 5 days;
    there is no refund for gift cards" negates gift-card refunds, not the first clause. A
    passage sentence that restricts ("We ship to the United States and Canada only")
    licenses negating it for something it does not list ("we don't ship to Mexico").
    """
    cwords, tokens = (view.ccwords, view.ctokens) if canonical else (view.cwords, view.tokens)
    if not sentences or len(cwords) < 3:
        return None
    target = set(cwords)
    j = max(range(len(sets)), key=lambda k: len(target & sets[k]))
    best, shared = sentences[j], target & sets[j]
    if len(shared) < max(3, 0.6 * len(target)):
        return None
    claim_neg = _negated(tokens, shared)
    passage_neg = _negated(best, shared)
    if passage_neg and text_of is not None:
        passage_neg = _clause_negated(text_of(j), shared, canonical)
    if claim_neg and not passage_neg:
        if _RESTRICTIVE & sets[j] and _negated_scope(tokens) - _restricted(best) - STOPWORDS:
            return None
        return "negation mismatch: the claim negates what the passage states"
    if passage_neg and not claim_neg:
        return "negation mismatch: the passage negates what the claim states"
    return None


def region_negation(
    view: ClaimView,
    sentences: Sequence[list[str]],
    sets: Sequence[set[str]],
    region: tuple[int, int],
    text_of: Callable[[int], str] | None = None,
) -> str | None:
    """A claim resting on two adjacent sentences that states un-negated what one of them
    negates: "accidental damage is covered under our 2-year warranty" against "Premium
    members get a 2-year warranty. Damage from drops or water is not covered." Only the
    words one sentence alone supplies count (two or more), so the claim takes them from the
    negated sentence and from nowhere else."""
    if region[1] - region[0] != 2 or len(view.cwords) < 3:
        return None
    target = set(view.cwords)
    a, b = region[0], region[0] + 1
    for j, other in ((a, b), (b, a)):
        own = (target & sets[j]) - sets[other]
        if len(own) < 2 or not _negated(sentences[j], own) or _negated(view.tokens, own):
            continue
        if text_of is not None and not _clause_negated(text_of(j), own, False):
            continue
        return "negation mismatch: the passage negates what the claim states"
    return None


_RESTRICTIVE = frozenset({"only", "exclusively", "solely"})


def _restricted(tokens: list[str]) -> set[str]:
    """The words within six of a restrictive word ("billing disputes are handled by phone or
    chat only"): what the restriction lists. A claim may negate the rest of the sentence's
    words for something outside it ("can't be handled in store", where the sentence also
    says "store staff can help with ...")."""
    return {
        w for j, t in enumerate(tokens) if t in _RESTRICTIVE for w in tokens[max(0, j - 6) : j + 7]
    }


def _negated_scope(tokens: list[str]) -> set[str]:
    """The first three content words within six after a negation ("can't be handled at the
    counter": handled, counter)."""
    return {
        w
        for j, t in enumerate(tokens)
        if t in NEGATIONS or t.endswith("n't")
        for w in [w for w in tokens[j + 1 : j + 7] if w not in STOPWORDS][:3]
    }


_PASSAGE_CLAUSE = re.compile(
    r"\s*[;:]\s+|,\s+(?=(?:and|but|while|whereas|although|though|yet|so|except)\s)"
    r"|\s+(?=(?:but|whereas)\s)|\s+(?=and\s+(?:there|we|we'll|we're|you|you'll|you're|it|"
    r"they|i)\s)"
)
"""Where a passage sentence's clauses meet: at ``;`` and ``:``, before a conjunction after a
comma, before "but" and "whereas", and before an "and" that opens a clause with its own
subject ("... page and there is no fee", "... and we'll refund you"). A bare "and" or comma
is no cut: "Damage from drops and water is not covered" is one clause, whose negation covers
drops."""


def _clause_negated(text: str, shared: set[str], canonical: bool) -> bool:
    """Whether the passage sentence ``text`` negates what the claim restates of it: the
    clause sharing most of the claim's words (``shared``; with a tie, any of the tied ones)
    negates one of them, or another clause negates a shared word those clauses lack (the
    claim brings that clause in too: "a pause fee" against "You can pause your plan ... and
    there is no pause fee"). A sentence without clauses is read whole, as before."""
    pieces = [p for p in _PASSAGE_CLAUSE.split(text) if p.strip()]
    if len(pieces) < 2:
        return True  # the caller found the negation in the whole sentence
    clauses = [
        canon_tokens(ws, NEGATIONS) if canonical else stem_tokens(ws)
        for ws in (words(p) for p in pieces)
    ]
    counts = [len(shared.intersection(c)) for c in clauses]
    top = max(counts)
    restated = {w for c, n in zip(clauses, counts, strict=True) if n == top for w in c}
    return any(
        _negated(c, shared if n == top else shared - restated)
        for c, n in zip(clauses, counts, strict=True)
    )


def _negated(tokens: list[str], shared: set[str]) -> bool:
    for j, t in enumerate(tokens):
        negation = t in NEGATIONS or t.endswith("n't")
        if negation and shared & set(tokens[j + 1 : j + 4]) and not _bound(tokens, j):
            return True
    return False


def _bound(tokens: list[str], j: int) -> bool:
    """Whether the negation at ``j`` states a bound ("no bigger than 40 cm", "not be later
    than noon"), which says "at most", not the opposite of the passage."""
    if tokens[j] not in ("no", "not"):
        return False
    k = j + 2 if tokens[j + 1 : j + 2] == ["be"] else j + 1
    return tokens[k + 1 : k + 2] == ["than"]
