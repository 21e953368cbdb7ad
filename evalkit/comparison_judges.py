"""What each side's LLM judges were asked: provider, model, scale, threshold and the texts
(rubric, prompt template) of every judge-based scorer, for the report's "Judges" panel.

A judge's spec records only hashes of its texts (arguments must stay the scorer's
configuration, since runs are rebuilt from them); the texts themselves sit once in the run
manifest's ``scorer_texts`` (:func:`evalkit.runmeta.scorer_entries`). They are shown only
when they belong to the scorer as the run records it: the entry's ``spec_sha256`` must be the
spec's hash, and a text's hash the spec's ``<label>_sha256`` where there is one. Otherwise
(a run from before evalkit kept texts, or re-scored by other scorers) the side says the text
was not recorded and shows the hash. Part of the data model of :mod:`evalkit.comparison`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalkit.hashing import sha256_json

__all__ = ["JudgeComparison", "JudgeSide", "JudgeText", "judges_of"]

NOT_RECORDED = "not recorded (the run was made before evalkit kept scorer texts)"
OTHER_SCORERS = "not recorded for these scorer settings (the run was re-scored)"


@dataclass(frozen=True)
class JudgeText:
    """One text a judge was given (``rubric`` or ``prompt``)."""

    label: str
    sha256: str | None
    """Hash of the whole text; ``None`` when neither the spec nor the manifest has one."""
    text: str | None = None
    """The text, cut to the manifest's cap; ``None`` when not recorded."""
    chars: int | None = None
    """Length of the whole text."""

    @property
    def cut(self) -> bool:
        return self.text is not None and self.chars is not None and len(self.text) < self.chars

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "sha256": self.sha256, "text": self.text, "chars": self.chars}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> JudgeText:
        return cls(str(d.get("label", "")), d.get("sha256"), d.get("text"), d.get("chars"))


@dataclass(frozen=True)
class JudgeSide:
    """One run's judge for one scorer."""

    provider: str | None
    model: str | None
    scale: tuple[int, ...] | None
    threshold: float | None
    texts: tuple[JudgeText, ...] = ()
    note: str = ""
    """Why texts are missing, when they are."""

    def settings(self) -> dict[str, Any]:
        """The compared settings by name (texts by hash)."""
        out: dict[str, Any] = {
            "provider": self.provider,
            "model": self.model,
            "scale": list(self.scale) if self.scale else None,
            "threshold": self.threshold,
        }
        out.update({t.label: t.sha256 for t in self.texts})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.settings().items() if k in _SETTINGS},
            "texts": [t.to_dict() for t in self.texts],
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> JudgeSide:
        scale = d.get("scale")
        return cls(
            provider=d.get("provider"),
            model=d.get("model"),
            scale=tuple(scale) if isinstance(scale, (list, tuple)) else None,
            threshold=d.get("threshold"),
            texts=tuple(JudgeText.from_dict(t) for t in d.get("texts") or ()),
            note=str(d.get("note", "")),
        )


_SETTINGS = ("provider", "model", "scale", "threshold")


@dataclass(frozen=True)
class JudgeComparison:
    """A judge-based scorer in either run; ``None`` for a side that does not have it."""

    scorer: str
    baseline: JudgeSide | None
    candidate: JudgeSide | None

    @property
    def differs(self) -> tuple[str, ...]:
        """The settings and texts (by hash) that differ between the sides, in order."""
        if self.baseline is None or self.candidate is None:
            return ("scorer",)
        b, c = self.baseline.settings(), self.candidate.settings()
        return tuple(k for k in dict.fromkeys([*b, *c]) if b.get(k) != c.get(k))

    def to_dict(self) -> dict[str, Any]:
        return {
            "scorer": self.scorer,
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "candidate": self.candidate.to_dict() if self.candidate else None,
            "differs": list(self.differs),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> JudgeComparison:
        b, c = d.get("baseline"), d.get("candidate")
        return cls(
            str(d.get("scorer", "")),
            JudgeSide.from_dict(b) if isinstance(b, Mapping) else None,
            JudgeSide.from_dict(c) if isinstance(c, Mapping) else None,
        )


def judges_of(
    baseline: Mapping[str, Any], candidate: Mapping[str, Any]
) -> tuple[JudgeComparison, ...]:
    """The judge-based scorers of two run manifests, sorted by scorer name."""
    b, c = _judges(baseline), _judges(candidate)
    return tuple(JudgeComparison(n, b.get(n), c.get(n)) for n in sorted(set(b) | set(c)))


def _judges(manifest: Mapping[str, Any]) -> dict[str, JudgeSide]:
    stored = manifest.get("scorer_texts")
    stored = stored if isinstance(stored, Mapping) else {}
    out = {}
    for spec in manifest.get("scorers") or ():
        if not isinstance(spec, Mapping):
            continue
        name = str(spec.get("name", ""))
        args = spec.get("args") if isinstance(spec.get("args"), Mapping) else {}
        assert isinstance(args, Mapping)
        if name in stored or "rubric_sha256" in args or args.get("mode") == "judge":
            out[name] = _side(spec, args, stored.get(name))
    return out


def _side(spec: Mapping[str, Any], args: Mapping[str, Any], entry: Any) -> JudgeSide:
    texts: Mapping[str, Any] = {}
    note = NOT_RECORDED
    if isinstance(entry, Mapping):
        if entry.get("spec_sha256") == sha256_json(spec) and isinstance(
            entry.get("texts"), Mapping
        ):
            texts, note = entry["texts"], ""
        else:
            note = OTHER_SCORERS
    hashed = [k.removesuffix("_sha256") for k in args if str(k).endswith("_sha256")]
    shown = []
    for label in dict.fromkeys([*texts, *hashed]):
        t = texts.get(label)
        want = args.get(f"{label}_sha256")
        if isinstance(t, Mapping) and (want is None or t.get("sha256") == want):
            shown.append(JudgeText(label, t.get("sha256"), str(t.get("text", "")), t.get("chars")))
        else:
            note = note or OTHER_SCORERS
            shown.append(JudgeText(label, want))
    scale = args.get("scale")
    return JudgeSide(
        provider=args.get("judge_provider") or args.get("provider"),
        model=args.get("judge_model") or args.get("model"),
        scale=tuple(scale) if isinstance(scale, (list, tuple)) else None,
        threshold=args.get("threshold"),
        texts=tuple(shown),
        note=note,
    )
