"""A loopback HTTP/1.1 server that speaks enough of the OpenAI and Anthropic APIs for tests.

Why a real server and not a mocked client: the adapters, the engine's retries and the
benchmarks must exercise the official SDKs end to end (connection pool, headers, status
handling, JSON parsing), and must do so offline. It serves

* ``POST /v1/chat/completions``: OpenAI Chat Completions (text, ``tool_calls``, ``usage`` with
  ``prompt_tokens_details.cached_tokens``, ``x-request-id`` and ``x-ratelimit-*`` headers);
* ``POST /v1/messages``: Anthropic Messages (text and ``tool_use`` blocks, ``usage`` with
  ``cache_read_input_tokens``, ``request-id`` and ``anthropic-ratelimit-*`` headers).

Behaviour is chosen per request by directives in the *last user message*, so it is
deterministic per case and crosses process boundaries:

==============================  ==============================================================
``[[status:N]]``                answer status N with that API's error body (429 carries
                                ``Retry-After: 1`` unless ``[[retry-after:S]]`` is given)
``[[retry-after:S]]``           the 429's ``retry-after`` (seconds) and ``retry-after-ms``
``[[retry-after-ms:MS]]``       send only ``retry-after-ms`` on a 429
``[[fail:N:STATUS]]``           the first N attempts of this exact message get STATUS, then OK
``[[latency:MS]]``              sleep MS before answering (replaces the global latency)
``[[malformed]]``               200 with a body that is not valid JSON
``[[reset]]``                   close the connection abruptly without answering
``[[badargs]]``                 one tool call whose arguments are not valid JSON
``[[tool:NAME:{json}]]``        answer with that tool call (repeatable: parallel calls)
``[[text:...]]``                answer exactly that text
``[[cached:N]]``                report N cached input tokens
``[[cache-write:N]]``           report N input tokens written to the prompt cache (Anthropic only)
``[[model:NAME]]``              report NAME as the model that answered
``[[finish:RAW]]``              report RAW as the finish/stop reason
``[[for-model:NAME:{json}]]``   for a request to model NAME only, replace every other directive
                                with these (``{"text": "...", "fail": "1:429"}``: a directive's
                                name and value each); so one case scripts its candidate and its
                                LLM judge, whose request quotes the candidate's conversation
==============================  ==============================================================

The default answer is ``echo: <last user message without directives>``; usage counts words
(input: every message's words; output: the answer's words). A ``max_tokens`` (or
``max_completion_tokens``) smaller than the answer truncates it to that many words with
finish reason ``length`` / stop reason ``max_tokens``.

Tool turns are checked as strictly as the real APIs do (:mod:`tests.helpers.tool_turns`): a
tool result that answers no call of the turn before it, or a call left unanswered, gets 400.

Global knobs: ``latency_ms`` ± ``jitter_ms`` (uniform, seeded), ``fault_rate`` (each attempt of
a message fails with one of ``fault_statuses`` with that probability, decided by a hash of
seed, message and attempt number, and never more than ``max_faults_per_message`` times, so
every message eventually succeeds), ``max_in_flight`` (requests beyond it get a 429, as a
provider's concurrency limit would). ``record=False`` stops keeping request bodies in
``srv.requests`` (the subprocess mode's default), so long benchmarks stay flat in memory.

In process::

    with LLMServer(latency_ms=0) as srv:
        client = AsyncOpenAI(base_url=srv.base_url + "/v1", api_key="sk-test")

As a subprocess (prints ``PORT <n>`` first, serves until killed)::

    python -m tests.helpers.llm_server --port 0 --latency-ms 200 --jitter-ms 50 \\
        --fault-rate 0.05 --fault-statuses 429,500
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import random
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from tests.helpers.tool_turns import tool_turn_problem

__all__ = ["Directives", "LLMServer", "parse_directives"]

_MAX_BODY = 64 * 1024 * 1024


@dataclass
class Directives:
    """What the last user message asked the server to do."""

    status: int | None = None
    retry_after: str | None = None
    retry_after_ms: str | None = None
    fail: tuple[int, int] | None = None
    latency_ms: float | None = None
    malformed: bool = False
    reset: bool = False
    badargs: bool = False
    tools: list[tuple[str, Any]] = field(default_factory=list)
    text: str | None = None
    cached: int = 0
    cache_write: int = 0
    model: str | None = None
    finish: str | None = None
    for_model: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Directives that replace all others for a request to that model (``for-model``)."""
    clean: str = ""
    """The message with every directive removed."""


