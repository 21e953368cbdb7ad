"""A scorer class that declares its outcome vocabulary (``Scorer.outcomes``), for tests of the
summaries that give every declared outcome a rate."""

from __future__ import annotations

from typing import ClassVar

from evalkit.scoring import Score, ScoreContext, Scorer

__all__ = ["DECLARED_REF", "Declared"]

DECLARED_REF = "tests.helpers.outcome_scorers:Declared"


class Declared(Scorer):
    """Labels the answer ``correct``; declares ``over_refusal`` and ``under_refusal`` too."""

    name: ClassVar[str] = "declared"
    outcomes: ClassVar[frozenset[str] | None] = frozenset(
        {"correct", "over_refusal", "under_refusal"}
    )

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, True, "fine", {"outcome": "correct"})
