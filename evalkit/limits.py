"""How fast one candidate may call its provider: in-flight bound, RPM/TPM buckets, AIMD.

Three independent brakes, all per candidate (several candidates never share one):

- :class:`AdaptiveLimiter` bounds the requests in flight. It starts at the configured
  concurrency; a 429 halves it (at most once per ``cooldown_s``, since one burst of 429s is
  one signal, not twenty) and each success adds ``1/limit``, so the limit climbs back by about
  one per round trip: additive increase, multiplicative decrease, as TCP does. A
  ``Retry-After`` or an exhausted rate-limit header pauses new requests until the provider's
  reset time, so a run set too high settles at the provider's real limit instead of
  hammering it.
- :class:`TokenBucket` for requests per minute and tokens per minute. The bucket may go into
  debt (a request larger than the bucket still goes, and the next ones wait it off), so the
  long-run rate holds without refusing large requests.

Everything runs on one event loop; no locks are needed, and the fast path (a free slot, no
pause) is a counter increment.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Mapping

__all__ = ["AdaptiveLimiter", "Limits", "TokenBucket", "rate_limit_wait"]


class AdaptiveLimiter:
    """A semaphore whose size shrinks on rate limits and grows back on success."""

    def __init__(
        self,
        max_limit: int,
        *,
        min_limit: int = 1,
        decrease: float = 0.5,
        cooldown_s: float = 1.0,
    ) -> None:
        if max_limit < 1:
            raise ValueError(f"max_limit must be >= 1, got {max_limit}")
        self.max_limit = max_limit
        self.min_limit = max(1, min(min_limit, max_limit))
        self.limit = float(max_limit)
        self.in_flight = 0
        self.decrease = decrease
        self.cooldown_s = cooldown_s
        self.paused_until = 0.0
        self.rate_limited = 0
        """How many 429s were reported; for the run's summary."""
        self._last_cut = -1e9
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._wake_handle: asyncio.TimerHandle | None = None

    @property
    def current(self) -> int:
        """The in-flight bound right now (whole requests)."""
        return max(self.min_limit, int(self.limit))

    async def acquire(self) -> None:
        """Wait for a slot. Always pair with :meth:`release` (use ``async with``)."""
        if not self._waiters and self.in_flight < self.current and not self._paused():
            self.in_flight += 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        self._schedule_wake()
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # the slot was handed to us just before we were cancelled
            else:
                self._remove(fut)
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    async def __aenter__(self) -> AdaptiveLimiter:
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release()

    def on_success(self) -> None:
        if self.limit < self.max_limit:
            self.limit = min(float(self.max_limit), self.limit + 1.0 / self.limit)
            self._wake()

    def on_rate_limit(self, retry_after: float | None = None) -> None:
        """A 429: cut the limit (once per cooldown) and pause for ``retry_after`` seconds."""
        self.rate_limited += 1
        now = time.monotonic()
        if now - self._last_cut >= self.cooldown_s:
            self._last_cut = now
            self.limit = max(float(self.min_limit), self.limit * self.decrease)
        if retry_after is not None and retry_after > 0:
            self.pause(retry_after)

    def pause(self, seconds: float) -> None:
        """Send nothing new for ``seconds`` (requests already in flight go on)."""
        self.paused_until = max(self.paused_until, time.monotonic() + min(seconds, 300.0))

    def observe_headers(self, remaining: float | None, reset_s: float | None) -> None:
        """Rate-limit headers: nothing left until the reset means waiting for the reset."""
        if remaining is not None and remaining <= 0 and reset_s is not None and reset_s > 0:
            self.pause(reset_s)

    # ------------------------------------------------------------------ internals
    def _paused(self) -> bool:
        return self.paused_until > 0 and time.monotonic() < self.paused_until

    def _wake(self) -> None:
        if self._paused():
            self._schedule_wake()
            return
        while self._waiters and self.in_flight < self.current:
            fut = self._waiters.popleft()
            if fut.done():
                continue
            self.in_flight += 1
            fut.set_result(None)

    def _schedule_wake(self) -> None:
        if not self._waiters or self._wake_handle is not None:
            return
        delay = self.paused_until - time.monotonic()
        if delay <= 0:
            return

        def fire() -> None:
            self._wake_handle = None
            self._wake()

        self._wake_handle = asyncio.get_running_loop().call_later(delay + 0.001, fire)

    def _remove(self, fut: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):
            self._waiters.remove(fut)


