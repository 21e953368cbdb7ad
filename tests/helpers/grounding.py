"""Score one answer against one passage with the groundedness scorer, as a support answer is.

For the groundedness tests that state a claim and a passage and check the verdict or its
reason; every such case goes through the public scorer, not its private checks.
"""

from __future__ import annotations

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

__all__ = ["reason", "run"]


def run(text: str, passage: str, question: str = "question") -> Score:
    """The default scorer's score of the answer ``text`` to ``question``, whose one context
    passage (id ``p``) is ``passage``."""
    case = Case(id="c", input=question, context=(ContextPassage("p", passage),))
    result = Groundedness().score(ScoreContext(case, Response(text=text)))
    assert isinstance(result, Score)
    return result


def reason(text: str, passage: str) -> str:
    """The reason the one claim of ``text`` is unsupported (fails if it is supported)."""
    (claim,) = run(text, passage).details["claims"]
    assert claim["supported"] is False, claim
    return str(claim["reason"])
