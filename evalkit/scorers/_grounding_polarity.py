"""A lead that answers the user's yes/no question: "yes" is a claim of that question.

"Almost certainly!", "Yes, you can, at certain times.", "Absolutely, yes!", "Of course!" hold
no word a passage could support, so the claim splitter skipped them (as vague leads, see
:func:`~evalkit.scorers._grounding_frames.is_vague_lead`, or as courtesy). But after "Can I
get a refund on a sale item?" each of them says "you can get a refund on a sale item", and
when the passage says "Sale items can be exchanged but not refunded" that is the most harmful
invention a support answer makes; with nothing else in the answer it scored a perfect 1.0.

**Decision:** when the request asks a yes/no question (:func:`yes_no_question`: the last
question of the user's that opens with an auxiliary, "Can I ...?", "Is it ...?", "Do you
...?", not a request such as "Can you help me ...?"), a lead that gives it an affirmative
answer and nothing else (:func:`affirms`: at most six words, no number or name, no negation,
only answer words, grading words, pronouns and auxiliaries) is a claim whose checked text is
the question as a statement (:func:`as_statement`). It is checked like any claim, but without
excusing the question's own names and numbers (the yes asserts them: "Can I return it after
45 days?" "Yes!" needs the 45 days in a passage). A negative lead ("No.", "Unfortunately
not.") stays skipped: its checked form would be a negated paraphrase of the question, which
the word checks cannot align with a passage's way of saying no.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from evalkit.scorers._grounding_frames import VAGUE
from evalkit.scorers._grounding_lexicon import NEGATIONS, wordset
from evalkit.scorers._grounding_stem import stem
from evalkit.scorers._grounding_text import Claim, Given, entities, numbers, words

__all__ = ["affirms", "as_statement", "lead_claims", "yes_no_question"]

_AUX = "can|could|may|might|do|does|did|is|are|was|were|will|would|should|shall|has|have|am|must"
_QUESTION = re.compile(rf"(?:^|(?<=[.!?\n]))\s*((?i:{_AUX})\s[^.!?\n]*\?)")
"""A question that opens with an auxiliary, as the user wrote it."""
_REQUEST = re.compile(
    r"^(?:can|could|would|will) you (?:please |kindly )?(?:help|tell|check|explain|give|send"
    r"|show|let|confirm|look|find|advise|recommend|walk|clarify|guide|provide|describe|share"
    r"|list|summari[sz]e|answer|assist|please)\b|^(?:do|does) (?:you|anyone) know\b",
    re.IGNORECASE,
)
"""Requests phrased as questions ("Can you tell me ...?"): a "Sure!" to them agrees to help."""
_AFFIRM = wordset(
    "yes yeah yep yup absolutely definitely certainly sure course indeed correct right true "
    "likely probably possibly"
)
"""Words that answer yes (with a grade: "probably", "almost certainly")."""
_PRONOUNS = wordset("i you we they it he she that this there one")
_FILLER = wordset("at in on the a by for of so all most some well oh ah")
_AUX_WORDS = wordset(_AUX.replace("|", " "))
_MAX_WORDS = 6


def yes_no_question(texts: Iterable[str]) -> str:
    """The last yes/no question of the user's ``texts`` (without requests phrased as
    questions), or ``""``."""
    found = ""
    for text in texts:
        for m in _QUESTION.finditer(text):
            q = " ".join(m.group(1).split())
            if not _REQUEST.match(q):
                found = q
    return found


def affirms(sentence: str) -> bool:
    """Whether ``sentence`` is a bare affirmative answer: "Yes!", "Almost certainly!", "Yes,
    you can, at certain times.", "Definitely, you can.", "Of course!" (see the module)."""
    if len(sentence) > 60:
        return False
    tokens = words(sentence.replace("\u2019", "'"))
    if not tokens or len(tokens) > _MAX_WORDS or NEGATIONS.intersection(tokens):
        return False
    if any(t.endswith("n't") for t in tokens) or numbers(sentence) or entities(sentence):
        return False
    known = _AFFIRM | _PRONOUNS | _FILLER | _AUX_WORDS
    if not all(t in known or t in VAGUE or stem(t) in VAGUE for t in tokens):
        return False
    pronoun_aux = any(a in _PRONOUNS and b in _AUX_WORDS for a, b in itertools.pairwise(tokens))
    return bool(_AFFIRM.intersection(tokens)) or pronoun_aux


def as_statement(question: str) -> str:
    """``question`` as the statement a yes asserts: "Can I get a refund on a sale item?" ->
    "I can get a refund on a sale item." (the auxiliary after a pronoun subject, otherwise
    dropped: word order matters little to the checks, the question's words do)."""
    body = question.rstrip(" ?")
    first, _, rest = body.partition(" ")
    subject, _, after = rest.partition(" ")
    if subject.lower() in _PRONOUNS and after:
        return f"{subject} {first.lower()} {after}."
    return f"{rest}."


def lead_claims(
    body: str, start: int, end: int, cites: tuple[str, ...], given: Given
) -> list[Claim]:
    """The claim of a sentence the splitter skips (``body``, at ``start``-``end``): one when
    it is a bare affirmative answer to the user's yes/no question, else none."""
    if not given.question or not affirms(body):
        return []
    return [Claim(body, start, end, cites, as_statement(given.question), answers=given.question)]
