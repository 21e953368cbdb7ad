"""Running a record's scorers: each scorer's failure becomes that score's error, and sync
scorers that may block run off the event loop.

Why off the loop: a sync scorer (an HTTP call to a moderation or NLI service, seconds of CPU)
called on the run's event loop held up every request in flight; their answers had arrived,
but the engine's timers fired first and charged the candidate with timeouts.

Why the per-scorer lock is an :class:`asyncio.Lock` taken *before* the thread is asked for:
calls waiting for their turn then wait in the event loop, where Ctrl-C cancels them at once.
Waiting inside worker threads, every queued call ran to the end after an interrupt (five 8 s
calls held a Ctrl-C for 41 s), and the scorers queued behind each other in the loop's few
default threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import weakref
from collections.abc import Sequence
from typing import Any

from evalkit.errors import ScorerError
from evalkit.scoring import FunctionScorer, Score, ScoreContext, Scorer, as_score

__all__ = ["call_off_loop", "off_loop", "score_all"]


async def score_all(scorers: Sequence[Scorer], ctx: ScoreContext) -> dict[str, Score]:
    """Run every scorer on one record; a scorer's failure becomes that score's ``error``."""
    out: dict[str, Score] = {}
    for s in scorers:
        if s.skips(ctx.case):
            continue
        try:
            s.check_case(ctx.case)
            result = await call_off_loop(s, ctx) if off_loop(s) else s.score(ctx)
            if inspect.isawaitable(result):
                result = await result
            out[s.name] = as_score(s, result, ctx.case.id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            msg = str(exc) if isinstance(exc, ScorerError) else f"{type(exc).__name__}: {exc}"
            out[s.name] = Score.failure(msg)
    return out


def off_loop(s: Scorer) -> bool:
    """Whether ``s`` is sync and may block (see :attr:`Scorer.blocking`)."""
    fn = s.fn if isinstance(s, FunctionScorer) else type(s).score
    if inspect.iscoroutinefunction(fn):
        return False
    if s.blocking is not None:
        return s.blocking
    module = getattr(fn, "__module__", "") or ""
    return not (module == "evalkit" or module.startswith("evalkit."))


_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


async def call_off_loop(s: Scorer, ctx: ScoreContext) -> Any:
    """``s.score(ctx)`` in a worker thread, one call of a scorer at a time (so it need not be
    thread-safe). The lock is kept beside the scorer, per event loop, not on it, because
    scorers are pickled for worker processes and a loop's lock cannot serve another loop."""
    locks = _LOCKS.setdefault(asyncio.get_running_loop(), {})
    lock = locks.get(id(s))
    if lock is None:
        lock = locks[id(s)] = asyncio.Lock()
        # a slotted scorer takes no weak reference: its lock then stays with the loop
        with contextlib.suppress(TypeError):
            weakref.finalize(s, locks.pop, id(s), None)
    async with lock:
        return await asyncio.to_thread(s.score, ctx)
