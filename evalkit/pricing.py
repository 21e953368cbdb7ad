"""Model prices and token usage: what one request cost, in USD.

The shipped table (``evalkit/data/prices.json``) holds list prices in USD per million tokens
for input, output, cached-input (prompt-cache read) and, for Anthropic models, cache-write
tokens, each with the date it was taken and the page it came from. The config's ``[prices]``
table overrides or extends it::

    [prices]
    "gpt-4o" = { input = 2.5, output = 10.0, cached_input = 1.25 }
    "my-claude" = { input = 3, output = 15, cached_input = 0.3, cache_write = 3.75 }
    "my-azure-deployment" = { same_as = "gpt-4o" }

Prompt-cache writes are billed apart only where the provider reports them (Anthropic's
``cache_creation_input_tokens``, :attr:`Usage.cache_write_tokens`): at ``cache_write``, or
:data:`CACHE_WRITE_FACTOR` x input when the entry gives none, which is Anthropic's
five-minute cache write. OpenAI reports no writes and charges none.

A model without a price costs ``None`` (unknown), never ``0``: a zero would silently make an
unpriced candidate look free in every comparison. Dated model IDs (``gpt-4o-2024-08-06``,
``claude-3-5-sonnet-20241022``), ``-latest`` and gateway prefixes (``openai/gpt-4o``) resolve
to their base entry; anything else (``gpt-4o-audio-preview``, ``o1-pro``) stays unknown rather
than borrowing the price of a shorter name that merely shares a prefix.

Which model a response is priced as (:func:`priced_model`, used by the engine's order and the
``cost`` scorer alike): the requested one, and only when that has no price, the one the
provider reports having used. The config's ``[prices]`` names what it asks for (an Azure
deployment, a ``same_as`` alias, a local model), so that entry must win over the list price of
the model behind it; a router's alias (``openrouter/auto``) has no price and falls back to
the concrete model it reports.

Where a provider reports no usage, :func:`estimate_usage` guesses it from text length and the
result carries ``estimated=True`` so every figure built on it can say so.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

from evalkit.errors import ConfigError, Problem, did_you_mean
from evalkit.hashing import canonical_json
from evalkit.providers.base import Request, Response, Usage

__all__ = [
    "CACHE_WRITE_FACTOR",
    "CHARS_PER_TOKEN",
    "MESSAGE_OVERHEAD_TOKENS",
    "MIN_RATE",
    "Price",
    "PriceTable",
    "cost_of",
    "estimate_input_tokens",
    "estimate_tokens",
    "estimate_usage",
    "load_prices",
    "price_for",
    "priced_model",
    "usage_or_estimate",
]

CHARS_PER_TOKEN = 4.0
"""The estimation heuristic: about four characters of English per token (OpenAI's rule of
thumb for its BPE tokenizers; Anthropic's is similar). Code and non-Latin text tokenise
denser, so estimates there run low."""
MESSAGE_OVERHEAD_TOKENS = 4
"""Tokens each chat message costs beyond its content (role and separators)."""
REPLY_PRIMING_TOKENS = 3
"""Tokens every chat request adds to prime the assistant's reply."""

_PER_MILLION = 1_000_000
CACHE_WRITE_FACTOR = 1.25
"""Cache-write rate as a multiple of the input rate when a price gives no ``cache_write``:
Anthropic bills a five-minute prompt-cache write at 1.25x input (a one-hour write at 2x,
which needs an explicit ``cache_write``). Only providers that report writes pay it."""
MIN_RATE = 0.001
"""The smallest non-zero rate accepted, USD per million tokens. No provider lists a price
below it (the cheapest are about $0.02), while a per-1K price is 1,000 times and a per-token
price 1,000,000 times smaller than the per-million one: ``input = 0.00015`` is gpt-4o-mini's
per-1K rate, and accepting it would make a candidate look 1,000 times cheaper. ``0`` stays
valid for a model that is explicitly free."""
_OVERRIDE_KEYS = ("input", "output", "cached_input", "cache_write", "as_of", "source", "same_as")
_RATES = ("input", "output", "cached_input", "cache_write")
# What may follow a priced name and still be the same model: dates, "-latest", Bedrock's
# "-v2:0" and Vertex's "@20241022". Anything else is a different model.
_SUFFIX = re.compile(r"(?:-\d{4}-\d{2}-\d{2}|-\d{8}|-latest|@\d{8}|@latest|-v\d+(?::\d+)?)+")
# Gateway and cloud prefixes: "openai/", "anthropic/", Bedrock's "us.anthropic.".
_PREFIX = re.compile(r"^(?:[a-z0-9_-]+/)+|^(?:[a-z]{2}\.)?anthropic\.")


@dataclass(frozen=True, slots=True)
class Price:
    """The list price of one model, USD per million tokens."""

    model: str
    """The table entry the price belongs to (``gpt-4o`` also for ``gpt-4o-2024-08-06``)."""
    input: float
    output: float
    cached_input: float | None = None
    """Rate for input tokens read from the provider's prompt cache; ``None``: no discount."""
    as_of: str | None = None
    """The date (ISO) the price was taken from the provider's published prices."""
    source: str = ""
    """Where it came from: the provider's page name, or ``config [prices]``."""
    cache_write: float | None = None
    """Rate for input tokens written to the provider's prompt cache; ``None``:
    :data:`CACHE_WRITE_FACTOR` x ``input``. Applies only to writes a provider reports."""

    @property
    def cache_write_rate(self) -> float:
        """The rate cache writes are billed at (``cache_write`` or its default)."""
        return self.input * CACHE_WRITE_FACTOR if self.cache_write is None else self.cache_write

    def cost(self, usage: Usage) -> float | None:
        """USD for ``usage``; ``None`` when input or output counts are unknown.

        Cache reads and writes are subsets of input tokens (apart from each other), billed at
        ``cached_input`` and :attr:`cache_write_rate` instead of ``input``.
        """
        if usage.input_tokens is None or usage.output_tokens is None:
            return None
        cached = min(max(usage.cached_tokens or 0, 0), usage.input_tokens)
        written = min(max(usage.cache_write_tokens or 0, 0), usage.input_tokens - cached)
        cached_rate = self.input if self.cached_input is None else self.cached_input
        total = (
            (usage.input_tokens - cached - written) * self.input
            + cached * cached_rate
            + written * self.cache_write_rate
            + usage.output_tokens * self.output
        )
        return total / _PER_MILLION

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "input": self.input,
            "output": self.output,
            "cached_input": self.cached_input,
            "cache_write": self.cache_write,
            "as_of": self.as_of,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Price:
        return cls(
            model=str(d["model"]),
            input=float(d["input"]),
            output=float(d["output"]),
            cached_input=None if d.get("cached_input") is None else float(d["cached_input"]),
            as_of=d.get("as_of"),
            source=str(d.get("source") or ""),
            cache_write=None if d.get("cache_write") is None else float(d["cache_write"]),
        )


@dataclass(frozen=True)
class PriceTable:
    """Prices by model name plus aliases; :meth:`price_for` resolves dated IDs."""

    prices: Mapping[str, Price]
    aliases: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def _folded(self) -> dict[str, str]:
        """Lower-cased entry and alias names → the entry, so ``[prices] "My-Model"`` prices
        ``my-model-2025-01-01`` too (look-ups lower-case the model ID before stripping)."""
        out = {k.lower(): k for k in self.prices}
        for alias, target in self.aliases.items():
            if target in self.prices:
                out.setdefault(alias.lower(), target)
        return out

    def resolve(self, model: str) -> str | None:
        """The table entry ``model`` is priced by, or ``None``."""
        for name in _candidates(model):
            if name in self.prices:
                return name
            if name in self.aliases and self.aliases[name] in self.prices:
                return self.aliases[name]
            if name.lower() in self._folded:
                return self._folded[name.lower()]
        return None

    def price_for(self, model: str) -> Price | None:
        """The price of ``model``, or ``None`` when it is unknown (never a zero price)."""
        entry = self.resolve(model)
        return self.prices[entry] if entry is not None else None


def _candidates(model: str) -> list[str]:
    """Names to look up for ``model``, most specific first."""
    raw = model.strip()
    out = [raw, raw.lower()]
    bare = _PREFIX.sub("", raw.lower())
    out.append(bare)
    stripped = bare
    # Strip one recognised suffix group at a time from the right.
    while True:
        m = re.search(_SUFFIX.pattern + "$", stripped)
        if not m or m.start() == 0:
            break
        stripped = stripped[: m.start()]
        out.append(stripped)
    return list(dict.fromkeys(out))


def _builtin_raw() -> dict[str, Any]:
    global _BUILTIN_CACHE
    if _BUILTIN_CACHE is None:
        text = resources.files("evalkit").joinpath("data/prices.json").read_text("utf-8")
        _BUILTIN_CACHE = json.loads(text)
    return _BUILTIN_CACHE


_BUILTIN_CACHE: dict[str, Any] | None = None
_TABLES: dict[str, PriceTable] = {}


def load_prices(
    overrides: Mapping[str, Mapping[str, Any]] | None = None, *, where: str = "config: [prices]"
) -> PriceTable:
    """The shipped table with ``overrides`` (the config's ``[prices]``) applied on top.

    Raises :class:`ConfigError` listing every bad override (missing rate, negative or
    non-numeric rate, unknown key, ``same_as`` naming an unpriced model).
    """
    # default=str: TOML turns an unquoted as_of (2025-01-01) into a date
    key = json.dumps(overrides or {}, sort_keys=True, default=str)
    if key in _TABLES:
        return _TABLES[key]
    raw = _builtin_raw()
    prices = {
        name: Price.from_dict({"model": name, **body}) for name, body in raw["models"].items()
    }
    aliases = dict(raw.get("aliases", {}))
    base = PriceTable(dict(prices), aliases)
    problems: list[Problem] = []
    for name, body in (overrides or {}).items():
        price = _parse_override(str(name), body, base, f"{where} {name}", problems)
        if price is not None:
            prices[str(name)] = price
    if problems:
        raise ConfigError(problems)
    table = PriceTable(prices, aliases)
    _TABLES[key] = table
    return table


def _parse_override(
    name: str, body: Any, base: PriceTable, where: str, problems: list[Problem]
) -> Price | None:
    if not isinstance(body, Mapping):
        problems.append(
            Problem(where, "must be a table {input, output, cached_input, cache_write}")
        )
        return None
    for k in body:
        if k not in _OVERRIDE_KEYS:
            hint = did_you_mean(str(k), _OVERRIDE_KEYS)
            problems.append(
                Problem(where, f"unknown key {k!r};{hint} valid: {list(_OVERRIDE_KEYS)}")
            )
    if "same_as" in body:
        target = base.price_for(str(body["same_as"]))
        if target is None:
            problems.append(
                Problem(where, f"same_as {body['same_as']!r} has no price; name a priced model")
            )
            return None
        return Price(
            name,
            target.input,
            target.output,
            target.cached_input,
            target.as_of,
            f"config [prices] same_as {target.model} ({target.source})",
            target.cache_write,
        )
    rates: dict[str, float | None] = {}
    for k in _RATES:
        v = body.get(k)
        if v is None:
            if k in ("input", "output"):
                problems.append(Problem(where, f"{k!r} is missing; give USD per million tokens"))
            rates[k] = None
        elif isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or math.isnan(v):
            problems.append(
                Problem(
                    where,
                    f"{k!r} = {v!r} must be a number >= 0; give the list price in USD per "
                    "million tokens (0 for a free model)",
                )
            )
            rates[k] = None
        elif 0 < v < MIN_RATE:
            problems.append(
                Problem(
                    where,
                    f"{k!r} = {v!r} is below ${MIN_RATE} per million tokens, which no provider "
                    "charges; rates are USD per 1M tokens: multiply a per-1K price by 1,000 "
                    "and a per-token price by 1,000,000 (0 means free)",
                )
            )
            rates[k] = None
        else:
            rates[k] = float(v)
    if rates["input"] is None or rates["output"] is None:
        return None
    return Price(
        name,
        rates["input"],
        rates["output"],
        rates["cached_input"],
        None if body.get("as_of") is None else str(body["as_of"]),
        str(body.get("source") or "config [prices]"),
        rates["cache_write"],
    )


def priced_model(
    table: PriceTable, requested: str | None, reported: str | None
) -> tuple[str, Price] | None:
    """The model a response is priced as, with its price: ``requested`` when the table prices
    it, else ``reported`` (what the provider says it used); ``None`` when neither is priced.
    The one order of the engine and the ``cost`` scorer (see the module docstring)."""
    for model in (requested, reported):
        if model:
            price = table.price_for(model)
            if price is not None:
                return model, price
    return None


def price_for(model: str, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Price | None:
    """The price of ``model`` from the shipped table plus ``overrides``; ``None`` if unknown."""
    return load_prices(overrides).price_for(model)


def cost_of(
    model: str, usage: Usage, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> float | None:
    """USD for one request; ``None`` (unknown) when the model has no price or counts are missing."""
    price = price_for(model, overrides)
    return price.cost(usage) if price is not None else None


def estimate_tokens(text: str) -> int:
    """About ``len(text) / CHARS_PER_TOKEN`` tokens, rounded up; 0 for empty text."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def estimate_input_tokens(request: Request) -> int:
    """The request's input tokens, estimated: each message's content (and an assistant turn's
    tool calls) at :data:`CHARS_PER_TOKEN` plus :data:`MESSAGE_OVERHEAD_TOKENS`, the tool
    specs' JSON, plus :data:`REPLY_PRIMING_TOKENS`. Also what a budget reserves before sending
    (:mod:`evalkit.engine_budget`)."""
    inp = REPLY_PRIMING_TOKENS
    for m in request.messages:
        inp += estimate_tokens(m.content) + MESSAGE_OVERHEAD_TOKENS
        for call in m.tool_calls:  # an assistant turn's calls in a tool conversation
            inp += estimate_tokens(call.name + canonical_json(call.arguments))
    for t in request.tools:
        inp += estimate_tokens(canonical_json(t.to_dict()))
    return inp


def estimate_usage(request: Request, response: Response) -> Usage:
    """Guess token counts for a provider that reports none; ``estimated=True``.

    Input: :func:`estimate_input_tokens`. Output: the text plus each tool call's name and JSON arguments. No cached tokens.
    """
    inp = estimate_input_tokens(request)
    out = estimate_tokens(response.text)
    for c in response.tool_calls:
        args = c.raw_arguments if c.raw_arguments is not None else canonical_json(c.arguments)
        out += estimate_tokens(c.name) + estimate_tokens(args or "") + MESSAGE_OVERHEAD_TOKENS
    return Usage(input_tokens=inp, output_tokens=out, cached_tokens=0, estimated=True)


def usage_or_estimate(request: Request, response: Response) -> Usage:
    """The provider's usage when complete, else with the missing counts estimated (flagged)."""
    u = response.usage
    if u.input_tokens is not None and u.output_tokens is not None:
        return u
    guess = estimate_usage(request, response)
    return Usage(
        input_tokens=u.input_tokens if u.input_tokens is not None else guess.input_tokens,
        output_tokens=u.output_tokens if u.output_tokens is not None else guess.output_tokens,
        cached_tokens=u.cached_tokens if u.cached_tokens is not None else 0,
        estimated=True,
        cache_write_tokens=u.cache_write_tokens,
    )
