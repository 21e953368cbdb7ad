"""The backoff policy: what is retried, and how long each wait is."""

from __future__ import annotations

import random

import pytest

from evalkit.errors import CacheMissError, ProviderError
from evalkit.retry import RetryPolicy, is_retryable


@pytest.mark.parametrize("kind", ["rate_limit", "server", "timeout", "connection"])
def test_transient_kinds_are_retried_even_without_the_flag(kind: str) -> None:
    assert is_retryable(ProviderError(kind, "x"))


@pytest.mark.parametrize("kind", ["bad_request", "auth", "not_found", "malformed_response"])
def test_permanent_kinds_are_not_retried(kind: str) -> None:
    assert not is_retryable(ProviderError(kind, "x"))


def test_provider_flag_wins_and_cache_miss_never_retries() -> None:
    assert is_retryable(ProviderError("malformed_response", "x", retryable=True))
    assert not is_retryable(CacheMissError("c1", 0, "ab" * 32))


def test_should_retry_counts_attempts_against_max_retries() -> None:
    policy = RetryPolicy(max_retries=2)
    err = ProviderError("server", "x", status=500)
    assert policy.should_retry(err, 1) and policy.should_retry(err, 2)
    assert not policy.should_retry(err, 3)
    assert not RetryPolicy(max_retries=0).should_retry(err, 1)


def test_full_jitter_stays_under_the_exponential_ceiling_and_the_cap() -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=4.0)
    rng = random.Random(1)
    for attempt, ceiling in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (10, 4.0)):
        waits = [policy.delay(attempt, rng=rng) for _ in range(200)]
        assert all(0.0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.8  # jitter spreads over the whole range
        assert min(waits) < ceiling * 0.2


def test_retry_after_is_a_floor_and_max_wait_a_ceiling() -> None:
    policy = RetryPolicy(base_s=0.5, max_wait_s=10.0)
    rng = random.Random(2)
    waits = [policy.delay(1, retry_after=3.0, rng=rng) for _ in range(100)]
    assert all(3.0 <= w <= 3.5 for w in waits)
    assert policy.delay(1, retry_after=3600.0, rng=rng) == 10.0


def test_a_retry_after_beyond_max_wait_is_not_retried() -> None:
    policy = RetryPolicy(max_retries=6, max_wait_s=120.0)
    soon = ProviderError("rate_limit", "429", status=429, retryable=True, retry_after=119.0)
    hour = ProviderError("rate_limit", "429", status=429, retryable=True, retry_after=3600.0)
    assert policy.should_retry(soon, 1) and not policy.asks_too_long(soon)
    assert policy.asks_too_long(hour) and not policy.should_retry(hour, 1)
    assert not policy.asks_too_long(ProviderError("server", "500", status=500, retryable=True))
