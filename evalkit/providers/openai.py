"""The ``openai`` provider: Chat Completions through the official ``openai`` SDK.

``base_url`` makes any OpenAI-compatible server work (vLLM, Ollama, llama.cpp server,
LiteLLM proxy). The API key is read from the environment variable named by
``api_key_env`` (default ``OPENAI_API_KEY``) when the first request is sent, kept only in
the SDK client, and scrubbed from every error message. A ``base_url`` server that needs no
key gets a placeholder.

Options (``[candidates.options]``):

* ``send_metadata`` (default ``true``): forward the request's traffic tags; ``false`` for
  servers that reject unknown fields.
* ``metadata_field`` (default ``"user"``): ``"user"`` sends the tags as the ``user`` string
  (``k=v;k=v``, accepted by OpenAI and the compatible servers), ``"metadata"`` as the
  ``metadata`` object (OpenAI requires ``store: true`` with it), ``"both"`` sends both.
* ``headers``: extra HTTP headers for every request (e.g. a LiteLLM tenant header).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from evalkit.dataset import Message
from evalkit.errors import InputError, ProviderError
from evalkit.providers._errors import malformed, tool_call
from evalkit.providers._sdk import SDKProvider
from evalkit.providers.base import (
    FinishReason,
    ProviderSettings,
    Request,
    Response,
    ToolCall,
    Usage,
    finish_reason_of,
)

__all__ = ["OpenAIProvider"]


class OpenAIProvider(SDKProvider):
    """One Chat Completions call per :meth:`complete`, SDK retries off."""

    name = "openai"
    default_key_env = "OPENAI_API_KEY"
    path = "/chat/completions"
    key_hint = "your OpenAI API key"

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        opts = settings.options
        self._send_metadata = bool(opts.get("send_metadata", True))
        self._metadata_field = str(opts.get("metadata_field", "user"))
        if self._metadata_field not in ("user", "metadata", "both"):
            raise InputError(
                f"openai options: metadata_field {self._metadata_field!r} is not one of "
                "'user', 'metadata', 'both'; fix the candidate's options"
            )

    def client_class(self) -> Any:
        from openai import AsyncOpenAI

        return AsyncOpenAI

    def parse(self, *args: Any) -> Response:
        return parse_response(*args)

    def build_body(self, request: Request) -> dict[str, Any]:
        """The Chat Completions request body for ``request`` (public for inspection)."""
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [_message(m) for m in request.messages],
        }
        for k, v in request.params.items():
            if v is not None:
                body[k] = v
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": dict(t.parameters) or {"type": "object", "properties": {}},
                    },
                }
                for t in request.tools
            ]
        if request.tool_choice is not None:
            body["tool_choice"] = _tool_choice(request.tool_choice)
        if request.metadata and self._send_metadata:
            if self._metadata_field in ("user", "both") and "user" not in body:
                body["user"] = ";".join(f"{k}={v}" for k, v in request.metadata.items())[:256]
            if self._metadata_field in ("metadata", "both") and "metadata" not in body:
                body["metadata"] = {str(k): str(v)[:512] for k, v in request.metadata.items()}
        return body


def _message(m: Message) -> dict[str, Any]:
    """One Chat Completions message: an assistant turn's calls as ``tool_calls`` (arguments a
    JSON string, as the API sends them), a tool result with the ``tool_call_id`` it answers.
    An old-style tool message without an id goes as it always did."""
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.tool_calls:
        out["content"] = m.content or None  # what the API itself sends for a calls-only turn
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {
                    "name": c.name,
                    "arguments": json.dumps(dict(c.arguments or {}), ensure_ascii=False),
                },
            }
            for c in m.tool_calls
        ]
    if m.role == "tool" and m.tool_call_id is not None:
        out["tool_call_id"] = m.tool_call_id
    return out


def _tool_choice(choice: str | Mapping[str, Any]) -> Any:
    if isinstance(choice, str):
        return choice
    if "type" in choice:  # already in OpenAI's own form
        return dict(choice)
    return {"type": "function", "function": {"name": choice["name"]}}


def parse_response(
    data: Mapping[str, Any],
    headers: Mapping[str, str],
    request_id: str | None,
    latency_ms: float,
    where: str,
) -> Response:
    """Normalise a Chat Completions body; a body without choices is an error, not a crash."""
    choices = data.get("choices")
    if not choices or not isinstance(choices, list) or not isinstance(choices[0], Mapping):
        err = data.get("error")
        if err:
            msg = err.get("message") if isinstance(err, Mapping) else err
            raise ProviderError(
                "server",
                f"{where}: the server answered 200 with an error: {str(msg)[:500]}; evalkit "
                "retries it",
                retryable=True,
            )
        raise malformed(where, "no choices in the response body")
    choice = choices[0]
    message = choice.get("message") or {}
    text = _text(message.get("content"))
    calls: list[ToolCall] = []
    for tc in message.get("tool_calls") or ():
        fn = tc.get("function") or {}
        calls.append(tool_call(str(fn.get("name") or ""), fn.get("arguments"), tc.get("id")))
    legacy = message.get("function_call")
    if legacy and not calls:
        calls.append(tool_call(str(legacy.get("name") or ""), legacy.get("arguments")))
    raw_finish = choice.get("finish_reason")
    finish: FinishReason = finish_reason_of(raw_finish)
    refusal = message.get("refusal")
    if refusal:
        finish = "refusal"
        text = text or str(refusal)
    usage = data.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    return Response(
        text=text,
        tool_calls=tuple(calls),
        finish_reason=finish,
        finish_reason_raw=raw_finish,
        usage=Usage(
            input_tokens=usage.get("prompt_tokens"),
            output_tokens=usage.get("completion_tokens"),
            cached_tokens=details.get("cached_tokens") if isinstance(details, Mapping) else None,
        ),
        model=data.get("model"),
        request_id=request_id or data.get("id"),
        latency_ms=latency_ms,
        raw=data,
        headers=headers,
    )


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts, as some compatible servers send
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return str(content)
