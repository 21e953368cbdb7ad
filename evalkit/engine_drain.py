"""Ctrl-C in two steps: the answers already paid for are kept, then the run stops.

Cancelling a run at the first Ctrl-C threw away every call in flight: the provider had been
asked (and bills for it), the answer was on its way, and ``--resume`` asked it again. So an
interrupt of a synchronous entry point (:func:`evalkit.engine_tasks.run_sync`: ``evalkit run``,
``evalkit check``, ``evaluate()``, a notebook's "interrupt kernel", the pytest plugin) now

1. *drains*: no worker takes a new (case, repeat) pair, no new provider call starts (not even
   a retry: :class:`DrainLimits` refuses it, and its pair is left for resume), and the pairs
   whose call is in flight, or whose answer is being scored, finish and write their records.
   It says so on stderr, with the bound: the longest call timeout of the running candidates.
   A pair that has no answer coming is *abandoned* at once, left for resume, and not counted:
   one waiting for a free slot or a rate limit, or sleeping out a retry's backoff (a
   ``Retry-After`` of 25 s used to be slept out, counted "in flight", and then refused anyway);
2. then cancels the run exactly as the first Ctrl-C used to (manifest ``status:
   "interrupted"``, resources closed, ``KeyboardInterrupt`` raised to the caller), once
   nothing is in flight, when the bound runs out, or at a second Ctrl-C (a third one, should
   the winding down itself hang, raises ``KeyboardInterrupt`` at once).

Synchronous user code (a ``callable`` pipeline, a sync scorer) runs on threads, which cannot
be stopped. A run stopped by an interrupt does not wait for them (:mod:`evalkit.daemon_threads`:
the run's default executor and the callable provider's threads are daemons, abandoned): the
second Ctrl-C returns at once, saying how many such calls were left running, instead of
waiting silently for them and then dropping their answers anyway. Their cases are left for
resume; the calls run on in the background until they return or the process exits.

Resuming stays exact: a pair is either recorded (its answer, scores and record written in one
step) or not, and ``--resume`` asks only the pairs without a record.

A :class:`Drain` belongs to one ``run_sync`` call and reaches the run's workers through a
context variable, so a run started with ``run_async`` in the caller's own loop is untouched
(no signal handler is installed there).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Any

from evalkit.daemon_threads import DaemonThreadPool, running_calls
from evalkit.limits import Limits

__all__ = ["Drain", "DrainLimits", "Drained", "current_drain", "notices_to", "run_limits"]

_CURRENT: ContextVar[Drain | None] = ContextVar("evalkit_drain", default=None)
_NOTICES: ContextVar[Callable[[str], None] | None] = ContextVar("evalkit_notices", default=None)


def notices_to(write: Callable[[str], None] | None) -> Token[Callable[[str], None] | None]:
    """Have the interrupt's notices ("Interrupted: waiting up to 60s ...") of the runs started
    in this context written by ``write`` instead of to stderr; ``None`` for stderr again. The
    token undoes it (``_NOTICES.reset``). Why: the pytest plugin, whose runs happen while
    pytest captures stderr, so the user saw nothing for up to a minute and pressed Ctrl-C
    again, which dropped the answers the first one was waiting for."""
    return _NOTICES.set(write)


def current_drain() -> Drain | None:
    """The drain of the synchronous entry point running this coroutine, if any."""
    return _CURRENT.get()


class Drained(BaseException):
    """Raised where a provider call would start while the run drains: its pair is left for
    resume. A ``BaseException``, like a cancellation, so that no ``except Exception`` records
    it as the call's error, and the dispatcher still releases its claim and reservation."""


WAITING, CALLING, HOLDING = "waiting", "calling", "holding"
"""Where a worker's pair is: no call out (cache, limits, backoff), a call awaiting the
provider's answer, an answer in hand (being priced, scored, written)."""


