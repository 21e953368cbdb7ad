"""What changed between two runs: the configuration diff and the prompt/system line diffs.

Read from each run's manifest (``candidate`` is :meth:`Candidate.to_dict`, with prompt and
system sources inlined), so a comparison needs no config file and no prompt files on disk.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

__all__ = [
    "DIFF_KEYS",
    "ConfigDiff",
    "FieldChange",
    "TextDiff",
    "config_diff",
    "scorer_changes",
    "text_diff",
]

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
    scorers: tuple[FieldChange, ...] = ()
    """How a scorer both runs have was set up differently (``scorers.fuzzy.threshold``): not a
    change of the candidate's behaviour but of the ruler, so its deltas compare two measures."""

    @property
    def changed(self) -> bool:
        return bool(self.changes) or self.prompt.changed or self.system.changed

    def rescored(self, scorer: str) -> list[FieldChange]:
        """The setting changes of ``scorer`` between the runs (empty when it scored alike)."""
        return [c for c in self.scorers if c.key.split(".")[1] == scorer]

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [c.to_dict() for c in self.changes],
            "prompt": self.prompt.to_dict(),
            "system": self.system.to_dict(),
            "same_fingerprint": self.same_fingerprint,
            "scorers": [c.to_dict() for c in self.scorers],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ConfigDiff:
        return cls(
            changes=tuple(FieldChange.from_dict(c) for c in d.get("changes") or ()),
            prompt=TextDiff.from_dict(d.get("prompt") or {"name": "prompt"}),
            system=TextDiff.from_dict(d.get("system") or {"name": "system"}),
            same_fingerprint=bool(d.get("same_fingerprint", False)),
            scorers=tuple(FieldChange.from_dict(c) for c in d.get("scorers") or ()),
        )


def config_diff(
    baseline: Mapping[str, Any],
    candidate: Mapping[str, Any],
    scorers: tuple[Sequence[Any], Sequence[Any]] = ((), ()),
) -> ConfigDiff:
    """Diff two manifests' ``candidate`` dicts, and their ``scorers`` specs if given."""
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
        scorers=scorer_changes(*scorers),
    )


def scorer_changes(baseline: Sequence[Any], candidate: Sequence[Any]) -> tuple[FieldChange, ...]:
    """Settings of the scorers both runs have that differ (``scorers.NAME.threshold``).

    A stored baseline scored with ``threshold = 0.5`` against a candidate scored with 0.95
    read as six regressions and "nothing changed". A file argument (``path_args`` in the spec)
    and a project scorer file's reference are compared by file name, since two checkouts name
    one file by two paths; a file's content shows in the scorer's hash argument
    (``schema_sha256``, ``rubric_sha256``) where it keeps one.

    A scorer from a project file (``scorers/mine.py:brevity``) is therefore the same scorer in
    two processes, two folders and two machines when its file name, attribute and content
    (``source_sha256``, the file as loaded) are: an edited scorer file is another ruler, so the
    comparison says "scored differently" until the baseline is re-scored with it. A function
    scorer's ``function`` (its module and name) is compared only in a spec without ``ref``
    (which names the same function, a file by its path): in a file's module name it once
    differed in every process (``evalkit_user_<salted hash>``).
    """
    b, c = _specs(baseline), _specs(candidate)
    out: list[FieldChange] = []
    for name in sorted(set(b) & set(c)):
        fb, fc = _flat(b[name]), _flat(c[name])
        for key in sorted(set(fb) | set(fc)):
            vb, vc = fb.get(key, _MISSING), fc.get(key, _MISSING)
            if key == "source_sha256" and _MISSING in (vb, vc):
                continue  # a run recorded before file digests were: nothing to compare
            if vb is _MISSING or vc is _MISSING:  # an argument one evalkit version lacks
                default = _arg_default(name, key)
                vb, vc = (default if v is _MISSING else v for v in (vb, vc))
            if vb != vc:
                out.append(FieldChange(f"scorers.{name}.{key}", fb.get(key), fc.get(key)))
    return tuple(out)


_MISSING: Any = object()


def _arg_default(name: str, key: str) -> Any:
    """The registered scorer's default for argument ``key``, as its spec records values; a
    run from an evalkit whose scorer did not have the argument yet was scored with that
    behaviour (a new argument's default keeps the old one), so it is no difference. Unknown
    scorers and arguments without a default stay a difference."""
    import dataclasses

    from evalkit.scoring import SCORERS, _jsonable

    try:
        factory = SCORERS.get(name)
    except Exception:  # not registered here (a plugin this checkout lacks)
        return _MISSING
    if not dataclasses.is_dataclass(factory):
        return _MISSING
    for f in dataclasses.fields(factory):
        if f.name == key:
            if f.default is not dataclasses.MISSING:
                return _jsonable(f.default)
            if f.default_factory is not dataclasses.MISSING:
                return _jsonable(f.default_factory())
    return _MISSING


def _specs(specs: Sequence[Any]) -> dict[str, Mapping[str, Any]]:
    return {str(s["name"]): s for s in specs if isinstance(s, Mapping) and s.get("name")}


def _flat(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A spec's settings by key (``threshold``, ``method``, ``ref``); file arguments by name."""
    paths = set(spec.get("path_args") or ())
    skip = set(spec.get("operational_args") or ()) | _operational(str(spec.get("name", "")))
    raw = spec.get("args")
    args: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    out = {
        k: PurePath(v).name if k in paths and isinstance(v, str) else v
        for k, v in args.items()
        if k not in skip
    }
    for k in ("threshold", "ref", "function", "source_sha256"):
        if spec.get(k) is not None:
            out[k] = spec[k]
    if "ref" in out:  # names the same function as ``function``, a file by its path
        out.pop("function", None)
    nested = out.get("defaults")
    if spec.get("name") == "checks" and isinstance(nested, Mapping):  # a check's own scorer
        out["defaults"] = {
            n: {k: v for k, v in a.items() if k not in _operational(str(n))}
            if isinstance(a, Mapping)
            else a
            for n, a in nested.items()
        }
    for k in ("ref", "function"):  # a project's scorer file: /abs/path/file.py:name
        path, sep, name = str(out.get(k, "")).rpartition(".py:")
        if sep:
            out[k] = f"{PurePath(path).name}.py:{name}"
    return out


def _operational(name: str) -> set[str]:
    """The registered scorer's :attr:`~evalkit.scoring.Scorer.operational_args`: a run
    recorded before specs listed them has the same arguments, and a judge's cache mode
    differs between a replayed CI run and a recorded baseline by design."""
    from evalkit.scoring import SCORERS

    try:
        return set(getattr(SCORERS.get(name), "operational_args", ()))
    except Exception:  # not registered here (a plugin this checkout lacks)
        return set()


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
