"""One LLM-judge call, made like any candidate request: cache, limits, retries, timeout.

Shared by the ``judge`` scorer and ``groundedness``'s judge mode, so that a judge's answers
are cached (a re-run costs nothing; ``require`` keeps offline CI offline), rate limits and
transient errors are handled by the engine's :class:`~evalkit.dispatch.Dispatcher`, and a
failed judge call becomes a :class:`~evalkit.errors.ScorerError` on that case, never a crash.

Cache modes (the ``judge`` scorer's ``cache``, ``groundedness``'s ``judge_cache``):

- ``use`` (the default): a recorded verdict is reused, a missing one is asked for and
  recorded, except in a run that replays recorded answers (the candidates' cache mode is
  ``require``: pytest's ``--evalkit-mode replay``, ``--cache-mode require``, a suite's
  ``cache = "require"``; :func:`~evalkit.cache.answer_cache_mode`). There a missing verdict
  is a scorer error on its case, naming what to do, and no provider is called: replay is
  meant to be offline and key-free, and a judge asking its provider broke both (a CI run
  without a key failed every case on a 401; one with a key paid).
- ``record``: like ``use`` in every mode, replay included: the explicit way to let a judge
  ask its provider for the verdicts a replay run lacks.
- ``refresh``, ``off``: always ask (and store, or not), in every mode, replay included.
- ``require``: never ask; a missing verdict is an error.

A judge whose provider is not cacheable (a local ``callable``) runs in every mode: there is
nothing recorded to replay and nothing paid or sent away.

Lifetime: a judge keeps one provider (its SDK client and connection pool), one response
cache connection and one dispatcher per event loop, because asyncio objects belong to the
loop that made them. Inside an engine run (:func:`~evalkit.scoring.may_keep_open`) they live
until the run's end-of-run hook (:meth:`JudgeCaller.aclose`), so a run of N cases opens one
client and one SQLite connection, not N. Called directly (a notebook's ``await
judge.score(ctx)``), nobody will call that hook, so the calls in flight share one set and the
last of them closes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evalkit.errors import ScorerError
from evalkit.providers.base import Provider, Request, Response

if TYPE_CHECKING:
    from evalkit.cache import ResponseCache
    from evalkit.dispatch import Dispatcher

__all__ = ["JUDGE_CACHE_MODES", "JudgeCaller", "cut_off_error", "judge_details"]

JUDGE_CACHE_MODES = ("use", "record", "refresh", "off", "require")
"""A judge's cache modes (see the module docstring)."""


def cut_off_error(where: str, response: Response) -> ScorerError:
    """The error for a verdict the judge could not finish (its output limit was reached).

    Named as such because the verdict it leaves behind (JSON missing its end) would
    otherwise be reported as "not valid JSON" or "no score", which sends the user looking
    at the judge model instead of at ``max_tokens``.
    """
    used = response.usage.output_tokens
    limit = f" after {used} output tokens" if used else ""
    return ScorerError(
        f"{where}: the judge's reply was cut off at its output limit{limit} (got "
        f"{response.text[:80]!r}); raise max_tokens in the judge's params (or the provider's "
        "max_tokens option) so the whole verdict fits"
    )


def judge_details(provider: str, model: str, reply: Response, cached: bool) -> dict[str, Any]:
    """Who judged and what it cost, for a score's details (the ``judge`` scorer and
    ``groundedness``'s judge mode alike).

    Priced like a candidate's request (:func:`~evalkit.pricing.priced_model`): the model asked
    for, and only when that has no price the one the provider reports, so a dated or custom
    name in the reply does not make a priced judge unknown. ``judge_cost_usd`` is ``None`` when
    neither is priced (unknown, never 0); a cached verdict reports what it cost when asked.
    """
    from evalkit.pricing import load_prices, priced_model

    found = priced_model(load_prices(), model, reply.model)
    return {
        "judge_provider": provider,
        "judge_model": reply.model or model,
        "cached": cached,
        "judge_usage": reply.usage.to_dict(),
        "judge_cost_usd": found[1].cost(reply.usage) if found is not None else None,
    }


@dataclass(eq=False)
class _LoopState:
    """What one event loop's judge calls share; closed once, when idle and released."""

    loop: asyncio.AbstractEventLoop
    provider: Provider
    cache: ResponseCache | None
    make: Callable[[str], Dispatcher]
    """A dispatcher for a cache mode, sharing this state's provider, cache and limits."""
    dispatchers: dict[str, Dispatcher] = field(default_factory=dict)
    active: int = 0
    """Calls in flight that use this state."""
    released: bool = False
    """Detached from its caller: the last call in flight closes it."""
    closed: bool = False

    def dispatcher(self, mode: str) -> Dispatcher:
        found = self.dispatchers.get(mode)
        if found is None:
            found = self.dispatchers[mode] = self.make(mode)
        return found

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if self.cache is not None:
                self.cache.close()
        finally:
            await self.provider.aclose()

    def drop_stale(self) -> None:
        """Forget a state whose loop has ended without the end-of-run hook (the engine always
        calls it, so this means a caller skipped it). The cache is plain SQLite and closes
        from anywhere; the SDK client's sockets belong to the dead loop and cannot be closed
        from this one, so they are left to the garbage collector."""
        self.closed = True
        if self.cache is not None:
            self.cache.close()


