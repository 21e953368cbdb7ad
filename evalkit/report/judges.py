"""The report's "Judges" panel and its version note: what each side's LLM judges were asked.

For every judge-based scorer of a comparison (:attr:`~evalkit.comparison.Comparison.judges`)
the panel shows provider, model, scale and threshold side by side, then each text (rubric,
prompt template) with the changed ones flagged and open. The texts are data like any output:
the template escapes them into a ``<bdi>``, and their bidi controls are shown as escapes
(:func:`~evalkit.report.bidi.shown`), so a rubric cannot add markup nor reorder the page.
"""

from __future__ import annotations

from typing import Any

from evalkit.comparison import Comparison, JudgeComparison, JudgeSide, JudgeText
from evalkit.comparison_meta import version_note

__all__ = ["judges_view", "version_notes"]

_SETTINGS = ("provider", "model", "scale", "threshold")


def version_notes(c: Comparison) -> list[str]:
    """The different-evalkit-versions note as a report sentence (none when the same)."""
    note = version_note(c.baseline, c.candidate)
    return [note[:1].upper() + note[1:] + "."] if note else []


def judges_view(c: Comparison) -> list[dict[str, Any]]:
    """One entry per judge-based scorer, in scorer order."""
    return [_judge(j) for j in c.judges]


def _judge(j: JudgeComparison) -> dict[str, Any]:
    differs = j.differs
    b = j.baseline.settings() if j.baseline else {}
    c = j.candidate.settings() if j.candidate else {}
    rows = [
        {
            "key": key,
            "baseline": _setting(b.get(key), j.baseline),
            "candidate": _setting(c.get(key), j.candidate),
            "changed": key in differs,
        }
        for key in _SETTINGS
    ]
    labels = dict.fromkeys(
        [t.label for side in (j.baseline, j.candidate) if side for t in side.texts]
    )
    texts = []
    for label in labels:
        tb, tc = _text(j.baseline, label), _text(j.candidate, label)
        changed = label in differs or (j.baseline is None) != (j.candidate is None)
        texts.append(
            {
                "label": label,
                "changed": changed,
                "same": not changed and tb["text"] is not None and tb == tc,
                "baseline": tb,
                "candidate": tc,
            }
        )
    return {
        "scorer": j.scorer,
        "differs": bool(differs),
        "differs_label": ", ".join("only one run" if d == "scorer" else d for d in differs),
        "rows": rows,
        "texts": texts,
    }


def _setting(value: Any, side: JudgeSide | None) -> str:
    if side is None:
        return "(not in this run)"
    if value is None:
        return "–"
    if isinstance(value, list):
        return " to ".join(str(v) for v in value)
    return str(value)


def _text(side: JudgeSide | None, label: str) -> dict[str, Any]:
    """One side's text: the text (bidi controls shown), or why it is not there."""
    if side is None:
        return {"text": None, "note": "(not in this run)", "sha": "", "cut": ""}
    t = next((t for t in side.texts if t.label == label), JudgeText(label, None))
    sha = (t.sha256 or "")[:12]
    if t.text is None:
        note = side.note or "not recorded"
        note += f"; sha256 {sha}" if sha else ""
        return {"text": None, "note": note, "sha": sha, "cut": ""}
    cut = (
        f"cut: the first {len(t.text):,} of {t.chars:,} characters are shown"
        if t.cut and t.chars
        else ""
    )
    return {"text": t.text, "note": "", "sha": sha, "cut": cut}
