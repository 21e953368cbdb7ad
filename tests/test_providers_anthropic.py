"""The anthropic provider through the official SDK against the loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from evalkit.dataset import Message, ToolSpec
from evalkit.errors import ProviderError
from evalkit.providers.anthropic import AnthropicProvider
from evalkit.providers.base import PROVIDERS, ProviderSettings, Request, Response
from tests.helpers.llm_server import LLMServer
from tests.helpers.provider_calls import call, fail, last_body

KEY_ENV = "EVALKIT_TEST_ANTHROPIC_KEY"
FAKE_KEY = "sk-ant-test-DO-NOT-LEAK-77aa66bb55cc"


@pytest.fixture(scope="module")
def srv() -> Iterator[LLMServer]:
    with LLMServer() as s:
        yield s


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, FAKE_KEY)


def _provider(srv: LLMServer, **kw: Any) -> AnthropicProvider:
    settings = ProviderSettings(
        model="claude-test",
        base_url=srv.base_url,
        api_key_env=KEY_ENV,
        timeout_s=kw.pop("timeout_s", 10.0),
        options=kw.pop("options", {}),
    )
    return AnthropicProvider(settings)


def _request(text: str, *, system: str | None = None, **kw: Any) -> Request:
    msgs = ([Message("system", system)] if system else []) + [Message("user", text)]
    return Request(case_id="c1", repeat=0, model="claude-test", messages=tuple(msgs), **kw)


def _call(provider: AnthropicProvider, request: Request) -> Response:
    return call(provider, request)


def _fail(provider: AnthropicProvider, request: Request) -> ProviderError:
    return fail(provider, request, FAKE_KEY)


_last_body = last_body


def test_registered_under_its_name() -> None:
    assert PROVIDERS.get("anthropic") is AnthropicProvider


def test_plain_text_with_usage_model_request_id_and_latency(srv: LLMServer) -> None:
    r = _call(_provider(srv), _request("hello world [[model:claude-test-20250101]] [[cached:1]]"))
    assert r.text == "echo: hello world"
    assert (r.finish_reason, r.finish_reason_raw) == ("stop", "end_turn")
    # The API reports 3 fresh + 1 cache-read input tokens; evalkit's input is the whole prompt.
    assert r.usage.input_tokens == 4 and r.usage.cached_tokens == 1
    assert r.usage.output_tokens == 3
    assert r.model == "claude-test-20250101"
    assert r.request_id is not None and r.request_id.startswith("req_an")
    assert r.latency_ms is not None and r.latency_ms > 0
    assert r.raw is not None and r.raw["type"] == "message"
    assert "anthropic-ratelimit-requests-remaining" in r.headers
    sent = srv.requests[-1]["headers"]
    # SDK versions differ on the header that carries the key; one of them must.
    assert FAKE_KEY in (
        sent.get("x-api-key"),
        sent.get("authorization", "").removeprefix("Bearer "),
    )
    assert "anthropic-version" in sent


def test_system_prompt_goes_to_system_and_max_tokens_defaults(srv: LLMServer) -> None:
    _call(_provider(srv), _request("q", system="be terse"))
    body = _last_body(srv)
    assert body["system"] == "be terse"
    assert body["messages"] == [{"role": "user", "content": "q"}]
    assert body["max_tokens"] == 1024
    _call(_provider(srv, options={"max_tokens": 77}), _request("q"))
    assert _last_body(srv)["max_tokens"] == 77 and "system" not in _last_body(srv)


def test_params_translate_and_pass_through(srv: LLMServer) -> None:
    params = {
        "temperature": 0.1,
        "top_k": 5,
        "stop": "END",
        "max_completion_tokens": 300,
        "seed": 3,
        "thinking_budget_custom": {"x": 1},
    }
    _call(_provider(srv), _request("q", params=params))
    body = _last_body(srv)
    assert body["temperature"] == 0.1 and body["top_k"] == 5
    assert body["stop_sequences"] == ["END"] and body["max_tokens"] == 300
    assert "seed" not in body and "stop" not in body
    assert body["thinking_budget_custom"] == {"x": 1}


def test_tools_and_tool_choice_are_sent_in_anthropic_form(srv: LLMServer) -> None:
    tool = ToolSpec("get_weather", "Weather", {"type": "object", "properties": {"city": {}}})
    for choice, expected in [
        ("auto", {"type": "auto"}),
        ("required", {"type": "any"}),
        ("none", {"type": "none"}),
        ({"name": "get_weather"}, {"type": "tool", "name": "get_weather"}),
    ]:
        _call(_provider(srv), _request("q", tools=(tool,), tool_choice=choice))
        assert _last_body(srv)["tool_choice"] == expected
    assert _last_body(srv)["tools"] == [
        {
            "name": "get_weather",
            "description": "Weather",
            "input_schema": {"type": "object", "properties": {"city": {}}},
        }
    ]
    _call(_provider(srv), _request("q", tools=(tool,), params={"parallel_tool_calls": False}))
    assert _last_body(srv)["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


def test_parallel_tool_use_blocks_become_tool_calls(srv: LLMServer) -> None:
    text = 'go [[tool:get_weather:{"city": "Paris"}]] [[tool:get_time:{"tz": "CET"}]]'
    r = _call(_provider(srv), _request(text))
    assert (r.finish_reason, r.finish_reason_raw) == ("tool_calls", "tool_use")
    assert [(c.name, c.arguments) for c in r.tool_calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"tz": "CET"}),
    ]
    assert all(c.id and c.id.startswith("toolu_") for c in r.tool_calls)


def test_text_beside_tool_use_is_kept(srv: LLMServer) -> None:
    r = _call(_provider(srv), _request('[[text:Let me check.]] [[tool:f:{"a": 1}]]'))
    assert r.text == "Let me check."
    assert r.tool_calls[0].arguments == {"a": 1}


def test_malformed_tool_input_is_kept_raw_and_flagged(srv: LLMServer) -> None:
    r = _call(_provider(srv), _request("x [[badargs]]"))
    (call,) = r.tool_calls
    assert call.arguments is None and call.raw_arguments == '{"city": "Par'
    assert call.parse_error


@pytest.mark.parametrize(
    ("raw", "finish"),
    [
        ("max_tokens", "length"),
        ("stop_sequence", "stop"),
        ("refusal", "refusal"),
        ("brand_new_reason", "unknown"),
    ],
)
def test_stop_reasons_map_to_the_closed_set(srv: LLMServer, raw: str, finish: str) -> None:
    r = _call(_provider(srv), _request(f"x [[finish:{raw}]]"))
    assert (r.finish_reason, r.finish_reason_raw) == (finish, raw)


def test_metadata_goes_to_user_id_and_can_be_switched_off(srv: LLMServer) -> None:
    meta = {"source": "evalkit"}
    _call(_provider(srv), _request("q", metadata=meta))
    assert _last_body(srv)["metadata"] == {"user_id": "source=evalkit"}
    _call(_provider(srv, options={"send_metadata": False}), _request("q", metadata=meta))
    assert "metadata" not in _last_body(srv)


def test_rate_limit_is_retryable_with_retry_after_and_headers(srv: LLMServer) -> None:
    err = _fail(_provider(srv), _request("[[status:429]] [[retry-after:0.1]]"))
    assert (err.kind, err.status, err.retryable) == ("rate_limit", 429, True)
    assert err.retry_after == pytest.approx(0.1)
    assert err.headers["anthropic-ratelimit-requests-remaining"] == "0"


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (500, "server", True),
        (529, "server", True),
        (400, "bad_request", False),
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
    assert f"simulated status {status}" in err.message
    if kind == "auth":
        assert KEY_ENV in err.message


def test_sdk_retries_are_off(srv: LLMServer) -> None:
    msg = "once [[fail:1:529]]"
    assert _fail(_provider(srv), _request(msg)).kind == "server"
    assert srv.attempts(msg) == 1


def test_timeout_malformed_and_reset(srv: LLMServer) -> None:
    err = _fail(_provider(srv, timeout_s=0.2), _request("slow [[latency:1500]]"))
    assert (err.kind, err.retryable) == ("timeout", True)
    err = _fail(_provider(srv), _request("[[malformed]]"))
    assert (err.kind, err.retryable) == ("malformed_response", True)
    err = _fail(_provider(srv), _request("[[reset]]"))
    assert (err.kind, err.retryable) == ("connection", True)


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV)
    p = AnthropicProvider(ProviderSettings(model="m", api_key_env=KEY_ENV))
    err = _fail(p, _request("q"))
    assert err.kind == "auth" and KEY_ENV in err.message


def test_key_never_in_repr(srv: LLMServer) -> None:
    p = _provider(srv)
    _call(p, _request("hi"))
    assert FAKE_KEY not in repr(p)


def test_a_200_error_body_that_echoes_the_key_is_scrubbed_and_a_nameless_tool_use_is_blank() -> (
    None
):
    from tests.test_providers_openai import _Canned

    err_body = {"type": "error", "error": {"type": "x", "message": "header was {auth}"}}
    with _Canned(200, err_body) as srv:
        err = _fail(_provider(srv), _request("hi"))  # type: ignore[arg-type]
    assert err.kind == "server" and "[redacted]" in err.message
    blocks = [{"type": "tool_use", "id": "t", "name": None, "input": None}]
    with _Canned(200, {"type": "message", "content": blocks, "stop_reason": None}) as srv:
        r = _call(_provider(srv), _request("hi"))  # type: ignore[arg-type]
    assert [(t.name, t.arguments) for t in r.tool_calls] == [("", {})]
    assert r.finish_reason == "unknown" and r.usage.input_tokens is None


def test_cache_writes_are_kept_apart_from_reads_and_fresh_input(srv: LLMServer) -> None:
    # 7 words; the API reports 7 - 2 read - 3 written = 2 fresh input tokens.
    r = _call(_provider(srv), _request("a b c d e [[cached:2]] [[cache-write:3]]"))
    assert r.raw is not None and r.raw["usage"]["cache_creation_input_tokens"] == 3
    assert r.raw["usage"]["input_tokens"] == 2
    u = r.usage
    assert (u.input_tokens, u.cached_tokens, u.cache_write_tokens) == (7, 2, 3)
    assert u.to_dict()["cache_write_tokens"] == 3 and type(u).from_dict(u.to_dict()) == u
