"""evalkit/daemon_threads.py: a ThreadPoolExecutor stand-in whose threads a stopped run does
not wait for (QA15 F2)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from evalkit.daemon_threads import DaemonThreadPool, running_calls


def test_it_runs_calls_like_a_thread_pool() -> None:
    with DaemonThreadPool(2, thread_name_prefix="t") as pool:
        assert list(pool.map(lambda x: x * 2, range(5))) == [0, 2, 4, 6, 8]
        failing = pool.submit(int, "not a number")
        with pytest.raises(ValueError):
            failing.result()
        names = {pool.submit(lambda: threading.current_thread().name).result() for _ in range(4)}
        assert names <= {"t_0", "t_1"}
        assert all(t.daemon for t in threading.enumerate() if t.name in names)
    with pytest.raises(RuntimeError):
        pool.submit(print)


def test_asyncio_takes_it_as_the_default_executor() -> None:
    async def main() -> int:
        asyncio.get_running_loop().set_default_executor(DaemonThreadPool(thread_name_prefix="d"))
        return await asyncio.to_thread(sum, [1, 2, 3])

    assert asyncio.run(main()) == 6


def test_an_abandoned_pool_does_not_wait_for_a_running_call() -> None:
    pool = DaemonThreadPool(1)
    release, started = threading.Event(), threading.Event()
    before = running_calls()

    def blocked() -> str:
        started.set()
        release.wait()
        return "late"

    future = pool.submit(blocked)
    queued = pool.submit(str, "never run")
    assert started.wait(30)
    assert running_calls() == before + 1
    pool.abandon()
    pool.shutdown(wait=True, cancel_futures=True)  # returns although the call runs on
    assert queued.cancelled() and not future.done()
    release.set()
    assert future.result(30) == "late"  # it ran on, in the background
