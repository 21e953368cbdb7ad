"""Advisory and discourse frames: the words a support answer wraps a fact in.

"One thing to be aware of: the service fee isn't refunded", "It's worth knowing that missed
payments are reported", "For comparison, Standard costs £5.90", "If you'd like a copy, request
an export", "Let's run the numbers." The frame announces, compares or offers; the fact inside
it is what the passage must hold. Read as content, "thing", "aware", "worth", "comparison" or
"like" were words no passage has, and a faithful claim failed on its framing alone.

**Decision:** these frames are taken out of a claim's words for the word checks, as the set
phrases of :mod:`_grounding_claims` ("bear in mind", "take care of") are; the fact they frame
is checked with every check, numbers, names, negation and relations included. The frames are
closed phrases, not single words: "worth" stays content in "a voucher worth the fare", "like"
in "a sofa like this one", "difference" in "we refund the difference", "note" in "a doctor's
note".
"""

from __future__ import annotations

import re

from evalkit.scorers._grounding_text import content_words, entities, numbers, words

__all__ = ["drop_frames", "is_vague_lead"]

FRAMES = re.compile(
    r"\b(?:(?:one|a|the (?:only|other|main)) thing to (?:be aware of|note|know|watch(?: out)? for"
    r"|bear in mind|keep in mind|remember|check)"
    r"|(?:a couple of|a few|two|some) things to (?:note|know|be aware of|bear in mind|check)"
    r"|(?:it's|it is|it'd be|it would be) worth (?:knowing|noting|checking|confirming|"
    r"remembering|mentioning|double-checking)(?: that)?"
    r"|(?:please |just )?(?:be aware|note|remember)(?: that| of)?(?=\s)"
    r"|for (?:reference|comparison|example|instance)|as an example|by comparison|in comparison"
    r"|(?:the )?(?:good|great|bad) news is(?: that)?|the catch is(?: that)?"
    r"|the difference is(?: that)?"
    r"|if you(?:'d| would) (?:like|prefer|rather)(?: to)?"
    r"|let's (?:work (?:it|that|this) out|run (?:the|through the) numbers|break (?:it|that|this)"
    r" down)"
    r"|(?:please )?don't panic|(?:it|that|this) (?:all )?depends on|depending on)\b",
    re.IGNORECASE,
)
"""The frames, in a claim's text as written (apostrophes straight)."""
_HINT = re.compile(
    r"\b(?:thing|things|worth|aware|note|remember|reference|comparison|example|instance|news"
    r"|catch|difference|like|prefer|rather|let's|panic|depends|depending)\b",
    re.IGNORECASE,
)


def drop_frames(body: str) -> str:
    """``body`` with its advisory and discourse frames blanked out (the same text when it has
    none, the common case)."""
    if not _HINT.search(body):
        return body
    return FRAMES.sub(" ", body.replace("\u2019", "'"))


VAGUE = frozenset(
    content_words(
        """almost certainly definitely probably possibly likely quite lot bit matter matters
        depends depend certain times fine true correct exactly right indeed course really"""
    )
)
"""The words of an answer's lead that only grades the yes or no it gives ("Almost certainly!",
"It does matter, yes.", "It is, by quite a lot!", "He can, at certain times."): the facts that
justify it follow in the next sentences. Words of frequency ("always", "usually", "never")
are not among them: "Not always." answers "Is delivery always free?" with a fact."""
_MAX_LEAD = 6


def is_vague_lead(sentence: str) -> bool:
    """Whether ``sentence`` is a short lead whose content words all only grade an answer
    (:data:`VAGUE`): no number, no name, at most six words. A lead with a word of its own
    ("Yes, pets are allowed.") is a claim and is checked."""
    if len(sentence) > 60:  # six words, however long, fit well within this
        return False
    tokens = words(sentence)
    if not tokens or len(tokens) > _MAX_LEAD or numbers(sentence) or entities(sentence):
        return False
    cw = content_words(sentence)
    return bool(cw) and all(w in VAGUE for w in cw)
