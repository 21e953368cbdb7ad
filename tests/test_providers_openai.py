"""The openai provider through the official SDK against the loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from evalkit.dataset import Message, ToolSpec
from evalkit.errors import InputError, ProviderError
from evalkit.providers.base import PROVIDERS, ProviderSettings, Request, Response
from evalkit.providers.openai import OpenAIProvider
from tests.helpers.llm_server import LLMServer
from tests.helpers.provider_calls import call, fail, last_body

KEY_ENV = "EVALKIT_TEST_OPENAI_KEY"
FAKE_KEY = "sk-test-DO-NOT-LEAK-4f9a8b7c6d5e"


@pytest.fixture(scope="module")
def srv() -> Iterator[LLMServer]:
    with LLMServer() as s:
        yield s


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, FAKE_KEY)


def _provider(srv: LLMServer, **kw: Any) -> OpenAIProvider:
    options = kw.pop("options", {})
    settings = ProviderSettings(
        model="gpt-test",
        base_url=srv.base_url + "/v1",
        api_key_env=KEY_ENV,
        timeout_s=kw.pop("timeout_s", 10.0),
        options=options,
    )
    return OpenAIProvider(settings)


def _request(text: str, *, system: str | None = None, **kw: Any) -> Request:
    msgs = ([Message("system", system)] if system else []) + [Message("user", text)]
    return Request(
        case_id="c1", repeat=0, model=kw.pop("model", "gpt-test"), messages=tuple(msgs), **kw
    )


def _call(provider: OpenAIProvider, request: Request) -> Response:
    return call(provider, request)


def _fail(provider: OpenAIProvider, request: Request) -> ProviderError:
    return fail(provider, request, FAKE_KEY)


_last_body = last_body


def test_registered_under_its_name() -> None:
    assert PROVIDERS.get("openai") is OpenAIProvider


def test_plain_text_with_usage_model_request_id_and_latency(srv: LLMServer) -> None:
    r = _call(_provider(srv), _request("hello world [[model:gpt-test-2024-08-06]] [[cached:1]]"))
    assert r.text == "echo: hello world"
    assert r.finish_reason == "stop" and r.finish_reason_raw == "stop"
    assert r.usage.input_tokens == 4 and r.usage.output_tokens == 3
    assert r.usage.cached_tokens == 1
    assert r.model == "gpt-test-2024-08-06"
    assert r.request_id is not None and r.request_id.startswith("req_oa")
    assert r.latency_ms is not None and 0 < r.latency_ms < 5000
    assert r.raw is not None and r.raw["object"] == "chat.completion"
    assert r.headers["x-ratelimit-remaining-requests"].isdigit()
    sent = srv.requests[-1]
    assert sent["headers"]["authorization"] == f"Bearer {FAKE_KEY}"


def test_latency_is_measured_around_the_call(srv: LLMServer) -> None:
    r = _call(_provider(srv), _request("slow [[latency:120]]"))
    assert r.latency_ms is not None and r.latency_ms >= 115


def test_system_prompt_params_and_unknown_params_pass_through(srv: LLMServer) -> None:
    params = {"temperature": 0.2, "seed": 7, "top_p": 0.9, "stop": ["\n\n"], "logprobs": None}
    params["custom_vllm_flag"] = True
    _call(_provider(srv), _request("q", system="be terse", params=params))
    body = _last_body(srv)
    assert body["messages"] == [
        {"role": "system", "content": "be terse"},
        {"role": "user", "content": "q"},
    ]
    assert body["temperature"] == 0.2 and body["seed"] == 7 and body["top_p"] == 0.9
    assert body["stop"] == ["\n\n"] and body["custom_vllm_flag"] is True
    assert "logprobs" not in body  # None means "not set"


def test_tools_and_tool_choice_are_sent_in_openai_form(srv: LLMServer) -> None:
    tool = ToolSpec("get_weather", "Weather", {"type": "object", "properties": {"city": {}}})
    for choice, expected in [
        ("auto", "auto"),
        ("required", "required"),
        ({"name": "get_weather"}, {"type": "function", "function": {"name": "get_weather"}}),
    ]:
        _call(_provider(srv), _request("q", tools=(tool,), tool_choice=choice))
        body = _last_body(srv)
        assert body["tool_choice"] == expected
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather",
                "parameters": {"type": "object", "properties": {"city": {}}},
            },
        }
    ]


def test_parallel_tool_calls_are_parsed(srv: LLMServer) -> None:
    text = 'go [[tool:get_weather:{"city": "Paris"}]] [[tool:get_time:{"tz": "CET", "n": [1]}]]'
    r = _call(_provider(srv), _request(text))
    assert r.finish_reason == "tool_calls"
    assert [(c.name, c.arguments) for c in r.tool_calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"tz": "CET", "n": [1]}),
    ]
    assert all(c.id and c.parse_error is None for c in r.tool_calls)
    assert r.text == ""


def test_malformed_tool_arguments_are_kept_raw_and_flagged(srv: LLMServer) -> None:
    r = _call(_provider(srv), _request("x [[badargs]]"))
    (call,) = r.tool_calls
    assert call.name == "broken" and call.arguments is None
    assert call.raw_arguments == '{"city": "Par'
    assert call.parse_error
    assert call.to_dict()["raw_arguments"] == '{"city": "Par'


@pytest.mark.parametrize(
    ("directive", "finish", "raw"),
    [
        ("[[finish:content_filter]]", "content_filter", "content_filter"),
        ("[[finish:something_new]]", "unknown", "something_new"),
    ],
)
def test_finish_reasons_map_to_the_closed_set(
    srv: LLMServer, directive: str, finish: str, raw: str
) -> None:
    r = _call(_provider(srv), _request(f"x {directive}"))
    assert (r.finish_reason, r.finish_reason_raw) == (finish, raw)


def test_max_tokens_truncation_is_finish_reason_length(srv: LLMServer) -> None:
    r = _call(_provider(srv), _request("one two three four", params={"max_tokens": 2}))
    assert r.finish_reason == "length"
    assert r.text == "echo: one"
    assert _last_body(srv)["max_tokens"] == 2


def test_metadata_goes_to_user_by_default_and_can_be_switched_off(srv: LLMServer) -> None:
    meta = {"source": "evalkit", "run": "r1"}
    _call(_provider(srv), _request("q", metadata=meta))
    assert _last_body(srv)["user"] == "source=evalkit;run=r1"
    assert "metadata" not in _last_body(srv)
    _call(_provider(srv, options={"metadata_field": "both"}), _request("q", metadata=meta))
    assert _last_body(srv)["metadata"] == meta
    _call(_provider(srv, options={"send_metadata": False}), _request("q", metadata=meta))
    assert "user" not in _last_body(srv) and "metadata" not in _last_body(srv)
    with pytest.raises(InputError, match="metadata_field"):
        _provider(srv, options={"metadata_field": "tags"})


def test_sdk_retries_are_off(srv: LLMServer) -> None:
    msg = "once [[fail:1:500]]"
    err = _fail(_provider(srv), _request(msg))
    assert err.kind == "server"
    assert srv.attempts(msg) == 1


def test_rate_limit_is_retryable_with_retry_after_and_headers(srv: LLMServer) -> None:
    err = _fail(_provider(srv), _request("[[status:429]]"))
    assert (err.kind, err.status, err.retryable, err.retry_after) == ("rate_limit", 429, True, 1.0)
    assert err.headers["x-ratelimit-remaining-requests"] == "0"
    err = _fail(_provider(srv), _request("[[status:429]] [[retry-after:0.1]]"))
    assert err.retry_after == pytest.approx(0.1)
    err = _fail(_provider(srv), _request("[[status:429]] [[retry-after-ms:250]]"))
    assert err.retry_after == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (500, "server", True),
        (503, "server", True),
        (408, "server", True),
        (409, "server", True),
        (400, "bad_request", False),
        (422, "bad_request", False),
        (401, "auth", False),
        (403, "auth", False),
        (404, "not_found", False),
    ],
)
def test_http_errors_are_classified(
    srv: LLMServer, status: int, kind: str, retryable: bool
) -> None:
    err = _fail(_provider(srv), _request(f"[[status:{status}]]"))
    assert (err.kind, err.status, err.retryable) == (kind, status, retryable)
    assert f"simulated status {status}" in err.message  # the provider's message is kept
    assert err.message.startswith("openai gpt-test: ")
    if kind == "auth":
        assert KEY_ENV in err.message


def test_timeout(srv: LLMServer) -> None:
    err = _fail(_provider(srv, timeout_s=0.2), _request("slow [[latency:1500]]"))
    assert (err.kind, err.retryable) == ("timeout", True)
    assert "0.2s" in err.message


def test_malformed_body(srv: LLMServer) -> None:
    err = _fail(_provider(srv), _request("[[malformed]]"))
    assert (err.kind, err.retryable) == ("malformed_response", True)


def test_connection_reset(srv: LLMServer) -> None:
    err = _fail(_provider(srv), _request("[[reset]]"))
    assert (err.kind, err.retryable) == ("connection", True)


def test_connection_refused() -> None:
    with LLMServer() as s:
        dead = s.base_url
    p = OpenAIProvider(ProviderSettings(model="m", base_url=dead + "/v1", api_key_env=KEY_ENV))
    err = _fail(p, _request("q"))
    assert err.kind == "connection" and dead in err.message


def test_missing_key_without_base_url_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV)
    p = OpenAIProvider(ProviderSettings(model="m", api_key_env=KEY_ENV))
    err = _fail(p, _request("q"))
    assert err.kind == "auth" and KEY_ENV in err.message


def test_base_url_server_without_a_key_gets_a_placeholder(
    srv: LLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    r = _call(_provider(srv), _request("hi"))
    assert r.text == "echo: hi"
    assert srv.requests[-1]["headers"]["authorization"] == "Bearer evalkit-no-key"


def test_key_never_in_repr_or_messages(srv: LLMServer) -> None:
    p = _provider(srv)
    _call(p, _request("hi"))
    assert FAKE_KEY not in repr(p)
    assert FAKE_KEY not in repr(vars(p).get("_client"))


def test_a_providers_key_echoed_by_the_server_is_scrubbed() -> None:
    from evalkit.providers._errors import classify_status

    err = classify_status(
        401,
        f"Incorrect API key provided: {FAKE_KEY[:7]}****************{FAKE_KEY[-4:]}. Also {FAKE_KEY}",
        {},
        where="openai m",
        key_env=KEY_ENV,
        secret=FAKE_KEY,
    )
    assert FAKE_KEY not in err.message and FAKE_KEY[-4:] not in err.message
    assert KEY_ENV in err.message


def test_bad_request_messages_are_kept_intact_but_the_exact_key_is_removed() -> None:
    from evalkit.providers._errors import classify_status

    detail = f"Unknown parameter 'key_schema_version'; header was {FAKE_KEY}"
    err = classify_status(400, detail, {}, where="openai m", key_env=KEY_ENV, secret=FAKE_KEY)
    assert "'key_schema_version'" in err.message
    assert FAKE_KEY not in err.message


class _Canned:
    """A loopback server answering every POST with one canned status and JSON body (shapes the
    loopback LLM server does not produce); ``{auth}`` in the body becomes the request's
    credential header (Authorization, or Anthropic's X-Api-Key, which older anthropic SDKs
    send alone), as a proxy that echoes headers would send it."""

    def __init__(self, status: int, body: Any) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                auth = self.headers.get("authorization") or self.headers.get("x-api-key", "")
                text = json.dumps(body).replace("{auth}", auth)
                data = text.encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Canned:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_200_error_body_that_echoes_the_key_is_scrubbed() -> None:
    # The 200-with-an-error path built its message outside the scrubbing of HTTP errors.
    with _Canned(200, {"error": {"message": "upstream refused header {auth}"}}) as srv:
        err = _fail(_provider(srv), _request("hi"))  # type: ignore[arg-type]
    assert err.kind == "server" and err.retryable and "[redacted]" in err.message


def test_odd_but_legal_bodies_parse() -> None:
    tool = {"id": "t1", "type": "function", "function": {"name": None, "arguments": None}}
    body = {"choices": [{"message": {"content": None, "tool_calls": [tool]}}]}
    with _Canned(200, body) as srv:
        r = _call(_provider(srv), _request("hi"))  # type: ignore[arg-type]
    # a call without a name has the name "" (it was the string "None"); no usage, no finish
    assert [(t.name, t.arguments) for t in r.tool_calls] == [("", {})]
    assert r.text == "" and r.finish_reason == "unknown" and r.usage.input_tokens is None
