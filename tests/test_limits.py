"""In-flight bound, AIMD on rate limits, pauses, token buckets and rate-limit headers."""

from __future__ import annotations

import asyncio
import time

import pytest

from evalkit.limits import AdaptiveLimiter, Limits, TokenBucket, rate_limit_wait


async def _hammer(limiter: AdaptiveLimiter, n: int, hold_s: float) -> int:
    peak = 0

    async def one() -> None:
        nonlocal peak
        async with limiter:
            peak = max(peak, limiter.in_flight)
            await asyncio.sleep(hold_s)

    await asyncio.gather(*(one() for _ in range(n)))
    return peak


def test_in_flight_never_exceeds_the_limit() -> None:
    limiter = AdaptiveLimiter(3)
    assert asyncio.run(_hammer(limiter, 30, 0.002)) == 3
    assert limiter.in_flight == 0


def test_rate_limit_halves_once_per_cooldown_and_success_recovers_gradually() -> None:
    limiter = AdaptiveLimiter(16, cooldown_s=10.0)
    limiter.on_rate_limit()
    limiter.on_rate_limit()  # same burst: no second cut
    assert limiter.current == 8 and limiter.rate_limited == 2
    for _ in range(9):
        limiter.on_success()
    assert limiter.current == 9  # about +1 per round trip of successes
    for _ in range(1000):
        limiter.on_success()
    assert limiter.current == 16  # never above the configured bound


def test_limit_never_drops_below_one() -> None:
    limiter = AdaptiveLimiter(4, cooldown_s=0.0)
    for _ in range(10):
        limiter.on_rate_limit()
    assert limiter.current == 1
    assert asyncio.run(_hammer(limiter, 5, 0.001)) == 1


def test_a_lowered_limit_is_enforced_on_new_requests() -> None:
    async def main() -> int:
        limiter = AdaptiveLimiter(8, cooldown_s=0.0)
        limiter.on_rate_limit()
        limiter.on_rate_limit()  # 8 -> 4 -> 2
        return await _hammer(limiter, 20, 0.002)

    assert asyncio.run(main()) == 2


def test_retry_after_pauses_new_requests() -> None:
    async def main() -> float:
        limiter = AdaptiveLimiter(4)
        limiter.on_rate_limit(retry_after=0.2)
        start = time.monotonic()
        async with limiter:
            return time.monotonic() - start

    assert 0.18 <= asyncio.run(main()) < 1.0


def test_cancelled_waiter_does_not_leak_a_slot() -> None:
    async def main() -> int:
        limiter = AdaptiveLimiter(1)
        await limiter.acquire()
        waiter = asyncio.ensure_future(limiter.acquire())
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        limiter.release()
        return limiter.in_flight

    assert asyncio.run(main()) == 0


def test_token_bucket_holds_the_rate() -> None:
    async def main() -> float:
        bucket = TokenBucket.per_minute(1200)  # 20/s, burst 20
        start = time.monotonic()
        for _ in range(30):
            await bucket.take(1)
        return time.monotonic() - start

    assert 0.4 <= asyncio.run(main()) < 1.5  # 20 banked, 10 more at 20/s


def test_token_bucket_lets_a_large_request_through_into_debt() -> None:
    async def main() -> tuple[float, float]:
        bucket = TokenBucket(rate_per_s=100.0, burst=10.0)
        t0 = time.monotonic()
        await bucket.take(50)  # bigger than the bucket: goes, into debt
        first = time.monotonic() - t0
        await bucket.take(1)  # waits the debt off: about 0.41 s
        return first, time.monotonic() - t0

    first, second = asyncio.run(main())
    assert first < 0.05 and 0.35 <= second < 1.0


def test_limits_release_slot_when_a_bucket_wait_is_cancelled() -> None:
    async def main() -> int:
        limits = Limits(2, rpm=60)
        await limits.acquire()  # takes the single banked request
        task = asyncio.ensure_future(limits.acquire())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return limits.concurrency.in_flight

    assert asyncio.run(main()) == 1


def test_rate_limit_headers() -> None:
    assert rate_limit_wait({"x-ratelimit-remaining-requests": "5"}) is None
    assert rate_limit_wait(
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1m2.5s"}
    ) == pytest.approx(62.5)
    assert rate_limit_wait(
        {"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "30ms"}
    ) == pytest.approx(0.03)
    wait = rate_limit_wait(
        {
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": "2000-01-01T00:00:00Z",
        }
    )
    assert wait == 0.0
    assert rate_limit_wait({"x-ratelimit-remaining-requests": "0"}) is None
