"""How runs and comparisons show themselves in a notebook: ``_repr_html_`` (:func:`run_html`,
:func:`comparison_html`) and ``repr`` (:func:`run_repr`, :func:`comparison_repr`).

Kept apart from the pandas frames: displaying needs no pandas, and every output is small and
bounded whatever the run's size (headline numbers, never per-record rows), since a notebook
sends it again with every display. Every value that comes from a run is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.records import Run

__all__ = ["comparison_html", "comparison_repr", "run_html", "run_repr"]


def run_html(run: Run) -> str:
    """Jupyter's rich display of a run: a header and per-scorer mean and pass rate, all escaped.

    Pass rates are :func:`evalkit.aggregate.aggregate`'s, so the notebook shows the numbers
    the report and the gates use: per case, with scorer and provider errors as failures. A run
    that did not finish says so first, with how to finish it, since its numbers cover only
    the cases done. Its size does not grow with the records (no per-record rows).
    """
    from evalkit.aggregate import aggregate

    m = run.manifest
    cand = m.get("candidate", {})
    ds = m.get("dataset", {})
    errors = sum(r.error is not None for r in run.records)
    # Only point values are shown, so no bootstrap resamples are drawn (n_boot=0).
    agg = aggregate(run.records, n_boot=0)
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(s.name)}</td><td>{_num(s.mean.value)}</td><td>{s.pass_rate.value:.1%}</td>"
        f"<td>{s.pass_rate.n}</td><td>{s.errors}</td></tr>"
        for s in agg.scorers
        if s.pass_rate.value is not None
    )
    return (
        f"<div>{_status_html(run)}<b>evalkit run</b> {e(str(m.get('run_id', run.path.name)))}: "
        f"candidate <code>{e(str(cand.get('name', '?')))}</code> "
        f"({e(str(cand.get('provider', '?')))} / {e(str(cand.get('model', '?')))}) on "
        f"<code>{e(str(ds.get('name', '?')))}</code>{_selection_html(m)}, "
        f"{len(run.records)} records, {errors} errors, in <code>{e(str(run.path))}</code>"
        f"<table><thead><tr><th>scorer</th><th>mean</th><th>pass rate</th><th>cases</th>"
        f"<th>errors</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _status_html(run: Run) -> str:
    status = run.manifest.get("status")
    if status in (None, "complete"):
        return ""
    hint = {
        "interrupted": "stopped before its last case",
        "incomplete": "its budget ran out before its last case",
        "aborted": "stopped by an error",
        "running": "still running, or killed",
    }.get(str(status), "not complete")
    stopped = run.manifest.get("stopped")
    if status == "incomplete" and isinstance(stopped, Mapping) and stopped.get("by") == "provider":
        hint = html.escape(f"the provider stopped answering: {stopped.get('reason')}")
    out = html.escape(str(run.path))
    return (
        f"<div><b>{html.escape(str(status))}</b>: {hint}; its numbers cover the records done. "
        f"Finish it with <code>RunOptions(out_dir={out!r}, resume=True)</code>.</div>"
    )


def _selection_html(manifest: Mapping[str, Any]) -> str:
    sel = manifest.get("selection")
    if not isinstance(sel, Mapping):
        return ""
    return f" (selection: {sel.get('selected', '?')} of {sel.get('of', '?')} cases)"


def run_repr(run: Run) -> str:
    """A run's ``repr``: what it is and how big, never its records (the dataclass repr was the
    whole run, 16 MB of text at 10,000 records, sent to the notebook with every display)."""
    cand = run.manifest.get("candidate", {})
    status = run.manifest.get("status")
    return (
        f"<Run {str(cand.get('name', '?'))!r} on {str(run.manifest.get('dataset', {}).get('name', '?'))!r}: "
        f"{records_text(run)}{'' if status in (None, 'complete') else f', {status}'}, "
        f"path={str(run.path)!r}>"
    )


def records_text(run: Run) -> str:
    """'8 records', or '8 records (8 provider errors)': a run that answered nothing must not
    read like a finished one in a notebook's one-line display."""
    n, errors = len(run.records), sum(r.error is not None for r in run.records)
    text = f"{n} record{'' if n == 1 else 's'}"
    return text + (f" ({errors} provider error{'' if errors == 1 else 's'})" if errors else "")


def comparison_html(cmp: Any) -> str:
    """Jupyter display of a comparison: verdict, gate reasons and the headline metrics."""
    e = html.escape
    reasons = "".join(
        f"<li>{'✔' if r.passed else '✘'} {e(r.reason)}</li>" for r in cmp.verdict.results
    )
    rows = "".join(
        f"<tr><td>{e(d.metric)}</td><td>{_num(d.baseline)}</td><td>{_num(d.candidate)}</td>"
        f"<td>{_num(d.delta, signed=True)}</td><td>{_ci(d.low, d.high)}</td>"
        f"<td>{'' if d.p_value is None else f'{d.p_value:.3g}'}</td></tr>"
        for d in cmp.overall.metrics
    )
    note = ""
    if not cmp.verdict.results:
        # The CLI says so on stderr; a notebook showed a bare PASS over a verdict of nothing.
        note = (
            "<p><i>no gates applied: the verdict checks nothing; pass gates=[Gate(...)] to "
            "compare_runs, or use evalkit.evaluate with a suite</i></p>"
        )
    names = {sc.name for sc in cmp.overall.scorers}
    if not any(
        d.baseline is not None and d.candidate is not None
        for d in cmp.overall.metrics
        if d.metric.split(".")[0] in names
    ):
        note += "<p><i>no scorer is shared by both runs: no score is compared</i></p>"
    return (
        f"<div><b>{e(cmp.candidate.candidate)}</b> vs <b>{e(cmp.baseline.candidate)}</b>: "
        f"<b>{e(cmp.verdict.status)}</b>{note}<ul>{reasons}</ul><table><thead><tr><th>metric</th>"
        "<th>baseline</th><th>candidate</th><th>delta</th><th>95% CI</th><th>p</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def comparison_repr(cmp: Any) -> str:
    """A comparison's ``repr``: who against whom, the verdict and the size, never its case rows
    (the dataclass repr of a 10,000-case comparison was 28 MB of text per notebook display)."""
    return (
        f"<Comparison {cmp.candidate.candidate!r} vs {cmp.baseline.candidate!r}: "
        f"{cmp.verdict.status}, {len(cmp.cases)} cases, {len(cmp.overall.metrics)} metrics>"
    )


def _clean(x: float) -> float:
    """Float noise (a bootstrap bound of -1e-12) is 0, so it shows as 0, not -1e-12."""
    return 0.0 if abs(x) < 1e-9 else x


def _num(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "–"
    return f"{_clean(x):+.4g}" if signed else f"{_clean(x):.4g}"


def _ci(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f"[{_clean(low):+.3g}, {_clean(high):+.3g}]"
