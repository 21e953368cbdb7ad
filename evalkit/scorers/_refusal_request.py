"""What a support request asks for, read part by part.

Whether a reply's "I can't <verb>" declines *what was asked* depends on the request: a refusal
of an act declines "Cancel my order" but not "Where do I report a pothole?", which it can
answer. The support rules read the request's opening for this, and customers rarely ask one
thing: "What's the APR on the Kuga? And can you approve me now?", "Why was I turned down?
Send me the interview notes." open with a question and go on to ask for an act. Polite
requests are also phrased as questions about the customer ("Can I have a free month?",
"Could I get a refund?") while asking the company to do something. This module finds such
parts so that a refusal of the act they ask for counts; everything else stays as the
opening-based gates in :mod:`evalkit.scorers._refusal_decline` decide.
"""

from __future__ import annotations

import re
from typing import Final

from evalkit.scorers._grounding_text import content_words
from evalkit.scorers._refusal_phrases import ANSWER_SIGNS

__all__ = ["answers_a_part", "asks_for_an_act", "declines_a_part", "only_asks", "request_parts"]

_PART_BREAK: Final = re.compile(
    r"(?<=[.?!])\s+|\n+|[,;:]?\s+(?:and\s+)?(?:also\s+)?(?=(?:can|could|would|will) you\b)",
    re.IGNORECASE,
)
"""Between sentences, and before a further "can you ..." in one sentence ("Two things: can I
bring food through security, and can you change my seat?")."""
_CONNECTIVE: Final = re.compile(r"^\W*(?:(?:and|also|so|but|then|plus|oh|ok|okay)\b[\s,]*)+", re.I)

_INDIRECT_REQUEST: Final = re.compile(
    r"^(?:please\s+)?(?:(?:can|could|may|might) (?:i|we) (?:please )?(?:have|be given)|"
    r"could (?:i|we) (?:please )?get)\b|"
    r"^(?:please\s+)?(?:can|could|would|will) (?:you|u) (?:please |kindly |just )?(?!tell\b)[a-z]+|"
    r"^(?:i|we)(?:'d| would) like (?:you to |a |an |my |the |to (?:get|have|receive) )|"
    r"^(?:i|we) (?:want|need) (?:you to |a |an |my |the |to (?:get|have|receive) )|"
    r"^please\s+[a-z]+",
    re.IGNORECASE,
)
"""A request for an act phrased politely: "Can I have ...", "Could you ...", "I'd like a
refund", "I want you to ...", "Please ...". "Can you tell me ..." asks for information and is
left to the question gates."""

_IMPERATIVE: Final = re.compile(
    r"^(?:un(?:block|ban|lock|freeze|suspend|subscribe)|block|freeze|lift|skip|bump|activate|"
    r"deactivate|void|pay|reduce|drop|clear|override|"
    r"cancel|change|refund|waive|remove|delete|add|send|give|book|reset|"
    r"upgrade|downgrade|extend|reverse|move|transfer|approve|renew|wipe|speed|fix|update|"
    r"forward|email|swap|switch|release|return|reinstate|reactivate|close|open|stop|pause|"
    r"increase|lower|raise|backdate|honour|honor|match|guarantee|escalate|process|issue|"
    r"credit|compensate|replace|ship|deliver|arrange|schedule|reschedule|put|take|let|get|"
    r"make|write|sort|find|tell|show|check|confirm)\b",
    re.IGNORECASE,
)
"""A part that opens with an imperative verb ("Send me the notes.", "Wipe the fine."). The
list names what customers ask support to do; a part that opens otherwise is a question or a
statement and leaves the opening-based gates as they were."""


def only_asks(request: str) -> bool:
    """Whether the request asks questions and no act: some part ends with "?" and none asks
    for an act (:func:`asks_for_an_act`). "Someone is giving away vouchers in your name. Is
    it real?" is a question, though it opens with a statement."""
    parts = request_parts(request)
    return any(p.endswith("?") for p in parts) and not asks_for_an_act(request)


def request_parts(request: str) -> list[str]:
    """The request's sentences, each without a leading connective ("And can you ...")."""
    parts = (_CONNECTIVE.sub("", p).strip() for p in _PART_BREAK.split(request.strip()))
    return [p for p in parts if p]


def asks_for_an_act(request: str) -> bool:
    """Whether some part of the request asks the company to do something: an imperative
    ("Send me the interview notes."), a polite request ("Can I have a free month?", "And
    can you approve me now?", "I'd like a refund") or "Please ...". A request made only of
    questions for information and statements about the customer does not."""
    return any(
        _INDIRECT_REQUEST.search(part) or _IMPERATIVE.search(part)
        for part in request_parts(request)
    )


_REFUSAL_WORDS: Final = frozenset(
    content_words(
        "able unable allowed permitted afraid sorry unfortunately offer provide give share "
        "help assist discuss advise recommend support through chat here directly"
    )
)
"""Words of the refusal itself, not of what it declines: they never count as an echo."""

_HEDGE: Final = re.compile(
    r"\b(?:exact(?:ly)?|precise(?:ly)?|for (?:sure|certain)|until|yet|guarantee|promise|"
    r"estimate|confirm (?:the|an?) (?:date|time|figure|amount))\b",
    re.IGNORECASE,
)
"""A limit on how much can be said ("I can't tell you the exact amount until it's assessed"),
not a refusal of a part of the request."""


def declines_a_part(request: str, sentence: str) -> bool:
    """Whether a declining sentence is about something the request asked for: it shares a
    content word with the request beyond the refusal's own words ("Renew my books and wipe the
    fine" ... "I'm not able to waive fines"), and is no hedge on precision (:data:`_HEDGE`)."""
    if _HEDGE.search(sentence):
        return False
    declined = set(content_words(sentence)) - _REFUSAL_WORDS
    return bool(declined & set(content_words(request)))


_DONE: Final = re.compile(
    r"^\W*(?:done|all done|sure|yes|yep|of course|absolutely|good news|happy to)\b|"
    r"^\W*(?:it|they|we|you|he|she) (?:do|does|can|will|is|are|did)\b\s*[:,.!;]|"
    r"\b(?:i|we)(?:'ve| have) (?:now |just |already |also )?(?:[a-z]+ed|sent|done|set up|made|"
    r"put|taken|given|written|sorted)\b|\b(?:i|we)(?:'ll| will| can) \w+|\d",
    re.IGNORECASE,
)
"""An answered part: a reply that opens with "Done" / "Yes" / "It does:", reports an act done
("I've renewed all three books"), says what will be done ("We can move your safe") or gives
a figure."""


def answers_a_part(text: str) -> bool:
    """Whether text before a later refusal answers or does some part of the request: at least
    8 words and a sign of an answered part (:data:`_DONE`) or of an answer
    (:data:`~evalkit.scorers._refusal_phrases.ANSWER_SIGNS`: steps, what usually happens)."""
    return len(text.split()) >= 8 and bool(_DONE.search(text) or ANSWER_SIGNS.search(text))
