"""One request's way to an answer: the cache first, then the provider under limits and retries.

:class:`Dispatcher` is the engine's single seam to a provider. It owns, per candidate, the
cache mode, the in-flight/RPM/TPM limits, the retry loop and the per-request timeout, and it
turns every failure into an :class:`~evalkit.records.ErrorInfo`: a provider error is data on
its case, never an exception out of the run. Cache modes:

- ``use``: serve a stored answer; on a miss take the cross-process claim, call, store.
- ``refresh``: always call, then store (overwrite).
- ``off``: never read nor write.
- ``require``: serve a stored answer; a miss is a ``cache_miss`` error naming the case, so
  offline CI never calls a provider by surprise, or, when the recording call itself failed
  (a 400, a timeout), that error again: the way on is fixing it, not recording elsewhere.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from evalkit.cache import ResponseCache, note_answer_cache_mode
from evalkit.errors import CacheMissError, InputError, ProviderError, RunError
from evalkit.hashing import canonical_json
from evalkit.limits import Limits, rate_limit_wait
from evalkit.providers.base import ERROR_KINDS, Provider, Request, Response
from evalkit.records import ErrorInfo
from evalkit.retry import RetryPolicy, is_retryable

if TYPE_CHECKING:
    from evalkit.engine_budget import Budget

__all__ = ["Dispatcher", "Outcome", "env_secrets"]


@dataclass(slots=True)
class Outcome:
    """What one request ended with: a response or an error, and how many attempts it took."""

    response: Response | None
    error: ErrorInfo | None
    attempts: int = 0
    cached: bool = False
    stop: bool = False
    """The provider asked for a wait longer than evalkit waits (a spent quota, a ban): the run
    should send nothing new, and ``error`` says why. The pair is not answered, only refused."""
    reserved: float | None = None
    """The budget's reservation for this call (USD estimate), when it went through a budget:
    the engine settles it with the real price (:meth:`~evalkit.engine_budget.Budget.settle`)."""


class Dispatcher:
    """Gets answers for one candidate's requests (see the module docstring)."""

    def __init__(
        self,
        provider: Provider,
        *,
        provider_name: str,
        limits: Limits,
        policy: RetryPolicy,
        cache: ResponseCache | None,
        cache_mode: str,
        timeout_s: float,
        secrets: Iterable[str] = (),
        budget: Budget | None = None,
        announce: bool = True,
    ) -> None:
        self.provider = provider
        # A run's candidate says in which cache mode its answers were obtained, for the LLM
        # judges that score them (evalkit.cache.answer_cache_mode); a judge's own does not.
        self.announced = cache_mode if announce else None
        # A paid call first reserves its estimated cost; a cache hit never touches the budget.
        self.budget = budget if provider.spends else None
        self.provider_name = provider_name
        # What beside the request decides the answer: the base_url for the SDK providers (so
        # their keys are those of every earlier version), the target and its code's hash for
        # a callable, so an edited pipeline misses instead of being served its old answers.
        # Read once: the code a run calls does not change during the run.
        self.scope = provider.cache_scope
        self.limits = limits
        self.policy = policy
        self.cache = cache if (cache is not None and provider.cacheable) else None
        self.mode = cache_mode if self.cache is not None else "off"
        # The provider enforces the candidate's timeout itself; this guard only catches a
        # provider that hangs past it, and gives a clear "timeout" instead of a stuck run.
        self.guard_s = timeout_s * 1.25 + 1.0
        self.secrets = tuple(s for s in secrets if s and len(s) >= 6)
        self.cache_hits = 0
        self.cache_misses = 0
        self.retries = 0

    async def obtain(self, request: Request, *, allow_call: bool = True) -> Outcome | None:
        """The answer for ``request``; ``None`` if it needs a call and ``allow_call`` is off."""
        if self.announced is not None:
            note_answer_cache_mode(self.announced)
        if self.mode == "off":
            return await self._paid_call(request) if allow_call else None
        cache = self.cache
        assert cache is not None
        key = request.cache_key(self.provider_name, self.scope)
        if self.mode != "refresh":
            body = cache.get(key)
            if body is not None:
                self.cache_hits += 1
                return Outcome(_cached(body), None, 0, True)
            self.cache_misses += 1
            if self.mode == "require":
                return Outcome(None, self._not_recorded(cache, request, key))
        if not allow_call:
            return None
        if self.mode == "refresh":
            out = await self._paid_call(request)
            if out is not None:
                self._store(key, out)
            return out
        while True:
            state, body = cache.claim(key)
            if state == "hit":
                assert body is not None
                self.cache_hits += 1
                return Outcome(_cached(body), None, 0, True)
            if state == "owned":
                try:
                    paid = await self._paid_call(request)
                except BaseException:
                    cache.release(key)
                    raise
                if paid is None:  # the budget is spent: leave the key to whoever comes next
                    cache.release(key)
                    return None
                out = paid
                if out.response is None:
                    cache.release(key)  # errors are not cached: the next one may try
                self._store(key, out)
                return out
            body = await cache.wait(key)  # another process is calling it: share its answer
            if body is not None:
                self.cache_hits += 1
                return Outcome(_cached(body), None, 0, True)

    @staticmethod
    def _not_recorded(cache: ResponseCache, request: Request, key: str) -> ErrorInfo:
        """A ``require`` miss: the error the recording ended with when there was one (a 400
        is to be fixed in the input, not recorded again where the provider is reachable),
        else ``cache_miss``."""
        recorded = cache.get_error(key)
        if recorded is None:
            err = CacheMissError(request.case_id, request.repeat, key)
            return ErrorInfo(err.kind, err.message, None, 0)
        kind, message, status = recorded
        return ErrorInfo(
            kind if kind in ERROR_KINDS else "unknown",
            f"{message} (when this case was recorded the provider answered this error, so "
            "there is no answer to replay; fix what it says, then record again)",
            status,
            0,
        )

    def _store(self, key: str, out: Outcome) -> None:
        if self.cache is None:
            return
        if out.response is None:
            if out.error is not None and not out.stop and out.error.kind != "cache_miss":
                self.cache.put_error(key, out.error.kind, out.error.message, out.error.status)
            return
        self.cache.put(
            key, out.response.to_dict(), provider=self.provider_name, model=out.response.model or ""
        )

    async def _paid_call(self, request: Request) -> Outcome | None:
        """:meth:`_call` after reserving its estimated cost; ``None`` when the budget is spent."""
        budget = self.budget
        if budget is None:
            return await self._call(request)
        est = await budget.reserve(request)
        if est is None:
            return None
        try:
            out = await self._call(request)
        except BaseException:
            budget.settle(est, None, None)
            raise
        out.reserved = est
        return out

    async def _call(self, request: Request) -> Outcome:
        limits, policy = self.limits, self.policy
        est = _estimate_tokens(request) if limits.tpm is not None else 0.0
        attempt = 0
        while True:
            attempt += 1
            await limits.acquire(est)
            try:
                response = await _with_timeout(self.provider.complete(request), self.guard_s)
            except ProviderError as exc:
                error = exc
            except (asyncio.TimeoutError, TimeoutError):
                error = ProviderError(
                    "timeout",
                    f"case {request.case_id!r}: no answer within {self.guard_s:.0f}s",
                    retryable=True,
                )
            except asyncio.CancelledError:
                limits.release(est)
                raise
            except (InputError, RunError):
                limits.release(est)
                raise  # bad input aborts the run (a broken replay file, a bad option)
            except Exception as exc:  # a bug in a pipeline (callable): its case's error
                error = ProviderError("provider", f"{type(exc).__name__}: {exc}")
            else:
                u = response.usage
                used = (u.input_tokens or 0) + (u.output_tokens or 0) if limits.tpm else None
                limits.release(est, used)
                limits.concurrency.on_success()
                headers = getattr(response, "headers", None)
                if headers:
                    wait = rate_limit_wait(headers)
                    if wait:  # the budget is exhausted until the reset: send nothing new
                        limits.concurrency.pause(min(wait, 60.0))
                return Outcome(response, None, attempt)
            limits.release(est)
            if error.kind == "rate_limit" or error.status == 429:
                wait = error.retry_after
                if wait is None and error.headers:
                    wait = rate_limit_wait(error.headers)
                limits.concurrency.on_rate_limit(min(wait, 60.0) if wait else None)
            if not policy.should_retry(error, attempt):
                kind = error.kind if error.kind in ERROR_KINDS else "provider"
                message = error.message
                stop = is_retryable(error) and policy.asks_too_long(error)
                if stop:
                    message += (
                        f" (the provider asked to wait {error.retry_after:.0f} s before "
                        f"retrying, longer than evalkit waits, {policy.max_wait_s:.0f} s)"
                    )
                message = _after_retries(message, attempt, policy.max_retries, stop)
                info = ErrorInfo(kind, self._scrub(message), error.status, attempt)
                return Outcome(None, info, attempt, stop=stop)
            self.retries += 1
            await asyncio.sleep(policy.delay(attempt, error.retry_after))

    def _scrub(self, message: str) -> str:
        for s in self.secrets:
            message = message.replace(s, "***")
        return message


