"""A record's ``latency_ms`` is the provider's time to answer, not the time its case waited.

Waiting that must not count: for an in-flight slot or the RPM bucket, a retry's back-off, a
thread of the callable's pool, and the event loop while a scorer runs on it (a sync scorer
blocks the loop; before the fix, every answer that arrived meanwhile was stamped only when
the loop was free again, so a 200 ms server read 500 ms behind a 300 ms scorer).

Load: on a saturated two-core machine one request in a run can read 370 ms over the server's
200 ms (measured with three busy-loop processes beside the suite: the server, the SDK's thread
and the test share one process and its GIL), which failed these tests about one run in three.
Each defect adds a wait the test builds from sleeps and timers (a scorer's ``time.sleep``, the
server's latency, the RPM bucket, a back-off), so under any load a defect is at least that
late on every attempt, while load delays requests at random. Each measurement is therefore
taken up to :data:`ATTEMPTS` times and the test passes when one attempt is clean: a defect
still fails all of them (timing from before the slot, the RPM bucket or the back-off, or
stamping on the run's loop, each fails these tests on every attempt).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from evalkit.config import Candidate
from evalkit.dataset import EvalSet, Message
from evalkit.dispatch import Dispatcher
from evalkit.engine import RunOptions, run
from evalkit.limits import Limits
from evalkit.providers.base import ProviderSettings, Request
from evalkit.providers.openai import OpenAIProvider
from evalkit.retry import RetryPolicy
from evalkit.scoring import Score, ScoreContext, scorer
from tests.helpers.llm_server import LLMServer

KEY_ENV = "EVALKIT_TEST_LATENCY_KEY"
SERVER_MS = 200.0
SLACK_MS = 250.0
"""Above the true figure: on a busy two-core machine (the other test worker running Chromium)
the in-process server and client answer up to ~175 ms late, every request alike. Each defect
adds 300 ms or more to some request, and it grows with the request's place in the queue,
which :func:`_flat` catches whatever the load."""
SPREAD_MS = 120.0
"""How far apart the latencies of one run's requests may be: the defects make them climb by
100 ms or more per queued request (a thread, a slot, the RPM bucket, a scorer ahead)."""
CANCEL_S = 1.5
"""How long a cancelled call may take to end on the client's loop: well under the 2.5 s its
answer still needs, so a call left running is caught."""
ATTEMPTS = 3
"""Measurements per test, until one is clean (see the module docstring)."""


@pytest.fixture(scope="module")
def srv() -> Iterator[LLMServer]:
    with LLMServer(latency_ms=SERVER_MS) as s:
        yield s


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test-latency-0000")


@scorer("slow", register=False)
def _slow(ctx: ScoreContext) -> Score:
    """A sync scorer that holds the event loop for 300 ms, as a heavy in-process one does."""
    time.sleep(0.3)
    return Score(1.0, True)


def _set(n: int, suffix: str = "") -> EvalSet:
    rows = [{"id": f"c{i}", "input": f"question {i} {suffix}".strip()} for i in range(n)]
    return EvalSet.from_cases(rows, name="latency")


def _openai(srv: LLMServer, **kw: Any) -> Candidate:
    return Candidate(
        name="http",
        provider="openai",
        model="gpt-test",
        base_url=srv.base_url + "/v1",
        api_key_env=KEY_ENV,
        **kw,
    )


def _opts(tmp_path: Path, attempt: int = 0, **kw: Any) -> RunOptions:
    """Options of one measurement: each attempt writes a run directory of its own."""
    kw.setdefault("cache_mode", "off")
    out = tmp_path / f"run-{attempt}"
    return RunOptions(out_dir=out, progress="off", scorer_processes=0, **kw)


def _latencies(records: Any) -> list[float]:
    """The latencies of records (or responses), each of them answered and timed."""
    assert all(r is not None and getattr(r, "ok", True) for r in records), records
    out = [r.latency_ms for r in records]
    assert all(ms is not None for ms in out), out
    return [float(ms) for ms in out]


def _near(values: list[float], ms: float) -> bool:
    """Each request took about ``ms`` (never less), and none waited its turn."""
    return all(ms - 5.0 <= v <= ms + SLACK_MS for v in values) and _flat(values)


def _flat(values: list[float]) -> bool:
    return max(values) - min(values) <= SPREAD_MS


def _assert_near(measure: Callable[[int], list[float]], ms: float) -> None:
    """``measure(attempt)`` (attempt 0, 1, ...) gives latencies that are all :func:`_near`
    ``ms`` on one of :data:`ATTEMPTS` attempts; else fail showing every attempt's."""
    seen = []
    for attempt in range(ATTEMPTS):
        lat = measure(attempt)
        if _near(lat, ms):
            return
        seen.append([round(v) for v in lat])
    pytest.fail(f"latencies not near {ms:g} ms on any of {ATTEMPTS} attempts: {seen}")


