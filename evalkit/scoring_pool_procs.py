"""Parent-side process handling of :mod:`evalkit.scoring_pool`, apart from the dispatcher.

Whether worker processes may start at all (:func:`unguarded_main`: a worker re-imports the
main script), which scorers can be sent to one (:func:`pickle_scorers`, which says why a
scorer stays in-process), how a worker is started out of reach of the terminal's Ctrl-C
(:func:`sigint_held`), and how a pool that takes no more work is shut down and its processes reaped
within a bounded time, so neither the run nor the interpreter's exit can hang on a stuck
worker. The dispatcher (:class:`~evalkit.scoring_pool.ScoringPool`) decides when.
"""

from __future__ import annotations

import ast
import os
import pickle
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from evalkit.scoring import Scorer
from evalkit.scoring_pool_worker import _WorkerSetupError

__all__ = [
    "IN_PROCESS",
    "NO_WORKERS",
    "in_process_warning",
    "pickle_scorers",
    "sigint_held",
    "unguarded_main",
]

IN_PROCESS = (
    "scorer {name!r} is cpu_bound but is scored in-process (slower), because {why}; to score "
    "it in worker processes, make it a module-level class or function, or a dataclass "
    "scorer from a module or a project file, without lambdas, local functions or open "
    "handles in its fields"
)
"""The warning, once per scorer, when a ``cpu_bound`` scorer cannot reach the workers."""
NO_WORKERS = (
    "scorer {name!r} is cpu_bound but is scored in-process (slower), because no scorer "
    "worker process could be started ({why}); nothing is wrong with the scorer: if this "
    "happens again, score with scorer_processes=0 (CLI: --scorer-processes 0)"
)
"""The same when the workers could not be started at all (a dead forkserver, no process
left): rewriting a correct scorer would not help."""


def in_process_warning(name: str, exc: BaseException) -> str:
    """Why scorer ``name`` is scored in-process after ``exc`` from the pool: a scorer or a
    record that does not cross to a worker (:data:`IN_PROCESS`), or workers that could not be
    started, a closed pipe (``EOFError``, ``OSError``; :data:`NO_WORKERS`)."""
    why = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, (EOFError, OSError)):
        return NO_WORKERS.format(name=name, why=why)
    return IN_PROCESS.format(name=name, why=str(exc) if isinstance(exc, _WorkerSetupError) else why)


@contextmanager
def sigint_held() -> Iterator[None]:
    """Hold SIGINT back from this thread while a worker process may be started from it.

    Why: the terminal's Ctrl-C reaches the whole process group, and a forkserver or worker
    that is still importing (it ignores SIGINT only once it is set up) died of it with a
    traceback; the pool then could not start and the scorer was blamed for not pickling. A
    process started from a thread that blocks SIGINT starts with it blocked (the mask is
    inherited through fork and exec), and the forkserver and the workers set it to ignored
    before they unblock anything, so a pending one is discarded. The run's own Ctrl-C is not
    lost: another thread takes it, or this one as the block ends. A no-op where signal masks
    do not exist (Windows)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@dataclass
class _Retired:
    """A pool that takes no more work, with what must be waited for before it is gone."""

    processes: list[Any]
    manager: threading.Thread | None


def unguarded_main() -> str | None:
    """``path:line`` of the ``__main__`` script's top-level line that led here when that line
    is not under ``if __name__ == ...``, else ``None``.

    Why: ``forkserver`` and ``spawn`` workers re-import the main script; unguarded, its run
    would start again in every worker (paying the provider again) and then kill the worker.
    A script run with ``-m pkg`` (``pkg/__main__.py``) is not re-imported, nor is a notebook.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    spec_name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if not path or spec_name == "__main__" or spec_name.endswith(".__main__"):
        return None
    here, line = os.path.abspath(path), None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:  # the outermost frame of the script's top-level code
        code = frame.f_code
        if (
            code.co_name == "<module>"
            and frame.f_globals.get("__name__") == "__main__"
            and os.path.abspath(code.co_filename) == here
        ):
            line = frame.f_lineno
        frame = frame.f_back
    if line is None:
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if not isinstance(node, ast.If) or not node.lineno <= line <= (node.end_lineno or 0):
            continue
        if any(isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(node.test)):
            return None
    return f"{path}:{line}"


def pickle_scorers(
    scorers: Sequence[Scorer],
) -> tuple[list[Scorer], tuple[tuple[str, bytes], ...]]:
    """The scorers that pickle, and each one's name and pickle (what a worker is sent once);
    each that does not (a lambda in a field, a local class) gets a ``RuntimeWarning`` naming it and the
    reason, and is left out, to be scored in-process. A fallback used to be silent: a run
    scored 1,000 records on one core and nothing said why."""
    kept: list[Scorer] = []
    payloads: list[tuple[str, bytes]] = []
    for s in scorers:
        try:
            payloads.append((s.name, pickle.dumps(s)))
        except Exception as exc:
            why = f"it cannot be sent to a worker process ({type(exc).__name__}: {exc})"
            warnings.warn(IN_PROCESS.format(name=s.name, why=why), RuntimeWarning, stacklevel=3)
            continue
        kept.append(s)
    return kept, tuple(payloads)


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
