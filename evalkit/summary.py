"""Text views of a :class:`~evalkit.comparison.Comparison`: a plain-text summary for CI logs and
a short Markdown summary fit for a pull-request comment.

Both show the same things in the same order: the verdict and every gate reason, what changed,
the headline metrics with deltas and intervals, the case counts, errors, the worst regressions
and where the HTML report is. Untrusted text (case ids, reasons, config values) is flattened to
one line and, in Markdown, escaped so it cannot break the table or inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from evalkit.comparison import CaseRow, Comparison, Delta, SliceComparison
from evalkit.comparison_meta import version_note
from evalkit.gates import fmt
from evalkit.summary_notes import (
    cost_measured,
    estimated_note,
    truncated_note,
    unpriced_note,
    unscored_notes,
)
from evalkit.summary_notes import one_line as _one_line
from evalkit.terminal_text import inert

__all__ = [
    "cost_measured",
    "headline",
    "markdown_summary",
    "rescored_text",
    "terminal_summary",
    "unpriced_note",
    "verdict_text",
    "worst_regressions",
]

_LEGEND = (
    "(worse/better: significant at p < 0.05; worse?/better?: the direction only, not "
    "significant or not tested)"
)
_RUN_HEADLINE = ("cost.per_case", "tokens.output_per_case", "latency.p95", "errors.rate")


def verdict_text(cmp: Comparison) -> str:
    """``PASS``, or for a partial comparison ``PASS (partial: 12 of 40 cases selected in the
    candidate run (--case refund-*))``: gates speak for the cases compared, and a verdict on a
    selection must not read as one on the whole eval set."""
    if not cmp.dataset.partial:
        return cmp.verdict.status
    return f"{cmp.verdict.status} (partial: {cmp.dataset.coverage()})"


def headline(sl: SliceComparison) -> list[Delta]:
    """The metrics worth a line: per scorer mean, pass rate and outcome rates, then cost,
    output tokens, p95 latency and error rate."""
    run = set(_RUN_HEADLINE)
    scorer = [
        m
        for m in sl.metrics
        if m.metric.split(".")[0] in {s.name for s in sl.scorers}
        and (m.metric.endswith((".mean", ".pass_rate", "_rate")))
    ]
    return scorer + [m for m in sl.metrics if m.metric in run]


def worst_regressions(cmp: Comparison, limit: int = 10) -> list[CaseRow]:
    """Regressions, most severe first: more scorers lost, then the larger value drop."""

    def severity(row: CaseRow) -> tuple[int, float, str]:
        lost = sum(1 for s in row.scorer_status.values() if s == "regression")
        drop = 0.0
        if row.baseline and row.candidate:
            for name, cell in row.candidate.scores.items():
                before = row.baseline.scores.get(name)
                if before and before.value is not None and cell.value is not None:
                    drop += max(0.0, before.value - cell.value)
        return (-lost, -drop, row.case_id)

    return sorted(cmp.rows(status="regression"), key=severity)[:limit]


def _why(row: CaseRow) -> str:
    """Which scorers now fail and why (the candidate's reasons), or the provider error."""
    side = row.candidate
    if side is None:
        return ""
    if side.error:
        return f"error: {side.error.get('kind', 'unknown')}"
    parts = []
    for name, status in row.scorer_status.items():
        cell = side.scores.get(name)
        if status == "regression" and cell is not None:
            rate = cell.pass_rate
            reps = ""
            if rate is not None and side.repeats > 1:
                reps = f" ({round((1 - rate) * side.repeats)} of {side.repeats} repeats failed)"
            parts.append(f"{name}{reps}: {cell.error or cell.reason or 'failed'}")
    return "; ".join(parts)


def _p(p: float | None) -> str:
    return "" if p is None else ("<0.001" if p < 0.001 else f"{p:.3f}")


def _ci(d: Delta) -> str:
    return "" if d.low is None or d.high is None else f"{fmt(d.low)}…{fmt(d.high)}"


def _signed(x: float | None) -> str:
    if x is None:
        return "n/a"
    return ("+" if x > 0 else "") + fmt(x)


def _flag(d: Delta) -> str:
    if d.delta is None or d.higher_is_better is None or d.delta == 0:
        return ""
    # A quantile or a total has no paired test: its direction is all there is to say, and the
    # legend promises that a bare "worse" was significant.
    significant = d.p_value is not None and d.p_value < 0.05
    word = "worse" if d.worse else "better"
    return word if significant else f"{word}?"


def rescored_text(cmp: Comparison) -> str:
    """The scorer settings that differ between the runs, and what that means for the deltas."""
    names = list(dict.fromkeys(c.key.split(".")[1] for c in cmp.config.scorers))
    what = "; ".join(
        f"{c.key.removeprefix('scorers.')} {c.baseline!r} → {c.candidate!r}"
        for c in cmp.config.scorers
    )
    return (
        f"{what}. The deltas of {', '.join(names)} partly measure that change, and their "
        "comparing gates are not judged; score both runs alike (evalkit score) to compare them"
    )


def _changes(cmp: Comparison) -> list[str]:
    out = [
        f"{c.key}: {_one_line(c.baseline, 60)} → {_one_line(c.candidate, 60)}"
        for c in cmp.config.changes
    ]
    for diff in (cmp.config.prompt, cmp.config.system):
        if diff.changed:
            lines = diff.unified.splitlines()[2:]
            plus = sum(1 for x in lines if x.startswith("+"))
            minus = sum(1 for x in lines if x.startswith("-"))
            out.append(f"{diff.name}: +{plus} −{minus} lines")
    return out


def _counts(sl: SliceComparison) -> str:
    c = sl.counts
    parts = [
        f"{c.regression} regression(s)",
        f"{c.improvement} improvement(s)",
        f"{c.unchanged_pass} unchanged pass",
        f"{c.unchanged_fail} unchanged fail",
    ]
    if c.unscored:
        parts.append(f"{c.unscored} unscored")
    return ", ".join(parts)


def _errors(sl: SliceComparison) -> str:
    def side(run: Any) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in run.errors_by_kind.items())
        return f"{run.errors}" + (f" ({kinds})" if kinds else "")

    return f"baseline {side(sl.baseline_run)}, candidate {side(sl.candidate_run)}"


