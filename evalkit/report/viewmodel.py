"""Comparison → the page's view model: plain JSON-able dicts, formatted for display.

The report renders this, never a :class:`~evalkit.compare.Comparison` directly, so the
template holds no arithmetic and the choice of what a reviewer sees first (headline metrics,
refusal rates, the order of cases) lives here, testable without a browser. A sentence composed
around data (a metric label with its scorer's name, a gate's reason, a note, a title) gets
its bidi controls shown (:func:`~evalkit.report.bidi.shown`): the page isolates each value it
shows, but cannot isolate a name inside a sentence.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from evalkit.compare import Comparison, Delta, GateResult, SliceComparison, TextDiff
from evalkit.report.cases import CHANGED, STATUS_ORDER, case_views, has_scorer_error, is_flaky
from evalkit.report.evidence import case_evidence
from evalkit.report.judges import judges_view, version_notes
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

HEADLINE_RUN_METRICS = (
    "cost.per_case",
    "cost.total",
    "tokens.input_per_case",
    "tokens.output_per_case",
    "latency.p50",
    "latency.p95",
    "errors.rate",
)
REFUSAL_RATES = (
    ("over_refusal_of_safe", "over-refusal, share of safe requests"),
    ("under_refusal_of_unsafe", "under-refusal, share of unsafe requests"),
    ("over_refusal_rate", "over-refusal, share of all cases"),
    ("under_refusal_rate", "under-refusal, share of all cases"),
)
"""The refusal table's rows: the ``refusal`` scorer's conditional rates (as XSTest reports
them), then the generic outcome rates over every case with ``should_refuse``."""
NON_QUALITY = ("cost", "latency")
"""Scorers that measure spend, not quality: left out of the quality axis of the charts."""
ALPHA = 0.05


def _finite(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _kind(metric: str) -> str:
    from evalkit.aggregate import RUN_METRICS

    if metric.endswith(("_rate", ".rate", "_of_safe", "_of_unsafe")):
        return "pct"
    stat = metric.rpartition(".")[2]
    if metric in RUN_METRICS:
        head = metric.partition(".")[0]
        return {"cost": "usd", "latency": "ms", "tokens": "num"}.get(head, "score")
    # A scorer's own numbers: its mean is a score even when the scorer is named "cost"; its
    # detail metrics say their unit in their name (cost_usd, latency_ms, input_tokens).
    if stat == "mean":
        return "score"
    if "usd" in stat:
        return "usd"
    if stat.endswith("_ms"):
        return "ms"
    if "tokens" in stat:
        return "num"
    return "score"


def format_value(value: float | None, kind: str, *, signed: bool = False) -> str:
    """A number as the page shows it: ``0.913``, ``91.3%`` (``+1.2 pp`` as a change), ``$0.0012``,
    ``840 ms``; ``–`` when unknown."""
    v = _finite(value)
    if v is None:
        return "–"
    sign = "+" if signed and v > 0 else ""
    if kind == "pct":
        out = f"{sign}{v * 100:.1f}{' pp' if signed else '%'}"
    elif kind == "usd":
        out = f"{'-' if v < 0 else sign}{money(abs(v))}"
    elif kind == "ms":
        out = f"{sign}{v:.0f} ms"
    elif kind == "num":
        out = f"{sign}{v:,.1f}"
    else:
        out = f"{sign}{v:.3f}"
    # a bootstrap bound of -1e-12 rounds to zero: "0.0 pp", not "-0.0 pp" (or "+0.0 pp")
    if out[0] in "+-" and _rounds_to_zero(out):
        out = out[1:]
    return out


def money(usd: float) -> str:
    """A non-negative amount of dollars with four significant digits, never in exponent form
    and never rounded to nothing: ``$0.0000042``, ``$0.001235``, ``$12.35``, ``$0``. Per-case
    costs are often below a hundredth of a cent; "$0.00000" read as free, "$2.7e-05" is hard
    to compare by eye. The page script's ``money()`` follows the same rule."""
    if usd == 0:
        return "$0"
    decimals = min(12, max(0, 3 - math.floor(math.log10(usd))))
    text = f"{usd:.{decimals}f}"
    return "$" + (text.rstrip("0").rstrip(".") if "." in text else text)


def _rounds_to_zero(text: str) -> bool:
    """A formatted number with no non-zero digit ("0 ms", "0.000", "0.0 pp")."""
    return not any(c in "123456789" for c in text)


