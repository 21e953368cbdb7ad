"""Running a record's scorers: each scorer's failure becomes that score's error, and sync
scorers that may block run off the event loop.

Why off the loop: a sync scorer (an HTTP call to a moderation or NLI service, seconds of CPU)
called on the run's event loop held up every request in flight; their answers had arrived,
but the engine's timers fired first and charged the candidate with timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from evalkit.errors import ScorerError
from evalkit.scoring import FunctionScorer, Score, ScoreContext, Scorer, as_score

__all__ = ["score_all"]


async def score_all(scorers: Sequence[Scorer], ctx: ScoreContext) -> dict[str, Score]:
    """Run every scorer on one record; a scorer's failure becomes that score's ``error``."""
    out: dict[str, Score] = {}
    for s in scorers:
        if s.skips(ctx.case):
            continue
        try:
            s.check_case(ctx.case)
            if _off_loop(s):
                result = await asyncio.to_thread(_one_at_a_time, s, ctx)
            else:
                result = s.score(ctx)
            if inspect.isawaitable(result):
                result = await result
            out[s.name] = as_score(s, result, ctx.case.id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            msg = str(exc) if isinstance(exc, ScorerError) else f"{type(exc).__name__}: {exc}"
            out[s.name] = Score.failure(msg)
    return out


def _off_loop(s: Scorer) -> bool:
    """Whether ``s`` is sync and may block (see :attr:`Scorer.blocking`)."""
    fn = s.fn if isinstance(s, FunctionScorer) else type(s).score
    if inspect.iscoroutinefunction(fn):
        return False
    if s.blocking is not None:
        return s.blocking
    module = getattr(fn, "__module__", "") or ""
    return not (module == "evalkit" or module.startswith("evalkit."))


_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _one_at_a_time(s: Scorer, ctx: ScoreContext) -> Any:
    """``s.score(ctx)`` in a worker thread, never two calls of one scorer at once. The lock is
    kept beside the scorer, not on it, because scorers are pickled for worker processes."""
    key = id(s)
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = threading.Lock()
            with contextlib.suppress(TypeError):  # no weak reference (slots): keep the lock
                weakref.finalize(s, _LOCKS.pop, key, None)
    with lock:
        return s.score(ctx)
