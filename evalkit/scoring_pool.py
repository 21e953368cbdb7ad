"""Scoring during a run: in the event loop, or in worker processes for CPU-bound scorers.

A scorer that sets ``cpu_bound = True`` (a fuzzy matcher over long texts, an NLI model) would
stall every request in flight if it ran on the event loop, so it runs in a
``ProcessPoolExecutor``. The scorers are sent to each worker once (pool initializer); each
record then sends only its :class:`~evalkit.scoring.ScoreContext`, without the provider's raw
body. Workers start with ``forkserver`` (``spawn`` where that is missing), never ``fork``: a
forked child of a process with threads (the HTTP client's resolver, Jupyter) can deadlock.
The price is that such a scorer must be importable by reference and picklable, which a
module-level dataclass is. If the pool cannot be used (a scorer that does not pickle, a worker
that died), those scorers run in-process instead: slower, never wrong.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from evalkit.scoring import Score, ScoreContext, Scorer, score_all

__all__ = ["ScoringPool"]

_WORKER_SCORERS: list[Scorer] = []


def _init_worker(scorers: list[Scorer]) -> None:
    _WORKER_SCORERS[:] = scorers


def _score_in_worker(ctx: ScoreContext) -> dict[str, Score]:
    return asyncio.run(score_all(_WORKER_SCORERS, ctx))


class ScoringPool:
    """Scores one record with every scorer, keeping the scorers' order in the result."""

    def __init__(self, scorers: Sequence[Scorer], processes: int | None = None) -> None:
        self.order = [s.name for s in scorers]
        wants_pool = processes != 0
        self.remote = [s for s in scorers if wants_pool and getattr(s, "cpu_bound", False)]
        self.local = [s for s in scorers if s not in self.remote]
        self.processes = processes or min(4, os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            method = "forkserver" if "forkserver" in methods else "spawn"
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context(method),
                initializer=_init_worker,
                initargs=(self.remote,),
            )
        return self._pool

    async def score(self, ctx: ScoreContext) -> dict[str, Score]:
        if not self.remote:
            return await score_all(self.local, ctx) if self.local else {}
        out = await score_all(self.local, ctx) if self.local else {}
        try:
            slim = replace(ctx, response=replace(ctx.response, raw=None))
            loop = asyncio.get_running_loop()
            remote = await loop.run_in_executor(self._get_pool(), _score_in_worker, slim)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The pool is unusable (pickling, a dead worker): score here from now on.
            self._shutdown()
            self.local, self.remote = self.local + self.remote, []
            remote = await score_all([s for s in self.local if s.name not in out], ctx)
        out.update(remote)
        return {name: out[name] for name in self.order if name in out}

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
