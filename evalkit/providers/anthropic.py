"""The ``anthropic`` provider: the Messages API through the official ``anthropic`` SDK.

The request's system message becomes ``system``; tools become ``input_schema`` tools;
``tool_use`` blocks come back as :class:`~evalkit.providers.base.ToolCall` (their input is
already an object). A conversation's own tool calls go out as ``tool_use`` blocks and its tool
results as ``tool_result`` blocks of the following user turn. The key comes from the variable named by ``api_key_env`` (default
``ANTHROPIC_API_KEY``), read on the first request and scrubbed from every message.

Parameters pass through, with these translations so that one candidate's params can serve
both providers: ``stop`` → ``stop_sequences``, ``max_completion_tokens`` → ``max_tokens``,
``parallel_tool_calls: false`` → ``tool_choice.disable_parallel_tool_use``; OpenAI-only
sampling knobs the API rejects (``seed``, ``frequency_penalty``, ``presence_penalty``,
``logprobs``, ``top_logprobs``, ``n``, ``response_format``) are dropped. ``max_tokens`` is
required by the API: when params give none, ``options.max_tokens`` (default 1024) is sent.

Usage: the API counts prompt-cache reads apart from ``input_tokens``; evalkit's
``input_tokens`` is the whole prompt (``input_tokens + cache_creation_input_tokens +
cache_read_input_tokens``) and ``cached_tokens`` the cache reads, the same meaning as for
OpenAI, so costs compare across providers; ``cache_write_tokens`` keeps the cache writes
(``cache_creation_input_tokens``), which :mod:`evalkit.pricing` bills at the model's
``cache_write`` rate (1.25x input when the price table gives none).

Options: ``max_tokens``, ``send_metadata`` (default ``true``: the request's traffic tags go
to ``metadata.user_id`` as ``k=v;k=v``), ``headers`` (extra HTTP headers, e.g. a beta).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from evalkit.dataset import Message
from evalkit.errors import ProviderError
from evalkit.providers._errors import malformed, tool_call
from evalkit.providers._sdk import SDKProvider
from evalkit.providers.base import (
    ProviderSettings,
    Request,
    Response,
    ToolCall,
    Usage,
    finish_reason_of,
)

__all__ = ["AnthropicProvider"]

DEFAULT_MAX_TOKENS = 1024

_DROPPED = frozenset(
    {
        "seed",
        "frequency_penalty",
        "presence_penalty",
        "logprobs",
        "top_logprobs",
        "n",
        "response_format",
    }
)


class AnthropicProvider(SDKProvider):
    """One Messages API call per :meth:`complete`, SDK retries off."""

    name = "anthropic"
    default_key_env = "ANTHROPIC_API_KEY"
    path = "/v1/messages"
    key_hint = "your Anthropic API key"

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self._send_metadata = bool(settings.options.get("send_metadata", True))
        self._max_tokens = int(settings.options.get("max_tokens", DEFAULT_MAX_TOKENS))

    def client_class(self) -> Any:
        from anthropic import AsyncAnthropic

        return AsyncAnthropic

    def parse(self, *args: Any) -> Response:
        return parse_response(*args)

    def build_body(self, request: Request) -> dict[str, Any]:
        """The Messages API request body for ``request`` (public for inspection).

        A conversation with tool calls or tool results but no tools is refused before it is
        sent: the Messages API answers such a body with HTTP 400 ("tool_use" blocks need the
        tools defined), which a case can only fix in its own input."""
        if not request.tools and any(m.role == "tool" or m.tool_calls for m in request.messages):
            raise ProviderError(
                "bad_request",
                f"anthropic {request.model}: case {request.case_id!r}: its conversation has tool "
                "calls or tool results but no tools are declared, which the Messages API "
                'refuses (HTTP 400); give the case (field "tools") or the candidate the tools '
                "those calls use; nothing was sent",
            )
        system = [m.content for m in request.messages if m.role == "system"]
        body: dict[str, Any] = {
            "model": request.model,
            "max_tokens": self._max_tokens,
            "messages": _messages(request.messages),
        }
        if system:
            body["system"] = "\n\n".join(system)
        parallel = True
        for k, v in request.params.items():
            if v is None or k in _DROPPED:
                continue
            if k == "stop":
                body["stop_sequences"] = [v] if isinstance(v, str) else list(v)
            elif k in ("max_tokens", "max_completion_tokens"):
                body["max_tokens"] = v
            elif k == "parallel_tool_calls":
                parallel = bool(v)
            else:
                body[k] = v
        if request.tools:
            body["tools"] = [
                {
                    "name": t.name,
                    "description": t.description,
                    "input_schema": dict(t.parameters) or {"type": "object", "properties": {}},
                }
                for t in request.tools
            ]
        choice = _tool_choice(request.tool_choice)
        if not parallel and request.tools:
            choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
        if choice is not None:
            body["tool_choice"] = choice
        if request.metadata and self._send_metadata and "metadata" not in body:
            user = ";".join(f"{k}={v}" for k, v in request.metadata.items())[:256]
            body["metadata"] = {"user_id": user}
        return body


def _messages(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """The Messages API turns: an assistant turn's calls as ``tool_use`` blocks; the tool
    results after it as ``tool_result`` blocks of one user turn (the API wants every result
    of a turn together, first in the next user message, so a user message right after the
    results joins that turn as a text block). Turns without tool structure are sent as
    before, an old-style tool message (no id) as a user text turn."""
    out: list[dict[str, Any]] = []
    results: list[dict[str, Any]] | None = None  # the open user turn of tool results
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool" and m.tool_call_id is not None:
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content}
            if results is None:
                results = []
                out.append({"role": "user", "content": results})
            results.append(block)
            continue
        if m.role == "user" and results is not None:
            if m.content:  # the API refuses an empty text block
                results.append({"type": "text", "text": m.content})
            results = None
            continue
        results = None
        if m.role == "assistant" and m.tool_calls:
            blocks: list[dict[str, Any]] = (
                [{"type": "text", "text": m.content}] if m.content else []
            )
            blocks.extend(
                {"type": "tool_use", "id": c.id, "name": c.name, "input": dict(c.arguments or {})}
                for c in m.tool_calls
            )
            out.append({"role": "assistant", "content": blocks})
        else:
            out.append(
                {"role": "assistant" if m.role == "assistant" else "user", "content": m.content}
            )
    return out


def _tool_choice(choice: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if choice is None:
        return None
    if isinstance(choice, str):
        return {"type": {"required": "any"}.get(choice, choice)}
    if "type" in choice:  # already in Anthropic's own form
        return dict(choice)
    return {"type": "tool", "name": choice["name"]}


def parse_response(
    data: Mapping[str, Any],
    headers: Mapping[str, str],
    request_id: str | None,
    latency_ms: float,
    where: str,
) -> Response:
    """Normalise a Messages API body; a body without content is an error, not a crash."""
    if data.get("type") == "error":
        err = data.get("error")
        msg = err.get("message") if isinstance(err, Mapping) else err
        raise ProviderError(
            "server",
            f"{where}: the server answered 200 with an error: {str(msg)[:500]}; evalkit retries it",
            retryable=True,
        )
    content = data.get("content")
    if not isinstance(content, list):
        raise malformed(where, "no content list in the response body")
    texts: list[str] = []
    calls: list[ToolCall] = []
    for block in content:
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "tool_use":
            calls.append(
                tool_call(str(block.get("name") or ""), block.get("input"), block.get("id"))
            )
    raw_stop = data.get("stop_reason")
    usage = data.get("usage") or {}
    fresh = usage.get("input_tokens")
    read = usage.get("cache_read_input_tokens")
    written = usage.get("cache_creation_input_tokens")
    total_in = None if fresh is None else fresh + (read or 0) + (written or 0)
    return Response(
        text="".join(texts),
        tool_calls=tuple(calls),
        finish_reason=finish_reason_of(raw_stop),
        finish_reason_raw=raw_stop,
        usage=Usage(
            input_tokens=total_in,
            output_tokens=usage.get("output_tokens"),
            cached_tokens=read,
            cache_write_tokens=written,
        ),
        model=data.get("model"),
        request_id=request_id or data.get("id"),
        latency_ms=latency_ms,
        raw=data,
        headers=headers,
    )
