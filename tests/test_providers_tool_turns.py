"""Tool-using conversations sent through the real SDKs to the loopback server, which refuses
broken tool turns with 400 the way OpenAI and Anthropic do; and the exact bodies sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from evalkit.dataset import EvalSet, Message, ToolSpec
from evalkit.hashing import sha256_json
from evalkit.providers.anthropic import AnthropicProvider
from evalkit.providers.base import ProviderSettings, Request, ToolCall
from evalkit.providers.callable import CallableProvider
from evalkit.providers.openai import OpenAIProvider
from tests.helpers.llm_server import LLMServer
from tests.helpers.provider_calls import call, fail, last_body

KEY = "sk-test-tool-turns-0a1b2c3d4e5f"
HERE = "tests.test_providers_tool_turns"

# Written as a case in an eval set, then parsed: what a user gives, in both accepted shapes.
CONVERSATION: list[dict[str, Any]] = [
    {"role": "system", "content": "Use the tools."},
    {"role": "user", "content": "Weather in Paris and Oslo?"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": "call_p", "name": "get_weather", "arguments": {"city": "Paris"}},
            {
                "id": "call_o",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
            },
        ],
    },
    {"role": "tool", "tool_call_id": "call_p", "name": "get_weather", "content": "18C sunny"},
    {"role": "tool", "tool_call_id": "call_o", "content": "4C rain"},
    {"role": "user", "content": "Which is warmer? [[text:Paris]]"},
]


@pytest.fixture(scope="module")
def srv() -> Iterator[LLMServer]:
    with LLMServer() as s:
        yield s


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_TEST_TOOL_KEY", KEY)


def _settings(srv: LLMServer, base: str, model: str) -> ProviderSettings:
    return ProviderSettings(model, base_url=base, api_key_env="EVALKIT_TEST_TOOL_KEY")


def _openai(srv: LLMServer) -> OpenAIProvider:
    return OpenAIProvider(_settings(srv, srv.base_url + "/v1", "gpt-test"))


def _anthropic(srv: LLMServer) -> AnthropicProvider:
    return AnthropicProvider(_settings(srv, srv.base_url, "claude-test"))


def _request(messages: Any, model: str = "m") -> Request:
    if not isinstance(messages, tuple):
        case = EvalSet.from_cases([{"id": "wx", "input": messages}]).cases[0]
        assert isinstance(case.input, tuple)
        messages = case.input
    # the tools the conversation's calls use: the Messages API refuses tool blocks without them
    weather = ToolSpec("get_weather", "Weather in a city", {"type": "object"})
    return Request(case_id="wx", repeat=0, model=model, messages=messages, tools=(weather,))


def test_openai_sends_tool_calls_and_tool_call_ids(srv: LLMServer) -> None:
    r = call(_openai(srv), _request(CONVERSATION, "gpt-test"))
    assert r.text == "Paris"
    assert last_body(srv)["messages"] == [
        {"role": "system", "content": "Use the tools."},
        {"role": "user", "content": "Weather in Paris and Oslo?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_p",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                {
                    "id": "call_o",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                },
            ],
        },
        {"role": "tool", "content": "18C sunny", "tool_call_id": "call_p"},
        {"role": "tool", "content": "4C rain", "tool_call_id": "call_o"},
        {"role": "user", "content": "Which is warmer? [[text:Paris]]"},
    ]


def test_anthropic_sends_tool_use_and_merged_tool_results(srv: LLMServer) -> None:
    r = call(_anthropic(srv), _request(CONVERSATION, "claude-test"))
    assert r.text == "Paris"  # the directive was read from the merged user turn's text
    body = last_body(srv)
    assert body["system"] == "Use the tools."
    assert body["messages"] == [
        {"role": "user", "content": "Weather in Paris and Oslo?"},
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": "call_p",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
                {
                    "type": "tool_use",
                    "id": "call_o",
                    "name": "get_weather",
                    "input": {"city": "Oslo"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_p", "content": "18C sunny"},
                {"type": "tool_result", "tool_use_id": "call_o", "content": "4C rain"},
                {"type": "text", "text": "Which is warmer? [[text:Paris]]"},
            ],
        },
    ]


def test_anthropic_keeps_assistant_text_before_its_tool_use(srv: LLMServer) -> None:
    conv = [
        {"role": "user", "content": "Refund order 7"},
        {
            "role": "assistant",
            "content": "Looking it up.",
            "tool_calls": [{"id": "t1", "name": "get_order", "arguments": {"id": 7}}],
        },
        {"role": "tool", "tool_call_id": "t1", "content": '{"status": "shipped"}'},
    ]
    call(_anthropic(srv), _request(conv, "claude-test"))
    sent = last_body(srv)["messages"]
    assert sent[1]["content"][0] == {"type": "text", "text": "Looking it up."}
    assert sent[2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": '{"status": "shipped"}'}
        ],
    }


# A request built in Python skips the eval-set checks: the server must refuse it as the real
# APIs would, which is what makes the body tests above meaningful.
ORPHAN = (
    Message("user", "hi"),
    Message("assistant", "", (ToolCall("f", {}, id="a"),)),
    Message("tool", "r", tool_call_id="b"),
)
UNANSWERED = (Message("user", "hi"), Message("assistant", "", (ToolCall("f", {}, id="a"),)))


@pytest.mark.parametrize("messages", [ORPHAN, UNANSWERED], ids=["orphan", "unanswered"])
@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_the_server_refuses_broken_tool_turns_like_the_apis(
    srv: LLMServer, api: str, messages: tuple[Message, ...]
) -> None:
    provider = _openai(srv) if api == "openai" else _anthropic(srv)
    err = fail(provider, _request(messages, "x"), KEY)
    assert err.kind == "bad_request" and err.status == 400
    assert "tool" in err.message


def test_openai_server_refuses_an_old_style_tool_message(srv: LLMServer) -> None:
    # Sent as before (no id): the real API answers 400, so such cases are worth converting.
    old = (Message("user", "hi"), Message("assistant", "ok"), Message("tool", "18C"))
    err = fail(_openai(srv), _request(old, "gpt-test"), KEY)
    assert err.status == 400 and "tool_call_id" in err.message


def test_old_style_conversation_request_and_cache_key_are_unchanged() -> None:
    # Digest computed with evalkit before messages could carry tool calls: an old cache and
    # old runs' requests must still match byte for byte.
    req = Request(
        case_id="c",
        repeat=1,
        model="gpt-test",
        messages=(
            Message("system", "Be brief."),
            Message("user", "Weather?"),
            Message("assistant", "Sunny."),
            Message("tool", "18C"),
            Message("user", "And tomorrow?"),
        ),
        params={"temperature": 0},
        metadata={"source": "evalkit"},
    )
    assert json.dumps(req.to_dict(), sort_keys=True) == (
        '{"messages": [{"content": "Be brief.", "role": "system"}, {"content": "Weather?", '
        '"role": "user"}, {"content": "Sunny.", "role": "assistant"}, {"content": "18C", '
        '"role": "tool"}, {"content": "And tomorrow?", "role": "user"}], "metadata": '
        '{"source": "evalkit"}, "model": "gpt-test", "params": {"temperature": 0}, '
        '"tool_choice": null, "tools": []}'
    )
    assert req.cache_key("openai", None) == (
        "78a99225ca2d7e30ea7c2a703d9a7f27aba8b36fe1a913a7b26fbabda8e8ee20"
    )


def test_tool_turns_are_part_of_the_cache_key() -> None:
    with_calls = _request(CONVERSATION)
    plain = Request("wx", 0, "m", tuple(Message(m.role, m.content) for m in with_calls.messages))
    assert with_calls.cache_key("openai", None) != plain.cache_key("openai", None)
    stored = with_calls.to_dict()["messages"][2]
    assert stored["tool_calls"][1] == {
        "name": "get_weather",
        "arguments": {"city": "Oslo"},
        "id": "call_o",
    }
    assert sha256_json(stored) == sha256_json(Message.from_dict(stored).to_dict())


SEEN: list[tuple[Message, ...]] = []


def pipeline(request: Request) -> str:
    SEEN.append(request.messages)
    return "ok"


def test_callable_receives_the_structured_messages() -> None:
    provider = CallableProvider(ProviderSettings("p", options={"target": f"{HERE}:pipeline"}))
    call(provider, _request(CONVERSATION))
    msgs = SEEN[-1]
    assert msgs[2].tool_calls[1] == ToolCall("get_weather", {"city": "Oslo"}, id="call_o")
    assert (msgs[3].tool_call_id, msgs[3].name) == ("call_p", "get_weather")
    assert (msgs[4].tool_call_id, msgs[4].name) == ("call_o", None)


def test_anthropic_refuses_tool_turns_without_tools_before_sending(srv: LLMServer) -> None:
    # QA9: the Messages API answers tool_use / tool_result blocks without tools with HTTP 400
    bare = replace(_request(CONVERSATION, "claude-test"), tools=())
    sent = len(srv.requests)
    err = fail(_anthropic(srv), bare, KEY)
    assert err.kind == "bad_request" and not err.retryable
    assert "no tools are declared" in err.message and '"tools"' in err.message
    assert len(srv.requests) == sent  # nothing was sent
