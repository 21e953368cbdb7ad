"""evalkit/scoring_run.py: a sync scorer that blocks (a network call, seconds of CPU) runs off
the event loop, one call at a time per scorer; built-in and async scorers run on the loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import evalkit
from evalkit.config import Candidate
from evalkit.dataset import Case, Check, EvalSet
from evalkit.engine import run_async
from evalkit.providers.base import Request, Response
from evalkit.scoring import FunctionScorer, Score, ScoreContext, Scorer, build_scorer
from evalkit.scoring_run import off_loop, score_all

CASE = Case(id="c1", input="q", expected="a")


def ctx() -> ScoreContext:
    return ScoreContext(case=CASE, response=Response(text="a"))


@dataclass
class Sleeper(Scorer):
    """A sync scorer that blocks like an HTTP call to an internal service."""

    name = "sleeper"
    seconds: float = 0.2
    active: int = 0
    most: int = 0

    def score(self, ctx: ScoreContext) -> Score:
        self.active += 1
        self.most = max(self.most, self.active)
        time.sleep(self.seconds)
        self.active -= 1
        return Score(1.0, True)


async def _longest_stall(work: asyncio.Future[object] | asyncio.Task[object]) -> float:
    """The longest the loop went without running a 10 ms heartbeat while ``work`` ran."""
    gaps = []
    last = time.perf_counter()
    while not work.done():
        await asyncio.sleep(0.01)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    await work
    return max(gaps)


def test_a_blocking_sync_scorer_does_not_stall_the_event_loop() -> None:
    async def main() -> float:
        return await _longest_stall(asyncio.ensure_future(score_all([Sleeper()], ctx())))

    assert asyncio.run(main()) < 0.15  # the scorer sleeps 0.2 s; inline it stalled for all of it


def test_one_scorer_is_never_called_twice_at_once_but_two_scorers_overlap() -> None:
    a, b = Sleeper(seconds=0.1), Sleeper(seconds=0.1)

    async def main() -> float:
        t0 = time.perf_counter()
        await asyncio.gather(*(score_all([s], ctx()) for s in (a, a, a, b, b, b)))
        return time.perf_counter() - t0

    took = asyncio.run(main())
    assert a.most == 1 and b.most == 1  # need not be thread-safe
    assert took < 0.55  # a's three calls and b's three ran side by side (serial: 0.6 s)


def test_which_scorers_leave_the_loop() -> None:
    async def afn(ctx: ScoreContext) -> bool:
        return True

    def fn(ctx: ScoreContext) -> bool:
        return True

    assert off_loop(Sleeper())  # a user's sync class
    assert off_loop(FunctionScorer(fn=fn, scorer_name="fn"))  # a user's sync function
    assert not off_loop(FunctionScorer(fn=afn, scorer_name="afn"))  # async: on the loop
    assert not off_loop(build_scorer("refusal")) and not off_loop(build_scorer("exact_match"))

    @dataclass
    class Quick(Sleeper):
        blocking = False  # the scorer's own word wins

    assert not off_loop(Quick())


def test_a_run_with_a_slow_sync_scorer_answers_every_case_without_timeouts(
    tmp_path: Path,
) -> None:
    """QA10 #2: a 1 s sync scorer on the loop made calls in flight time out (charged to the
    candidate as provider errors). Here each call takes 0.3 s against a 0.6 s timeout."""

    async def answer(request: Request) -> str:
        await asyncio.sleep(0.3)
        return "a"

    cases = EvalSet.from_cases([Case(id=f"c{i}", input="q", expected="a") for i in range(6)])
    cand = Candidate(
        name="slow",
        provider="callable",
        model="m",
        options={"target": answer},
        concurrency=6,
        timeout_s=0.6,
        max_retries=0,
    )
    opts = evalkit.RunOptions(out_dir=tmp_path / "r", progress=False)
    scorer = Sleeper(seconds=0.4)

    async def main() -> tuple[float, object]:
        work = asyncio.ensure_future(run_async(cases, cand, [scorer], opts))
        return await _longest_stall(work), work.result()

    stall, run = asyncio.run(main())
    assert [r.error for r in run.records] == [None] * 6  # type: ignore[attr-defined]
    assert all(r.scores["sleeper"].passed for r in run.records)  # type: ignore[attr-defined]
    assert stall < 0.3


def test_a_slotted_sync_scorer_runs_in_a_worker_thread() -> None:
    @dataclass(slots=True)
    class Slotted(Scorer):
        name = "slotted"

        def score(self, ctx: ScoreContext) -> Score:
            return Score(0.5, True, f"thread {threading.current_thread().name}")

    out = asyncio.run(score_all([Slotted()], ctx()))
    assert out["slotted"].passed is True and "MainThread" not in out["slotted"].reason


def test_ctrl_c_cancels_the_calls_waiting_for_their_turn() -> None:
    """QA11 #1: the calls queued behind a slow sync scorer waited inside worker threads, so
    after an interrupt every one of them still ran (five 8 s calls held Ctrl-C for 41 s)."""
    s = Sleeper(seconds=0.3)
    calls_before = []

    async def main() -> float:
        work = asyncio.gather(*(score_all([s], ctx()) for _ in range(5)))
        await asyncio.sleep(0.1)  # the first call is running, four wait for their turn
        work.cancel()
        t0 = time.perf_counter()
        with contextlib.suppress(asyncio.CancelledError):
            await work
        calls_before.append(s.most)
        return time.perf_counter() - t0

    t0 = time.perf_counter()
    asyncio.run(main())
    took = time.perf_counter() - t0  # asyncio.run waits for the running call's thread
    assert took < 0.9  # one call (0.3 s), not five (1.5 s)


def test_a_users_sync_scorer_as_a_per_case_check_runs_off_the_loop() -> None:
    """QA11 #4: the checks scorer called its checks' scorers directly, on the loop."""
    from evalkit.scorers.checks import Checks

    case = Case(
        id="c1",
        input="q",
        checks=(Check(name="tests.test_scoring_run:Sleeper", args={"seconds": 0.2}),),
    )
    checks = Checks()
    sctx = ScoreContext(case=case, response=Response(text="a"))
    out: dict[str, Score] = {}

    async def main() -> float:
        work = asyncio.ensure_future(score_all([checks], sctx))
        stall = await _longest_stall(work)
        out.update(work.result())
        return stall

    assert asyncio.run(main()) < 0.15
    assert out["checks"].passed is True, out  # the check ran (it used to fail to build)