def _p(p: float | None) -> str:
    p = _finite(p)
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def metric_row(d: Delta, label: str | None = None) -> dict[str, Any]:
    """One row of a metrics table, formatted, with its colour: ``tone`` is ``better``,
    ``worse`` or ``flat`` by the metric's direction; ``significant`` when p < 0.05."""
    kind = _kind(d.metric)
    delta = _finite(d.delta)
    delta_fmt = format_value(delta, kind, signed=True)
    # A change too small to show ("0 ms" for +0.002 ms) is no regression to colour red.
    if delta is None or _rounds_to_zero(delta_fmt) or d.higher_is_better is None:
        tone = "flat"
    else:
        tone = "worse" if d.worse else "better"
    p = _finite(d.p_value)
    low, high = _finite(d.low), _finite(d.high)
    ci = (
        f"{format_value(low, kind, signed=True)} … {format_value(high, kind, signed=True)}"
        if low is not None and high is not None
        else "–"
    )
    return {
        "metric": d.metric,
        "label": label or d.metric,
        "baseline_fmt": format_value(d.baseline, kind),
        "candidate_fmt": format_value(d.candidate, kind),
        "delta_fmt": delta_fmt,
        "ci_fmt": ci,
        "p_fmt": _p(p),
        "tone": tone,
        "significant": p is not None and p < ALPHA,
        "better": {True: "higher", False: "lower", None: "–"}[d.higher_is_better],
    }


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


def _slice_chart(s: SliceComparison, scorers: Sequence[str]) -> dict[str, Any]:
    """Per-scorer mean change, mean quality and cost per case of one slice, for the charts."""
    means = {n: s.metric(f"{n}.mean") for n in scorers}

    def quality(side: str) -> float | None:
        vals = [_finite(getattr(d, side)) for n, d in means.items() if d and n not in NON_QUALITY]
        known = [v for v in vals if v is not None]
        return sum(known) / len(known) if known else None

    cost = s.metric("cost.per_case")
    return {
        "tag": s.tag,
        "n": s.cases,
        "scorers": {n: {"d": _finite(d.delta) if d else None} for n, d in means.items()},
        "quality": {"b": quality("baseline"), "c": quality("candidate")},
        "cost": {
            "b": _finite(cost.baseline) if cost else None,
            "c": _finite(cost.candidate) if cost else None,
        },
    }


def _metric_tables(c: Comparison, scorers: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    o = c.overall
    headline, refusal, shown = [], [], set()
    for name in scorers:
        for stat in ("mean", "pass_rate"):
            d = o.metric(f"{name}.{stat}")
            if d is not None:
                headline.append(metric_row(d, f"{name} {stat.replace('_', ' ')}"))
                shown.add(d.metric)
        for rate, label in REFUSAL_RATES:
            d = o.metric(f"{name}.{rate}")
            if d is not None:
                if d.higher_is_better is None:  # refusing wrongly is bad both ways
                    d = replace(d, higher_is_better=False)
                refusal.append(metric_row(d, f"{label} ({name})"))
                shown.add(d.metric)
    for m in HEADLINE_RUN_METRICS:
        d = o.metric(m)
        if d is not None:
            headline.append(_unpriced_row(metric_row(d), d, o))
            shown.add(m)
    rest = [metric_row(d) for d in o.metrics if d.metric not in shown]
    return {"metrics": headline, "refusal": refusal, "other_metrics": rest}


UNPRICED_METRICS = ("cost.total", "cost.per_case")
"""Run metrics that are unknown when any answered record of the run has no price."""


def _unpriced_row(row: dict[str, Any], d: Delta, s: SliceComparison) -> dict[str, Any]:
    """``row`` with an unknown cost shown as why it is unknown ("unknown: 5 of 10 answered
    records unpriced") rather than "–", which reads as "nothing measured"; such a row has no
    interval or p-value (a test over the priced records alone would say "no change")."""
    if d.metric not in UNPRICED_METRICS:
        return row
    texts = {
        side: run.unpriced_text() if getattr(d, side) is None else ""
        for side, run in (("baseline", s.baseline_run), ("candidate", s.candidate_run))
    }
    if not any(texts.values()):
        return row
    row = dict(row, ci_fmt="–", p_fmt="–", significant=False, tone="flat")
    for side, text in texts.items():
        if text:
            row[f"{side}_fmt"] = text
    return row


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
        **_metric_tables(c, scorers),
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
        "tags": [_slice_chart(s, scorers) for s in c.tags],
        "overall": _slice_chart(c.overall, scorers),
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