def parse_directives(message: str) -> Directives:
    """Read every ``[[name:value]]`` directive out of ``message``."""
    d = Directives()
    if "[[" not in message:
        d.clean = message.strip()
        return d
    out: list[str] = []
    pos = 0
    decoder = json.JSONDecoder()
    while True:
        start = message.find("[[", pos)
        if start < 0:
            out.append(message[pos:])
            break
        out.append(message[pos:start])
        head = start + 2
        if message.startswith("tool:", head):
            name_end = message.find(":", head + 5)
            if name_end < 0:
                raise ValueError(f"bad tool directive at {start}: {message[start : start + 40]!r}")
            name = message[head + 5 : name_end]
            args, end = decoder.raw_decode(message, name_end + 1)
            if not message.startswith("]]", end):
                raise ValueError(f"tool directive at {start} does not end with ']]'")
            d.tools.append((name, args))
            pos = end + 2
            continue
        if message.startswith("for-model:", head):
            name_end = message.find(":", head + 10)
            if name_end < 0:
                raise ValueError(f"bad for-model directive at {start}")
            scoped, end = decoder.raw_decode(message, name_end + 1)
            if not isinstance(scoped, dict) or not message.startswith("]]", end):
                raise ValueError(f"for-model directive at {start} needs a JSON object, then ']]'")
            d.for_model[message[head + 10 : name_end]] = scoped
            pos = end + 2
            continue
        end = message.find("]]", head)
        if end < 0:
            out.append(message[start:])
            break
        name, _, value = message[head:end].partition(":")
        _apply(d, name, value)
        pos = end + 2
    d.clean = "".join(out).strip()
    return d


def _apply(d: Directives, name: str, value: str) -> None:
    if name == "status":
        d.status = int(value)
    elif name == "retry-after":
        d.retry_after = value
    elif name == "retry-after-ms":
        d.retry_after_ms = value
    elif name == "fail":
        n, _, status = value.partition(":")
        d.fail = (int(n), int(status or 500))
    elif name == "latency":
        d.latency_ms = float(value)
    elif name == "malformed":
        d.malformed = True
    elif name == "reset":
        d.reset = True
    elif name == "badargs":
        d.badargs = True
    elif name == "text":
        d.text = value
    elif name == "cached":
        d.cached = int(value)
    elif name == "cache-write":
        d.cache_write = int(value)
    elif name == "model":
        d.model = value
    elif name == "finish":
        d.finish = value
    else:
        raise ValueError(f"unknown directive [[{name}]]")


def _scoped_directives(scoped: dict[str, Any], clean: str) -> Directives:
    """The directives of a ``for-model`` object (name → value), and nothing else."""
    d = Directives(clean=clean)
    for name, value in scoped.items():
        if name == "tool":
            d.tools.extend((str(n), a) for n, a in value)
        else:
            _apply(d, name, "" if value is True else str(value))
    return d


def _text_of(content: Any) -> str:
    """The text of an OpenAI/Anthropic message content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
        )
    return ""


def _words(text: str) -> int:
    return len(text.split())


class _Reply:
    """One HTTP answer, or ``None`` body for an abrupt close."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, body: bytes | None, headers: dict[str, str]) -> None:
        self.status, self.body, self.headers = status, body, headers