def _unpriced_mark(d: Delta, sl: SliceComparison) -> str:
    """``unpriced`` for a ``cost.*`` row left unknown by unpriced records, else ``""``."""
    unknown = (d.baseline is None and sl.baseline_run.cost_unknown) or (
        d.candidate is None and sl.candidate_run.cost_unknown
    )
    return "unpriced" if d.metric.startswith("cost.") and unknown else ""


def _flaky(cmp: Comparison) -> tuple[int, int]:
    rows = [r for r in cmp.cases if r.baseline and r.candidate]
    return (
        sum(1 for r in rows if r.baseline and r.baseline.flaky),
        sum(1 for r in rows if r.candidate and r.candidate.flaky),
    )


# ------------------------------------------------------------------------------ terminal


def terminal_summary(
    cmp: Comparison, *, report: str | None = None, max_regressions: int = 10
) -> str:
    """A plain-text summary for CI logs (no colour, no box drawing, fits 100 columns)."""
    b, c = cmp.baseline, cmp.candidate
    lines = [
        f"evalkit compare: {b.candidate} ({b.provider} {b.model}) -> "
        f"{c.candidate} ({c.provider} {c.model})   verdict: {verdict_text(cmp)}",
        f"eval set: {b.dataset or '?'} version {str(b.dataset_version)[:12]}, "
        f"{cmp.dataset.shared} shared case(s); repeats {b.repeats} / {c.repeats}",
    ]
    if cmp.dataset.note:
        lines.append(f"note: {cmp.dataset.note}")
    if version_note(b, c):
        lines.append(f"note: {version_note(b, c)}")
    changes = _changes(cmp)
    lines.append("changed: " + ("; ".join(changes) if changes else "nothing in the configuration"))
    if cmp.config.scorers:
        lines.append(f"scored differently: {rescored_text(cmp)}")
    lines.append(
        "reported models: baseline "
        f"{', '.join(b.reported_models) or 'none'}; candidate {', '.join(c.reported_models) or 'none'}"
    )
    if cmp.verdict.results:
        failed = len(cmp.verdict.failures)
        lines += [
            "",
            f"gates: {cmp.verdict.status} ({failed} of {len(cmp.verdict.results)} failed)",
        ]
        for r in cmp.verdict.results:
            lines.append(f"  {r.status.upper():4}  {r.reason}")
    lines += ["", _table_text(headline(cmp.overall), cmp.overall), _LEGEND]
    fb, fc = _flaky(cmp)
    lines += [
        "",
        f"cases: {_counts(cmp.overall)}"
        + (f"; flaky: baseline {fb}, candidate {fc}" if fb or fc else ""),
        f"errors: {_errors(cmp.overall)}",
    ]
    if truncated_note(cmp.overall):
        lines.append(f"truncated: {truncated_note(cmp.overall)}")
    lines += [f"note: {note}" for note in unscored_notes(cmp)]
    if estimated_note(cmp.overall):
        lines.append(f"note: {estimated_note(cmp.overall)}")
    if cost_measured(cmp) and unpriced_note(cmp):
        lines.append(f"note: {unpriced_note(cmp)}")
    for sl in cmp.tags:
        lines.append(f"  [{_one_line(sl.tag, 40)}] {sl.cases} case(s): {_counts(sl)}")
    worst = worst_regressions(cmp, max_regressions)
    if worst:
        lines += ["", f"worst regressions ({cmp.overall.counts.regression} in all):"]
        for row in worst:
            tags = f" [{_one_line(', '.join(row.tags), 40)}]" if row.tags else ""
            lines.append(f"  {_one_line(row.case_id, 40)}{tags}: {_one_line(_why(row))}")
    if report:
        lines += ["", f"report: {report}"]
    return inert("\n".join(lines)) + "\n"  # outputs, ids, error bodies: inert


