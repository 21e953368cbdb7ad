"""Ctrl-C keeps the answers in flight (evalkit/engine_drain.py): the first interrupt stops
new calls and lets those in flight finish and be recorded; a second one stops at once.

A real ``evalkit run`` process gets SIGINT while the loopback server holds its calls; the
notebook path (a KeyboardInterrupt while a sync entry point waits under a running loop) runs
in this process. Each point is a state observed (the server holding two calls, a line on
stderr), not a time, and no assertion is on a duration.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.engine_drain import Drain, DrainLimits
from evalkit.records import RESULTS, read_run
from tests.helpers.interrupting import Command, callable_project, wait_until
from tests.helpers.llm_server import LLMServer

KEY_ENV = "EVALKIT_TEST_KEY"
KEY = "sk-evalkit-FAKE-0123456789abcdef"
INPUTS = [f"question {i}" for i in range(6)]
WAITING = "Interrupted: waiting up to 60s for 2 answers in flight"


def _project(root: Path, base_url: str) -> None:
    """One OpenAI-compatible candidate, two calls in flight at most, six cases."""
    rows = [{"id": f"c{i}", "input": text, "expected": "echo"} for i, text in enumerate(INPUTS)]
    (root / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "evalkit.toml").write_text(
        f"""
[candidates.cand]
provider = "openai"
model = "gpt-4o-mini"
base_url = "{base_url}/v1"
api_key_env = "{KEY_ENV}"
concurrency = 2
max_retries = 0

[suites.s]
dataset = "set.jsonl"
candidates = ["cand"]
scorers = ["contains"]
"""
    )


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMServer]:
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.chdir(tmp_path)
    with LLMServer(latency_ms=1500) as srv:
        _project(tmp_path, srv.base_url)
        yield srv


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[], Command]]:
    """Starts ``evalkit run`` of the suite in ``tmp_path``; whatever a failed test left
    running is killed."""
    started: list[Command] = []

    def run() -> Command:
        args = ["run", "--suite", "s", "--out", "out", "--cache-dir", "cache", "--no-progress"]
        started.append(Command(args, tmp_path, {KEY_ENV: KEY}))
        return started[-1]

    yield run
    for cmd in started:
        cmd.close()


def _lines(run_dir: Path) -> list[dict[str, object]]:
    path = run_dir / RESULTS
    text = path.read_text() if path.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _resume_finishes_without_duplicates(srv: LLMServer, out: Path) -> None:
    srv.latency_ms = 0
    assert main(["run", "--resume", str(out), "--no-progress"]) == 0
    lines = _lines(out)
    keys = [(r["case_id"], r["repeat"]) for r in lines]
    assert sorted(keys) == [(f"c{i}", 0) for i in range(6)]  # each pair once
    assert read_run(out).manifest["status"] == "complete"


def test_first_ctrl_c_records_the_answers_in_flight_and_starts_no_call(
    tmp_path: Path, server: LLMServer, start: Callable[[], Command]
) -> None:
    cmd = start()
    assert wait_until(lambda: server.in_flight >= 2), cmd.err
    asked = len(server.requests)
    cmd.sigint()
    assert cmd.finish() == 130, cmd.err
    assert WAITING in cmd.err
    assert "press ctrl-c again to stop now" in cmd.err.lower()
    out = tmp_path / "out"
    assert "evalkit run --resume out\n" in cmd.err  # the resume command, as before
    # The two answers in flight were recorded (scored), and nothing was asked after the signal.
    lines = _lines(out)
    assert asked == 2 and len(server.requests) == 2
    assert len(lines) == 2 and all(r["error"] is None for r in lines)
    assert all(r["scores"]["contains"]["passed"] for r in lines)  # type: ignore[index]
    assert read_run(out).manifest["status"] == "interrupted"
    # Resume asks only the four cases without a record: every question once in all.
    _resume_finishes_without_duplicates(server, out)
    assert [server.attempts(text) for text in INPUTS] == [1] * 6


def test_second_ctrl_c_stops_at_once_and_the_run_stays_resumable(
    tmp_path: Path, server: LLMServer, start: Callable[[], Command]
) -> None:
    server.latency_ms = 60_000  # answers that would keep a drain waiting for a minute
    cmd = start()
    assert wait_until(lambda: server.in_flight >= 2), cmd.err
    cmd.sigint()
    assert cmd.said(WAITING), cmd.err
    cmd.sigint()
    assert cmd.finish(timeout=40) == 130, cmd.err
    out = tmp_path / "out"
    assert "evalkit run --resume out\n" in cmd.err
    assert _lines(out) == []  # the calls in flight were cancelled, as Ctrl-C did before
    assert len(server.requests) == 2
    assert read_run(out).manifest["status"] == "interrupted"
    _resume_finishes_without_duplicates(server, out)
    assert sorted(server.attempts(text) for text in INPUTS) == [1, 1, 1, 1, 2, 2]


def test_a_notebook_interrupt_records_the_answers_in_flight(
    tmp_path: Path, server: LLMServer
) -> None:
    """Jupyter's "interrupt kernel" is a KeyboardInterrupt in the main thread while ``run``
    waits for its loop on a worker thread (the notebook's own loop is running)."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("needs the main thread, where KeyboardInterrupt is delivered")
    from evalkit.config import load_config
    from evalkit.engine import RunOptions, run_suite

    project = load_config(tmp_path / "evalkit.toml")
    out = tmp_path / "out"
    options = RunOptions(out_dir=out, cache_dir=tmp_path / "cache", progress="off")

    def interrupt_when_in_flight() -> None:
        if wait_until(lambda: server.in_flight >= 2):  # a real signal: it wakes a blocked wait
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    async def cell() -> None:  # a notebook cell: sync code under a running loop
        run_suite(project, "s", options=options)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    loop = asyncio.new_event_loop()  # no asyncio.run: it would install its own SIGINT handler
    try:
        threading.Thread(target=interrupt_when_in_flight, daemon=True).start()
        with pytest.raises(KeyboardInterrupt) as stopped:
            loop.run_until_complete(cell())
    finally:
        loop.close()
        signal.signal(signal.SIGINT, previous)
    # QA15 F9 (c): the cell's error names the run folder and how to finish it.
    assert f"evalkit run --resume {out}\n" in str(stopped.value)
    assert f"evalkit.engine.resume({str(out)!r})" in str(stopped.value)
    lines = _lines(out)
    assert len(lines) == 2 and all(r["error"] is None for r in lines)
    assert len(server.requests) == 2
    assert read_run(out).manifest["status"] == "interrupted"
    _resume_finishes_without_duplicates(server, out)
    assert [server.attempts(text) for text in INPUTS] == [1] * 6


BACKOFF_PIPELINE = """
import asyncio
from pathlib import Path

from evalkit.errors import ProviderError

HERE = Path(__file__).parent


async def answer(request):
    with open(HERE / "calls.log", "a") as log:
        log.write(request.case_id + "\\n")
    if request.case_id == "c-retry" and not (HERE / "retry-failed").exists():
        (HERE / "retry-failed").touch()
        raise ProviderError("server", "busy", status=503, retryable=True, retry_after=100)
    if request.case_id == "c0" and not (HERE / "released").exists():
        while not (HERE / "retry-failed").exists():
            await asyncio.sleep(0.01)
        for _ in range(20):  # turns of the loop: the failed call reaches its backoff sleep
            await asyncio.sleep(0)
        (HERE / "c0-waiting").touch()
        while not (HERE / "released").exists():
            await asyncio.sleep(0.02)
    return "echo"
"""


def test_a_call_sleeping_out_a_backoff_is_left_at_once_and_not_counted(tmp_path: Path) -> None:
    """QA15 F1: c-retry failed and sleeps out a 100 s Retry-After while c0's call is out.
    Only c0 has an answer coming: the interrupt waits for it alone and leaves c-retry for
    resume without sleeping out its backoff."""
    cases = ["c-retry", "c0", "c1", "c2", "c3"]
    callable_project(tmp_path, BACKOFF_PIPELINE, cases, concurrency=2, max_retries=3)
    cmd = Command(["run", "--suite", "s", "--out", "out", "--no-progress"], tmp_path)
    try:
        assert wait_until(lambda: (tmp_path / "c0-waiting").exists()), cmd.err
        cmd.sigint()
        assert cmd.said("Interrupted: waiting"), cmd.err
        assert "for 1 answer in flight" in cmd.err, cmd.err
        (tmp_path / "released").touch()  # c0's answer comes; nothing else is waited for
        assert cmd.finish(timeout=60) == 130, cmd.err
    finally:
        cmd.close()
    out = tmp_path / "out"
    assert [(r["case_id"], r["error"]) for r in _lines(out)] == [("c0", None)]
    assert read_run(out).manifest["status"] == "interrupted"
    assert main(["run", "--resume", str(out), "--no-progress"]) == 0
    assert sorted(str(r["case_id"]) for r in _lines(out)) == sorted(cases)
    calls = (tmp_path / "calls.log").read_text().split()
    assert sorted(calls) == sorted([*cases, "c-retry"])  # c-retry: the failed try, then resume


def test_a_pair_waiting_for_a_slot_is_abandoned_and_not_counted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """QA15 F1, the rate-limit side, in-process: of two pairs under a concurrency of one, the
    one waiting for the slot is left at once; only the call out is waited for."""
    drain = Drain()
    answered: list[str] = []

    async def run() -> None:
        limits = DrainLimits(drain, concurrency=1)
        answer_comes = asyncio.Event()

        async def pair(name: str) -> None:
            with drain.pair():
                await limits.acquire()
                try:
                    await answer_comes.wait()
                finally:
                    limits.release()
                drain.commit()
                answered.append(name)

        tasks = [asyncio.ensure_future(pair(name)) for name in ("calling", "waiting")]
        for _ in range(5):
            await asyncio.sleep(0)
        assert limits.concurrency.in_flight == 1 and not any(t.done() for t in tasks)
        drain.interrupt()
        await asyncio.sleep(0)
        assert tasks[1].done() and not tasks[0].done()  # left at once, quietly
        answer_comes.set()
        await asyncio.gather(*tasks)
        await asyncio.sleep(60)  # the drain is over: the run is cancelled here

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(drain.main(run))
    assert answered == ["calling"]
    assert "for 1 answer in flight" in capsys.readouterr().err


BLOCKING_PIPELINE = """
import time
from pathlib import Path

HERE = Path(__file__).parent


def answer(request):
    (HERE / f"called-{request.case_id}").touch()
    while not (HERE / "released").exists():
        time.sleep(0.02)
    return "echo"
"""

QUICK_PIPELINE = """
def answer(request):
    return "echo"
"""

BLOCKING_SCORER = """
import time
from pathlib import Path

from evalkit import Score

HERE = Path(__file__).parent


def slow(ctx):
    (HERE / f"called-{ctx.case.id}").touch()
    while not (HERE / "released").exists():
        time.sleep(0.02)
    return Score(1.0, True, "scored")
"""


@pytest.mark.parametrize("blocking", ["pipeline", "scorer"])
def test_second_ctrl_c_does_not_wait_for_sync_code_on_threads(
    tmp_path: Path, blocking: str
) -> None:
    """QA15 F2: a sync pipeline call (or a sync scorer) runs on a thread, which cannot be
    stopped. The second Ctrl-C returns at once, says what it left running, and the cases are
    left for resume; before, the process waited for the threads and then dropped their
    answers. Here they never return before the process ends (they wait for a file)."""
    cases = [f"c{i}" for i in range(6)]
    if blocking == "pipeline":
        callable_project(tmp_path, BLOCKING_PIPELINE, cases)
    else:
        (tmp_path / "slow.py").write_text(BLOCKING_SCORER)
        callable_project(tmp_path, QUICK_PIPELINE, cases, scorers='["contains", "slow.py:slow"]')
    cmd = Command(["run", "--suite", "s", "--out", "out", "--no-progress"], tmp_path)
    try:
        assert wait_until(lambda: len(list(tmp_path.glob("called-*"))) >= 1), cmd.err
        cmd.sigint()
        assert cmd.said("Interrupted: waiting up to 300s"), cmd.err
        cmd.sigint()
        assert cmd.finish(timeout=30) == 130, cmd.err  # the threads would run forever
    finally:
        cmd.close()
    assert "still running on threads, which cannot be stopped" in cmd.err
    assert "evalkit run --resume out\n" in cmd.err
    out = tmp_path / "out"
    assert _lines(out) == []
    assert read_run(out).manifest["status"] == "interrupted"
    (tmp_path / "released").touch()
    assert main(["run", "--resume", str(out), "--no-progress"]) == 0
    assert sorted(str(r["case_id"]) for r in _lines(out)) == cases


def test_a_drain_that_records_every_remaining_case_completes_the_run(tmp_path: Path) -> None:
    """QA15 F9 (a): the interrupt came while the last two cases were in flight; both are
    recorded, so nothing is left to resume: the run is complete and exits as one."""
    callable_project(tmp_path, BLOCKING_PIPELINE, ["c0", "c1"])
    cmd = Command(["run", "--suite", "s", "--out", "out", "--no-progress"], tmp_path)
    try:
        assert wait_until(lambda: len(list(tmp_path.glob("called-*"))) == 2), cmd.err
        cmd.sigint()
        assert cmd.said("Interrupted: waiting up to 300s for 2 answers in flight"), cmd.err
        (tmp_path / "released").touch()
        assert cmd.finish(timeout=60) == 0, cmd.err
    finally:
        cmd.close()
    assert "Interrupted after the last case was sent" in cmd.err
    assert "--resume" not in cmd.err
    out = tmp_path / "out"
    assert sorted(str(r["case_id"]) for r in _lines(out)) == ["c0", "c1"]
    assert read_run(out).manifest["status"] == "complete"
