"""One LLM-judge call, made like any candidate request: cache, limits, retries, timeout.

Shared by the ``judge`` scorer and ``groundedness``'s judge mode, so that a judge's answers
are cached (a re-run costs nothing; ``require`` keeps offline CI offline), rate limits and
transient errors are handled by the engine's :class:`~evalkit.dispatch.Dispatcher`, and a
failed judge call becomes a :class:`~evalkit.errors.ScorerError` on that case, never a crash.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evalkit.errors import ScorerError
from evalkit.providers.base import Request, Response

__all__ = ["JudgeCaller"]


@dataclass
class JudgeCaller:
    """How to reach a judge; :meth:`ask` sends one request through the dispatcher."""

    provider: str
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    cache: str = "use"
    cache_dir: str = ".evalkit/cache"
    timeout_s: float = 60.0
    max_retries: int = 4
    concurrency: int = 8
    _state: Any = field(init=False, repr=False, compare=False, default=None)

    async def ask(self, request: Request, where: str) -> tuple[Response, bool]:
        """The judge's response and whether it came from the cache."""
        from evalkit.cache import ResponseCache
        from evalkit.dispatch import Dispatcher
        from evalkit.providers.base import PROVIDERS, ProviderSettings

        limits, policy = self._runtime()
        # A provider per call, closed before returning: scorers have no end-of-run hook, and
        # an HTTP client left open when the run's event loop ends leaks its connections.
        provider = PROVIDERS.get(self.provider)(
            ProviderSettings(
                model=self.model,
                base_url=self.base_url,
                api_key_env=self.api_key_env,
                timeout_s=self.timeout_s,
                options=dict(self.options),
            )
        )
        cache = (
            ResponseCache(self.cache_dir, lease_s=self.timeout_s * (self.max_retries + 1) + 60)
            if self.cache != "off" and provider.cacheable
            else None
        )
        try:
            dispatcher = Dispatcher(
                provider,
                provider_name=self.provider,
                limits=limits,
                policy=policy,
                cache=cache,
                cache_mode=self.cache,
                timeout_s=self.timeout_s,
            )
            out = await dispatcher.obtain(request)
        finally:
            if cache is not None:
                cache.close()
            await provider.aclose()
        assert out is not None
        if out.response is None:
            kind = out.error.kind if out.error else "unknown"
            msg = out.error.message if out.error else "no response"
            raise ScorerError(
                f"{where}: the judge call failed ({kind}: {msg}); the case is unscored"
            )
        return out.response, out.cached

    def _runtime(self) -> tuple[Any, Any]:
        """Limits and retry policy, shared by this judge's calls within one event loop
        (asyncio primitives belong to the loop that created them)."""
        from evalkit.limits import Limits
        from evalkit.retry import RetryPolicy

        loop = asyncio.get_running_loop()
        if self._state is None or self._state[0] is not loop:
            self._state = (
                loop,
                Limits(self.concurrency),
                RetryPolicy(max_retries=self.max_retries),
            )
        return self._state[1], self._state[2]