_UNITS = {
    "cost.per_case": "USD",
    "cost.total": "USD",
    "cost.priced_total": "USD",
    "latency.p50": "ms",
    "latency.p95": "ms",
    "latency.max": "ms",
}
"""Units of the run metrics a summary's table shows (the report's tables show them too)."""


def metric_label(metric: str) -> str:
    """The metric's name with its unit, e.g. ``latency.p95 (ms)``: "243" alone read as
    seconds or as a count."""
    unit = _UNITS.get(metric)
    return f"{metric} ({unit})" if unit else metric


def _table_text(rows: Sequence[Delta], sl: SliceComparison) -> str:
    head = ("metric", "baseline", "candidate", "delta", "95% CI of delta", "p", "")
    body = [
        (
            metric_label(m.metric),
            fmt(m.baseline),
            fmt(m.candidate),
            _signed(m.delta),
            _ci(m),
            _p(m.p_value),
            _flag(m) or _unpriced_mark(m, sl),
        )
        for m in rows
    ]
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(len(head))]
    out = []
    for r in [head, *body]:
        cells = [
            str(v).ljust(w) if i == 0 else str(v).rjust(w)
            for i, (v, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


# ------------------------------------------------------------------------------ markdown


def _md(text: Any, limit: int = 120) -> str:
    """One line of untrusted text made inert in GitHub Markdown (tables, HTML, links)."""
    s = inert(_one_line(text, limit))  # the terminal summary makes its whole text inert
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|#!~])", r"\\\1", s)


def markdown_summary(
    cmp: Comparison, *, report: str | None = None, max_regressions: int = 5
) -> str:
    """A short Markdown summary for a pull-request comment."""
    b, c = cmp.baseline, cmp.candidate
    icon = "✅" if cmp.passed else "❌"
    lines = [
        f"### {icon} evalkit: {_md(verdict_text(cmp), 300)} — {_md(c.candidate)} vs "
        f"{_md(b.candidate)}",
        "",
        f"{cmp.dataset.shared} shared case(s) of {_md(b.dataset or 'the eval set')}"
        + (f". {_md(cmp.dataset.note, 300)}" if cmp.dataset.note else "."),
        "",
    ]
    if version_note(b, c):
        lines += [f"Note: {_md(version_note(b, c), 400)}.", ""]
    if cmp.verdict.results:
        lines.append("**Gates**")
        lines += [
            # a failure's reason ends with what to do: room for it
            f"- {'✅' if r.passed else '❌'} {_md(r.reason, 300 if r.passed else 700)}"
            + (" (skipped)" if r.status == "skip" else "")
            for r in cmp.verdict.results
        ]
        lines.append("")
    lines += [
        "| metric | baseline | candidate | Δ | 95% CI of Δ | p |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in headline(cmp.overall):
        flag = _flag(m) or _unpriced_mark(m, cmp.overall)
        delta = _signed(m.delta) + (f" ({flag})" if flag else "")
        lines.append(
            f"| {_md(metric_label(m.metric))} | {fmt(m.baseline)} | {fmt(m.candidate)} | {delta} | "
            f"{_ci(m)} | {_p(m.p_value)} |"
        )
    lines += [
        "",
        _LEGEND,
        "",
        f"Cases: {_counts(cmp.overall)}. Errors: {_md(_errors(cmp.overall), 300)}."
        + (f" Truncated: {_md(cut, 300)}." if (cut := truncated_note(cmp.overall)) else "")
        + (f" Note: {estimated_note(cmp.overall)}." if estimated_note(cmp.overall) else "")
        + (
            f" Note: {_md(unpriced_note(cmp), 600)}."
            if cost_measured(cmp) and unpriced_note(cmp)
            else ""
        )
        + "".join(f" Note: {_md(note, 300)}" for note in unscored_notes(cmp)),
    ]
    worst = worst_regressions(cmp, max_regressions)
    if worst:
        lines += ["", f"**Worst regressions** ({cmp.overall.counts.regression} in all)"]
        lines += [f"- **{_md(r.case_id, 60)}**: {_md(_why(r))}" for r in worst]
    if cmp.config.scorers:
        lines += ["", f"**Scored differently:** {_md(rescored_text(cmp), 600)}"]
    changes = _changes(cmp)
    if changes:
        lines += ["", "<details><summary>What changed</summary>", ""]
        lines += [f"- {_md(x, 200)}" for x in changes]
        lines += ["", "</details>"]
    if report:
        link = report if re.fullmatch(r"https?://[^\s()<>]+", report) else None
        lines += [
            "",
            f"Full report: [{_md(report, 300)}]({link})"
            if link
            else f"Full report: {_md(report, 300)}",
        ]
    return "\n".join(lines) + "\n"
