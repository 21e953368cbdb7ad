"""The end-of-run hook (evalkit/scoring_lifecycle.py): scorers may keep clients open only inside
``closing_scorers``, which closes each once, however the block ends."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from evalkit.dataset import EvalSet
from evalkit.providers.base import Response
from evalkit.scoring import Score, ScoreContext, Scorer, closing_scorers, may_keep_open, score_all

CASES = EvalSet.from_cases([{"id": "one", "input": "x"}])


@dataclass
class Plain(Scorer):
    """A scorer without its own ``aclose``: the default hook."""

    name = "plain"

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, True, "ok")


def ctx(i: int, text: str = "answer") -> ScoreContext:
    return ScoreContext(case=CASES.cases[i], response=Response(text=text))


@dataclass
class Closable(Scorer):
    name = "closable"
    closed: int = 0
    error: str = ""
    hang: bool = False

    def score(self, ctx: ScoreContext) -> Score:
        return Score(1.0, True, f"open={may_keep_open()}")

    async def aclose(self) -> None:
        self.closed += 1
        if self.hang:
            await asyncio.sleep(10)
        if self.error:
            raise ValueError(self.error)


def test_the_default_hook_does_nothing_and_scorers_outside_a_run_must_not_keep_open() -> None:
    asyncio.run(Plain().aclose())
    assert may_keep_open() is False
    assert asyncio.run(score_all([Closable()], ctx(0)))["closable"].reason == "open=False"


def test_closing_scorers_closes_each_distinct_scorer_once_at_the_end() -> None:
    a, b = Closable(), Closable()

    async def main() -> Score:
        async with closing_scorers([a, b, a]):
            out = await score_all([a, b], ctx(0))
            assert a.closed == b.closed == 0
        return out["closable"]

    assert asyncio.run(main()).reason == "open=True"
    assert (a.closed, b.closed) == (1, 1)


def test_a_close_error_never_replaces_the_blocks_own_error() -> None:
    bad, good = Closable(error="close failed"), Closable()

    async def main() -> None:
        async with closing_scorers([bad, good]):
            raise KeyError("the run's own error")

    with pytest.raises(KeyError, match="the run's own error"):
        asyncio.run(main())  # warnings are errors here, and still the run's error wins
    assert (bad.closed, good.closed) == (1, 1)


def test_a_cancelled_close_still_closes_the_others_then_lets_the_cancellation_through() -> None:
    slow, other = Closable(hang=True), Closable()

    async def main() -> None:
        async def body() -> None:
            async with closing_scorers([slow, other]):
                pass

        task = asyncio.ensure_future(body())
        await asyncio.sleep(0.05)  # now inside slow.aclose()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert (slow.closed, other.closed) == (1, 1)
