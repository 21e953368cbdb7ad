"""A real registered provider whose behaviour is scripted by the case text, for engine tests.

Directives in the last message (like the loopback server's, but without HTTP):
``[[fail:N:KIND]]`` fails the first N attempts of that (case, repeat) with KIND (retryable
kinds: rate_limit, server, timeout, connection), ``[[error:KIND]]`` always fails,
``[[sleep:MS]]`` waits, ``[[crash]]`` raises a plain exception (a pipeline bug).
Answer: ``echo: <text>`` with usage = words in / words out.

Options: ``latency_ms`` (every call), ``call_log`` (a file that gets one line per call, to
count calls across processes), ``key`` (a name under which calls are counted in
:data:`CALLS`, so tests can assert how often the provider was really called), ``retry_after``.
Use it by reference (``tests.helpers.scripted_provider:ScriptedProvider``), which also works
in a subprocess, or as ``"scripted"`` after importing this module.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import ClassVar

from evalkit.errors import ProviderError
from evalkit.providers.base import PROVIDERS, Provider, Request, Response, Usage
from evalkit.scoring import Score, ScoreContext, Scorer

CALLS: defaultdict[str, Counter[tuple[str, int]]] = defaultdict(Counter)
"""key option → (case_id, repeat) → number of calls."""
IN_FLIGHT: Counter[str] = Counter()
MAX_IN_FLIGHT: Counter[str] = Counter()

_FAIL = re.compile(r"\[\[fail:(\d+):(\w+)\]\]")
_ERROR = re.compile(r"\[\[error:(\w+)\]\]")
_SLEEP = re.compile(r"\[\[sleep:(\d+)\]\]")
_STATUS = {"rate_limit": 429, "server": 500, "bad_request": 400, "auth": 401, "not_found": 404}
_RETRYABLE = {"rate_limit", "server", "timeout", "connection"}


class ScriptedProvider(Provider):
    name = "scripted"

    async def complete(self, request: Request) -> Response:
        opts = self.settings.options
        key = str(opts.get("key", "default"))
        calls = CALLS[key]
        calls[(request.case_id, request.repeat)] += 1
        if opts.get("call_log"):  # calls counted across processes: one appended line each
            with open(str(opts["call_log"]), "a", encoding="utf-8") as fh:
                fh.write(f"{request.case_id} {request.repeat}\n")
        attempt = calls[(request.case_id, request.repeat)]
        text = request.messages[-1].content
        IN_FLIGHT[key] += 1
        MAX_IN_FLIGHT[key] = max(MAX_IN_FLIGHT[key], IN_FLIGHT[key])
        try:
            delay = float(opts.get("latency_ms", 0)) / 1000
            m = _SLEEP.search(text)
            if m:
                delay = int(m.group(1)) / 1000
            if delay:
                await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)
        finally:
            IN_FLIGHT[key] -= 1
        m = _FAIL.search(text)
        if m and attempt <= int(m.group(1)):
            raise self._error(m.group(2), opts.get("retry_after"))
        m = _ERROR.search(text)
        if m:
            raise self._error(m.group(1), opts.get("retry_after"))
        if "[[crash]]" in text:
            raise ValueError("pipeline bug")
        answer = "echo: " + re.sub(r"\[\[[^\]]*\]\]", "", text).strip()
        return Response(
            text=answer,
            finish_reason="stop",
            usage=Usage(sum(len(m.content.split()) for m in request.messages), len(answer.split())),
            model=request.model,
            request_id=f"req-{request.case_id}-{request.repeat}-{attempt}",
            latency_ms=delay * 1000,
        )

    @staticmethod
    def _error(kind: str, retry_after: object) -> ProviderError:
        return ProviderError(
            kind,
            f"scripted {kind} error",
            status=_STATUS.get(kind),
            retryable=kind in _RETRYABLE,
            retry_after=float(retry_after) if retry_after is not None else None,  # type: ignore[arg-type]
        )


class UncacheableProvider(ScriptedProvider):
    name = "uncacheable"
    cacheable = False


PROVIDERS.register("scripted", ScriptedProvider)
PROVIDERS.register("uncacheable", UncacheableProvider)

REF = "tests.helpers.scripted_provider:ScriptedProvider"


@dataclass
class WordCount(Scorer):
    """A picklable, CPU-bound dataclass scorer: passes when the output has >= ``min_words``."""

    name: ClassVar[str] = "word_count"
    cpu_bound: ClassVar[bool] = True
    min_words: int = 2
    threshold: float = 0.5

    def score(self, ctx: ScoreContext) -> Score:
        n = len(ctx.response.text.split())
        return Score(
            1.0 if n >= self.min_words else 0.0,
            n >= self.min_words,
            f"{n} words",
            {"pid": os.getpid()},
        )
