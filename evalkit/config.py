"""Candidates and suites: what is evaluated, and how it is judged.

A *candidate* is every setting that changes behaviour (provider, model, params, system
instructions, prompt template, tools); its :meth:`Candidate.fingerprint` hashes exactly those,
so two runs with equal fingerprints asked the same thing of the same model. Operational
settings (concurrency, rate limits, timeouts, the API-key variable name) are kept apart and
never change the fingerprint. A *suite* names an eval set, candidates, scorers and gates.

Both are declared in ``evalkit.toml`` (or ``[tool.evalkit]`` in ``pyproject.toml``) and can
be built in Python. Unknown keys are rejected with a did-you-mean; every problem is collected
before :class:`~evalkit.errors.ConfigError` is raised.

The validation of a file's tables is in :mod:`evalkit.config_parse` (``parse_project``,
re-exported here); this module holds the data model and finds and reads the file.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.config_parse import _parse_candidate, collect_project, parse_project
from evalkit.config_secrets import redact_options, redact_url
from evalkit.dataset import ToolSpec
from evalkit.errors import ConfigError, Problem, did_you_mean
from evalkit.hashing import callable_identity, sha256_bytes, sha256_json, sha256_text
from evalkit.suites import CACHE_MODES, Gate, ScorerSpec, Suite

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "CACHE_MODES",
    "Candidate",
    "Gate",
    "Project",
    "ScorerSpec",
    "Suite",
    "collect_config",
    "find_config",
    "load_config",
]


@dataclass(frozen=True)
class Candidate:
    """A behaviour-changing configuration of the system under evaluation."""

    name: str
    provider: str
    model: str
    params: Mapping[str, Any] = field(default_factory=dict)
    """Sampling parameters: temperature, max_tokens, seed, top_p, stop, ..."""
    system: str | None = None
    """System instructions (a Jinja2 template over the case's vars), inline."""
    system_file: str | None = None
    prompt: str | None = None
    """The prompt template (Jinja2), inline. Without one, the case's ``input`` is sent as is."""
    prompt_file: str | None = None
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: str | Mapping[str, Any] | None = None
    base_url: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    """Provider-specific, behaviour-relevant options (replay ``path``, callable ``target``)."""
    # --- operational: not part of the fingerprint -------------------------------------
    api_key_env: str | None = None
    """Name of the environment variable with the API key (the key is never stored)."""
    concurrency: int = 16
    rpm: float | None = None
    tpm: float | None = None
    timeout_s: float = 60.0
    max_retries: int = 6
    metadata: Mapping[str, str] = field(default_factory=lambda: {"source": "evalkit"})
    """Tags sent with each request to mark it as evaluation traffic, where the API allows."""
    base_dir: str = "."
    """Folder that relative paths (prompt_file, system_file, option paths) resolve against."""

    # --------------------------------------------------------------------- derived
    def resolve(self, path: str) -> Path:
        p = Path(path)
        return p if p.is_absolute() else Path(self.base_dir) / p

    @property
    def prompt_source(self) -> str | None:
        """The template text, read from ``prompt_file`` when there is one."""
        if self.prompt_file:
            return self.resolve(self.prompt_file).read_text(encoding="utf-8")
        return self.prompt

    @property
    def system_source(self) -> str | None:
        if self.system_file:
            return self.resolve(self.system_file).read_text(encoding="utf-8")
        return self.system

    def behaviour(self) -> dict[str, Any]:
        """Exactly the fields that change what the model is asked: the fingerprint's input.

        Secrets in ``base_url`` and ``options`` (a header's key, URL credentials) appear as
        redaction markers that carry a digest of the value (see :mod:`evalkit.config_secrets`),
        and a function given as an option as its :func:`~evalkit.hashing.callable_identity`,
        so this dict can be stored and shown as it is and still changes when they change.
        """
        return {
            "provider": self.provider,
            "model": self.model,
            "params": dict(self.params),
            "system": self.system_source,
            "prompt": self.prompt_source,
            "tools": [t.to_dict() for t in self.tools],
            "tool_choice": self.tool_choice,
            "base_url": redact_url(self.base_url),
            "options": redact_options(self._options_with_code()),
        }

    def _options_with_code(self) -> dict[str, Any]:
        """The options, plus for a ``callable`` target named as text the sha256 of the file
        that defines it (``target_source_sha256``): the pipeline's code is behaviour, so an
        edit shows in "what changed" and changes the fingerprint. Code the file imports from
        elsewhere is not covered; ``None`` when the file cannot be found."""
        options = _plain(self.options)
        target = options.get("target")
        if self.provider == "callable" and isinstance(target, str):
            options["target_source_sha256"] = _source_sha256(target, self.base_dir)
        return options

    def fingerprint(self) -> str:
        """sha256 of :meth:`behaviour`; equal fingerprints mean equal behaviour settings."""
        return sha256_json(self.behaviour())

    def summary(self) -> dict[str, Any]:
        """A short, readable description: what an operator asks first."""
        prompt, system = self.prompt_source, self.system_source
        return {
            "name": self.name,
            "provider": self.provider,
            "model": self.model,
            "base_url": redact_url(self.base_url),
            "params": dict(self.params),
            "prompt_file": self.prompt_file,
            "prompt_sha256": sha256_text(prompt) if prompt else None,
            "system_sha256": sha256_text(system) if system else None,
            "tools": [t.name for t in self.tools],
            "tool_choice": self.tool_choice,
            "fingerprint": self.fingerprint(),
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, with prompt and system sources inlined: what the manifest stores."""
        d = self.behaviour()
        d.update(
            name=self.name,
            fingerprint=self.fingerprint(),
            prompt_file=self.prompt_file,
            system_file=self.system_file,
            api_key_env=self.api_key_env,
            concurrency=self.concurrency,
            rpm=self.rpm,
            tpm=self.tpm,
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
            metadata=dict(self.metadata),
        )
        return d

    @classmethod
    def from_dict(
        cls,
        name: str,
        data: Mapping[str, Any],
        *,
        base_dir: str | Path = ".",
        where: str = "candidate",
    ) -> Candidate:
        problems: list[Problem] = []
        cand = _parse_candidate(
            name, data, str(base_dir), f"{where}: [candidates.{name}]", problems
        )
        if problems or cand is None:
            raise ConfigError(problems)
        return cand


def _source_sha256(target: str, base_dir: str) -> str | None:
    """sha256 of the file defining ``path/file.py:attr`` or ``package.module:attr``, found
    without running it (a module's parent packages are imported to locate it)."""
    import importlib.util

    module, _, _ = target.rpartition(":")
    try:
        if module.endswith(".py"):
            path = Path(module) if Path(module).is_absolute() else Path(base_dir) / module
        else:
            spec = importlib.util.find_spec(module)
            if spec is None or not spec.origin or not Path(spec.origin).is_file():
                return None
            path = Path(spec.origin)
        return sha256_bytes(path.read_bytes())
    except Exception:  # a fingerprint never fails on what the provider reports later
        return None


def _plain(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with each function in it (a ``callable`` target given in Python) replaced
    by its identity: the name and a hash of its source, which JSON can hold and hash."""

    def plain(value: Any) -> Any:
        if callable(value) and not isinstance(value, type):
            return callable_identity(value)
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    return {k: plain(v) for k, v in options.items()}


@dataclass(frozen=True)
class Project:
    """A loaded configuration file."""

    path: Path | None
    candidates: Mapping[str, Candidate]
    suites: Mapping[str, Suite]
    runs_dir: Path
    cache_dir: Path
    reports_dir: Path
    prices: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Price overrides: model → {input, output, cached_input, cache_write} USD per million tokens."""

    def suite(self, name: str) -> Suite:
        if name not in self.suites:
            raise ConfigError.single(
                str(self.path),
                f"no suite {name!r};"
                f"{did_you_mean(name, self.suites)} suites: {sorted(self.suites)}",
            )
        return self.suites[name]

    def candidate(self, name: str) -> Candidate:
        if name not in self.candidates:
            raise ConfigError.single(
                str(self.path),
                f"no candidate {name!r};"
                f"{did_you_mean(name, self.candidates)} candidates: {sorted(self.candidates)}",
            )
        return self.candidates[name]


def find_config(start: str | Path = ".") -> Path | None:
    """The nearest ``evalkit.toml``, or ``pyproject.toml`` with ``[tool.evalkit]``, upwards."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / "evalkit.toml").is_file():
            return folder / "evalkit.toml"
        py = folder / "pyproject.toml"
        if py.is_file() and "[tool.evalkit" in py.read_text(encoding="utf-8"):
            return py
    return None


def load_config(path: str | Path | None = None) -> Project:
    """Load and validate a config file; raise :class:`ConfigError` listing every problem."""
    found, data = _read_config(path)
    project = parse_project(data, base_dir=found.parent, where=str(found), path=found)
    _use_project_scorers(project)
    return project


def collect_config(path: str | Path | None = None) -> tuple[Project, list[Problem]]:
    """Load what of a config file is valid, with every problem, instead of raising on them.

    For ``evalkit validate``: the suites, eval sets and templates that load are checked in
    the same run as the broken parts are reported (see
    :func:`~evalkit.config_parse.collect_project`). Still raises :class:`ConfigError` when
    nothing can be read: no file, or invalid TOML. Every other command uses
    :func:`load_config`, which stops at a config error.
    """
    found, data = _read_config(path)
    project, problems = collect_project(data, base_dir=found.parent, where=str(found), path=found)
    _use_project_scorers(project)
    return project, problems


def _use_project_scorers(project: Project) -> None:
    """The names the project's scorer files register (``@evalkit.scorer``) become known to
    every lookup, a case's ``checks`` too, before any of them is built
    (:func:`~evalkit.dataset_checks.use_project_scorers`; nothing is imported yet)."""
    from evalkit.dataset_checks import use_project_scorers

    use_project_scorers(project)


def _read_config(path: str | Path | None) -> tuple[Path, Mapping[str, Any]]:
    """The config file found (or given) and its evalkit tables."""
    found = Path(path) if path else find_config()
    if found is None:
        raise ConfigError.single(
            ".",
            "no evalkit.toml (or [tool.evalkit] in pyproject.toml) "
            "found here or above; create one or pass --config PATH",
        )
    if not found.is_file():
        raise ConfigError.single(str(found), "config file not found; check --config")
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError.single(str(found), f"invalid TOML: {exc}") from exc
    if found.name == "pyproject.toml":
        data = data.get("tool", {}).get("evalkit", {})
    return found, data