class LLMServer:
    """The loopback server; a context manager that runs it on a background thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0.0,
        jitter_ms: float = 0.0,
        fault_rate: float = 0.0,
        fault_statuses: Sequence[int] = (429, 500),
        fault_retry_after: float = 0.1,
        max_faults_per_message: int = 3,
        max_in_flight: int | None = None,
        seed: int = 0,
        record: bool = True,
    ) -> None:
        self.host, self.port = host, port
        self.latency_ms, self.jitter_ms = latency_ms, jitter_ms
        self.fault_rate, self.fault_statuses = fault_rate, tuple(fault_statuses)
        self.fault_retry_after = fault_retry_after
        self.max_faults_per_message = max_faults_per_message
        self.max_in_flight = max_in_flight
        self.seed = seed
        self.record = record
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []
        self._counts: dict[int, int] = {}
        self._attempts: dict[bytes, int] = {}
        self._serial = 0
        self.in_flight = 0
        self.max_seen_in_flight = 0
        self.resets = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._stop_event: asyncio.Event | None = None

    # -- observations (thread-safe snapshots) -------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Each request received: ``{"path", "headers" (lower-cased), "json"}``."""
        with self._lock:
            return list(self._requests)

    @property
    def counts(self) -> dict[int, int]:
        """How many answers were sent per HTTP status (a reset counts as status 0)."""
        with self._lock:
            return dict(self._counts)

    def attempts(self, message: str) -> int:
        """How many requests arrived whose last user message was ``message``."""
        with self._lock:
            return self._attempts.get(_msg_key(message), 0)

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening on the running loop (for use inside an existing event loop)."""
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, backlog=2048, limit=_MAX_BODY
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for w in list(self._writers):
                w.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    def __enter__(self) -> LLMServer:
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop_event = asyncio.Event()
            try:
                await self.start()
            except BaseException as exc:  # reported to the caller below
                failure.append(exc)
                return
            finally:
                ready.set()
            await self._stop_event.wait()
            await self.stop()
            me = asyncio.current_task()
            pending = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        self._thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
        self._thread.name = "llm-server"
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            raise failure[0]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._thread is not None:
            assert self._stop_event is not None
            self._loop.call_soon_threadsafe(self._stop_event.set)
            self._thread.join(10)
            self._thread = None

    # -- HTTP ---------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _version = [*lines[0].split(" ", 2), "", ""][:3]
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if line:
                        k, _, v = line.partition(":")
                        headers[k.strip().lower()] = v.strip()
                try:
                    body = await reader.readexactly(int(headers.get("content-length", "0")))
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                reply = await self._answer(method, path, headers, body)
                if reply.body is None:
                    writer.transport.abort()
                    return
                keep = headers.get("connection", "").lower() != "close"
                writer.write(_encode(reply, keep))
                if writer.transport.get_write_buffer_size() > 65536:
                    await writer.drain()
                if not keep:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # a broken client must not take the server down
            return
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> _Reply:
        path = path.split("?", 1)[0]
        api = "openai" if path.endswith("/chat/completions") else "anthropic"
        if method != "POST" or not (
            path.endswith("/chat/completions") or path.endswith("/messages")
        ):
            return self._count(self._error(api, 404, f"no route for {method} {path}"))
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return self._count(self._error(api, 400, "request body is not valid JSON"))
        if self.record:
            with self._lock:
                self._requests.append({"path": path, "headers": headers, "json": payload})
        refused = tool_turn_problem(api, payload)
        if refused is not None:  # what the real API answers a broken tool conversation
            return self._count(self._error(api, 400, refused))
        last = ""
        for m in reversed(payload.get("messages") or []):
            if isinstance(m, dict) and m.get("role") == "user":
                last = _text_of(m.get("content"))
                break
        try:
            d = parse_directives(last)
            scoped = d.for_model.get(str(payload.get("model")))
            if scoped is not None:
                d = _scoped_directives(scoped, d.clean)
        except ValueError as exc:
            return self._count(self._error(api, 400, f"llm_server: {exc}"))
        key = _msg_key(last)
        with self._lock:
            attempt = self._attempts.get(key, 0)
            self._attempts[key] = attempt + 1
            self._serial += 1
            serial = self._serial
        self.in_flight += 1
        self.max_seen_in_flight = max(self.max_seen_in_flight, self.in_flight)
        try:
            return self._count(await self._respond(api, payload, d, key, attempt, serial))
        finally:
            self.in_flight -= 1

    async def _respond(
        self,
        api: str,
        payload: dict[str, Any],
        d: Directives,
        key: bytes,
        attempt: int,
        serial: int,
    ) -> _Reply:
        if self.max_in_flight is not None and self.in_flight > self.max_in_flight:
            return self._error(api, 429, "too many requests in flight", retry_after="0.05")
        delay = d.latency_ms if d.latency_ms is not None else self._latency()
        if delay > 0:
            await asyncio.sleep(delay / 1000)
        if d.reset:
            return _Reply(0, None, {})
        if d.status is not None:
            return self._error(api, d.status, f"simulated status {d.status}", d=d)
        if d.fail is not None and attempt < d.fail[0]:
            return self._error(api, d.fail[1], f"simulated failure {attempt + 1}/{d.fail[0]}", d=d)
        status = self._fault(key, attempt) if d.fail is None and self.fault_rate > 0 else None
        if status is not None:
            return self._error(
                api, status, "simulated fault", retry_after=str(self.fault_retry_after)
            )
        if d.malformed:
            return _Reply(
                200, b'{"id": "broken", "choices": [{"mess', self._ok_headers(api, serial)
            )
        build = _openai_body if api == "openai" else _anthropic_body
        return _Reply(
            200, json.dumps(build(payload, d, serial)).encode(), self._ok_headers(api, serial)
        )

    def _latency(self) -> float:
        if self.jitter_ms:
            return max(0.0, self.latency_ms + self._rng.uniform(-self.jitter_ms, self.jitter_ms))
        return self.latency_ms

    def _fault(self, key: bytes, attempt: int) -> int | None:
        """The fault status for this attempt of this message, or ``None`` (seeded, stateless)."""
        if attempt >= self.max_faults_per_message or not self.fault_statuses:
            return None
        h = int.from_bytes(
            hashlib.blake2b(b"%d:%d:" % (self.seed, attempt) + key, digest_size=8).digest(), "big"
        )
        if h / 2**64 >= self.fault_rate:
            return None
        return self.fault_statuses[h % len(self.fault_statuses)]

    def _count(self, reply: _Reply) -> _Reply:
        with self._lock:
            self._counts[reply.status] = self._counts.get(reply.status, 0) + 1
        return reply

    def _ok_headers(self, api: str, serial: int) -> dict[str, str]:
        remaining = (self.max_in_flight or 10000) - self.in_flight
        if api == "openai":
            return {
                "x-request-id": f"req_oa{serial:08d}",
                "openai-processing-ms": "1",
                "x-ratelimit-limit-requests": str(self.max_in_flight or 10000),
                "x-ratelimit-remaining-requests": str(remaining),
                "x-ratelimit-reset-requests": "1s",
                "x-ratelimit-limit-tokens": "2000000",
                "x-ratelimit-remaining-tokens": "1999000",
                "x-ratelimit-reset-tokens": "30ms",
            }
        return {
            "request-id": f"req_an{serial:08d}",
            "anthropic-ratelimit-requests-limit": str(self.max_in_flight or 10000),
            "anthropic-ratelimit-requests-remaining": str(remaining),
            "anthropic-ratelimit-requests-reset": "2030-01-01T00:00:01Z",
            "anthropic-ratelimit-tokens-limit": "2000000",
            "anthropic-ratelimit-tokens-remaining": "1999000",
            "anthropic-ratelimit-tokens-reset": "2030-01-01T00:00:01Z",
        }

    def _error(
        self,
        api: str,
        status: int,
        message: str,
        *,
        d: Directives | None = None,
        retry_after: str | None = None,
    ) -> _Reply:
        with self._lock:
            self._serial += 1
            serial = self._serial
        headers = self._ok_headers(api, serial)
        if status == 429:
            ra_ms = d.retry_after_ms if d else None
            ra = (d.retry_after if d else None) or retry_after
            if ra_ms is not None and ra is None:
                headers["retry-after-ms"] = ra_ms
            else:
                ra = ra or "1"
                headers["retry-after"] = ra
                headers["retry-after-ms"] = str(int(float(ra) * 1000))
            if api == "openai":
                headers["x-ratelimit-remaining-requests"] = "0"
            else:
                headers["anthropic-ratelimit-requests-remaining"] = "0"
        if api == "openai":
            etype, code = _OPENAI_ERRORS.get(status, ("server_error", None))
            body: dict[str, Any] = {
                "error": {"message": message, "type": etype, "param": None, "code": code}
            }
        else:
            body = {
                "type": "error",
                "error": {"type": _ANTHROPIC_ERRORS.get(status, "api_error"), "message": message},
                "request_id": headers["request-id"],
            }
        return _Reply(status, json.dumps(body).encode(), headers)


_OPENAI_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    409: ("invalid_request_error", None),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
}
_ANTHROPIC_ERRORS: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def _msg_key(message: str) -> bytes:
    return hashlib.blake2b(message.encode(), digest_size=16).digest()


def _encode(reply: _Reply, keep_alive: bool) -> bytes:
    assert reply.body is not None
    try:
        reason = HTTPStatus(reply.status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [
        f"HTTP/1.1 {reply.status} {reason}",
        "content-type: application/json",
        f"content-length: {len(reply.body)}",
        "connection: keep-alive" if keep_alive else "connection: close",
    ]
    lines.extend(f"{k}: {v}" for k, v in reply.headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body


def _answer_text(payload: dict[str, Any], d: Directives) -> tuple[str, bool]:
    """The answer text and whether ``max_tokens`` truncated it."""
    text = d.text if d.text is not None else f"echo: {d.clean}"
    limit = payload.get("max_completion_tokens") or payload.get("max_tokens")
    if isinstance(limit, int) and limit < _words(text):
        return " ".join(text.split()[:limit]), True
    return text, False


def _input_words(payload: dict[str, Any]) -> int:
    n = _words(_text_of(payload.get("system")))
    for m in payload.get("messages") or []:
        if isinstance(m, dict):
            n += _words(_text_of(m.get("content")))
    return n


def _openai_body(payload: dict[str, Any], d: Directives, serial: int) -> dict[str, Any]:
    text, truncated = _answer_text(payload, d)
    calls = [
        {
            "id": f"call_{serial}_{i}",
            "type": "function",
            "function": {"name": n, "arguments": json.dumps(a)},
        }
        for i, (n, a) in enumerate(d.tools)
    ]
    if d.badargs:
        calls.append(
            {
                "id": f"call_{serial}_bad",
                "type": "function",
                "function": {"name": "broken", "arguments": '{"city": "Par'},
            }
        )
    finish = d.finish or ("tool_calls" if calls else "length" if truncated else "stop")
    message: dict[str, Any] = {
        "role": "assistant",
        "content": None if calls and d.text is None else text,
        "refusal": None,
    }
    if calls:
        message["tool_calls"] = calls
    out_words = _words(message["content"] or "")
    in_words = _input_words(payload)
    return {
        "id": f"chatcmpl-{serial}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": d.model or payload.get("model", "unknown"),
        "system_fingerprint": "fp_loopback",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": in_words,
            "completion_tokens": out_words,
            "total_tokens": in_words + out_words,
            "prompt_tokens_details": {"cached_tokens": d.cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        },
    }


def _anthropic_body(payload: dict[str, Any], d: Directives, serial: int) -> dict[str, Any]:
    text, truncated = _answer_text(payload, d)
    content: list[dict[str, Any]] = []
    if not (d.tools or d.badargs) or d.text is not None:
        content.append({"type": "text", "text": text})
    for i, (name, args) in enumerate(d.tools):
        content.append(
            {"type": "tool_use", "id": f"toolu_{serial}_{i}", "name": name, "input": args}
        )
    if d.badargs:
        # The Messages API sends tool input as an object; a string that is not JSON is the
        # closest a server can come to a malformed call, and the adapter must survive it.
        content.append(
            {
                "type": "tool_use",
                "id": f"toolu_{serial}_bad",
                "name": "broken",
                "input": '{"city": "Par',
            }
        )
    has_tools = bool(d.tools or d.badargs)
    stop = d.finish or ("tool_use" if has_tools else "max_tokens" if truncated else "end_turn")
    out_words = sum(_words(b.get("text", "")) for b in content)
    return {
        "id": f"msg_{serial}",
        "type": "message",
        "role": "assistant",
        "model": d.model or payload.get("model", "unknown"),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            # Like the real API: input_tokens excludes the tokens read from the prompt cache
            # and the tokens written to it (cache_creation_input_tokens).
            "input_tokens": max(0, _input_words(payload) - d.cached - d.cache_write),
            "output_tokens": out_words,
            "cache_read_input_tokens": d.cached,
            "cache_creation_input_tokens": d.cache_write,
        },
    }


@contextlib.contextmanager
def running(**kwargs: Any) -> Iterator[LLMServer]:
    """``with running(latency_ms=5) as srv:`` — the same as ``with LLMServer(...)``."""
    with LLMServer(**kwargs) as srv:
        yield srv


async def _serve_forever(srv: LLMServer) -> None:
    await srv.start()
    print(f"PORT {srv.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await srv.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the server as a process: prints ``PORT <n>`` on its first line, serves until killed."""
    p = argparse.ArgumentParser(prog="python -m tests.helpers.llm_server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--jitter-ms", type=float, default=0.0)
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--fault-statuses", default="429,500")
    p.add_argument("--fault-retry-after", type=float, default=0.1)
    p.add_argument("--max-in-flight", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--record", action="store_true", help="keep request bodies (memory grows)")
    a = p.parse_args(argv)
    srv = LLMServer(
        host=a.host,
        port=a.port,
        latency_ms=a.latency_ms,
        jitter_ms=a.jitter_ms,
        fault_rate=a.fault_rate,
        fault_statuses=[int(s) for s in a.fault_statuses.split(",") if s],
        fault_retry_after=a.fault_retry_after,
        max_in_flight=a.max_in_flight,
        seed=a.seed,
        record=a.record,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(srv))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
