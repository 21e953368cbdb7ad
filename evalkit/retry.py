"""Backoff policy: when to try a failed provider call again, and how long to wait first.

The provider says whether an error is ``retryable`` (429, 5xx, timeouts, connection errors);
the engine owns the policy, so SDK clients run with their own retries off and evalkit alone
counts attempts. Waits use exponential backoff with *full jitter* (a uniform draw between 0 and
the exponential ceiling), which spreads a burst of clients that failed together instead of
synchronising them. A ``Retry-After`` the provider sent is a floor: we never come back earlier
than asked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from evalkit.errors import ProviderError

__all__ = ["RETRYABLE_KINDS", "RetryPolicy", "is_retryable"]

RETRYABLE_KINDS = frozenset({"rate_limit", "server", "timeout", "connection"})
"""Error kinds worth another attempt even when a provider forgot to set ``retryable``."""


def is_retryable(error: ProviderError) -> bool:
    """Whether another attempt can succeed: the provider's word, or a transient kind."""
    if error.kind == "cache_miss":
        return False
    return bool(error.retryable) or error.kind in RETRYABLE_KINDS


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry and how long to wait between attempts."""

    max_retries: int = 6
    """Retries after the first attempt (the candidate's ``max_retries``); 0 disables them."""
    base_s: float = 0.5
    """Ceiling of the first wait; each retry doubles it."""
    cap_s: float = 30.0
    """No computed wait exceeds this (a provider's ``Retry-After`` may, up to ``max_wait_s``)."""
    max_wait_s: float = 120.0
    """Upper bound on any single wait, including a ``Retry-After``: a provider asking for an
    hour is treated as a failure-in-waiting, not obeyed blindly."""

    def should_retry(self, error: ProviderError, attempt: int) -> bool:
        """``attempt`` is the number of attempts made so far (1 after the first call)."""
        return attempt <= self.max_retries and is_retryable(error) and not self.asks_too_long(error)

    def asks_too_long(self, error: ProviderError) -> bool:
        """The provider's ``Retry-After`` is beyond ``max_wait_s``. Coming back after
        ``max_wait_s`` would only be refused again (a daily quota, an hour's ban): each retry
        would hold its slot for two minutes and fail, so the case fails now, saying why."""
        return error.retry_after is not None and error.retry_after > self.max_wait_s

    def delay(
        self,
        attempt: int,
        retry_after: float | None = None,
        rng: random.Random | None = None,
    ) -> float:
        """Seconds to wait before attempt ``attempt + 1``: full jitter, floored by Retry-After."""
        ceiling = min(self.cap_s, self.base_s * (2 ** max(attempt - 1, 0)))
        wait = (rng or random).uniform(0.0, ceiling)
        if retry_after is not None and retry_after > 0:
            # Honour the provider's floor, with a little jitter so that every waiting request
            # does not return in the same millisecond.
            wait = retry_after + (rng or random).uniform(
                0.0, min(self.base_s, retry_after / 4 + 0.05)
            )
        return min(wait, self.max_wait_s)
