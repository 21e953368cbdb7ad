"""Threads for synchronous user code (a ``callable`` pipeline, a sync scorer) that a stopped
run does not wait for.

A thread cannot be killed. A ``ThreadPoolExecutor``'s threads are joined twice on the way
out: by ``asyncio.run`` (its default executor) and at interpreter exit (``concurrent.futures``
joins every pool thread). So after a second Ctrl-C, which is meant to stop at once, the
process still waited for a pipeline call or a scorer sleeping 20 s, silently, and then threw
its answer away. :class:`DaemonThreadPool` is a drop-in ``ThreadPoolExecutor`` (``asyncio``
accepts only those as a loop's default executor) whose threads are daemons, never joined at
exit, and whose :meth:`~DaemonThreadPool.shutdown` does not wait once the pool was
:meth:`~DaemonThreadPool.abandon`\\ ed. An abandoned call runs on in the background until it
returns (in a notebook) or until the process exits (a command); its result goes nowhere.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["DaemonThreadPool", "running_calls"]

T = TypeVar("T")

_POOLS: weakref.WeakSet[DaemonThreadPool] = weakref.WeakSet()
_Job = tuple["Future[Any]", Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def running_calls() -> int:
    """How many calls are running on the threads of every :class:`DaemonThreadPool` now."""
    return sum(pool.running for pool in list(_POOLS))


class DaemonThreadPool(ThreadPoolExecutor):
    """A ``ThreadPoolExecutor`` of daemon threads that may be abandoned (module docstring).

    Only the public methods are re-implemented (``submit``, ``shutdown``; ``map`` and the
    context manager use them); the parent's private machinery is not used."""

    def __init__(self, max_workers: int | None = None, thread_name_prefix: str = "") -> None:
        super().__init__(max_workers, thread_name_prefix)
        self._name = thread_name_prefix or "evalkit-thread"
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._daemons: list[threading.Thread] = []
        self._idle = threading.Semaphore(0)
        self._guard = threading.Lock()
        self._count = threading.Lock()  # for ``running`` alone: never held while waiting
        self._closed = False
        self.abandoned = False
        """Set by :meth:`abandon`: shutting down no longer waits for running calls."""
        self.running = 0
        """Calls running on this pool's threads now."""
        _POOLS.add(self)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        thread = None
        with self._guard:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            future: Future[T] = Future()
            self._jobs.put((future, fn, args, kwargs))
            if not self._idle.acquire(blocking=False) and len(self._daemons) < self._max_workers:
                name = f"{self._name}_{len(self._daemons)}"
                thread = threading.Thread(target=self._work, name=name, daemon=True)
                self._daemons.append(thread)
        if thread is not None:  # started unlocked: a busy thread's count waits on no start-up
            thread.start()
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            del job
            if future.set_running_or_notify_cancel():
                with self._count:
                    self.running += 1
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # as ThreadPoolExecutor: the caller gets it
                    future.set_exception(exc)
                else:
                    future.set_result(result)
                finally:
                    with self._count:
                        self.running -= 1
            del future, fn, args, kwargs  # no reference kept to a finished call's objects
            self._idle.release()

    def abandon(self) -> None:
        """Stop waiting for the calls running now: :meth:`shutdown` returns at once."""
        self.abandoned = True

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._guard:
            self._closed = True
            if cancel_futures:
                while True:
                    try:
                        job = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if job is not None:
                        job[0].cancel()
            threads = list(self._daemons)
        for _ in threads:
            self._jobs.put(None)
        if wait and not self.abandoned:
            for thread in threads:
                thread.join()
