"""Scoring during a run: in the event loop, or in worker processes for CPU-bound scorers.

A scorer that sets ``cpu_bound = True`` (a fuzzy matcher over long texts, an NLI model) would
stall every request in flight if it ran on the event loop, so it runs in a
``ProcessPoolExecutor``. The scorers are sent to each worker once (pool initializer); each
record then sends only its :class:`~evalkit.scoring.ScoreContext`, without the provider's raw
body. Workers start with ``forkserver`` (``spawn`` where that is missing), never ``fork``: a
forked child of a process with threads (the HTTP client's resolver, Jupyter) can deadlock.
The price is that such a scorer must be importable by reference and picklable, which a
module-level dataclass is. I/O-bound scorers (an LLM judge, groundedness's judge mode) are
never ``cpu_bound``: they stay in the run's event loop, where their client and cache live
until the end-of-run hook (:meth:`~evalkit.scoring.Scorer.aclose`). A worker runs each record
in its own short event loop, so it calls its scorers' ``aclose`` at the end of each record.

Failures, and why they are handled so (a run once hung on a ``CancelledError`` until killed):

- Shutdown never blocks the event loop and never waits unboundedly. :meth:`ScoringPool.aclose`
  cancels pending work, gives the workers a bounded time to exit (short after a cancellation
  or error, when a running CPU-bound score is not worth waiting for), then terminates and
  kills them and joins the executor's management thread with a bound, so neither the run nor
  the interpreter's exit (which joins that thread) can hang on a stuck worker.
- A worker that dies (``BrokenProcessPool``: a crash, ``os._exit``, the OOM killer) breaks
  the whole pool, and there is no telling which record killed it: every record in that pool
  at the moment gets a scorer error for the pool's scorers (its other scores are kept), and
  later records get a new pool. After :data:`MAX_BREAKS` broken pools the rest get the error
  without trying. Such a scorer is never retried in-process, where it would kill the run.
- A scorer that cannot reach the workers (it does not pickle, or does not unpickle there)
  is scored in-process from then on: slower, never wrong.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Any

from evalkit.scoring import Score, ScoreContext, Scorer, closing_scorers, score_all

__all__ = ["ABORT_GRACE_S", "CLOSE_GRACE_S", "MAX_BREAKS", "ScoringPool"]

MAX_BREAKS = 3
"""Broken pools (dead workers) after which a run stops sending records to worker processes."""
CLOSE_GRACE_S = 10.0
"""How long a finished run waits for idle workers to exit before terminating them."""
ABORT_GRACE_S = 0.5
"""The same after a cancellation or error, when workers may still be busy on dropped work."""

_WORKER_SCORERS: list[Scorer] = []
_WORKER_SETUP_ERROR: list[str] = []


class _WorkerSetupError(Exception):
    """The worker could not load the scorers (they do not unpickle there)."""


def _init_worker(payload: bytes) -> None:
    # Failing here would break the pool like a dead worker; remembering the error lets each
    # record report it, and the parent then scores in-process instead.
    try:
        _WORKER_SCORERS[:] = pickle.loads(payload)
    except Exception as exc:
        _WORKER_SETUP_ERROR[:] = [f"{type(exc).__name__}: {exc}"]


def _score_in_worker(ctx: ScoreContext) -> dict[str, Score]:
    if _WORKER_SETUP_ERROR:
        raise _WorkerSetupError(_WORKER_SETUP_ERROR[0])
    return asyncio.run(_score_and_close(ctx))


async def _score_and_close(ctx: ScoreContext) -> dict[str, Score]:
    async with closing_scorers(_WORKER_SCORERS):
        return await score_all(_WORKER_SCORERS, ctx)


@dataclass
class _Retired:
    """A pool that takes no more work, with what must be waited for before it is gone."""

    processes: list[Any]
    manager: threading.Thread | None


class ScoringPool:
    """Scores one record with every scorer, keeping the scorers' order in the result."""

    def __init__(self, scorers: Sequence[Scorer], processes: int | None = None) -> None:
        self.order = [s.name for s in scorers]
        wants_pool = processes != 0
        self.remote = [s for s in scorers if wants_pool and getattr(s, "cpu_bound", False)]
        self.local = [s for s in scorers if s not in self.remote]
        self.processes = processes or min(4, os.cpu_count() or 1)
        self.breaks = 0
        """Pools broken by a dead worker so far."""
        self._pool: ProcessPoolExecutor | None = None
        self._payload: bytes | None = None
        self._retired: list[_Retired] = []

    async def score(self, ctx: ScoreContext) -> dict[str, Score]:
        local, remote = list(self.local), list(self.remote)
        out = await score_all(local, ctx) if local else {}
        if remote:
            out.update(await self._score_remote(remote, ctx))
        return {name: out[name] for name in self.order if name in out}

    async def _score_remote(self, remote: list[Scorer], ctx: ScoreContext) -> dict[str, Score]:
        slim = replace(ctx, response=replace(ctx.response, raw=None))
        for _ in range(2):  # a pool found broken when submitting is replaced once
            pool = self._get_pool()
            if pool is None:
                if self.remote:
                    return _failures(remote, ctx, _GAVE_UP.format(n=self.breaks))
                return await score_all(remote, ctx)  # the scorers cannot reach a worker
            try:
                future = asyncio.get_running_loop().run_in_executor(pool, _score_in_worker, slim)
            except BrokenProcessPool:
                self._retire(pool, broken=True)
                continue
            try:
                return await future
            except asyncio.CancelledError:
                raise
            except BrokenProcessPool as exc:
                self._retire(pool, broken=True)
                return _failures(remote, ctx, _DIED.format(exc=f"{type(exc).__name__}: {exc}"))
            except Exception:
                # Pickling or the worker's set-up failed: score here from now on.
                self._go_local(pool)
                return await score_all(remote, ctx)
        return _failures(remote, ctx, _DIED.format(exc="the pool broke twice in a row"))

    def _get_pool(self) -> ProcessPoolExecutor | None:
        """The current pool, started on first use; ``None`` when no pool is to be used."""
        if self._pool is not None:
            return self._pool
        if not self.remote or self.breaks >= MAX_BREAKS:
            return None
        if self._payload is None:
            try:
                self._payload = pickle.dumps(self.remote)
            except Exception:
                self._go_local(None)
                return None
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
        self._pool = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context(method),
            initializer=_init_worker,
            initargs=(self._payload,),
        )
        return self._pool

    def _go_local(self, pool: ProcessPoolExecutor | None) -> None:
        if pool is not None:
            self._retire(pool, broken=False)
        self.local, self.remote = self.local + self.remote, []

    def _retire(self, pool: ProcessPoolExecutor, *, broken: bool) -> None:
        """Stop sending work to ``pool`` (once, whichever record notices first). Work already
        in it is not cancelled: the records awaiting it get its outcome. Its processes are
        reaped by :meth:`aclose`."""
        if self._pool is not pool:
            return
        self._pool = None
        if broken:
            self.breaks += 1
        self._retired.append(_shut(pool, cancel=False))

    async def aclose(self, *, abort: bool = False) -> None:
        """Shut every pool down within a bounded time (see the module docstring); ``abort``
        after a cancellation or error, when busy workers are terminated almost at once."""
        retired, self._retired = self._retired, []
        if self._pool is not None:
            retired.append(_shut(self._pool, cancel=True))
            self._pool = None
        if retired:
            grace = ABORT_GRACE_S if abort else CLOSE_GRACE_S
            # On a thread: joining processes blocks, and the event loop must not.
            await asyncio.to_thread(_reap, retired, grace)