# ---------------------------------------------------------------- HTTP providers


def test_one_at_a_time_a_slow_scorer_is_not_counted(srv: LLMServer, tmp_path: Path) -> None:
    """Concurrency 1: the scorer runs between calls. Right before the fix too (a guard)."""

    def measure(attempt: int) -> list[float]:
        cand = _openai(srv, concurrency=1)
        return _latencies(run(_set(3), cand, [_slow()], _opts(tmp_path, attempt)).records)

    _assert_near(measure, SERVER_MS)


def test_a_slow_scorer_does_not_delay_answers_in_flight(srv: LLMServer, tmp_path: Path) -> None:
    """Concurrency 3: the answers that arrive while a scorer holds the loop are timed when
    they arrived (before the fix: ~200, ~500, ~800 ms)."""

    def measure(attempt: int) -> list[float]:
        cand = _openai(srv, concurrency=3)
        return _latencies(run(_set(3), cand, [_slow()], _opts(tmp_path, attempt)).records)

    _assert_near(measure, SERVER_MS)


def test_waiting_for_the_rpm_bucket_is_not_counted(srv: LLMServer, tmp_path: Path) -> None:
    """rpm 300 banks five requests (one second's worth) and then lets one go every 200 ms: of
    seven sent at once, the sixth waits 200 ms and the seventh 400 ms before they are sent.
    (With four, as this test had, the bank let every request go at once: it waited for
    nothing, and timing from before the bucket passed it.) Right before the fix too."""

    def measure(attempt: int) -> list[float]:
        cand = _openai(srv, concurrency=7, rpm=300)
        return _latencies(run(_set(7), cand, [], _opts(tmp_path, attempt)).records)

    _assert_near(measure, SERVER_MS)


def test_waiting_for_an_in_flight_slot_is_not_counted(srv: LLMServer) -> None:
    """Three requests through one slot: the third waits two round trips for it. Right
    before the fix too (a guard)."""
    settings = ProviderSettings(
        model="gpt-test", base_url=srv.base_url + "/v1", api_key_env=KEY_ENV
    )

    async def go(attempt: int) -> list[float]:
        d = Dispatcher(
            OpenAIProvider(settings),
            provider_name="openai",
            limits=Limits(1),
            policy=RetryPolicy(max_retries=0),
            cache=None,
            cache_mode="off",
            timeout_s=10.0,
        )
        try:
            reqs = [_request(f"slot {i} try {attempt}") for i in range(3)]
            outs = await asyncio.gather(*(d.obtain(r) for r in reqs))
        finally:
            await d.provider.aclose()
        assert all(o is not None and o.response is not None for o in outs)
        return _latencies([o.response for o in outs if o is not None])

    _assert_near(lambda attempt: asyncio.run(go(attempt)), SERVER_MS)


