"""Expressive sentences: sympathy, congratulations, thanks and wishes about the user's own
situation, which state nothing a knowledge base could support.

Support answers open and close with them: "Congratulations on your new puppy!", "I'm so
sorry, that's really frustrating.", "I hope your son is feeling better soon.", "A gap year
sounds exciting!". Their words are the user's life (a puppy, a son, a gap year), which no
help-centre article holds, so each failed as `no support: puppy not in passage` and a faithful
answer lost a claim to politeness. The fixed phrases of :mod:`_grounding_claims` (``sorry to
hear that``) cover only the shortest of them.

**Decision:** a sentence is expressive, and skipped, when it has an expressive word
(:data:`EXPRESSIVE`), no number, no name the request did not give, no first-person-plural
subject ("we", "our": the company describing what it does is a claim), no word of a benefit
the company grants (:data:`_BENEFITS`: "Congratulations on your free upgrade!"), no event or
decision the user did not report (:func:`presupposes`: "congratulations on the approval!"
announces one), and none of its other
content words occurs in the case's passages. The last condition is what keeps it safe: a
sentence that reuses the knowledge base's words ("Congrats, your order ships free", "Sorry,
refunds take 10 days") may restate or invent policy and is checked as before; one whose words
are all the user's own talks about the user. An invented rule in words the passages never use
("Sorry, gift wrapping isn't something we offer") is still checked: it has "we".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Set

from evalkit.scorers._grounding_lexicon import wordset
from evalkit.scorers._grounding_stem import stem
from evalkit.scorers._grounding_text import Given, content_words, entities, numbers, words

__all__ = ["EXPRESSIVE", "is_expressive", "presupposes"]

EXPRESSIVE = frozenset(
    stem(w)
    for w in wordset(
        """sorry apologies apologise apologize congratulations congrats thanks thank luck
        hope hoping glad delighted lovely wonderful fantastic brilliant exciting excited
        frustrating frustrated horrible annoying awful stressful worrying upsetting panic
        shame pity sounds"""
    )
)
"""Words that express the writer's attitude to the user's situation rather than describe
the world: sympathy, congratulations, thanks, wishes and evaluations ("sounds exciting")."""

_WE = wordset("we we'll we're we've we'd our ours")
"""The company as subject: what it offers, charges or does is a claim about the source."""
_BENEFITS = frozenset(
    stem(w)
    for w in wordset(
        """free upgrade upgraded discount refund refunded bonus credit voucher complimentary
        included waived covered compensation reward rewards points"""
    )
)
"""Words of a benefit the company grants: "Congratulations on your free upgrade!" presupposes
the upgrade, which is the claim a hallucinating answer makes, so such a sentence is checked.
("Enjoy" and "welcome" are no expressive words for the same reason: "Enjoy your free
upgrade!", "You're welcome to bring a guest".)"""
_EVENTS = (
    "approv", "accept", "grant", "confirm", "ship", "dispatch", "deliver", "issu", "process",
    "paid", "payout", "pay", "reimburs", "cancel", "reject", "declin", "deni", "deny",
    "success", "complet", "book", "reserv", "resolv", "fix", "replac", "arriv", "decid",
    "decision", "sort",
)  # fmt: skip
"""Stem prefixes of an event or a decision ("congratulations on the approval", "enjoy your
payout", "sorry it was rejected", "thanks for booking"): the sentence presupposes it
happened. Prefixes, as "approval" and "approved" stem apart."""


def presupposes(stems: Iterable[str], given: Given) -> bool:
    """Whether words of an expressive or courtesy sentence (``stems``) presuppose an event or
    decision (:data:`_EVENTS`) the user did not report (:attr:`Given.words`): then the
    sentence tells the user something happened, and is a claim. "Congratulations on the
    approval!" to "I sent my claim yesterday" announces a decision nobody made; to "My claim
    was approved!" it takes up the user's news."""
    mine = _events(stems)
    return bool(mine) and not mine <= _events(given.words)


def _events(stems: Iterable[str]) -> set[str]:
    return {e for s in stems for e in _EVENTS if s.startswith(e)} | (
        {"win"} if any(s in ("won", "win", "winn") for s in stems) else set()
    )


_MAX_WORDS = 16
"""Expressive sentences are short; a long sentence is left to the checks whatever it says."""
_APOSTROPHE = re.compile(r"[’`]")
_MAX_CHARS = 160
"""Longer than any sentence of :data:`_MAX_WORDS` words: no need to tokenise it."""
_HINT = re.compile(
    r"sorry|apolog|congrat|thank|luck|hop(?:e|ing)|glad|delight|love|wonderful|fantastic"
    r"|brilliant|excit|frustrat|horribl|annoy|awful|stress|worr|upset|panic|shame|pity|sound",
    re.IGNORECASE,
)
"""A cheap test for an expressive word, before the sentence is tokenised."""


def is_expressive(sentence: str, known: Set[str] | None, given: Given) -> bool:
    """Whether ``sentence`` only expresses an attitude to the user's situation (see the
    module's docstring). ``known`` holds the stems of the passages' words; without it
    (no passages at hand) nothing is skipped here."""
    if not known or len(sentence) > _MAX_CHARS or not _HINT.search(sentence):
        return False
    text = _APOSTROPHE.sub("'", sentence)
    tokens = words(text)
    if not tokens or len(tokens) > _MAX_WORDS or _WE.intersection(tokens):
        return False
    stems = content_words(text)
    if _BENEFITS.intersection(stems) or presupposes(stems, given):
        return False
    if not any(s in EXPRESSIVE for s in stems) and not any(stem(t) in EXPRESSIVE for t in tokens):
        return False
    if numbers(text, spelled=True):
        return False
    for name in entities(text):
        if not all(w in given.names for w in words(name.text)):
            return False
    return not any(s in known for s in stems if s not in EXPRESSIVE)
