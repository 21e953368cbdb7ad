"""pandas views of runs: one row per record, scores flattened into columns.

Column names are stable and documented in ``docs/records.md``: ``score.<scorer>`` (value),
``passed.<scorer>`` (bool or NA), ``reason.<scorer>``, plus the record's own fields. pandas is
imported here only, so that ``import evalkit`` stays cheap.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.records import Record, Run

__all__ = [
    "RECORD_COLUMNS",
    "aggregates_frame",
    "cases_frame",
    "comparison_html",
    "deltas_frame",
    "records_frame",
    "run_html",
]

RECORD_COLUMNS = (
    "candidate",
    "case_id",
    "repeat",
    "output",
    "n_tool_calls",
    "finish_reason",
    "model",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "usage_estimated",
    "latency_ms",
    "cost",
    "error_kind",
    "error",
    "cached",
    "attempts",
    "tags",
)


def _row(r: Record) -> dict[str, Any]:
    row: dict[str, Any] = {
        "candidate": r.candidate,
        "case_id": r.case_id,
        "repeat": r.repeat,
        "output": r.output,
        "n_tool_calls": len(r.tool_calls),
        "finish_reason": r.finish_reason,
        "model": r.model,
        "input_tokens": r.usage.input_tokens,
        "output_tokens": r.usage.output_tokens,
        "cached_tokens": r.usage.cached_tokens,
        "usage_estimated": r.usage.estimated,
        "latency_ms": r.latency_ms,
        "cost": r.cost,
        "error_kind": r.error.kind if r.error else None,
        "error": r.error.message if r.error else None,
        "cached": r.cached,
        "attempts": r.attempts,
        "tags": list(r.tags),
    }
    for name, s in r.scores.items():
        row[f"score.{name}"] = s.value
        row[f"passed.{name}"] = s.passed
        row[f"reason.{name}"] = s.error or s.reason
    return row


def records_frame(records: Iterable[Record]) -> pd.DataFrame:
    """One row per record; numeric columns typed, missing values as NA."""
    import pandas as pd

    rows = [_row(r) for r in records]
    frame = pd.DataFrame(rows, columns=_columns(rows))
    for col in frame.columns:
        if col.startswith("passed."):
            frame[col] = frame[col].astype("boolean")
        elif col.startswith("score.") or col in ("latency_ms", "cost"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Float64")
        elif col in ("input_tokens", "output_tokens", "cached_tokens"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    return frame


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    extra: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key not in RECORD_COLUMNS:
                extra[key] = None
    return [*RECORD_COLUMNS, *sorted(extra)]


def aggregates_frame(runs: Iterable[Run], *, by_tag: bool = True, seed: int = 0) -> pd.DataFrame:
    """One row per run, slice (``tag`` is ``None`` for the whole run) and scorer: cases,
    errors, the mean and the pass rate with their 95% intervals, then the scorer's outcome
    rates (``<outcome>_rate``) and detail metrics, as :func:`evalkit.aggregate.aggregate`
    computes them for the report and the gates."""
    import pandas as pd

    from evalkit.aggregate import aggregate, aggregate_by_tag

    rows: list[dict[str, Any]] = []
    for run in runs:
        name = run.manifest.get("candidate", {}).get("name")
        slices = [aggregate(run.records, seed=seed)]
        if by_tag:
            slices += list(aggregate_by_tag(run.records, seed=seed).values())
        for agg in slices:
            for s in agg.scorers:
                row: dict[str, Any] = {
                    "candidate": name,
                    "tag": agg.tag,
                    "scorer": s.name,
                    "cases": s.cases,
                    "errors": s.errors,
                    "mean": s.mean.value,
                    "mean_low": s.mean.low,
                    "mean_high": s.mean.high,
                    "pass_rate": s.pass_rate.value,
                    "pass_rate_low": s.pass_rate.low,
                    "pass_rate_high": s.pass_rate.high,
                }
                row.update({f"{label}_rate": v for label, v in sorted(s.outcomes.items())})
                row.update(dict(sorted(s.metrics.items())))
                rows.append(row)
    head = ["candidate", "tag", "scorer", "cases", "errors", "mean", "mean_low", "mean_high"]
    head += ["pass_rate", "pass_rate_low", "pass_rate_high"]
    extra = sorted({k for r in rows for k in r} - set(head))
    return pd.DataFrame(rows, columns=head + extra)


def run_html(run: Run) -> str:
    """Jupyter's rich display of a run: a header and per-scorer pass rates, all escaped.

    Pass rates are :func:`evalkit.aggregate.aggregate`'s, so the notebook shows the numbers
    the report and the gates use: per case, with scorer and provider errors as failures.
    """
    from evalkit.aggregate import aggregate

    m = run.manifest
    cand = m.get("candidate", {})
    ds = m.get("dataset", {})
    errors = sum(r.error is not None for r in run.records)
    # Only the pass rates are shown, so no bootstrap resamples are drawn (n_boot=0).
    agg = aggregate(run.records, n_boot=0)
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(s.name)}</td><td>{s.pass_rate.value:.1%}</td><td>{s.pass_rate.n}</td>"
        f"<td>{s.errors}</td></tr>"
        for s in agg.scorers
        if s.pass_rate.value is not None
    )
    return (
        f"<div><b>evalkit run</b> {e(str(m.get('run_id', run.path.name)))}: candidate "
        f"<code>{e(str(cand.get('name', '?')))}</code> ({e(str(cand.get('provider', '?')))} / "
        f"{e(str(cand.get('model', '?')))}) on <code>{e(str(ds.get('name', '?')))}</code>, "
        f"{len(run.records)} records, {errors} errors"
        f"<table><thead><tr><th>scorer</th><th>pass rate</th><th>cases</th><th>errors</th>"
        f"</tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def deltas_frame(comparisons: Iterable[Any]) -> pd.DataFrame:
    """One row per comparison, slice and metric (overall slice has ``tag`` NA)."""
    import pandas as pd

    rows = []
    for cmp in comparisons:
        for sl in (cmp.overall, *cmp.tags):
            for d in sl.metrics:
                rows.append(
                    {
                        "baseline_run": cmp.baseline.candidate,
                        "candidate_run": cmp.candidate.candidate,
                        "tag": sl.tag,
                        "metric": d.metric,
                        "baseline": d.baseline,
                        "candidate": d.candidate,
                        "delta": d.delta,
                        "low": d.low,
                        "high": d.high,
                        "p_value": d.p_value,
                        "test": d.test,
                        "n": d.n,
                        "higher_is_better": d.higher_is_better,
                        "worse": d.worse,
                    }
                )
    return pd.DataFrame(rows)


def cases_frame(comparisons: Iterable[Any]) -> pd.DataFrame:
    """One row per comparison and case: status, and ``<scorer>.baseline/.candidate`` values."""
    import pandas as pd

    rows = []
    for cmp in comparisons:
        for row in cmp.cases:
            out: dict[str, Any] = {
                "baseline_run": cmp.baseline.candidate,
                "candidate_run": cmp.candidate.candidate,
                "case_id": row.case_id,
                "status": row.status,
                "tags": list(row.tags),
            }
            for side_name, side in (("baseline", row.baseline), ("candidate", row.candidate)):
                if side is None:
                    continue
                out[f"output.{side_name}"] = side.output
                for name, cell in side.scores.items():
                    out[f"{name}.{side_name}"] = cell.value
            rows.append(out)
    return pd.DataFrame(rows)


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
    return (
        f"<div><b>{e(cmp.candidate.candidate)}</b> vs <b>{e(cmp.baseline.candidate)}</b>: "
        f"<b>{e(cmp.verdict.status)}</b><ul>{reasons}</ul><table><thead><tr><th>metric</th>"
        "<th>baseline</th><th>candidate</th><th>delta</th><th>95% CI</th><th>p</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
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