def test_a_retried_429_reports_the_answering_attempt(srv: LLMServer, tmp_path: Path) -> None:
    """A 429 (its own 200 ms), a 0.3 s Retry-After, then a 200: the record's latency is the
    last attempt's, the back-off and the failed attempt excluded. Right before the fix too."""

    def measure(attempt: int) -> list[float]:
        # the server fails the first attempt of each exact message: a new message per attempt
        es = _set(2, f"[[fail:1:429]] [[retry-after:0.3]] try {attempt}")
        result = run(es, _openai(srv, concurrency=2), [], _opts(tmp_path, attempt))
        assert [r.attempts for r in result.records] == [2, 2]
        return _latencies(result.records)

    _assert_near(measure, SERVER_MS)


def _request(text: str) -> Request:
    return Request(case_id=text, repeat=0, model="gpt-test", messages=(Message("user", text),))


# ---------------------------------------------------------------- callable provider


def _callable(tmp_path: Path, *, concurrency: int, **options: Any) -> Candidate:
    (tmp_path / "pipe.py").write_text(
        "import time\n\n"
        "def answer(request, *, ms=100):\n"
        "    time.sleep(ms / 1000)\n"
        "    return 'ok'\n",
        encoding="utf-8",
    )
    return Candidate(
        name="fn",
        provider="callable",
        model="pipe",
        options={"target": "pipe.py:answer", **options},
        base_dir=str(tmp_path),
        concurrency=concurrency,
    )


def test_callable_answers_are_not_timed_behind_a_slow_scorer(tmp_path: Path) -> None:
    """The reported symptom: a fast function read 180-300 ms on all but the first case
    because the first record's scoring held the loop (before the fix: ~100, ~400, ~700)."""
    cand = _callable(tmp_path, concurrency=3)

    def measure(attempt: int) -> list[float]:
        return _latencies(run(_set(3), cand, [_slow()], _opts(tmp_path, attempt)).records)

    _assert_near(measure, 100.0)


def test_callable_thread_queueing_is_not_counted(tmp_path: Path) -> None:
    """One worker thread for three cases in flight: the third waits 200 ms for the thread;
    only the function's own 100 ms counts (before the fix: ~100, ~200, ~300)."""
    cand = _callable(tmp_path, concurrency=3, threads=1)

    def measure(attempt: int) -> list[float]:
        return _latencies(run(_set(3), cand, [], _opts(tmp_path, attempt)).records)

    _assert_near(measure, 100.0)


# ---------------------------------------------------------------- the SDK's own loop


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("evalkit-openai")}


def test_the_client_thread_ends_with_the_run(srv: LLMServer, tmp_path: Path) -> None:
    assert not _threads()
    run(_set(2), _openai(srv, concurrency=2), [], _opts(tmp_path))
    assert not _threads()


def test_cancelling_a_call_cancels_it_on_the_client_loop(srv: LLMServer) -> None:
    """The dispatcher's timeout and Ctrl-C cancel the awaiting task: the request's task on
    the client's loop is cancelled too (nothing is left running there), closing is quick."""
    settings = ProviderSettings(
        model="gpt-test", base_url=srv.base_url + "/v1", api_key_env=KEY_ENV
    )
    provider = OpenAIProvider(settings)

    async def others() -> int:
        return len(asyncio.all_tasks()) - 1  # besides this one

    async def go() -> tuple[int, float]:
        try:
            await provider.complete(_request("warm up"))  # the SDK imported, connected
            with pytest.raises((asyncio.TimeoutError, TimeoutError)):
                await asyncio.wait_for(provider.complete(_request("[[latency:3000]]")), 0.5)
            # The cancel reaches the client's thread asynchronously: on a loaded machine 50 ms
            # was not always enough for that thread to run it (1 of 19 runs beside 3 busy
            # loops). Uncancelled, the task would stay until the answer at 3 s.
            deadline = time.perf_counter() + CANCEL_S
            left = await provider._io.run(others())
            while left and time.perf_counter() < deadline:
                await asyncio.sleep(0.02)
                left = await provider._io.run(others())
        finally:
            t0 = time.perf_counter()
            await provider.aclose()
        return left, time.perf_counter() - t0

    left, closing_s = asyncio.run(go())
    assert left == 0 and closing_s < 1.0
    assert not _threads()
