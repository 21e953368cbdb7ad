"""Scoring during a run: in the event loop, or in worker processes for CPU-bound scorers.

A scorer that sets ``cpu_bound = True`` (a fuzzy matcher over long texts, an NLI model) would
stall every request in flight if it ran on the event loop, so it runs in a
``ProcessPoolExecutor``. The scorers are sent to each worker once (pool initializer); each
record then sends only its :class:`~evalkit.scoring.ScoreContext`, without the provider's raw
body. Workers start with ``forkserver`` (``spawn`` where that is missing), never ``fork``: a
forked child of a process with threads (the HTTP client's resolver, Jupyter) can deadlock.
The price is that such a scorer must be importable by reference and picklable, which a
module-level dataclass is (also one in a project file such as ``scorers/mine.py``: the worker
is told which file each such module comes from), and that a worker re-imports the script that started the run: a
run started from a script's top level, outside ``if __name__ == "__main__":``, would start
again in every worker, so it is detected and scored in-process with a warning instead.
I/O-bound scorers (an LLM judge, groundedness's judge mode) are never ``cpu_bound``: they
stay in the run's event loop, where their client and cache live until the end-of-run hook
(:meth:`~evalkit.scoring.Scorer.aclose`). A worker runs each record in its own short event
loop, so it calls its scorers' ``aclose`` at the end of each record.

Failures, and why they are handled so (a run once hung on a ``CancelledError`` until killed;
another lost over 100 healthy scores to 4 records that killed their worker):

- Shutdown never blocks the event loop and never waits unboundedly. :meth:`ScoringPool.aclose`
  cancels pending work, gives the workers a bounded time to exit (short after a cancellation
  or error, when a running CPU-bound score is not worth waiting for), then terminates and
  kills them and joins the executors' management threads with a bound, so neither the run
  nor the interpreter's exit (which joins those threads) can hang on a stuck worker.
- A worker that dies (``BrokenProcessPool``: a crash, ``os._exit``, the OOM killer) breaks
  the whole shared pool, and nothing tells which of the records in it killed it. So no
  record is blamed for it: every record that was in it is scored again *alone*, and so is
  every later record. Alone means one scorer on one record in a single-worker pool with
  nothing else queued, as many such pools as the shared one had workers (the same
  parallelism, at the cost of one round trip per score instead of a queue): a death there
  names its record and scorer, which alone get the scorer error; the record's other scores
  are kept, and the next record gets a fresh worker. Normal runs (no death) never pay this.
- Scoring alone is not for the rest of the run: after :data:`RESHARE_AFTER` records in a row
  scored alone without a death, records go to a new shared pool again (one stray death, the
  OOM killer on a busy machine, no longer slows a long run to its end). Each return doubles
  the records asked for the next one, and there is none once half of :data:`MAX_DEATHS` is
  used, so a scorer that keeps killing workers costs a bounded number of shared-pool breaks
  and still leaves deaths to spend on naming its records. A break after a return is handled
  as the first one: its records are scored again alone, none is blamed.
- Each death costs a worker's start-up, so after :data:`MAX_DEATHS` deaths in one run the
  pool's scorers stop running: the remaining records get a scorer error that says so. Such
  a scorer is never retried in-process, where the same fault would kill the run.
- A scorer that cannot reach the workers (it does not pickle, or does not unpickle there)
  is scored in-process from then on: slower, never wrong, and said once per scorer in a
  ``RuntimeWarning`` with the reason (:data:`~evalkit.scoring_pool_procs.IN_PROCESS`).
- A worker ends itself when the run's process dies without closing the pool (``kill -9``):
  nothing else would, since the forkserver, not the run, is its parent.

The code a worker runs is in :mod:`evalkit.scoring_pool_worker`; the main-script guard and
the bounded shutdown of retired pools are in :mod:`evalkit.scoring_pool_procs`. This module is
the dispatcher and its death accounting.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

from evalkit.registry import user_modules
from evalkit.scoring import Score, ScoreContext, Scorer, score_all
from evalkit.scoring_pool_procs import (
    _reap,
    _Retired,
    _shut,
    in_process_warning,
    pickle_scorers,
    sigint_held,
    unguarded_main,
)
from evalkit.scoring_pool_worker import _init_worker, _score_in_worker

__all__ = [
    "ABORT_GRACE_S",
    "CLOSE_GRACE_S",
    "MAX_DEATHS",
    "RESHARE_AFTER",
    "ScoringPool",
    "unguarded_main",
]

MAX_DEATHS = 20
"""Worker deaths in one run after which its worker-process scorers no longer run."""
RESHARE_AFTER = 100
"""Records in a row scored alone without a death before the shared pool is tried again
(doubled after each return)."""
CLOSE_GRACE_S = 10.0
"""How long a finished run waits for idle workers to exit before terminating them."""
ABORT_GRACE_S = 0.5
"""The same after a cancellation or error, when workers may still be busy on dropped work."""


@dataclass
class _Singles:
    """The single-worker pools free for scoring alone, and how many records wait for one."""

    free: asyncio.Queue[ProcessPoolExecutor | None]
    waiting: int = 0


class ScoringPool:
    """Scores one record with every scorer, keeping the scorers' order in the result."""

    def __init__(
        self,
        scorers: Sequence[Scorer],
        processes: int | None = None,
        *,
        max_deaths: int = MAX_DEATHS,
        reshare_after: int = RESHARE_AFTER,
    ) -> None:
        self.order = [s.name for s in scorers]
        wants_pool = processes != 0
        self.remote = [s for s in scorers if wants_pool and getattr(s, "cpu_bound", False)]
        if self.remote and (where := unguarded_main()):
            warnings.warn(_UNGUARDED.format(where=where), RuntimeWarning, stacklevel=2)
            self.remote = []
        # Pickled once, up front: a scorer that does not pickle stays here, said per scorer.
        self.remote, self._payload = pickle_scorers(self.remote) if self.remote else ([], ())
        self.local = [s for s in scorers if s not in self.remote]
        self.processes = processes or min(4, os.cpu_count() or 1)
        self.max_deaths = max_deaths
        self.deaths = 0
        """Worker processes that died so far (a broken shared pool counts once)."""
        self.rescored = 0
        """Records scored again alone because they were in the shared pool when it broke."""
        self.reshares = 0
        """Returns from scoring alone to a shared pool."""
        self._alone = False  # a worker died: every score runs alone until a return
        self._reshare_at = max(1, reshare_after)
        self._clean = 0  # records in a row scored alone with no death
        self._pool: ProcessPoolExecutor | None = None
        self._index = {id(s): i for i, s in enumerate(self.remote)}
        self._singles: _Singles | None = None
        self._single: set[ProcessPoolExecutor] = set()
        self._retired: list[_Retired] = []

    async def score(self, ctx: ScoreContext) -> dict[str, Score]:
        local, remote = list(self.local), list(self.remote)
        out = await score_all(local, ctx) if local else {}
        if remote:
            out.update(await self._score_remote(remote, ctx))
        return {name: out[name] for name in self.order if name in out}

    async def _score_remote(self, remote: list[Scorer], ctx: ScoreContext) -> dict[str, Score]:
        slim = replace(ctx, response=replace(ctx.response, raw=None))
        pool = None if self._alone else self._get_pool()
        if pool is None:
            if not self.remote:  # the scorers cannot reach a worker
                return await score_all(remote, ctx)
            return await self._score_alone(remote, ctx, slim)
        try:
            with sigint_held():  # the submit may start the forkserver or a worker
                future = asyncio.get_running_loop().run_in_executor(pool, _score_in_worker, slim)
            return await future
        except asyncio.CancelledError:
            raise
        except BrokenProcessPool:
            self._retire(pool, broken=True)
            self.rescored += 1
            return await self._score_alone(remote, ctx, slim)
        except Exception as exc:
            # The worker's set-up failed (a scorer does not unpickle there), or the record
            # does not pickle: score here from now on.
            self._go_local(exc)
            return await score_all(remote, ctx)

    async def _score_alone(
        self, remote: list[Scorer], ctx: ScoreContext, slim: ScoreContext
    ) -> dict[str, Score]:
        """Each scorer on its own in a single-worker pool, so that a death names its culprit."""
        out: dict[str, Score] = {}
        deaths = self.deaths
        for s in remote:
            if not self.remote:
                out.update(await score_all([s], ctx))
            elif self.deaths >= self.max_deaths:
                gave_up = _GAVE_UP.format(n=self.deaths)
                out.update(_failures([s], ctx, gave_up))
            else:
                out.update(await self._one_alone(s, ctx, slim))
        if self.deaths != deaths or self.deaths >= self.max_deaths:
            self._clean = 0  # a death anywhere meanwhile: not yet a quiet stretch
        elif self.remote and self._alone:
            self._clean += 1
            if self._clean >= self._reshare_at and self.deaths < self.max_deaths // 2:
                self._reshare()
        return out

    def _reshare(self) -> None:
        """Back to a shared pool (started on the next record); the idle single-worker pools
        are retired, and those still busy are retired when their score is done."""
        self._alone, self._clean = False, 0
        self.reshares += 1
        self._reshare_at *= 2
        singles, self._singles = self._singles, None
        # A pool put back for a record that waits is in the list until that record runs, so
        # only what no record waits for is taken (taking more would leave one waiting forever).
        while singles is not None and singles.free.qsize() > singles.waiting:
            pool = singles.free.get_nowait()
            if pool is not None:
                self._retire(pool, broken=False)

    async def _one_alone(
        self, s: Scorer, ctx: ScoreContext, slim: ScoreContext
    ) -> dict[str, Score]:
        if self._singles is None:
            self._singles = _Singles(asyncio.Queue())
            for _ in range(self.processes):
                self._singles.free.put_nowait(None)  # None: start that worker when needed
        singles = self._singles
        singles.waiting += 1
        try:
            pool = await singles.free.get()
        finally:
            singles.waiting -= 1
        keep: ProcessPoolExecutor | None = None  # what goes back into the free list
        try:
            for _ in range(2):  # a pool found broken when submitting is replaced once
                pool = pool or self._start(1)
                if pool is None:  # the scorers do not pickle
                    return await score_all([s], ctx)
                self._single.add(pool)
                try:
                    with sigint_held():
                        future = asyncio.get_running_loop().run_in_executor(
                            pool, _score_in_worker, slim, self._index[id(s)]
                        )
                except BrokenProcessPool:  # it died idle: not this record's doing
                    self._retire(pool, broken=True)
                    pool = None
                    continue
                try:
                    result = await future
                except asyncio.CancelledError:
                    self._retire(pool, broken=False)  # busy with the dropped score
                    raise
                except BrokenProcessPool as exc:
                    self._retire(pool, broken=True)
                    return _failures([s], ctx, _DIED.format(exc=f"{type(exc).__name__}: {exc}"))
                except Exception as exc:
                    keep = pool
                    self._go_local(exc)
                    return await score_all([s], ctx)
                keep = pool
                return result
            why = "no worker process could be started for it; score with scorer_processes=0"
            return _failures([s], ctx, why)
        finally:
            stale = singles is not self._singles or not self._alone
            if keep is not None and stale and singles.free.qsize() >= singles.waiting:
                # Back in shared mode since this score began, and no record still waits for
                # a worker of this list: the worker is not kept.
                self._retire(keep, broken=False)
                keep = None
            singles.free.put_nowait(keep)

    def _get_pool(self) -> ProcessPoolExecutor | None:
        """The shared pool, started on first use; ``None`` when it is not to be used."""
        if self._pool is None and self.remote and not self._alone:
            self._pool = self._start(self.processes)
        return self._pool

    def _start(self, workers: int) -> ProcessPoolExecutor | None:
        """A new pool of ``workers`` (``None`` when the scorers cannot reach a worker)."""
        if not self.remote:
            return None
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_init_worker,
            initargs=(self._payload, user_modules()),
        )

    def _go_local(self, exc: BaseException) -> None:
        """Score every worker scorer in-process from now on, saying so once per scorer."""
        if self._pool is not None:
            self._retire(self._pool, broken=False)
        for s in self.remote:
            warnings.warn(in_process_warning(s.name, exc), RuntimeWarning, stacklevel=2)
        self.local, self.remote = self.local + self.remote, []

    def _retire(self, pool: ProcessPoolExecutor, *, broken: bool) -> None:
        """Stop sending work to ``pool`` (once, whichever record notices first). Work already
        in it is not cancelled: the records awaiting it get its outcome. Its processes are
        reaped by :meth:`aclose`."""
        if pool is self._pool:
            self._pool = None
            self._alone = self._alone or broken
        elif pool in self._single:
            self._single.discard(pool)
        else:
            return
        if broken:
            self.deaths += 1
            self._clean = 0
        self._retired.append(_shut(pool, cancel=False))

    async def aclose(self, *, abort: bool = False) -> None:
        """Shut every pool down within a bounded time (see the module docstring); ``abort``
        after a cancellation or error, when busy workers are terminated almost at once."""
        retired, self._retired = self._retired, []
        live = [*self._single, *([self._pool] if self._pool is not None else [])]
        retired += [_shut(p, cancel=True) for p in live]
        self._pool, self._single, self._singles = None, set(), None
        if retired:
            grace = ABORT_GRACE_S if abort else CLOSE_GRACE_S
            # On a thread: joining processes blocks, and the event loop must not.
            await asyncio.to_thread(_reap, retired, grace)


_DIED = (
    "its worker process died while scoring this case alone ({exc}); the case is unscored "
    "by this scorer; to see the scorer's own error, score this case in-process "
    "(scorer_processes=0), where the same fault may stop the whole run"
)
_GAVE_UP = (
    "worker processes died {n} times in this run, so this scorer no longer runs and the "
    "case is unscored by it; the records whose error says their worker died are the ones "
    "to score in-process (scorer_processes=0) to see the scorer's own error"
)
_UNGUARDED = (
    "{where}: the run starts from the script's top level, not under "
    'if __name__ == "__main__":, so every scorer worker process, which re-imports the '
    "script, would run it again; scoring in-process instead (slower); put the script's run "
    'under if __name__ == "__main__": to score in worker processes'
)


def _failures(scorers: Sequence[Scorer], ctx: ScoreContext, why: str) -> dict[str, Score]:
    case = ctx.case
    return {
        s.name: Score.failure(f"case {case.id!r}: scorer {s.name!r}: {why}")
        for s in scorers
        if not s.skips(case)
    }
