"""Where a claim's words sit in a passage: locality (one sentence or two) and proximity.

A claim built from words that all occur in the passage can still be invented, when the words
come from far apart ("the claim's words are scattered"). These measures say how tightly the
claim's content words sit together in the sentence(s) that hold most of them, tolerant of a
clause the claim moved, and whether a phrase was transplanted from another sentence.
"""

from __future__ import annotations

import itertools

__all__ = ["local_coverage", "proximity", "transplanted", "word_order"]


def word_order(cwords: list[str], names: set[str]) -> dict[str, int | None]:
    """Where each content word first occurs in the claim, for clause moves in proximity;
    name words get no position: a predicate moved onto a name is no clause move."""
    order: dict[str, int | None] = {}
    for n, w in enumerate(cwords):
        order.setdefault(w, None if w in names else n)
    return order


def proximity(
    order: dict[str, int | None], sentences: list[list[str]], region: tuple[int, int]
) -> float:
    """How tightly the claim's words sit in the passage sentence(s) that hold most of them:
    distinct claim words found there divided by the shortest stretch of that region's
    content words holding them all (1.0 when contiguous; see :func:`_stretch` for a clause
    the claim moved). Function words are left out of the stretch, and words the claim has
    beyond the region do not widen it, so a faithful sentence-level paraphrase scores high
    while a claim stitched together from words far apart in the passage scores low.
    ``order`` maps the claim's content words to their place in the claim."""
    target = order.keys()
    sequence = [w for j in range(region[0], region[1]) for w in sentences[j]]
    positions = [(n, w) for n, w in enumerate(sequence) if w in target]
    need = len({w for _, w in positions})
    if need == 0:
        return 0.0
    if need == 1:
        return 1.0
    counts: dict[str, int] = {}
    have, left, best = 0, 0, float("inf")
    for right in range(len(positions)):
        w = positions[right][1]
        counts[w] = counts.get(w, 0) + 1
        if counts[w] == 1:
            have += 1
        while have == need:
            best = min(best, _stretch(positions[left : right + 1], order))
            lw = positions[left][1]
            counts[lw] -= 1
            if counts[lw] == 0:
                have -= 1
            left += 1
    return need / best


def transplanted(cwords: list[str], sentences: list[list[str]], region: tuple[int, int]) -> bool:
    """Whether a claim word from outside its region arrives with a neighbour it has in
    another passage sentence: "Express shipping is free on orders over $50" takes "express
    shipping" from one sentence and "orders over $50 ship free" from another. A word the
    claim merely adds ("You can return ... for a refund") has no such neighbour."""
    inside = {w for j in range(region[0], region[1]) for w in sentences[j]}
    for k, w in enumerate(cwords):
        if w in inside:
            continue
        near = {cwords[n] for n in (k - 1, k + 1) if 0 <= n < len(cwords)} & inside
        if not near:
            continue
        for j, sent in enumerate(sentences):
            if region[0] <= j < region[1] or w not in sent:
                continue
            for n, x in enumerate(sent):
                if x == w and {sent[m] for m in (n - 1, n + 1) if 0 <= m < len(sent)} & near:
                    return True
    return False


def _stretch(window: list[tuple[int, str]], order: dict[str, int | None]) -> int:
    """Content words a window of claim-word positions spans. When the claim states the
    window's two pieces (split at its widest gap) in the opposite order ("from the Orders
    page until it ships" for "until it ships, from the Orders page"), the gap counts as one
    word: that is a clause moved, not words gathered from all over the sentence."""
    length = window[-1][0] - window[0][0] + 1
    if len(window) < 3:
        return length
    gaps = [b[0] - a[0] - 1 for a, b in itertools.pairwise(window)]
    cut = max(range(len(gaps)), key=gaps.__getitem__)
    if gaps[cut] < 2:
        return length
    left = {w for _, w in window[: cut + 1]}
    right = {w for _, w in window[cut + 1 :]}
    at_left = [order[w] for w in left - right]
    at_right = [order[w] for w in right - left]
    ranks_left = [n for n in at_left if n is not None]
    ranks_right = [n for n in at_right if n is not None]
    if len(ranks_left) < len(at_left) or len(ranks_right) < len(at_right):
        return length  # a name word in either piece: no clause move
    if ranks_left and ranks_right and max(ranks_right) < min(ranks_left):
        return length - gaps[cut] + 1
    return length


def local_coverage(
    cwords: list[str], sets: list[set[str]], enough: float = 1.0
) -> tuple[float, tuple[int, int]]:
    """Best share of the claim's content words found within one sentence or two adjacent
    ones, and the region where proximity is measured, as a ``[start, end)`` range of
    sentence indices: the best single sentence when it alone holds ``enough`` of the words
    (a word or two the claim adds, found elsewhere, must not stretch the region), otherwise
    the best pair."""
    if not cwords or not sets:
        return (1.0 if not cwords else 0.0), (0, len(sets))
    target = set(cwords)
    hits = [len(target & s) for s in sets]
    j0 = max(range(len(sets)), key=lambda j: hits[j])
    best, region = hits[j0], (j0, j0 + 1)
    single_enough = hits[j0] >= enough * len(target)
    for j in range(len(sets) - 1):
        if hits[j] + hits[j + 1] > best:  # the union can only beat best if the sum does
            pair = len(target & (sets[j] | sets[j + 1]))
            if pair > best:
                best = pair
                if not single_enough:
                    region = (j, j + 2)
    return best / len(target), region
