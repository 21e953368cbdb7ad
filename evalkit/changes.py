"""What changed between two runs: the configuration diff and the prompt/system line diffs.

Read from each run's manifest (``candidate`` is :meth:`Candidate.to_dict`, with prompt and
system sources inlined), so a comparison needs no config file and no prompt files on disk.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DIFF_KEYS", "ConfigDiff", "FieldChange", "TextDiff", "config_diff", "text_diff"]

DIFF_KEYS = ("provider", "model", "base_url", "tool_choice", "params", "options", "tools")
"""Behaviour settings compared field by field (prompt and system get line diffs)."""


@dataclass(frozen=True)
class FieldChange:
    """One configuration value that differs (``key`` is dotted: ``params.temperature``)."""

    key: str
    baseline: Any
    """JSON value; ``None`` when absent."""
    candidate: Any

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "baseline": self.baseline, "candidate": self.candidate}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FieldChange:
        return cls(d["key"], d.get("baseline"), d.get("candidate"))


@dataclass(frozen=True)
class TextDiff:
    """A line diff of a prompt template or system instructions."""

    name: str
    """``prompt`` or ``system``."""
    baseline: str | None
    candidate: str | None
    unified: str
    """``difflib.unified_diff`` output; empty when unchanged."""

    @property
    def changed(self) -> bool:
        return self.baseline != self.candidate

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "changed": self.changed,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "unified": self.unified,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TextDiff:
        return cls(d["name"], d.get("baseline"), d.get("candidate"), d.get("unified", ""))


@dataclass(frozen=True)
class ConfigDiff:
    """What changed between the two candidates' behaviour settings."""

    changes: tuple[FieldChange, ...]
    """Model, provider, params, tools, tool_choice, base_url, options: one row per value."""
    prompt: TextDiff
    system: TextDiff
    same_fingerprint: bool

    @property
    def changed(self) -> bool:
        return bool(self.changes) or self.prompt.changed or self.system.changed

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [c.to_dict() for c in self.changes],
            "prompt": self.prompt.to_dict(),
            "system": self.system.to_dict(),
            "same_fingerprint": self.same_fingerprint,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ConfigDiff:
        return cls(
            changes=tuple(FieldChange.from_dict(c) for c in d.get("changes") or ()),
            prompt=TextDiff.from_dict(d.get("prompt") or {"name": "prompt"}),
            system=TextDiff.from_dict(d.get("system") or {"name": "system"}),
            same_fingerprint=bool(d.get("same_fingerprint", False)),
        )


def config_diff(baseline: Mapping[str, Any], candidate: Mapping[str, Any]) -> ConfigDiff:
    """Diff two manifests' ``candidate`` dicts."""
    changes: list[FieldChange] = []
    for key in DIFF_KEYS:
        b, c = baseline.get(key), candidate.get(key)
        if key in ("params", "options"):
            changes += _dict_changes(key, b or {}, c or {})
        elif key == "tools":
            changes += _dict_changes(key, _by_name(b), _by_name(c))
        elif b != c:
            changes.append(FieldChange(key, b, c))
    fb, fc = baseline.get("fingerprint"), candidate.get("fingerprint")
    return ConfigDiff(
        changes=tuple(changes),
        prompt=text_diff("prompt", baseline.get("prompt"), candidate.get("prompt")),
        system=text_diff("system", baseline.get("system"), candidate.get("system")),
        same_fingerprint=fb is not None and fb == fc,
    )


def text_diff(name: str, baseline: str | None, candidate: str | None) -> TextDiff:
    """A unified line diff (``baseline/NAME`` → ``candidate/NAME``), empty when equal."""
    if baseline == candidate:
        return TextDiff(name, baseline, candidate, "")
    lines = difflib.unified_diff(
        (baseline or "").splitlines(),
        (candidate or "").splitlines(),
        fromfile=f"baseline/{name}",
        tofile=f"candidate/{name}",
        lineterm="",
    )
    return TextDiff(name, baseline, candidate, "\n".join(lines))


def _dict_changes(prefix: str, b: Mapping[str, Any], c: Mapping[str, Any]) -> list[FieldChange]:
    out = []
    for k in sorted(set(b) | set(c), key=str):
        if b.get(k) != c.get(k):
            out.append(FieldChange(f"{prefix}.{k}", b.get(k), c.get(k)))
    return out


def _by_name(tools: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, t in enumerate(tools or ()):
        name = t.get("name") if isinstance(t, Mapping) else None
        out[str(name or i)] = t
    return out
