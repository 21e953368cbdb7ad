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

__all__ = ["asks_for_an_act", "request_parts"]

_PART_BREAK: Final = re.compile(r"(?<=[.?!])\s+|\n+")
_CONNECTIVE: Final = re.compile(r"^\W*(?:(?:and|also|so|but|then|plus|oh|ok|okay)\b[\s,]*)+", re.I)

_INDIRECT_REQUEST: Final = re.compile(
    r"^(?:please\s+)?(?:can|could|may|might) (?:i|we) (?:please )?(?:have|get|receive|be given)\b|"
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