class Drain:
    """One synchronous run's interrupt state (see the module docstring)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[Any] | None = None
        self.requested = False
        """The first interrupt came: nothing new starts."""
        self.interrupted = False
        """An interrupt came at all: the caller gets ``KeyboardInterrupt``."""
        self.bound_s = 0.0
        """How long the in-flight pairs may take (the longest call timeout of the runs)."""
        self._pairs: dict[asyncio.Task[Any], str] = {}
        """Each worker task's pair and where it is (:data:`WAITING` ...)."""
        self._abandoned: set[asyncio.Task[Any]] = set()
        self.stopping = False
        """:meth:`stop_now` was called: a cancellation is the run's, not an abandoned pair's."""
        self.left = 0
        """Pairs left for resume since the interrupt (withheld, abandoned or not taken)."""
        self.unfinished: list[Path] = []
        """The run folders that the interrupt left ``interrupted``, to name in :meth:`why`."""
        self.threads = DaemonThreadPool(thread_name_prefix="evalkit-sync")
        """The run loop's default executor (sync scorers): not waited for once interrupted."""
        self.say = _NOTICES.get() or _say
        self._timer: asyncio.TimerHandle | None = None
        self._lock = threading.Lock()
        self._signals = 0

    # ------------------------------------------------------------------ the run's side
    async def main(self, make: Callable[[], Awaitable[Any]]) -> Any:
        """Run ``make()`` as the task an interrupt stops, with this drain as its context."""
        with self._lock:
            self.loop, self.task = asyncio.get_running_loop(), asyncio.current_task()
            early = self.interrupted
        if early:  # interrupted before the loop started
            raise asyncio.CancelledError
        asyncio.get_running_loop().set_default_executor(self.threads)
        _CURRENT.set(self)
        return await make()

    def allow(self, timeout_s: float) -> None:
        """A run of this drain calls with ``timeout_s``: pairs in flight may take that long."""
        self.bound_s = max(self.bound_s, timeout_s)

    @contextmanager
    def pair(self) -> Iterator[None]:
        """One (case, repeat) pair of the current worker, from taking it to its record. A pair
        refused its call (:class:`Drained`) or abandoned at the interrupt ends here quietly,
        left for resume; the last pair in flight to end stops the run."""
        task = asyncio.current_task()
        assert task is not None
        self._pairs[task] = WAITING
        try:
            yield
        except Drained:
            self.left += 1
        except asyncio.CancelledError:
            if task not in self._abandoned or self.stopping:
                raise
            self.left += 1
            uncancel = getattr(task, "uncancel", None)  # Python 3.11+: the count goes back
            if uncancel is not None:
                uncancel()
        finally:
            self._pairs.pop(task, None)
            self._abandoned.discard(task)
            self._settled()

    def _settled(self) -> None:
        """Once nothing is in flight after the interrupt: stop the run if a pair was left
        for resume; if none was (the interrupt came while the last pairs were in flight),
        let it finish as a complete run instead (:attr:`finished`)."""
        if self.requested and not self._in_flight() and self.left:
            self.stop_now()

    def calling(self) -> None:
        """The current worker's pair sends its call now: its answer is awaited."""
        self._mark(CALLING)

    def returned(self) -> None:
        """The current worker's call is over. An answer is taken in hand (:meth:`commit`) in
        the same step; anything else (a retry's backoff, a wait) has no answer coming, so
        while draining the pair is abandoned once the loop comes round."""
        task = self._mark(WAITING)
        if task is not None and self.requested and self.loop is not None:
            self.loop.call_soon(self._abandon_waiting, task)

    def commit(self) -> None:
        """The current worker's pair holds its answer (scoring it may call a judge): let it
        finish."""
        self._mark(HOLDING)

    def _mark(self, state: str) -> asyncio.Task[Any] | None:
        task = asyncio.current_task()
        if task is not None and task in self._pairs:
            self._pairs[task] = state
            return task
        return None

    def _in_flight(self) -> int:
        return sum(state != WAITING for state in self._pairs.values())

    def _abandon_waiting(self, task: asyncio.Task[Any]) -> None:
        """Leave a pair with no answer coming for resume: cancel it, at once."""
        if self._pairs.get(task) == WAITING and task not in self._abandoned and not task.done():
            self._abandoned.add(task)
            task.cancel()

    async def park(self) -> None:
        """Leave the pair just taken (and the rest) for resume, and wait, taking nothing new,
        until the drain cancels the run."""
        assert self.loop is not None
        self.left += 1
        self._settled()
        await self.loop.create_future()

    # ------------------------------------------------------------------ the interrupt's side
    def interrupt(self) -> None:
        """An interrupt, in the run's loop: the first drains, the second stops now."""
        self.interrupted = True
        if self.requested:
            self._left_running("Stopping now")
            self.stop_now()
            return
        self.requested = True
        for task in list(self._pairs):
            self._abandon_waiting(task)
        n = self._in_flight()
        if not n or self.loop is None:
            self.stop_now()
            return
        bound = max(self.bound_s, 1.0)
        answers = "answer" if n == 1 else "answers"
        self.say(
            f"Interrupted: waiting up to {bound:.0f}s for {n} {answers} in flight, to record "
            "them; no new call is sent. Press Ctrl-C again to stop now"
        )
        self._timer = self.loop.call_later(bound, self._out_of_time, bound)

    def interrupt_threadsafe(self) -> None:
        """:meth:`interrupt` from another thread (a notebook's, waiting for the run)."""
        with self._lock:
            loop = self.loop
            if loop is None:
                self.interrupted = True  # :meth:`main` will not start the run
                return
        with suppress(RuntimeError):  # the loop is closed: the run is over
            loop.call_soon_threadsafe(self.interrupt)

    @property
    def finished(self) -> bool:
        """Interrupted, yet the run was not stopped: every pair left was in flight, and all
        were recorded, so the run is complete and the caller gets its result."""
        return self.interrupted and not self.stopping

    def why(self) -> str:
        """The ``KeyboardInterrupt``'s message: what is kept and how to finish each run. The
        CLI says it from the manifests on disk; a notebook or a script shows this, which named
        no run folder before."""
        if not self.unfinished:
            return "interrupted before a run was under way; nothing to resume"
        folders = "\n".join(f"  evalkit run --resume {p}" for p in self.unfinished)
        return (
            "interrupted; the finished records are kept. Resume with:\n"
            f"{folders}\n(in Python: evalkit.engine.resume({str(self.unfinished[0])!r}))"
        )

    def stop_now(self) -> None:
        """Cancel the run (today's Ctrl-C): what is still in flight is left for resume, and
        after an interrupt no thread running sync code is waited for."""
        self.stopping = True
        if self.interrupted:
            self.threads.abandon()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.task is not None and not self.task.done():
            self.task.cancel()

    def _out_of_time(self, bound: float) -> None:
        n = self._in_flight()
        if n:
            self.say(f"Interrupted: {n} still in flight after {bound:.0f}s; left for --resume")
        self._left_running("Stopping")
        self.stop_now()

    def _left_running(self, what: str) -> None:
        """Say which calls a stop leaves running, if any: threads cannot be stopped."""
        n = running_calls()
        if n:
            calls = "call" if n == 1 else "calls"
            self.say(
                f"{what}: {n} {calls} of synchronous code (a callable pipeline or a sync "
                "scorer) still running on threads, which cannot be stopped; not waiting for "
                "them: their cases are left for --resume"
            )

    @contextmanager
    def handling_sigint(self) -> Iterator[None]:
        """Route SIGINT to :meth:`interrupt` while the run is on this (the main) thread. Only
        Python's default handler is replaced: a handler of the caller's own is left alone."""
        if (
            threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        ):
            yield
            return
        signal.signal(signal.SIGINT, self._on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)

    def _on_sigint(self, signum: int, frame: object) -> None:
        self._signals += 1
        loop = self.loop
        # Before the loop runs, after it closed, or a third Ctrl-C (the winding down hangs):
        # Python's own behaviour.
        if loop is None or loop.is_closed() or self._signals >= 3:
            self.threads.abandon()
            raise KeyboardInterrupt
        loop.call_soon_threadsafe(self.interrupt)


