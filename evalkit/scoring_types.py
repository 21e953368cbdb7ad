"""What a scorer returns and what it is given: :class:`Score`, :class:`ScoreContext`, and
:func:`as_score`, which turns a scorer's raw return value into a valid :class:`Score`.

Kept apart from :mod:`evalkit.scoring` (the :class:`~evalkit.scoring.Scorer` interface, the
registry and the ``@scorer`` decorator) because every stage after scoring reads these values
(records, aggregates, comparisons, the report) without needing the interface. They are
re-exported from :mod:`evalkit.scoring`, their public home: import them from there.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evalkit.dataset import Case
from evalkit.errors import ScorerError
from evalkit.providers.base import Request, Response

if TYPE_CHECKING:
    from evalkit.pricing import Price
    from evalkit.scoring import Scorer

__all__ = ["Score", "ScoreContext", "as_score"]


@dataclass(frozen=True, slots=True)
class Score:
    """One scorer's verdict on one record; stored as ``scores[name]`` in ``results.jsonl``."""

    value: float | None
    """In [0, 1], higher is better; ``None`` when the scorer failed."""
    passed: bool | None
    """``value >= threshold`` unless the scorer decides otherwise; ``None`` when it failed."""
    reason: str = ""
    """One or two sentences a reviewer can read."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """Structured evidence for the report (claims, per-argument verdicts, verdict labels)."""
    error: str | None = None
    """Why the scorer could not score this case. Its value and verdict are then unknown: the
    case is *unscored* by this scorer, left out of its mean, pass rate and outcome rates (a
    judge that was rate-limited is not the candidate's failure) and counted in its ``errors``,
    ``unscored`` and ``<scorer>.unscored_rate``. A comparison's verdict fails on *new* scorer
    errors (cases the baseline got a score for; rule ``new_scorer_errors``) unless the suite
    gates ``<scorer>.unscored_rate``; so a scorer should return a failing score for a bad
    answer rather than raise on it."""

    def to_dict(self) -> dict[str, Any]:
        d = {
            "value": self.value,
            "passed": self.passed,
            "reason": self.reason,
            "details": dict(self.details),
        }
        if self.error is not None:
            d["error"] = self.error
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Score:
        return cls(
            d.get("value"),
            d.get("passed"),
            d.get("reason", ""),
            d.get("details") or {},
            d.get("error"),
        )

    @classmethod
    def failure(cls, error: str) -> Score:
        return cls(None, None, f"scorer error: {error}", {}, error)


@dataclass(frozen=True)
class ScoreContext:
    """Everything a scorer may look at for one record."""

    case: Case
    response: Response
    request: Request | None = None
    candidate: Mapping[str, Any] = field(default_factory=dict)
    """The candidate's summary (name, provider, model, fingerprint, ...)."""
    cost_usd: float | None = None
    """The record's cost as priced by the engine (``None`` when the model has no price)."""
    priced_as: str | None = None
    """The model ID the engine priced the response as: the requested one when the run's price
    table (shipped prices plus the config's ``[prices]``) has it, else the reported one.
    ``None`` when unpriced or not known (a stored run re-scored)."""
    price: Price | None = None
    """The run's price entry behind ``cost_usd``, which a scorer cannot look up itself when it
    came from the config's ``[prices]``."""


def as_score(scorer: Scorer, result: Any, case_id: str | None = None) -> Score:
    """``result`` as a valid :class:`Score`, or a :class:`ScorerError` saying what is wrong.

    A bool or a number becomes a score (passed: the bool, or ``value >= threshold``); a value
    outside [0, 1] or NaN is refused, because aggregates, gates and the report read values as
    "fraction of best", and a silent 1.7 or NaN would pass cases or poison means unseen.
    """
    where = f"case {case_id!r}: scorer {scorer.name!r}" if case_id else f"scorer {scorer.name!r}"
    if isinstance(result, Score):
        score = result
    elif isinstance(result, (bool, _np_bool())):
        score = Score(1.0 if result else 0.0, bool(result))
    elif isinstance(result, numbers.Real):
        score = Score(float(result), float(result) >= scorer.threshold)
    else:
        raise ScorerError(
            f"{where} returned {type(result).__name__}; return a Score, a float in [0, 1] or a bool"
        )
    value, passed = score.value, score.passed
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ScorerError(
                f"{where} returned a Score whose value is {type(value).__name__} {value!r}; "
                "give a float in [0, 1], or None when the case cannot be scored"
            )
        if math.isnan(value):
            raise ScorerError(
                f"{where} returned value NaN; give a float in [0, 1], or raise (or return "
                "Score(None, None, reason)) when the case cannot be scored"
            )
        if not 0.0 <= value <= 1.0:
            raise ScorerError(
                f"{where} returned value {value!r}, outside [0, 1]; scale it into [0, 1] "
                "(higher is better) and put the raw figure in details"
            )
    if passed is not None and not isinstance(passed, (bool, _np_bool())):
        raise ScorerError(
            f"{where} returned passed={passed!r} ({type(passed).__name__}); give True, False "
            "or None"
        )
    if (value is not None and type(value) is not float) or (
        passed is not None and type(passed) is not bool
    ):  # numpy scalars would not serialise into results.jsonl
        score = dataclasses.replace(
            score,
            value=None if value is None else float(value),
            passed=None if passed is None else bool(passed),
        )
    return score


def _np_bool() -> type:
    """numpy's bool type when numpy is already imported (a scorer using it imported it), else
    ``bool``: scoring must not import numpy for scorers that never touch it."""
    np = sys.modules.get("numpy")
    return np.bool_ if np is not None else bool  # type: ignore[no-any-return]
