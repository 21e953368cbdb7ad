"""Comparison → the page's view model: plain JSON-able dicts, formatted for display.

The report renders this, never a :class:`~evalkit.compare.Comparison` directly, so the
template holds no arithmetic and the choice of what a reviewer sees first (headline metrics,
refusal rates, the order of cases) lives here, testable without a browser. A sentence composed
around data (a metric label with its scorer's name, a gate's reason, a note, a title) gets
its bidi controls shown (:func:`~evalkit.report.bidi.shown`): the page isolates each value it
shows, but cannot isolate a name inside a sentence. The metric tables and the number formats
are :mod:`evalkit.report.metrics`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from evalkit.compare import Comparison, GateResult, TextDiff
from evalkit.report.cases import CHANGED, STATUS_ORDER, case_views, has_scorer_error, is_flaky
from evalkit.report.evidence import case_evidence
from evalkit.report.judges import judges_view, version_notes
from evalkit.report.metrics import (  # re-exported: all but metric_tables, slice_chart
    HEADLINE_RUN_METRICS,
    format_value,
    metric_row,
    metric_tables,
    money,
    slice_chart,
)
from evalkit.report.partial import (
    not_run,
    outside_lines,
    outside_selection,
    page_partial,
    partial_view,
    section_notes,
)
from evalkit.terminal_text import split

__all__ = [
    "HEADLINE_RUN_METRICS",
    "build_view",
    "format_value",
    "metric_row",
    "money",
    "section_view",
]


def _text_diff(t: TextDiff) -> dict[str, Any]:
    lines = []
    for raw in t.unified.splitlines():
        if raw.startswith(("---", "+++")):
            continue
        op = raw[:1] if raw[:1] in "+- @" else " "
        lines.append({"op": "@" if op == "@" else op, "text": raw[1:] if op != "@" else raw})
    if t.changed and not lines:  # no unified diff stored: show both texts whole
        lines = [{"op": "-", "text": x} for x in (t.baseline or "").splitlines()]
        lines += [{"op": "+", "text": x} for x in (t.candidate or "").splitlines()]
    return {"name": t.name, "changed": t.changed, "lines": lines, "controls": _controls(lines)}


def _controls(lines: Sequence[dict[str, Any]]) -> str:
    """A warning when the changed lines of a prompt diff hold control characters: the page
    shows each as an escape, and the reviewer approving the change should know to look."""
    n = sum(len(split(ln["text"])) // 2 for ln in lines if ln["op"] in "+-")
    if not n:
        return ""
    return (
        f"contains {n} invisible or bidirectional control character{'' if n == 1 else 's'}, "
        "shown as escapes"
    )


def _show(v: Any) -> str:
    if v is None:
        return "–"
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)


def _config_rows(c: Comparison) -> list[dict[str, Any]]:
    rows = [
        {
            "key": ch.key,  # a path: ours ("params.") and the data's names
            "baseline": _show(ch.baseline),
            "candidate": _show(ch.candidate),
            "changed": True,
        }
        for ch in (*c.config.changes, *c.config.scorers)
    ]
    changed = {r["key"] for r in rows}
    for key in ("provider", "model"):  # always say what ran, even when it did not change
        if key not in changed:
            value = getattr(c.baseline, key)
            rows.append(
                {
                    "key": key,
                    "baseline": _show(value),
                    "candidate": _show(getattr(c.candidate, key)),
                    "changed": False,
                }
            )
    return rows


def section_view(c: Comparison) -> dict[str, Any]:
    """Everything the page shows for one comparison (see ``report.html.j2``)."""
    scorers = [s.name for s in c.overall.scorers]
    # Cases the other run never selected are one line, not rows (see evalkit.report.partial).
    outside = outside_selection(c)
    evidence = case_evidence(c)
    cases = case_views(
        [r for r in c.cases if r.case_id not in outside], not_run(c, outside), evidence.cases
    )
    from evalkit.summary import rescored_text
    from evalkit.summary_notes import estimated_note, unpriced_note, unscored_notes

    partial = partial_view(c)
    if partial is not None:  # its coverage goes beside the verdict; the rest as notes
        notes = section_notes(c, outside)
    else:
        notes = [c.dataset.note] if c.dataset.note else []
    if estimated_note(c.overall):
        notes.append(estimated_note(c.overall).capitalize() + ".")
    if unpriced_note(c):
        why = unpriced_note(c)  # not capitalize(): it would lower-case the model names
        notes.append(why[:1].upper() + why[1:] + ".")
    notes += unscored_notes(c)
    notes += version_notes(c)
    if c.config.scorers:
        notes.insert(0, f"Scored differently: {rescored_text(c)}.")
    if not c.dataset.same_version and not c.dataset.note:
        notes.append(
            f"The runs used different eval set versions ({c.dataset.baseline_version} vs "
            f"{c.dataset.candidate_version}); only the {c.dataset.shared} shared cases are compared."
        )
    counts: dict[str, int] = {}
    for row in cases:
        counts[row["st"]] = counts.get(row["st"], 0) + 1
    n_ue = sum(1 for row in cases if has_scorer_error(row))
    errors = sorted(
        set(c.overall.baseline_run.errors_by_kind) | set(c.overall.candidate_run.errors_by_kind)
    )
    runs = {}
    for side, info in (("baseline", c.baseline), ("candidate", c.candidate)):
        runs[side] = {
            "name": info.candidate,
            "model": info.model or "?",
            "provider": info.provider or "?",
            "reported_models": list(info.reported_models),
            "path": info.path,
        }
    return {
        "name": c.baseline.dataset
        or c.candidate.dataset
        or f"{c.baseline.candidate} vs {c.candidate.candidate}",
        "verdict": c.verdict.status,
        "verdict_label": (
            f"{c.verdict.status} · {partial['label']}" if partial else c.verdict.status
        ),
        "partial": partial,
        "outside_selection": outside_lines(c, outside),
        "gates": [
            {"label": f"{g.gate} ({g.rule})", "passed": g.passed, "reason": _reason(g, n_ue)}
            for g in c.verdict.results
        ],
        "notes": list(notes),
        **runs,
        "dataset": c.baseline.dataset_version or "",
        "n_cases": c.dataset.shared or len(cases),
        "repeats": max(c.baseline.repeats, c.candidate.repeats),
        "config_diff": _config_rows(c),
        "text_diffs": [_text_diff(c.config.system), _text_diff(c.config.prompt)],
        "judges": judges_view(c),
        **metric_tables(c, scorers),
        "errors": [
            {
                "kind": k,
                "b": c.overall.baseline_run.errors_by_kind.get(k, 0),
                "c": c.overall.candidate_run.errors_by_kind.get(k, 0),
            }
            for k in errors
        ],
        "counts": {k: counts[k] for k in sorted(counts, key=_status_rank)},
        "changed": sum(counts.get(k, 0) for k in CHANGED),
        "scorers": scorers,
        "evidence_note": evidence.note,
        "flaky": sum(1 for row in cases if is_flaky(row)),
        "scorer_errors": n_ue,
        "tag_names": sorted({t for row in cases for t in row["tags"]}),
        "tags": [slice_chart(s, scorers) for s in c.tags],
        "overall": slice_chart(c.overall, scorers),
        "cases": cases,
    }


def _reason(g: GateResult, n_ue: int) -> str:
    """A result's reason; ``new_scorer_errors`` also points to the filter that lists its cases
    (its own are those new in the candidate; the filter's count includes the baseline's)."""
    if g.rule != "new_scorer_errors" or g.passed:
        return g.reason
    return g.reason + f"; the case table's filter “scorer errors ({n_ue})” lists them"


def _status_rank(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def build_view(
    comparisons: Comparison | Sequence[Comparison], *, title: str | None = None
) -> dict[str, Any]:
    """The page's whole view model: an overall verdict and one section per comparison."""
    from evalkit import __version__

    items = [comparisons] if isinstance(comparisons, Comparison) else list(comparisons)
    sections = [section_view(c) for c in items]
    if title is None:
        first = items[0] if items else None
        title = (
            f"evalkit: {first.baseline.candidate} → {first.candidate.candidate}"
            if first is not None
            else "evalkit regression report"
        )
    names = [s["name"] for s in sections]
    for s in sections:  # same eval set twice (two candidates): say which is which
        if names.count(s["name"]) > 1:
            b, c = s["baseline"]["name"], s["candidate"]["name"]
            s["name"] = f"{s['name']}: {b} → {c}"
    verdicts = [s["verdict"] for s in sections]
    verdict = ("FAIL" if "FAIL" in verdicts else "PASS") if verdicts else None
    return {
        "title": title,
        "version": __version__,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "verdict": verdict,
        **page_partial(sections, verdict),
        "sections": sections,
    }
