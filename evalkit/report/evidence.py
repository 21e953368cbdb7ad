"""What a case expected, for the case details: its context passages, expected answers,
expected tool calls and its own checks' definitions.

A reviewer checks a verdict against these ("number mismatch: 60 not in passage refunds" is only
checkable with passage ``refunds`` in view). Records do not carry them: a request holds the
rendered messages, not the case. So they come from the eval set file the run's manifest names,
and only when that file still has the version the run used (a file edited since would show
evidence the run never saw). Without the file the report still renders, with one line saying
why the evidence is missing.

Size: a 10,000-case RAG report could carry megabytes of passages. The passage a flagged claim
was checked against (the claim's best passage, ``details["claims"][i]["passage"]``) is kept
whole up to :data:`MAX_FLAGGED`; every other passage is cut to :data:`MAX_PASSAGE` characters
and marked. Everything here is data: the page shows it through text nodes in isolates, and a
sentence composed around it gets its bidi controls shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.compare import CaseRow, Comparison
    from evalkit.dataset import Case

__all__ = [
    "MAX_FLAGGED",
    "MAX_PASSAGE",
    "CaseEvidence",
    "case_evidence",
    "evidence_view",
    "flagged_passages",
]

MAX_PASSAGE = 280
"""Characters kept of a passage no flagged claim was checked against."""
MAX_FLAGGED = 8_000
"""Characters kept of a flagged claim's best passage (shown whole below this)."""
MAX_VALUE = 500
"""Characters kept of one expected answer, expected call or check definition."""


@dataclass(frozen=True)
class CaseEvidence:
    """The cases of one comparison's eval set by id, or why there are none."""

    cases: Mapping[str, Case] = field(default_factory=dict)
    note: str = ""
    """Why the evidence is missing (empty when it is there or when nothing was looked for)."""


def _cut(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut to ``limit`` characters, and how many were left out."""
    return (text, 0) if len(text) <= limit else (text[:limit] + " …", len(text) - limit)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> tuple[str, dict[str, Case]]:
    """The file's version and cases; cached on the file's identity, as several comparisons of
    one report (three candidates against one baseline) read the same eval set."""
    from evalkit.dataset import load_eval_set

    es = load_eval_set(path)
    return es.version, {c.id: c for c in es.cases}


def case_evidence(c: Comparison) -> CaseEvidence:
    """The eval set the baseline's (else the candidate's) manifest names, if it is still the
    version that run used."""
    from evalkit.errors import EvalkitError

    reasons = []
    for info in (c.baseline, c.candidate):
        try:
            manifest = json.loads((Path(info.path) / "manifest.json").read_text(encoding="utf-8"))
            ds = manifest.get("dataset") or {}
        except (OSError, ValueError, AttributeError):
            reasons.append("the run's manifest could not be read")
            continue
        path = ds.get("path")
        if not path:
            reasons.append("the eval set was built in Python (no file)")
            continue
        try:
            stat = Path(path).stat()
            version, cases = _load(str(path), stat.st_mtime_ns, stat.st_size)
        except (OSError, EvalkitError):
            reasons.append(f"{path} could not be read")
            continue
        if version != ds.get("version"):
            reasons.append(f"{path} has changed since the run")
            continue
        return CaseEvidence(cases)
    why = "; ".join(dict.fromkeys(reasons))
    return CaseEvidence(
        note=f"Context passages, expected answers and check definitions are not shown: {why}."
    )


def flagged_passages(row: CaseRow) -> set[str]:
    """Ids of the passages an unsupported claim of either side was checked against."""
    out: set[str] = set()
    for side in (row.baseline, row.candidate):
        for cell in (side.scores if side else {}).values():
            details = cell.details if isinstance(cell.details, Mapping) else {}
            for claim in details.get("claims") or ():
                if isinstance(claim, Mapping) and not claim.get("supported"):
                    pid = claim.get("passage")
                    if isinstance(pid, str):
                        out.add(pid)
    return out


def evidence_view(case: Case, flagged: set[str]) -> dict[str, Any]:
    """``{"ctx": [{"id", "t", "src", "more", "f"}], "exp": [text], "etc": [call], "ord",
    "ref", "chk": [{"l", "d"}]}``, each key only when the case has it. ``f`` marks the best
    passage of a flagged claim (kept whole up to :data:`MAX_FLAGGED`); ``more`` counts the
    characters cut. A call and a check definition are sentences written around data, so their
    bidi controls are shown; a passage and an expected answer are single values the page
    isolates."""
    out: dict[str, Any] = {}
    ctx = []
    for p in case.context:
        hot = p.id in flagged
        text, more = _cut(p.text, MAX_FLAGGED if hot else MAX_PASSAGE)
        view: dict[str, Any] = {"id": p.id, "t": text}
        if p.source:
            view["src"] = _cut(p.source, MAX_VALUE)[0]
        if more:
            view["more"] = more
        if hot:
            view["f"] = True
        ctx.append(view)
    if ctx:
        out["ctx"] = ctx
    if case.expected:
        out["exp"] = [_cut(x, MAX_VALUE)[0] for x in case.expected]
    if case.expected_tool_calls is not None:
        out["etc"] = [
            _cut(f"{e.name}({_json(dict(e.arguments))})", MAX_VALUE)[0]
            + (f" optional: {', '.join(e.optional)}" if e.optional else "")
            for e in case.expected_tool_calls
        ]
        if case.tool_call_order == "strict":
            out["ord"] = "strict"
    if case.should_refuse is not None:
        out["ref"] = case.should_refuse
    chk = []
    for k in case.checks:
        d = k.name + (f" {_json(dict(k.args))}" if k.args else "")
        if k.threshold is not None:
            d += f" threshold {k.threshold:g}"
        chk.append({"l": _cut(k.key, MAX_VALUE)[0], "d": _cut(d, MAX_VALUE)[0]})
    if chk:
        out["chk"] = chk
    return out
