"""A project-local scorer: answers drawn from the help center must cite it.

Written only against evalkit's public API, and loaded by path from the config
(``scorers/policy_citations.py:PolicyCitations``): the proof that a team can add its own
checks without touching evalkit. It fails an answer that uses help-center passages but cites
none, or cites a passage id that the case did not provide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit import Score, ScoreContext, Scorer

CITATION = re.compile(r"\[([A-Za-z0-9_.:-]+)\]")


@dataclass
class PolicyCitations(Scorer):
    """Every answer to a case with context cites at least ``min_citations`` real passages."""

    name = "policy_citations"
    requires = ("context",)
    min_citations: int = 1
    threshold: float = 1.0

    def score(self, ctx: ScoreContext) -> Score:
        known = {p.id for p in ctx.case.context}
        cited = CITATION.findall(ctx.response.text)
        unknown = sorted({c for c in cited if c not in known})
        valid = sorted({c for c in cited if c in known})
        if unknown:
            return Score(
                0.0,
                False,
                f"cites passages the case does not have: {unknown}",
                {"cited": valid, "unknown": unknown, "outcome": "unknown_citation"},
            )
        if len(valid) < self.min_citations:
            return Score(
                0.0,
                False,
                f"cites {len(valid)} passage(s), needs {self.min_citations}",
                {"cited": valid, "unknown": [], "outcome": "uncited"},
            )
        return Score(
            1.0,
            True,
            f"cites {', '.join(valid)}",
            {"cited": valid, "unknown": [], "outcome": "cited"},
        )