def env_secrets(api_key_env: str | None) -> list[str]:
    """The API keys a dispatcher must scrub from what it records: the one named by
    ``api_key_env`` and the SDKs' default variables, as set in the environment."""
    names = [api_key_env, "OPENAI_API_KEY", "ANTHROPIC_API_KEY"]
    return [os.environ[n] for n in names if n and os.environ.get(n)]


def _cached(body: dict[str, Any]) -> Response:
    return replace(Response.from_dict(body), cached=True)


def _estimate_tokens(request: Request) -> float:
    chars = sum(
        len(m.content) + sum(len(c.name) + len(canonical_json(c.arguments)) for c in m.tool_calls)
        for m in request.messages
    )
    out = request.params.get("max_tokens") or request.params.get("max_completion_tokens") or 256
    return chars / 4 + float(out)


if sys.version_info >= (3, 11):

    async def _with_timeout(coro, seconds: float):  # type: ignore[no-untyped-def]
        async with asyncio.timeout(seconds):
            return await coro

else:  # pragma: no cover

    async def _with_timeout(coro, seconds: float):  # type: ignore[no-untyped-def]
        return await asyncio.wait_for(coro, seconds)


def _after_retries(message: str, attempts: int, max_retries: int, stopped: bool) -> str:
    """The final message of a call given up on. A provider's message for a transient error
    says "evalkit retries it", true while retries remain; recorded after the last attempt it
    read as if evalkit would still try (QA: a timeout recorded after 3 attempts)."""
    if "evalkit retries it" not in message:
        return message
    if attempts > 1:
        done = f"evalkit tried it {attempts} times (max_retries = {max_retries})"
    elif stopped:
        done = "evalkit did not retry it"
    else:
        done = f"evalkit did not retry it (max_retries = {max_retries})"
    return message.replace("evalkit retries it", done)
