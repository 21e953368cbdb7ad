"""The evalkit error tree.

Every error evalkit raises on purpose is an :class:`EvalkitError`. Messages read
``<where>: <what is wrong>; <what to do>`` and show the offending value, never a secret.

::

    EvalkitError
    ├── InputError            bad user input: a dataset, config, template or name (CLI exit 2)
    │   ├── DatasetError      one or more invalid lines of an eval set (``.problems``)
    │   ├── ConfigError       an invalid ``evalkit.toml`` / ``[tool.evalkit]`` (``.problems``)
    │   ├── TemplateError     a prompt template that fails to render for a case
    │   └── UnknownNameError  a provider or scorer name nobody registered (did-you-mean)
    ├── RunError              a run directory that cannot be written, read or resumed
    ├── ProviderError         one provider call failed; becomes data on that case's record
    │   └── CacheMissError    cache mode "require" and the request was never recorded
    └── ScorerError           one scorer failed on one case; becomes data on that score

Only :class:`InputError` and :class:`RunError` abort a run. Provider and scorer errors
belong to their case: the engine records them and goes on.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "CacheMissError",
    "ConfigError",
    "DatasetError",
    "EvalkitError",
    "InputError",
    "Problem",
    "ProviderError",
    "RunError",
    "ScorerError",
    "TemplateError",
    "UnknownNameError",
    "did_you_mean",
]


class EvalkitError(Exception):
    """Base of every error evalkit raises deliberately."""


class InputError(EvalkitError):
    """The user's input is wrong; fixing the named file, line or key fixes the error."""


@dataclass(frozen=True)
class Problem:
    """One validation problem, located precisely enough to fix without searching."""

    where: str
    """``path:line`` for a dataset line, ``path: [section] key`` for a config key."""
    message: str
    """What is wrong and what to do, e.g. ``field "expectd" is unknown; did you mean "expected"?``."""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class _ProblemsError(InputError):
    """An input error that carries every problem found, not only the first."""

    def __init__(self, problems: Sequence[Problem], *, truncated: int = 0) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.truncated = truncated
        lines = [str(p) for p in self.problems]
        if truncated:
            lines.append(f"... and {truncated} more problem(s) not shown")
        super().__init__("\n".join(lines))


class DatasetError(_ProblemsError):
    """An eval set has invalid lines; ``problems`` lists each with file and line."""


class ConfigError(_ProblemsError):
    """A configuration file or Python-built candidate/suite is invalid."""

    @classmethod
    def single(cls, where: str, message: str) -> ConfigError:
        return cls([Problem(where, message)])


class TemplateError(InputError):
    """A prompt template could not be rendered for a case (names the case and the variable)."""


class UnknownNameError(InputError, KeyError):
    """A provider or scorer name is not registered."""

    def __init__(self, kind: str, name: str, choices: Iterable[str]) -> None:
        self.kind, self.name = kind, name
        self.choices = sorted(choices)
        hint = did_you_mean(name, self.choices)
        msg = f"unknown {kind} {name!r};{hint} valid choices: {self.choices}"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0])


class RunError(EvalkitError):
    """A run directory cannot be created, read or resumed as asked."""


class ProviderError(EvalkitError):
    """One provider call failed. The engine retries it if ``retryable`` and records it otherwise.

    ``kind`` is one of :data:`evalkit.records.ERROR_KINDS`; ``status`` is the HTTP status
    when there was one; ``retry_after`` (seconds) is what the provider asked us to wait;
    ``headers`` holds the provider's rate-limit headers (``x-ratelimit-*``,
    ``anthropic-ratelimit-*``, ``retry-after``), lower-cased, so the engine can adapt.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.headers: Mapping[str, str] = dict(headers or {})


class CacheMissError(ProviderError):
    """Cache mode ``require`` met a request that was never recorded."""

    def __init__(self, case_id: str, repeat: int, key: str) -> None:
        super().__init__(
            "cache_miss",
            f"case {case_id!r} repeat {repeat}: no cached response (key {key[:12]}) and cache "
            "mode is 'require'; record it once with cache mode 'use' and a provider key",
        )


class ScorerError(EvalkitError):
    """A scorer could not score a case (for example a required case field is missing)."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``' did you mean "x"?'`` for the closest choice, or ``''``.

    A choice that the name abbreviates (``args`` → ``arguments``) counts as close; otherwise
    the similarity must be high enough that the hint helps (``nope`` suggests nothing).
    """
    options = list(choices)
    low = name.lower()
    short = [c for c in options if _abbreviates(low, c.lower())]
    close = short[:1] or difflib.get_close_matches(name, options, n=1, cutoff=0.7)
    return f' did you mean "{close[0]}"?' if close else ""


def _abbreviates(short: str, full: str) -> bool:
    """``short`` starts like ``full`` and its letters appear in ``full`` in order."""
    if len(short) < 3 or len(short) >= len(full) or not full.startswith(short[:3]):
        return False
    rest = iter(full)
    return all(ch in rest for ch in short)
