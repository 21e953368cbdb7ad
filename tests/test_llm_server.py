"""The loopback LLM server that the adapter, engine and benchmark tests rely on."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.llm_server import LLMServer, parse_directives

ROOT = Path(__file__).resolve().parents[1]


def _post(
    srv: LLMServer, path: str, body: dict[str, Any], conn: http.client.HTTPConnection | None = None
) -> tuple[int, dict[str, str], bytes]:
    c = conn or http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        c.request("POST", path, json.dumps(body), {"content-type": "application/json"})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        if conn is None:
            c.close()


def _chat(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": text}], **extra}


def test_parse_directives_reads_nested_json_tool_arguments_and_strips_directives() -> None:
    d = parse_directives('hello [[tool:f:{"a": [[1]], "b": "]]"}]] [[cached:4]] world')
    assert d.tools == [("f", {"a": [[1]], "b": "]]"})]
    assert d.cached == 4
    assert d.clean == "hello   world"
    with pytest.raises(ValueError, match="unknown directive"):
        parse_directives("[[nope]]")


def test_default_answer_is_an_echo_with_word_count_usage_on_a_kept_alive_connection() -> None:
    with LLMServer() as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        for i in range(3):
            status, headers, body = _post(srv, "/v1/chat/completions", _chat(f"say {i}"), conn)
            assert status == 200
            data = json.loads(body)
            assert data["choices"][0]["message"]["content"] == f"echo: say {i}"
            assert data["usage"]["prompt_tokens"] == 2
            assert data["usage"]["completion_tokens"] == 3
            assert headers["x-request-id"].startswith("req_")
        status, headers, body = _post(
            srv, "/v1/messages", _chat("hi [[cached:2]]", system="be brief", max_tokens=9), conn
        )
        data = json.loads(body)
        assert data["content"] == [{"type": "text", "text": "echo: hi"}]
        # "be brief" + "hi [[cached:2]]" = 4 words, 2 of them reported as read from cache
        assert data["usage"]["input_tokens"] == 2
        assert data["usage"]["cache_read_input_tokens"] == 2
        assert "request-id" in headers
        conn.close()
        assert srv.counts == {200: 4}
        assert [r["path"] for r in srv.requests][-1] == "/v1/messages"


def test_for_model_directives_replace_the_others_only_for_that_model() -> None:
    msg = 'ask [[text:candidate answer]] [[for-model:judge:{"text": "{\\"score\\": 4}"}]]'
    with LLMServer() as srv:
        _, _, body = _post(srv, "/v1/messages", _chat(msg, max_tokens=50))
        assert json.loads(body)["content"][0]["text"] == "candidate answer"
        judged = {**_chat(msg, max_tokens=50), "model": "judge"}
        _, _, body = _post(srv, "/v1/messages", judged)
        assert json.loads(body)["content"][0]["text"] == '{"score": 4}'
        limited = 'x [[for-model:judge:{"status": 429, "retry-after": 0}]]'
        status, _, _ = _post(srv, "/v1/messages", {**_chat(limited), "model": "judge"})
        assert status == 429
        assert _post(srv, "/v1/messages", _chat(limited, max_tokens=50))[0] == 200


def test_fail_directive_fails_exact_attempts_then_succeeds() -> None:
    with LLMServer() as srv:
        msg = "flaky [[fail:2:503]]"
        statuses = [_post(srv, "/v1/chat/completions", _chat(msg))[0] for _ in range(3)]
        assert statuses == [503, 503, 200]
        assert srv.attempts(msg) == 3


def test_429_carries_retry_after_and_rate_limit_headers() -> None:
    with LLMServer() as srv:
        status, headers, body = _post(srv, "/v1/messages", _chat("[[status:429]]"))
        assert status == 429
        assert headers["retry-after"] == "1"
        assert headers["anthropic-ratelimit-requests-remaining"] == "0"
        assert json.loads(body)["error"]["type"] == "rate_limit_error"
        _, headers, _ = _post(
            srv, "/v1/chat/completions", _chat("[[status:429]][[retry-after:0.1]]")
        )
        assert headers["retry-after-ms"] == "100"


def test_fault_rate_is_bounded_per_message_so_every_message_eventually_succeeds() -> None:
    with LLMServer(fault_rate=0.5, seed=3, max_faults_per_message=2) as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        for i in range(40):
            statuses = []
            while not statuses or statuses[-1] != 200:
                statuses.append(_post(srv, "/v1/chat/completions", _chat(f"c{i}"), conn)[0])
            assert len(statuses) <= 3
            assert set(statuses) <= {200, 429, 500}
        conn.close()
        counts = srv.counts
        assert counts[200] == 40
        assert counts.get(429, 0) + counts.get(500, 0) > 5


def test_max_in_flight_answers_excess_concurrent_requests_with_429() -> None:
    import threading

    with LLMServer(max_in_flight=2) as srv:
        results: list[int] = []

        def go(i: int) -> None:
            results.append(_post(srv, "/v1/chat/completions", _chat(f"x{i} [[latency:150]]"))[0])

        threads = [threading.Thread(target=go, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results.count(200) >= 2
        assert results.count(429) >= 1


def test_runs_as_a_subprocess_printing_its_port_first() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.llm_server", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().split()
        assert first[0] == "PORT"
        conn = http.client.HTTPConnection("127.0.0.1", int(first[1]), timeout=10)
        conn.request("POST", "/v1/chat/completions", json.dumps(_chat("[[text:ok]]")))
        assert json.loads(conn.getresponse().read())["choices"][0]["message"]["content"] == "ok"
        conn.close()
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
