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

__all__ = ["drop_frames"]

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
    r"|(?:please )?don't panic)\b",
    re.IGNORECASE,
)
"""The frames, in a claim's text as written (apostrophes straight)."""
_HINT = re.compile(
    r"\b(?:thing|things|worth|aware|note|remember|reference|comparison|example|instance|news"
    r"|catch|difference|like|prefer|rather|let's|panic)\b",
    re.IGNORECASE,
)


def drop_frames(body: str) -> str:
    """``body`` with its advisory and discourse frames blanked out (the same text when it has
    none, the common case)."""
    if not _HINT.search(body):
        return body
    return FRAMES.sub(" ", body.replace("\u2019", "'"))
