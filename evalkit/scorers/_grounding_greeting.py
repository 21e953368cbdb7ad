"""A greeting that opens a response, and whether the addressee it names is checked.

"Hi Sam!", "Hello Maria," and "Dear Mr Lee," assert nothing: support deployments greet the
customer by the account's name, which the request often lacks and no knowledge base holds.
But an addressee can be a fact: "Dear Gold Member, free returns are available to you" claims
the customer is a Gold Member, the very thing a passage restricting free returns to Platinum
members is about. So the addressee is skipped only when none of its words occurs in the
passages; otherwise only the greeting word goes and the addressee is checked with the claim
("Dear" never becomes part of a name: "entity mismatch: Dear Platinum" named nothing real).
"""

from __future__ import annotations

import re
from collections.abc import Set

from evalkit.scorers._grounding_lexicon import STOPWORDS
from evalkit.scorers._grounding_stem import stem
from evalkit.scorers._grounding_text import fold, is_content, words

__all__ = ["greeting_end"]

_GREETING = re.compile(
    r"\W*(?P<hello>(?i:hi|hello|hey|hiya|howdy|greetings|dear|good (?:morning|afternoon|evening"
    r"|day)))(?:\s+(?i:there|again|all|everyone|team|folks))?(?P<comma>\s*,)?"
    r"(?:\s+(?P<name>(?:(?i:mr|mrs|ms|miss|mx|dr|prof)\.?\s+)?[A-Z][\w'’.-]*"
    r"(?:\s+[A-Za-z][\w'’.-]*){0,2}))?"
    r"(?P<end>\s*[,!:;\u2014\u2013]+\s*|\s*\.?\s*$)"
)
"""A greeting, with the addressee it names if any ("Hi Sam!", "Hello Maria,", "Dear Mr Lee,",
"Good morning, Priya!", "Dear Platinum members,"). The addressee opens with a capital and
must end the greeting with punctuation or end the sentence; after "Dear" only punctuation
will do: "Dear Evan Hansen is a musical" and "Dear Evan Hansen." are titles."""
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof"})


def greeting_end(s: str, known: Set[str] | None = None) -> int:
    """Where the part of a greeting opening ``s`` that asserts nothing ends, or 0.

    ``known`` holds the stems of the passages' words: an addressee with one of them is a
    fact to check, so only the greeting word before it is skipped. Without ``known`` (no
    passages at hand) an addressee is always skipped."""
    m = _GREETING.match(s)
    if m is None or (fold(m.group("hello")) == "dear" and not m.group("end").strip(" .")):
        return 0
    name = m.group("name")
    if name and known and _in_passages(name, known):
        return m.start("name")
    return m.end()


def _in_passages(name: str, known: Set[str]) -> bool:
    """Whether a word of the addressee ``name`` occurs in the passages (stems in ``known``)."""
    return any(
        stem(w) in known
        for w in words(name)
        if w not in _TITLES and w not in STOPWORDS and is_content(w)
    )
