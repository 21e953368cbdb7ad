"""Validation of a config file's tables into :class:`~evalkit.config.Project` and
:class:`~evalkit.config.Candidate`: unknown keys get a did-you-mean, every value's type and
range is checked, and every problem is collected before :class:`~evalkit.errors.ConfigError`
is raised, so a file is fixed in one pass. Suites are validated by :mod:`evalkit.suites`.

Apart from :mod:`evalkit.config` so that module reads as the data model; the classes are
imported inside the functions that build them, since :mod:`evalkit.config` imports this one
(:meth:`~evalkit.config.Candidate.from_dict`, :func:`~evalkit.config.load_config`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.config_secrets import OPTION_SECRET_WORDS, literal_secret_problems
from evalkit.dataset import ToolSpec
from evalkit.errors import ConfigError, Problem
from evalkit.suites import Suite, parse_suite, unknown_keys

if TYPE_CHECKING:
    from evalkit.config import Candidate, Project

__all__ = ["collect_project", "parse_project"]


_TOP_KEYS = ("candidates", "suites", "runs_dir", "cache_dir", "reports_dir", "prices")
SAMPLING_PARAMS = (
    "temperature",
    "top_p",
    "top_k",
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "seed",
    "stop",
    "stop_sequences",
    "presence_penalty",
    "frequency_penalty",
    "response_format",
    "reasoning_effort",
    "logprobs",
    "n",
)
"""Request parameters a candidate sets under ``params``; written at its top level, the
unknown-key error says where they go."""
_CAND_KEYS = (
    "provider",
    "model",
    "params",
    "system",
    "system_file",
    "prompt",
    "prompt_file",
    "tools",
    "tools_file",
    "tool_choice",
    "base_url",
    "options",
    "api_key_env",
    "concurrency",
    "rpm",
    "tpm",
    "timeout_s",
    "max_retries",
    "metadata",
)


def parse_project(
    data: Mapping[str, Any], *, base_dir: Path, where: str, path: Path | None = None
) -> Project:
    project, problems = collect_project(data, base_dir=base_dir, where=where, path=path)
    if problems:
        raise ConfigError(problems)
    return project


def collect_project(
    data: Mapping[str, Any], *, base_dir: Path, where: str, path: Path | None = None
) -> tuple[Project, list[Problem]]:
    """The loadable parts of a config and every problem, without raising.

    For ``evalkit validate``, which must go on checking the suites, eval sets and templates
    that load when another part of the file is broken, so one run lists every problem.
    :func:`parse_project` raises on the same problems, in the same order. Leniency only adds
    parts: a candidate whose only problems are unknown keys is built from its known keys (its
    templates can still be checked), and a suite with problems keeps its eval set, its known
    candidates and its valid scorers and gates (see :func:`~evalkit.suites.parse_suite`).
    """
    from evalkit.config import Project

    problems: list[Problem] = []
    unknown_keys(data, _TOP_KEYS, where, "", problems)
    cands: dict[str, Candidate] = {}
    declared = _table(data, "candidates", where, problems)
    for name, body in declared.items():
        c = _parse_candidate(
            name, body, str(base_dir), f"{where}: [candidates.{name}]", problems, partial=True
        )
        if c is not None:
            cands[name] = c
    suites: dict[str, Suite] = {}
    for name, body in _table(data, "suites", where, problems).items():
        s = parse_suite(
            name, body, str(base_dir), f"{where}: [suites.{name}]", problems, declared, partial=True
        )
        if s is not None:
            suites[name] = s
    prices = data.get("prices", {})
    if not isinstance(prices, dict):
        problems.append(
            Problem(
                f"{where}: prices",
                "must be a table of model = {input, output, cached_input, cache_write}",
            )
        )
        prices = {}
    else:
        problems += _price_problems(prices, where)

    def folder(key: str, default: str) -> Path:
        p = Path(str(data.get(key, default)))
        return p if p.is_absolute() else base_dir / p

    project = Project(
        path=path,
        candidates=cands,
        suites=suites,
        runs_dir=folder("runs_dir", ".evalkit/runs"),
        cache_dir=folder("cache_dir", ".evalkit/cache"),
        reports_dir=folder("reports_dir", "reports"),
        prices=prices,
    )
    return project, problems


def _price_problems(prices: Mapping[str, Any], where: str) -> list[Problem]:
    """Every bad ``[prices]`` entry, checked by the same rules the engine prices with, so a
    negative or per-1K rate is a config error now rather than an abort after the first paid
    response."""
    from evalkit.pricing import load_prices  # pricing is not needed to read the other tables

    try:
        load_prices(prices, where=f"{where}: [prices]")
    except ConfigError as exc:
        return list(exc.problems)
    return []


def _parse_candidate(
    name: str,
    body: Any,
    base_dir: str,
    where: str,
    problems: list[Problem],
    *,
    partial: bool = False,
) -> Candidate | None:
    """The candidate, or None when it has problems (all appended to ``problems``). With
    ``partial``, unknown keys alone do not stop it: it is built from its known keys."""
    from evalkit.config import Candidate

    if not isinstance(body, Mapping):
        problems.append(Problem(where, "must be a table"))
        return None
    start = len(problems)
    unknown_keys(body, _CAND_KEYS, where, "", problems, {"params": SAMPLING_PARAMS})
    known_start = len(problems)
    for key in ("provider", "model"):
        if not isinstance(body.get(key), str) or not body.get(key):
            problems.append(
                Problem(
                    f"{where} {key}",
                    f'is required (a string), e.g. {key} = "'
                    + ("openai" if key == "provider" else "gpt-4o-mini")
                    + '"',
                )
            )
    for key in ("prompt_file", "system_file", "tools_file"):
        if body.get(key) is not None:
            p = Path(str(body[key]))
            if not (p if p.is_absolute() else Path(base_dir) / p).is_file():
                problems.append(
                    Problem(
                        f"{where} {key}",
                        f"file {body[key]!r} does not exist (relative to {base_dir}); fix the path",
                    )
                )
    if body.get("prompt") is not None and body.get("prompt_file") is not None:
        problems.append(Problem(where, "set prompt or prompt_file, not both"))
    if body.get("system") is not None and body.get("system_file") is not None:
        problems.append(Problem(where, "set system or system_file, not both"))
    for key in ("params", "options", "metadata"):
        if key in body and not isinstance(body[key], Mapping):
            problems.append(Problem(f"{where} {key}", "must be a table"))
    for key in body.get("options", {}) if isinstance(body.get("options"), Mapping) else ():
        if any(w in key.lower() for w in OPTION_SECRET_WORDS):
            problems.append(
                Problem(
                    f"{where} options.{key}",
                    "looks like a secret; never put keys "
                    "in config: set an environment variable and name it with api_key_env",
                )
            )
    problems += literal_secret_problems(body, where)
    for key in ("concurrency", "max_retries"):
        if key in body and (
            not isinstance(body[key], int) or body[key] < (1 if key == "concurrency" else 0)
        ):
            problems.append(
                Problem(
                    f"{where} {key}",
                    f"must be a whole number >= {1 if key == 'concurrency' else 0}, got {body[key]!r}",
                )
            )
    for key in ("rpm", "tpm", "timeout_s"):
        if body.get(key) is not None and (
            not isinstance(body[key], (int, float)) or body[key] <= 0
        ):
            problems.append(
                Problem(f"{where} {key}", f"must be a positive number, got {body[key]!r}")
            )
    provider = str(body.get("provider", ""))
    if isinstance(body.get("params"), Mapping) and _official_api(provider, body.get("base_url")):
        problems += param_problems(body["params"], provider, where)
    tools = _parse_tools(body, base_dir, where, problems)
    if len(problems) > (known_start if partial else start):
        return None
    kwargs = {k: body[k] for k in _CAND_KEYS if k in body and k not in ("tools", "tools_file")}
    return Candidate(name=name, tools=tools, base_dir=base_dir, **kwargs)


_NUMBER_RANGES = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
}
_POSITIVE_INTS = ("top_k", "max_tokens", "max_completion_tokens", "max_output_tokens", "n")


def _official_api(provider: str, base_url: Any) -> bool:
    """Whether the candidate talks to OpenAI's or Anthropic's own API, whose parameter ranges
    are known. A local OpenAI-compatible server has its own (vLLM's ``top_k = -1``, llama.cpp's
    ``max_tokens = -1``) and a callable pipeline's params mean what the pipeline says: those
    are not checked (QA15 F6)."""
    return provider in ("openai", "anthropic") and not base_url


def param_problems(params: Mapping[str, Any], provider: str, where: str) -> list[Problem]:
    """Types and ranges of the well-known sampling parameters on the official APIs (QA14
    F14): ``temperature = "0.2"`` or ``max_tokens = -5`` otherwise passed ``validate`` and
    failed every case with the provider's 400 once the run had started."""
    out: list[Problem] = []

    def bad(key: str, want: str) -> None:
        got = params[key]
        quoted = isinstance(got, str) and got.strip().lstrip("-").replace(".", "", 1).isdigit()
        tip = f"; write it without quotes: {key} = {got.strip()}" if quoted else ""
        out.append(Problem(f"{where} params.{key}", f"must be {want}, got {got!r}{tip}"))

    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    for key, (low, high) in _NUMBER_RANGES.items():
        if key == "temperature" and provider == "anthropic":
            high = 1.0  # Anthropic's API range
        if key in params and (not number(params[key]) or not low <= params[key] <= high):
            bad(key, f"a number from {low:g} to {high:g}")
    for key in _POSITIVE_INTS:
        v = params.get(key)
        if key in params and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
            bad(key, "a whole number >= 1")
    if "seed" in params and (
        not isinstance(params["seed"], int) or isinstance(params["seed"], bool)
    ):
        bad("seed", "a whole number")
    for key in ("stop", "stop_sequences"):
        v = params.get(key)
        strings = isinstance(v, list) and all(isinstance(x, str) for x in v)
        if key in params and not (strings or (key == "stop" and isinstance(v, str))):
            bad(key, "a list of strings" + (" (or one string)" if key == "stop" else ""))
    if "logprobs" in params and not isinstance(params["logprobs"], bool):
        bad("logprobs", "true or false")
    return out


def _parse_tools(
    body: Mapping[str, Any], base_dir: str, where: str, problems: list[Problem]
) -> tuple[ToolSpec, ...]:
    import json

    raw = body.get("tools")
    if body.get("tools_file"):
        p = Path(str(body["tools_file"]))
        p = p if p.is_absolute() else Path(base_dir) / p
        try:
            raw = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            problems.append(Problem(f"{where} tools_file", f"cannot read {p}: {exc}"))
            return ()
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(
            Problem(f"{where} tools", "must be a list of {name, description, parameters}")
        )
        return ()
    out = []
    shape = '{"name", "description", "parameters"}'
    for i, t in enumerate(raw):
        try:
            out.append(ToolSpec.from_dict(t))
        except (KeyError, TypeError, AttributeError):
            if body.get("tools_file"):
                problems.append(Problem(f"{where} tools_file", f"tool {i + 1} must be {shape}"))
            else:  # numbered from 0 like scorers[i], so validate finds the entry's line
                problems.append(Problem(f"{where} tools[{i}]", f"must be {shape}"))
    return tuple(out)


def _table(
    data: Mapping[str, Any], key: str, where: str, problems: list[Problem]
) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        problems.append(Problem(f"{where}: {key}", "must be a table"))
        return {}
    return value
