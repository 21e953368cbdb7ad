"""The one sync wrapper at the edge: every synchronous entry point (:func:`evalkit.engine.run`,
:func:`~evalkit.engine.run_suite`, :func:`~evalkit.engine.resume`, rescoring) runs its coroutine
through :func:`run_sync`, so each works from a script and from a notebook's running loop alike,
and a notebook interrupt stops the run cleanly instead of leaving it running.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["run_sync"]


def run_sync(make: Any) -> Any:
    """Run a coroutine to completion from sync code, even under a running loop (Jupyter):
    there, it runs on a worker thread with its own loop, and this thread waits for it.

    A KeyboardInterrupt while waiting (Jupyter's "interrupt kernel") cancels the run in its
    loop, waits for it to record ``status: "interrupted"`` (so ``resume=True`` finishes it),
    and is raised again; before, the wait ended but the run went on to the last case."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    import contextlib
    import threading
    from concurrent.futures import ThreadPoolExecutor, wait

    started: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]] = []
    stop = threading.Event()

    async def main() -> Any:
        task = asyncio.current_task()
        assert task is not None
        started.append((asyncio.get_running_loop(), task))
        if stop.is_set():  # interrupted before the loop started
            raise asyncio.CancelledError
        return await make()

    with ThreadPoolExecutor(1, thread_name_prefix="evalkit-run") as pool:
        future = pool.submit(lambda: asyncio.run(main()))
        try:
            return future.result()
        except KeyboardInterrupt:
            stop.set()
            for loop, task in started:
                with contextlib.suppress(RuntimeError):  # the loop closed: the run is over
                    loop.call_soon_threadsafe(task.cancel)
            wait([future])  # the run records "interrupted" as it winds down
            raise
