"""The worker side of :mod:`evalkit.scoring_pool`: what runs inside a scorer worker process.

Kept apart from the parent-side dispatcher because this is the code a worker imports and runs
by reference (the pool's initializer and each record's task are pickled by name): the worker's
scorers, sent once by the initializer with the project files they may come from (a scorer in
``scorers/mine.py`` pickles by its file's module name, which the worker imports from that
file: :func:`evalkit.registry.install_user_modules`); scoring one record, with every scorer or
with one when scoring alone; and the watch that ends the worker when the run's process dies.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Mapping, Sequence

from evalkit.registry import install_user_modules
from evalkit.scoring import Score, ScoreContext, Scorer, closing_scorers, score_all

_WORKER_SCORERS: list[Scorer] = []
_WORKER_SETUP_ERROR: list[str] = []


class _WorkerSetupError(Exception):
    """The worker could not load the scorers (they do not unpickle there)."""


def _init_worker(payloads: Sequence[tuple[str, bytes]], user_files: Mapping[str, str]) -> None:
    # Ctrl-C reaches the terminal's whole process group: the run decides what it means (the
    # first keeps the answers in flight, which these workers are scoring), and it ends the
    # workers itself. Obeyed here, it became a KeyboardInterrupt in the record being scored,
    # which the pool re-raised in the run, so those answers were lost after all.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    install_user_modules(user_files)
    # Failing here would break the pool like a dead worker; remembering the error lets each
    # record report it, and the parent then scores in-process instead (and says why).
    scorers: list[Scorer] = []
    for name, payload in payloads:
        try:
            scorers.append(pickle.loads(payload))
        except Exception as exc:
            _WORKER_SETUP_ERROR[:] = [
                f"a worker process could not load scorer {name!r} ({type(exc).__name__}: {exc})"
            ]
            return
    _WORKER_SCORERS[:] = scorers


def _exit_with_parent() -> None:
    """End this worker when the run's process dies (SIGKILL, the OOM killer).

    Why: a worker's parent is the forkserver, not the run, and it holds both ends of the
    pool's queue, so it never sees the run go: after ``kill -9`` of ``evalkit run`` its workers
    and the forkserver stayed alive for good, each holding its scorers' memory. The sentinel
    multiprocessing gives a child becomes ready when the process that started it dies.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="evalkit-parent-watch", daemon=True).start()


def _score_in_worker(ctx: ScoreContext, only: int | None = None) -> dict[str, Score]:
    """Score ``ctx`` with every scorer, or with scorer number ``only`` when scoring alone."""
    if _WORKER_SETUP_ERROR:
        raise _WorkerSetupError(_WORKER_SETUP_ERROR[0])
    scorers = _WORKER_SCORERS if only is None else _WORKER_SCORERS[only : only + 1]
    return asyncio.run(_score_and_close(scorers, ctx))


async def _score_and_close(scorers: list[Scorer], ctx: ScoreContext) -> dict[str, Score]:
    async with closing_scorers(scorers):
        return await score_all(scorers, ctx)
