from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from evalkit.config import ScorerSpec
from evalkit.dataset import EvalSet
from evalkit.errors import ConfigError, UnknownNameError
from evalkit.providers.base import Response
from evalkit.scoring import SCORERS, Score, ScoreContext, Scorer, build_scorer, score_all, scorer

CASES = EvalSet.from_cases(
    [{"id": "with", "input": "x", "context": ["c"]}, {"id": "without", "input": "y"}]
)


@dataclass
class NeedsContext(Scorer):
    name = "needs_context"
    requires = ("context",)
    bonus: float = 0.0

    def score(self, ctx: ScoreContext) -> Score:
        return Score(min(1.0, 0.5 + self.bonus), True, "ok")


def ctx(i: int, text: str = "answer") -> ScoreContext:
    return ScoreContext(case=CASES.cases[i], response=Response(text=text))


def test_missing_field_is_a_recorded_scorer_error_not_a_crash() -> None:
    out = asyncio.run(score_all([NeedsContext()], ctx(1)))
    assert out["needs_context"].error == (
        "case 'without': scorer 'needs_context' needs field(s) ['context'] which the case does not "
        "set; add them to the eval set or remove the scorer from this suite"
    )
    assert out["needs_context"].value is None and out["needs_context"].passed is None


def test_skip_missing_leaves_case_unscored() -> None:
    s = NeedsContext()
    s.skip_missing = True
    assert asyncio.run(score_all([s], ctx(1))) == {}
    assert asyncio.run(score_all([s], ctx(0)))["needs_context"].value == 0.5


def test_exceptions_become_scores_and_other_scorers_still_run() -> None:
    @scorer("boom_test", register=False)
    def boom(ctx: ScoreContext) -> float:
        raise ValueError("bad input")

    out = asyncio.run(score_all([boom(), NeedsContext()], ctx(0)))
    assert out["boom_test"].error == "ValueError: bad input"
    assert out["needs_context"].passed is True


def test_function_scorers_sync_async_and_coercion() -> None:
    @scorer("length_ok_test", threshold=0.5)
    def length_ok(ctx: ScoreContext, limit: int = 10) -> float:
        return 1.0 if len(ctx.response.text) <= limit else 0.0

    @scorer("async_flag_test")
    async def flag(ctx: ScoreContext) -> bool:
        await asyncio.sleep(0)
        return "answer" in ctx.response.text

    try:
        s = build_scorer("length_ok_test", {"limit": 3})
        out = asyncio.run(score_all([s, build_scorer("async_flag_test")], ctx(0)))
        assert out["length_ok_test"] == Score(0.0, False)
        assert out["async_flag_test"] == Score(1.0, True)
        assert s.spec()["args"] == {"limit": 3}
    finally:
        SCORERS.unregister("length_ok_test")
        SCORERS.unregister("async_flag_test")


def test_build_scorer_errors_are_actionable() -> None:
    with pytest.raises(UnknownNameError, match='did you mean "groundedness"'):
        build_scorer("groundednes")
    SCORERS.register("needs_context_test", NeedsContext)
    try:
        with pytest.raises(ConfigError, match="rejected its arguments"):
            build_scorer("needs_context_test", {"nope": 1}, where="cfg")
        spec = ScorerSpec("needs_context_test", {"bonus": 0.25}, 0.9, skip_missing=True).build()
        assert spec.threshold == 0.9 and spec.bonus == 0.25 and spec.skip_missing
        assert spec.spec() == {
            "name": "needs_context",
            "args": {"bonus": 0.25, "threshold": 0.9},
        }
    finally:
        SCORERS.unregister("needs_context_test")
