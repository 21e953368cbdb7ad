"""Obligation strength: a claim must not require what its passage only allows or advises.

"You may include the original receipt" restated as "You must include the original receipt",
"Guests may be asked to show a photo ID" as "Guests must show a photo ID", "You can bring one
personal item" as "You must bring one personal item": the claim turns a permission or a
recommendation into a requirement, the "need vs may" hallucination that sends a customer away
for a receipt they did not need. The word checks cannot see it: a claim's "must" is no word a
passage has to hold (an imperative "Bring your receipt." is an obligation too, see
:mod:`_grounding_claims`), and "mandatory" is one word of five.

**Decision:** a claim that states an obligation (:data:`_OBLIGATION`: must, need to,
required, mandatory, have to, ...; not a negated one, "you don't need to" releases) fails as
an ``obligation mismatch`` when the passage sentences it rests on state none but do state a
permission or advice (:data:`_PERMISSION`: may, can, optional, recommend, ...). Where those
sentences state neither (an imperative, a bare fact) the claim is left to the other checks,
and so is an obligation to keep within a limit both sides state (:data:`_LIMIT`).
"should" counts as neither: "you should bring ID" is restated "you'll need ID" too often to
call it a stronger claim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["obligation_mismatch"]

_OBLIGATION = re.compile(
    r"\b(?:must|needs? to|needed|required|requires?|mandatory|compulsory"
    r"|obligatory|necessary|ha(?:ve|s) to|ha(?:ve|s) got to|obliged)\b"
)
"""Words that state an obligation, in folded text (apostrophes straight)."""
_RELEASED = re.compile(
    r"\b(?:must not|mustn't|not (?:be )?(?:required|needed|necessary|mandatory|compulsory)"
    r"|(?:don't|doesn't|do not|does not|won't|will not|didn't|did not) (?:need|have) to"
    r"|no need|needn't|not need to|not have to|never (?:need|have) to|optional"
    r"|no (?:\w+ ){0,4}(?:needed|required|necessary)"
    r"|(?:may|might|could|can) (?:also |still )?(?:have to|need to|be required|be needed))\b"
)
"""A negated obligation releases or forbids ("you don't need to", "must not", "no solicitor
needed"): no stronger claim than a permission, and the negation check reads it. A hedged one
("you may have to pay duties") is as weak as the passage's "may"."""
_PERMISSION = re.compile(
    r"\b(?:may|might|can|could|optional(?:ly)?|recommend(?:s|ed)?|advis(?:e|es|ed|able)"
    r"|suggest(?:s|ed)?|encourag(?:e|es|ed)|welcome to|allowed to|free to|able to|if you (?:wish"
    r"|like|prefer|want))\b"
)
"""Words that allow or advise without requiring."""
_LIMIT = re.compile(
    r"\b(?:up to|at most|no more than|not more than|maximum|max|within|or less|or fewer|exceeds?"
    r"|no later than|before|(?:no |not )?\w+er than)\b"
)
"""A limit or a deadline: allowed up to it is required to stay within it ("bags can weigh up to
8 kg" is "each bag must weigh up to 8 kg", "returns can be made within 30 days" is "returns
must be made within 30 days", "can be up to 40 cm" is "must be no bigger than 40 cm"), so an
obligation about a limit both sides state is no stronger claim."""


def obligation_mismatch(folded: str, sentences: Sequence[str], pid: str) -> str | None:
    """``obligation mismatch: ...`` when the claim's folded text ``folded`` requires what the
    passage ``sentences`` it rests on (folded) only allow or advise; else ``None``."""
    if not _OBLIGATION.search(folded) or _RELEASED.search(folded):
        return None
    said = " ".join(sentences)
    if _OBLIGATION.search(said):
        return None
    allowed = _PERMISSION.search(said)
    if allowed is None or (_LIMIT.search(folded) and _LIMIT.search(said)):
        return None
    return (
        f"obligation mismatch: the claim requires what passage {pid} only allows or advises "
        f"({allowed.group(0)!r})"
    )