@dataclass
class JudgeCaller:
    """How to reach a judge; :meth:`ask` sends one request through the dispatcher."""

    provider: str
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    cache: str = "use"
    """One of :data:`JUDGE_CACHE_MODES`; ``use`` follows a replay run (module docstring)."""
    cache_dir: str = ".evalkit/cache"
    timeout_s: float = 60.0
    max_retries: int = 4
    concurrency: int = 8
    _states: dict[asyncio.AbstractEventLoop, _LoopState] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    async def ask(
        self, request: Request, where: str, *, allow_cut_off: bool = False
    ) -> tuple[Response, bool]:
        """The judge's response and whether it came from the cache.

        A reply cut off at the output limit is a :func:`cut_off_error` unless
        ``allow_cut_off`` (a caller that can still read a verdict from it, and says so
        itself when it cannot).
        """
        from evalkit.scoring import may_keep_open

        mode, replaying = self._mode()
        state = self._state()
        state.active += 1
        try:
            dispatcher = state.dispatcher(mode)
            out = await dispatcher.obtain(request)
        finally:
            state.active -= 1
            if not may_keep_open() and self._states.get(state.loop) is state:
                del self._states[state.loop]  # nobody will call aclose(): close when idle
                state.released = True
            if state.released and state.active == 0:
                await state.aclose()
        assert out is not None
        if out.response is None:
            kind = out.error.kind if out.error else "unknown"
            msg = out.error.message if out.error else "no response"
            if kind == "cache_miss" and dispatcher.mode == "require":
                raise ScorerError(self._not_recorded(where, replaying))
            raise ScorerError(
                f"{where}: the judge call failed ({kind}: {msg}); the case is unscored"
            )
        if out.response.finish_reason == "length" and not allow_cut_off:
            raise cut_off_error(where, out.response)
        return out.response, out.cached

    def _mode(self) -> tuple[str, bool]:
        """The cache mode of this call, and whether it is ``require`` because the run replays
        (``use``, the default, in a run whose answers are recorded ones)."""
        from evalkit.cache import answer_cache_mode

        if self.cache == "record":
            return "use", False
        if self.cache == "use" and answer_cache_mode() == "require":
            return "require", True
        return self.cache, False

    def _not_recorded(self, where: str, replaying: bool) -> str:
        """A missing verdict where none may be asked for: what happened and the ways on."""
        why = (
            "this run replays recorded answers (cache mode require), so the judge's "
            f"provider {self.provider!r} is not called"
            if replaying
            else f'the judge\'s cache is "require", so its provider {self.provider!r} is not called'
        )
        allow = (
            'set the judge\'s cache to "record" (groundedness: judge_cache) to let it ask '
            "its provider in replay"
            if replaying
            else 'set the judge\'s cache to "use" to let it ask its provider'
        )
        # evalkit score follows the source run's cache mode (QA15 F4): its --cache-mode use
        # lets such a judge ask for the verdicts of kept answers
        rescore = "; evalkit score RUN_DIR --out NEW_DIR --cache-mode use" if replaying else ""
        return (
            f"{where}: no recorded verdict (cache_miss) for this judge request (judge {self.provider} "
            f"{self.model!r}) and {why}; the case is unscored by it; record the verdicts "
            "where the provider is reachable (pytest --evalkit-mode record, or refresh; "
            f"evalkit run/check --cache-mode use{rescore}), or {allow}"
        )

    async def aclose(self) -> None:
        """Close this loop's client and cache (now, or when its last call in flight ends).

        The end-of-run hook of the scorers that own this caller. The caller stays usable:
        the next :meth:`ask` opens a new set.
        """
        loop = asyncio.get_running_loop()
        self._drop_stale(loop)
        state = self._states.pop(loop, None)
        if state is None:
            return
        state.released = True
        if state.active == 0:
            await state.aclose()

    def _state(self) -> _LoopState:
        """This loop's state, made on first use. Nothing here awaits, so concurrent calls on
        one loop cannot both create one; another loop (a thread's) has its own key."""
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            self._drop_stale(loop)
            state = self._states[loop] = self._open(loop)
        return state

    def _open(self, loop: asyncio.AbstractEventLoop) -> _LoopState:
        from evalkit.cache import ResponseCache
        from evalkit.config_secrets import secret_values
        from evalkit.dispatch import Dispatcher, env_secrets
        from evalkit.limits import Limits
        from evalkit.providers.base import PROVIDERS, ProviderSettings
        from evalkit.retry import RetryPolicy

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
        limits = Limits(self.concurrency)
        # as for a candidate: the judge's key is scrubbed from recorded errors even when a
        # provider adapter's own scrubbing misses it
        secrets = [*env_secrets(self.api_key_env), *secret_values(self.base_url, self.options)]

        def make(mode: str) -> Dispatcher:
            return Dispatcher(
                provider,
                provider_name=self.provider,
                limits=limits,
                policy=RetryPolicy(max_retries=self.max_retries),
                cache=cache,
                cache_mode=mode,
                timeout_s=self.timeout_s,
                secrets=secrets,
                announce=False,  # a judge's verdict is no answer a run's judges score
            )

        return _LoopState(loop, provider, cache, make)

    def _drop_stale(self, current: asyncio.AbstractEventLoop) -> None:
        for loop, state in list(self._states.items()):
            if loop is not current and loop.is_closed():
                self._states.pop(loop, None)
                state.drop_stale()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (a copy for a worker process) without its open clients."""
        d = dict(self.__dict__)
        d["_states"] = {}
        return d