_DIED = (
    "its worker process died while scoring ({exc}); the case is unscored by it (every "
    "record in the pool at that moment is); if it repeats, score with scorer_processes=0 "
    "to see the scorer's own error"
)
_GAVE_UP = (
    "worker processes died {n} times in this run, so this scorer no longer runs; score with "
    "scorer_processes=0 to see the scorer's own error"
)


def _failures(scorers: Sequence[Scorer], ctx: ScoreContext, why: str) -> dict[str, Score]:
    case = ctx.case
    return {
        s.name: Score.failure(f"case {case.id!r}: scorer {s.name!r}: {why}")
        for s in scorers
        if not (s.skip_missing and not s.applies_to(case))
    }


def _shut(pool: ProcessPoolExecutor, *, cancel: bool) -> _Retired:
    """Ask ``pool`` to stop without waiting. The process list and the management thread are
    private attributes (stable since Python 3.9), read before ``shutdown`` drops them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=cancel)
    return _Retired(processes, manager)


def _reap(retired: Sequence[_Retired], grace_s: float) -> None:
    """Wait up to ``grace_s`` for the workers to exit, then terminate, then kill them."""
    deadline = time.monotonic() + grace_s
    procs = [p for r in retired for p in r.processes]
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    for stop in ("terminate", "kill"):
        alive = [p for p in procs if p.is_alive()]
        for p in alive:
            getattr(p, stop)()
        for p in alive:
            p.join(2.0)
    for r in retired:
        if r.manager is not None and r.manager.is_alive():
            r.manager.join(5.0)
