"""A warning before a run when a candidate's API key variable is unset.

Not an error: answers already in the response cache need no key, and a rerun from the cache
is a normal thing to do. But without the warning an unset key was found only by failing every
case (exit 3 after the run), though it was known before any call."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.config import Candidate

__all__ = ["missing_key_warnings", "warn_missing_keys"]

_DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def missing_key_warnings(candidates: Iterable[Candidate], cache_mode: str | None) -> list[str]:
    """One line per candidate whose provider needs a key that the environment lacks. A
    candidate with a ``base_url`` and no ``api_key_env`` (a local server) needs none; replay
    (``--cache-mode require``) calls nothing."""
    if cache_mode == "require":
        return []
    out = []
    for cand in candidates:
        default = _DEFAULT_KEY_ENV.get(cand.provider)
        if default is None or (cand.base_url and not cand.api_key_env):
            continue
        env = cand.api_key_env or default
        if not os.environ.get(env):
            out.append(
                f"warning: candidate {cand.name!r}: the API key variable {env} is not set; every "
                "call that misses the response cache will fail with an auth error (set it, or "
                "replay recorded answers with --cache-mode require)"
            )
    return out


def warn_missing_keys(candidates: Iterable[Candidate], cache_mode: str | None) -> None:
    for line in missing_key_warnings(candidates, cache_mode):
        print(line, file=sys.stderr)
