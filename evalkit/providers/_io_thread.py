"""A private event loop on a daemon thread, where an SDK client lives and its calls are timed.

Why a second loop: a call's latency ends when its response is complete, but on the run's own
event loop that moment is only *seen* when the loop is free. A sync scorer holds that loop
while it scores (the refusal scorer loads its model for ~170 ms on its first record, a judge's
parsing, a user's fuzzy matcher), and every answer that arrived meanwhile was stamped late: a
200 ms server read 500 ms behind a 300 ms scorer, and ``latency.p95`` gates measured the
scorers. Here the HTTP exchange, from sending the request to reading the whole body, runs on a
loop that nothing else uses, so its timing is the provider's alone (a CPU-bound scorer still
shares the GIL, which the interpreter hands over every few milliseconds).

The run's loop keeps everything else (limits, retries, timeouts, the cache); cancelling the
awaiting task cancels the call on this loop, so the dispatcher's timeout and Ctrl-C work as
before. The thread starts on the first call and stops in :meth:`IOThread.close`.

The price is CPU, not latency: the two threads hand the GIL over on every socket call, about
0.1-0.35 ms of client CPU per call, which costs throughput only where the client is the
bottleneck (~700+ answers a second; figures in docs/engine.md, "Latency"). Batching the
hand-over between the loops did not help: the cost is the GIL, not the wake-ups.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["IOThread"]

T = TypeVar("T")

JOIN_S = 5.0
"""How long :meth:`IOThread.close` waits for the thread to wind down (it is a daemon)."""


class IOThread:
    """One event loop on one daemon thread, started lazily, for one provider's client."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the thread was started and not closed since."""
        return self._loop is not None

    def _start(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=_serve, args=(loop,), name=self.name, daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` run on the thread's loop; cancelling this cancels it there."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._start()))

    async def close(self, last: Coroutine[Any, Any, Any] | None = None) -> None:
        """Run ``last`` (the client's close) on the thread's loop, then stop the loop and wait,
        bounded, for the thread to end. Without a started thread, ``last`` runs here."""
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None or thread is None:
            if last is not None:
                await last
            return
        try:
            if last is not None:
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(last, loop))
        finally:
            loop.call_soon_threadsafe(loop.stop)
            await asyncio.get_running_loop().run_in_executor(None, thread.join, JOIN_S)


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    """The thread's body: run until stopped, then cancel what is left and close the loop, so
    no task is destroyed pending and no loop is left unclosed."""
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