class TokenBucket:
    """``rate_per_s`` units per second, up to ``burst`` banked; may go into debt."""

    def __init__(self, rate_per_s: float, burst: float | None = None) -> None:
        if rate_per_s <= 0:
            raise ValueError(f"rate must be positive, got {rate_per_s}")
        self.rate = rate_per_s
        self.burst = max(1.0, burst if burst is not None else rate_per_s)
        self.level = self.burst
        self._updated = time.monotonic()

    @classmethod
    def per_minute(cls, per_minute: float) -> TokenBucket:
        """A bucket for an RPM or TPM limit, banking at most one second's worth."""
        return cls(per_minute / 60.0, per_minute / 60.0)

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.burst, self.level + (now - self._updated) * self.rate)
        self._updated = now

    async def take(self, amount: float = 1.0) -> None:
        """Wait until the bucket is not in debt, then take ``amount`` (possibly into debt)."""
        self._refill()
        while self.level < min(amount, self.burst) and self.level < self.burst:
            need = min(amount, self.burst) - self.level
            await asyncio.sleep(need / self.rate + 0.0005)
            self._refill()
        self.level -= amount

    def adjust(self, delta: float) -> None:
        """Correct an estimate afterwards: ``delta`` more units were used than taken."""
        self.level -= delta


class Limits:
    """The three brakes of one candidate, acquired in order: slot, request, tokens."""

    def __init__(self, concurrency: int, rpm: float | None = None, tpm: float | None = None):
        self.concurrency = AdaptiveLimiter(concurrency)
        self.rpm = TokenBucket.per_minute(rpm) if rpm else None
        self.tpm = TokenBucket.per_minute(tpm) if tpm else None

    async def acquire(self, est_tokens: float = 0.0) -> None:
        await self.concurrency.acquire()
        try:
            if self.rpm is not None:
                await self.rpm.take(1.0)
            if self.tpm is not None:
                await self.tpm.take(max(1.0, est_tokens))
        except BaseException:
            self.concurrency.release()
            raise

    def release(self, est_tokens: float = 0.0, used_tokens: float | None = None) -> None:
        self.concurrency.release()
        if self.tpm is not None and used_tokens is not None:
            self.tpm.adjust(used_tokens - max(1.0, est_tokens))


def rate_limit_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds until the provider's exhausted request or token budget resets, if it said so.

    Reads OpenAI's ``x-ratelimit-remaining-*`` / ``x-ratelimit-reset-*`` (durations such as
    ``1s``, ``6m0s``, ``30ms``) and Anthropic's ``anthropic-ratelimit-*-remaining`` /
    ``-reset`` (RFC 3339 times). ``None`` when nothing is exhausted or nothing was sent.
    """
    waits: list[float] = []
    for what in ("requests", "tokens"):
        for remaining_h, reset_h in (
            (f"x-ratelimit-remaining-{what}", f"x-ratelimit-reset-{what}"),
            (f"anthropic-ratelimit-{what}-remaining", f"anthropic-ratelimit-{what}-reset"),
        ):
            remaining, reset = headers.get(remaining_h), headers.get(reset_h)
            if remaining is None or reset is None:
                continue
            try:
                if float(remaining) > 0:
                    continue
            except ValueError:
                continue
            seconds = _parse_reset(reset)
            if seconds is not None:
                waits.append(seconds)
    return max(waits) if waits else None


_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def _parse_reset(value: str) -> float | None:
    value = value.strip()
    if "T" in value:  # an RFC 3339 time
        from datetime import datetime, timezone

        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    total, number, i = 0.0, "", 0
    while i < len(value):
        ch = value[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if value.startswith("ms", i) else ch
        if unit not in _UNITS or not number:
            return None
        total += float(number) * _UNITS[unit]
        number, i = "", i + len(unit)
    if number:
        total += float(number)
    return total