class DrainLimits(Limits):
    """A candidate's :class:`~evalkit.limits.Limits` that mark a pair as in flight from the
    moment its call starts until it returns, and refuse the start (:class:`Drained`) once the
    run drains. The dispatcher acquires them right before every attempt and releases them
    right after it, so this is the last moment a call can be withheld (retries included), and
    a pair waiting for a slot or sleeping out a backoff between attempts is never "in flight"."""

    def __init__(
        self, drain: Drain, concurrency: int, rpm: float | None = None, tpm: float | None = None
    ) -> None:
        super().__init__(concurrency, rpm, tpm)
        self.drain = drain

    async def acquire(self, est_tokens: float = 0.0) -> None:
        await super().acquire(est_tokens)
        if self.drain.requested:
            super().release(est_tokens)
            raise Drained
        self.drain.calling()

    def release(self, est_tokens: float = 0.0, used_tokens: float | None = None) -> None:
        super().release(est_tokens, used_tokens)
        self.drain.returned()


def run_limits(concurrency: int, rpm: float | None, tpm: float | None, timeout_s: float) -> Limits:
    """A candidate's limits: :class:`DrainLimits` under a drain, whose bound then covers the
    candidate's call timeout ``timeout_s``; plain :class:`~evalkit.limits.Limits` without."""
    drain = current_drain()
    if drain is None:
        return Limits(concurrency, rpm, tpm)
    drain.allow(timeout_s)
    return DrainLimits(drain, concurrency, rpm, tpm)


def _say(text: str) -> None:
    print(f"\n{text}", file=sys.stderr, flush=True)
