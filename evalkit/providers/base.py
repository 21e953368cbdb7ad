"""The provider interface: one normalised :class:`Request` in, one :class:`Response` out.

A provider makes exactly one call. Policy (retries, backoff, rate limits, caching, timeouts
above the SDK's) belongs to the engine, so SDK clients are built with their own retries off
and evalkit alone counts attempts. A provider signals a failed call by raising
:class:`~evalkit.errors.ProviderError` with a ``kind`` from :data:`ERROR_KINDS` and says
whether it is ``retryable``.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from evalkit.dataset import Case, Message, ToolSpec

# Defined with the eval set (a conversation holds the calls an assistant made); re-exported
# here, where a response's calls have always been imported from.
from evalkit.dataset_messages import ToolCall
from evalkit.hashing import sha256_json
from evalkit.registry import Registry

__all__ = [
    "ERROR_KINDS",
    "FINISH_REASONS",
    "PROVIDERS",
    "Provider",
    "ProviderSettings",
    "Request",
    "Response",
    "ToolCall",
    "Usage",
    "finish_reason_of",
]

ERROR_KINDS = (
    "rate_limit",
    "server",
    "timeout",
    "connection",
    "bad_request",
    "auth",
    "not_found",
    "malformed_response",
    "cache_miss",
    "replay_missing",
    "provider",
    "unknown",
)
"""Closed set of provider error kinds, counted by kind in every run summary."""

FinishReason = Literal[
    "stop", "length", "tool_calls", "content_filter", "refusal", "error", "unknown"
]
FINISH_REASONS: tuple[str, ...] = (
    "stop",
    "length",
    "tool_calls",
    "content_filter",
    "refusal",
    "error",
    "unknown",
)


_FINISH_RAW: dict[str, FinishReason] = {
    **dict.fromkeys(("stop", "eos", "eos_token", "end", "stop_sequence", "end_turn"), "stop"),
    "pause_turn": "stop",
    **dict.fromkeys(("length", "max_tokens", "max_output_tokens"), "length"),
    **dict.fromkeys(("model_length", "model_context_window_exceeded"), "length"),
    **dict.fromkeys(("tool_calls", "function_call", "tool_use"), "tool_calls"),
    **dict.fromkeys(("content_filter", "safety", "recitation"), "content_filter"),
    "refusal": "refusal",
    **dict.fromkeys(("error", "abort"), "error"),
}


def finish_reason_of(raw: Any) -> FinishReason:
    """A provider's raw finish/stop reason in evalkit's closed form, the same for every
    adapter: OpenAI's ``length`` and Anthropic's ``max_tokens`` are both ``"length"`` (an
    answer cut off by the token limit, which the verdict's ``new_truncated`` rule reads), and
    so is what OpenAI-compatible servers (vLLM, Ollama, LiteLLM) and a callable or replay file
    write. Case is ignored; anything else is ``"unknown"`` (the raw value is kept beside it)."""
    if not isinstance(raw, str):
        return "unknown"
    return _FINISH_RAW.get(raw.strip().lower(), "unknown")


@dataclass(frozen=True, slots=True)
class Request:
    """What is sent for one case and repeat, after rendering, in provider-neutral form."""

    case_id: str
    repeat: int
    model: str
    messages: tuple[Message, ...]
    """The conversation; a system message, when there is one, comes first."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Sampling parameters passed through (temperature, max_tokens, seed, top_p, stop, ...)."""
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: str | Mapping[str, Any] | None = None
    """``"auto"``, ``"none"``, ``"required"`` or ``{"name": ...}``."""
    metadata: Mapping[str, str] = field(default_factory=dict)
    """Traffic tags (``{"source": "evalkit"}``) the provider forwards where its API allows."""
    case: Case | None = field(default=None, compare=False, repr=False)
    """The case itself, for providers that run a team's own pipeline (``callable``); never
    sent to a model API, stored or hashed."""

    @property
    def system(self) -> str | None:
        return (
            self.messages[0].content
            if self.messages and self.messages[0].role == "system"
            else None
        )

    def to_dict(self) -> dict[str, Any]:
        """The request as stored in ``results.jsonl`` (``request``)."""
        return {
            "model": self.model,
            "messages": [m.to_dict() for m in self.messages],
            "params": dict(self.params),
            "tools": [t.to_dict() for t in self.tools],
            "tool_choice": self.tool_choice,
            "metadata": dict(self.metadata),
        }

    def cache_key(self, provider: str, base_url: str | None) -> str:
        """sha256 of the canonical JSON of everything that determines the answer.

        ``{"provider", "base_url", "model", "messages", "params", "tools", "tool_choice",
        "repeat"}``: the repeat index is part of it so that K repeats are K real samples;
        metadata and the case id are not, so renaming a case reuses its cached answers.
        """
        d = self.to_dict()
        del d["metadata"]
        d.update(provider=provider, base_url=base_url, repeat=self.repeat)
        return sha256_json(d)


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts. ``estimated`` marks counts evalkit guessed because the provider sent none."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    """Input tokens served from the provider's prompt cache (a subset of ``input_tokens``)."""
    estimated: bool = False
    cache_write_tokens: int | None = None
    """Input tokens written to the provider's prompt cache (a subset of ``input_tokens``, apart
    from ``cached_tokens``), which Anthropic bills above the input rate; ``None`` when the
    provider reports none (OpenAI caches without a write charge)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "estimated": self.estimated,
        }
        if self.cache_write_tokens is not None:  # records of other providers stay as they were
            out["cache_write_tokens"] = self.cache_write_tokens
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Usage:
        d = d or {}
        return cls(
            d.get("input_tokens"),
            d.get("output_tokens"),
            d.get("cached_tokens"),
            bool(d.get("estimated", False)),
            d.get("cache_write_tokens"),
        )


@dataclass(frozen=True, slots=True)
class Response:
    """A provider's answer, normalised across providers."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: FinishReason = "unknown"
    finish_reason_raw: str | None = None
    """The provider's own stop reason (``end_turn``, ``tool_use``, ...)."""
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
    """The model ID the provider reports having used (may differ from the one asked for)."""
    request_id: str | None = None
    latency_ms: float | None = None
    raw: Mapping[str, Any] | None = None
    """The provider's raw body, for debugging; not used for scoring."""
    cached: bool = False
    """Served from evalkit's response cache rather than the provider."""
    headers: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """The provider's rate-limit headers (``x-ratelimit-*``, ``anthropic-ratelimit-*``),
    lower-cased, for adaptive concurrency; never stored or cached."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "tool_calls": [t.to_dict() for t in self.tool_calls],
            "finish_reason": self.finish_reason,
            "finish_reason_raw": self.finish_reason_raw,
            "usage": self.usage.to_dict(),
            "model": self.model,
            "request_id": self.request_id,
            "latency_ms": self.latency_ms,
            "raw": self.raw,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Response:
        fr = d.get("finish_reason", "unknown")
        return cls(
            text=d.get("text") or "",
            tool_calls=tuple(ToolCall.from_dict(t) for t in d.get("tool_calls") or ()),
            finish_reason=fr if fr in FINISH_REASONS else "unknown",
            finish_reason_raw=d.get("finish_reason_raw"),
            usage=Usage.from_dict(d.get("usage")),
            model=d.get("model"),
            request_id=d.get("request_id"),
            latency_ms=d.get("latency_ms"),
            raw=d.get("raw"),
        )


@dataclass(frozen=True)
class ProviderSettings:
    """How to reach a provider: from the candidate; never part of its fingerprint but ``base_url``."""

    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    """Name of the environment variable holding the key; the key itself is never stored."""
    timeout_s: float = 60.0
    options: Mapping[str, Any] = field(default_factory=dict)
    """Provider-specific options from the candidate (e.g. replay ``path``, callable ``target``)."""
    base_dir: str | None = None
    """Folder of the config file, for resolving relative paths in ``options``."""


class Provider(abc.ABC):
    """Makes one model call. Subclasses are registered in :data:`PROVIDERS` by name."""

    name: str = "provider"
    cacheable: bool = True
    """Whether the engine may cache this provider's responses (replay: no point)."""
    spends: bool = True
    """Whether its answers cost money now. A replay's answers are priced (so runs compare on
    cost) but spend nothing, so they never count against a budget."""

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    @abc.abstractmethod
    async def complete(self, request: Request) -> Response:
        """Send ``request`` once; raise :class:`~evalkit.errors.ProviderError` on failure."""

    @property
    def cache_scope(self) -> str | None:
        """What, beside the request, decides this provider's answer: the ``base_url`` part of
        :meth:`Request.cache_key`. ``callable`` adds its code's hash, so an edited pipeline
        misses the cache instead of serving old answers (the dispatcher is to key on this)."""
        return self.settings.base_url

    async def aclose(self) -> None:
        """Release connections; the engine calls it once when the run ends."""
        return None


PROVIDERS: Registry[type[Provider]] = Registry(
    "provider",
    "evalkit.providers",
    {
        "openai": "evalkit.providers.openai:OpenAIProvider",
        "anthropic": "evalkit.providers.anthropic:AnthropicProvider",
        "callable": "evalkit.providers.callable:CallableProvider",
        "replay": "evalkit.providers.replay:ReplayProvider",
    },
)
"""Provider registry. Third parties add ``[project.entry-points."evalkit.providers"]``."""
