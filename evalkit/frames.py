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

__all__ = ["RECORD_COLUMNS", "records_frame", "run_html"]

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


def run_html(run: Run) -> str:
    """Jupyter's rich display of a run: a header and per-scorer pass rates, all escaped."""
    m = run.manifest
    cand = m.get("candidate", {})
    ds = m.get("dataset", {})
    scores: dict[str, list[bool]] = {}
    errors = 0
    for r in run.records:
        errors += r.error is not None
        for name, s in r.scores.items():
            if s.passed is not None:
                scores.setdefault(name, []).append(bool(s.passed))
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(name)}</td><td>{sum(v) / len(v):.1%}</td><td>{len(v)}</td></tr>"
        for name, v in sorted(scores.items())
        if v
    )
    return (
        f"<div><b>evalkit run</b> {e(str(m.get('run_id', run.path.name)))}: candidate "
        f"<code>{e(str(cand.get('name', '?')))}</code> ({e(str(cand.get('provider', '?')))} / "
        f"{e(str(cand.get('model', '?')))}) on <code>{e(str(ds.get('name', '?')))}</code>, "
        f"{len(run.records)} records, {errors} errors"
        f"<table><thead><tr><th>scorer</th><th>pass rate</th><th>n</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )
