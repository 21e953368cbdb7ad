"""A judge's client and cache live for a run, not a call: proved with the loopback server.

The server counts TCP connections, so "one client per run" is a fact seen from the other end
of the wire: N judge calls over a client that is reused arrive on at most ``concurrency``
connections, while a client per call would open N. Every test ends with nothing open: the
server sees every connection closed, and ``gc.collect()`` under warnings-as-errors turns a
leaked socket or SQLite handle into a failure.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalkit.cache import ResponseCache
from evalkit.config import Candidate
from evalkit.dataset import Case, EvalSet
from evalkit.engine import RunOptions, run, run_async
from evalkit.providers.base import PROVIDERS, Provider, Request, Response
from evalkit.scorers._judge_call import JudgeCaller
from evalkit.scorers.groundedness import Groundedness
from evalkit.scorers.judge import Judge
from evalkit.scoring import ScoreContext, closing_scorers, score_all
from tests.helpers import scripted_provider as _registers_scripted  # noqa: F401
from tests.helpers.llm_server import LLMServer

VERDICT = '[[text:{"score": 4, "reasoning": "fine"}]]'


class CountingServer(LLMServer):
    """The loopback server, also counting the TCP connections it accepted and still holds."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.connections = 0
        self.open_connections = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_connections += 1
        try:
            await super()._handle(reader, writer)
        finally:
            self.open_connections -= 1

    def all_closed(self, within_s: float = 3.0) -> bool:
        deadline = time.monotonic() + within_s
        while self.open_connections:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True


@pytest.fixture
def srv() -> Iterator[CountingServer]:
    server = CountingServer(latency_ms=20)
    with server:
        yield server
    gc.collect()  # a leaked client or cache would warn here, and warnings are errors


@pytest.fixture
def cache_opens(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folder of every ResponseCache opened during the test."""
    opened: list[Path] = []
    real = ResponseCache.__init__

    def spy(self: ResponseCache, folder: Any, **kw: Any) -> None:
        opened.append(Path(folder))
        real(self, folder, **kw)

    monkeypatch.setattr(ResponseCache, "__init__", spy)
    return opened


def _judge(srv: LLMServer, tmp_path: Path, **kw: Any) -> Judge:
    args: dict[str, Any] = {
        "provider": "openai",
        "model": "gpt-4o-mini",
        "base_url": srv.base_url + "/v1",
        "api_key_env": "EVALKIT_TEST_NO_SUCH_KEY",
        "cache_dir": str(tmp_path / "judge-cache"),
        "max_retries": 0,
        "concurrency": 2,
    }
    args.update(kw)
    return Judge(**args)


def _cases(n: int, reference: str = VERDICT) -> EvalSet:
    # The judge shows the case's reference answers, so the server's directive travels there.
    return EvalSet.from_cases(
        [{"id": f"c{i}", "input": f"question {i}", "expected": [reference]} for i in range(n)]
    )


def _cand(**options: Any) -> Candidate:
    opts = {"key": uuid.uuid4().hex, **options}
    return Candidate(name="cand", provider="scripted", model="m", options=opts, concurrency=8)


def _opts(tmp_path: Path) -> RunOptions:
    return RunOptions(out_dir=tmp_path / "run", progress="off", cache_mode="off")


def test_a_run_reuses_one_client_and_one_cache_for_every_judge_call(
    srv: CountingServer, tmp_path: Path, cache_opens: list[Path]
) -> None:
    n = 12
    judge = _judge(srv, tmp_path)
    result = run(_cases(n), _cand(), [judge], _opts(tmp_path))
    scores = [r.scores["judge"] for r in result.records]
    assert [s.value for s in scores] == [0.75] * n
    assert len(srv.requests) == n  # every case was really judged over HTTP
    assert srv.connections <= judge.concurrency < n  # one pool of keep-alive connections
    assert cache_opens == [tmp_path / "judge-cache"]  # the judge's cache opened once
    assert srv.all_closed()  # the end-of-run hook closed the client
    assert judge._state is not None and judge._state._states == {}


def test_the_hook_closes_the_judge_when_every_judge_call_fails(
    srv: CountingServer, tmp_path: Path
) -> None:
    judge = _judge(srv, tmp_path)
    result = run(_cases(6, "[[status:500]]"), _cand(), [judge], _opts(tmp_path))
    assert result.manifest["status"] == "complete"  # a judge failure belongs to its case
    errors = [r.scores["judge"].error or "" for r in result.records]
    assert all("the judge call failed (server" in e for e in errors)
    assert len(srv.requests) == 6 and srv.connections <= 2
    assert srv.all_closed()


def test_the_hook_closes_the_judge_when_the_run_is_cancelled_mid_call(
    srv: CountingServer, tmp_path: Path
) -> None:
    judge = _judge(srv, tmp_path)

    async def main() -> None:
        task = asyncio.ensure_future(
            run_async(_cases(4, "[[latency:1500]]"), _cand(), [judge], _opts(tmp_path))
        )
        while srv.in_flight < 2:  # both judge connections are waiting on an answer
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    t0 = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - t0 < 1.0  # the run did not wait for the judge's answers
    # The server notices a closed client once its delayed answer is written; a client left
    # open would keep the connection alive.
    assert srv.all_closed(within_s=5.0)
    assert judge._state is not None and judge._state._states == {}


def test_groundedness_judge_mode_shares_the_client_too(
    srv: CountingServer, tmp_path: Path, cache_opens: list[Path]
) -> None:
    verdict = '[[text:{"claims": [{"claim": "echo", "supported": true, "passage": "p0"}]}]]'
    n = 20
    es = EvalSet.from_cases(
        [{"id": f"c{i}", "input": f"q {i}", "context": [f"fact {i} {verdict}"]} for i in range(n)]
    )
    scorer = Groundedness(
        mode="judge",
        judge_provider="openai",
        judge_model="gpt-4o-mini",
        judge_base_url=srv.base_url + "/v1",
        judge_api_key_env="EVALKIT_TEST_NO_SUCH_KEY",
        judge_cache_dir=str(tmp_path / "judge-cache"),
    )
    result = run(es, _cand(), [scorer], _opts(tmp_path))
    assert [r.scores["groundedness"].value for r in result.records] == [1.0] * n
    assert len(srv.requests) == n and srv.connections <= 8  # its judge's concurrency
    assert cache_opens == [tmp_path / "judge-cache"]
    assert srv.all_closed()
    assert "_judge_caller" not in result.manifest["scorers"][0]["args"]


# ------------------------------------------------------------------ outside a run


def _ctx(i: int, reference: str = VERDICT) -> ScoreContext:
    case = Case(id=f"d{i}", input=f"direct {i}", expected=(reference,))
    return ScoreContext(case, Response(text="an answer"))


def test_a_judge_called_directly_closes_what_it_opened(srv: CountingServer, tmp_path: Path) -> None:
    judge = _judge(srv, tmp_path, cache="off")
    for i in range(3):  # a notebook's cells: a new event loop each time
        assert asyncio.run(score_all([judge], _ctx(i)))["judge"].value == 0.75
        assert srv.all_closed()
    assert judge._state is not None and judge._state._states == {}

    async def burst() -> list[float | None]:
        scored = await asyncio.gather(*(judge.score(_ctx(i)) for i in range(10, 16)))
        return [s.value for s in scored]

    before = srv.connections
    assert asyncio.run(burst()) == [0.75] * 6
    assert srv.connections - before <= judge.concurrency  # calls in flight share a client
    assert srv.all_closed() and judge._state._states == {}


class _Plain(Provider):
    """A judge provider without sockets, to look at the per-loop state alone."""

    name = "judge-call-plain"

    async def complete(self, request: Request) -> Response:
        return Response(text='{"score": 5}')


def test_a_state_left_on_an_ended_loop_is_dropped_and_a_new_one_made(tmp_path: Path) -> None:
    PROVIDERS.register(_Plain.name, _Plain)
    caller = JudgeCaller(provider=_Plain.name, model="m", cache_dir=str(tmp_path))
    request = Request("c", 0, "m", ())

    async def ask_and_keep() -> Any:
        async with closing_scorers([]):  # an owner that forgets to close this caller
            await caller.ask(request, "here")
        return caller._states[asyncio.get_running_loop()]

    first = asyncio.run(ask_and_keep())
    second = asyncio.run(ask_and_keep())  # another loop: the first one's state is stale
    assert first is not second and list(caller._states.values()) == [second]
    assert first.closed and first.cache is not None
    with pytest.raises(sqlite3.ProgrammingError):
        first.cache.get("k")  # its cache connection was closed
    asyncio.run(caller.aclose())  # a loop with no state of its own: drops the stale one
    assert caller._states == {} and second.closed
