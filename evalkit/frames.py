"""pandas views of runs: one row per record, scores flattened into columns.

Column names are stable and documented in ``docs/records.md``: ``score.<scorer>`` (value),
``passed.<scorer>`` (bool or NA), ``reason.<scorer>``, ``outcome.<scorer>`` (categorical), the
scorer's ``details["metrics"]`` and other single-valued details as ``<scorer>.<name>`` (the
names gates and comparisons use, e.g. ``groundedness.unsupported_claims``,
``tool_calls.argument_accuracy``, ``refusal.verdict``), the whole details as
``details.<scorer>``, plus the record's own fields. pandas is imported here only, so that
``import evalkit`` stays cheap.

Types are chosen for analysis, not left to inference: numbers are nullable ``Float64`` /
``Int64`` (an unknown cost is ``<NA>``, never 0), verdicts ``boolean``, labels (outcomes,
finish reasons, error kinds, detail strings) ``category``, ``timestamp`` a UTC datetime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

# The notebook display (HTML and repr) lives in evalkit.frames_display; still importable here.
from evalkit.frames_display import comparison_html, comparison_repr, run_html, run_repr

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.records import Record, Run

__all__ = [
    "RECORD_COLUMNS",
    "aggregates_frame",
    "cases_frame",
    "comparison_html",
    "comparison_repr",
    "deltas_frame",
    "records_frame",
    "run_html",
    "run_repr",
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
    "cache_write_tokens",
    "usage_estimated",
    "latency_ms",
    "cost",
    "error_kind",
    "error",
    "cached",
    "attempts",
    "tags",
    "timestamp",
)

_CATEGORIES = ("finish_reason", "error_kind")
_SKIP_DETAILS = ("metrics", "outcome")
"""Detail keys with their own columns (``<scorer>.<metric>``, ``outcome.<scorer>``)."""


def _row(r: Record, seen: dict[str, set[str]]) -> dict[str, Any]:
    """The record as a row; ``seen`` collects each scorer column and the kinds of its values
    (``bool``, ``num``, ``str``, or ``""`` for the fixed score/passed/reason columns), so the
    frame's columns and types need no second pass over 100,000 rows."""
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
        "cache_write_tokens": r.usage.cache_write_tokens,
        "usage_estimated": r.usage.estimated,
        "latency_ms": r.latency_ms,
        "cost": r.cost,
        "error_kind": r.error.kind if r.error else None,
        "error": r.error.message if r.error else None,
        "cached": r.cached,
        "attempts": r.attempts,
        "tags": list(r.tags),
        "timestamp": r.timestamp or None,
    }
    for name, s in r.scores.items():
        if f"score.{name}" not in seen:
            seen[f"score.{name}"] = set()
        row[f"score.{name}"] = s.value
        row[f"passed.{name}"] = s.passed
        row[f"reason.{name}"] = s.error or s.reason
        details = s.details or {}
        if not details:
            continue
        flat: dict[str, Any] = {}
        if isinstance(details.get("outcome"), str):
            flat[f"outcome.{name}"] = details["outcome"]
        metrics = details.get("metrics")
        if isinstance(metrics, Mapping):
            for key, v in metrics.items():
                if isinstance(v, (int, float)):
                    flat.setdefault(f"{name}.{key}", v)
        for key, v in details.items():
            # single values only: lists and objects stay in details.<scorer>, where they can be
            # read whole; one column per claim or per call would not line up across records
            if key not in _SKIP_DETAILS and isinstance(v, (str, int, float)):
                flat.setdefault(f"{name}.{key}", v)
        flat[f"details.{name}"] = details
        for key, v in flat.items():
            kind = "bool" if isinstance(v, bool) else "str" if isinstance(v, str) else "num"
            seen.setdefault(key, set()).add(kind)
        row.update(flat)
    return row


def records_frame(records: Iterable[Record]) -> pd.DataFrame:
    """One row per record: numbers as nullable ``Float64``/``Int64`` (missing is ``<NA>``),
    verdicts ``boolean``, labels ``category``, ``timestamp`` a UTC datetime; per scorer the
    columns the module docstring lists. Records of several runs go in one frame (column
    ``candidate``), so their categories agree; concatenating frames built one by one would
    turn a category whose values differ into ``object``."""
    import pandas as pd

    seen: dict[str, set[str]] = {}
    rows = [_row(r, seen) for r in records]
    frame = pd.DataFrame(rows, columns=_columns(seen))
    # a detail column whose values mix kinds is left as it is (object)
    kinds = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1 and "." in k}
    for col in frame.columns:
        kind = "" if col.startswith("details.") else kinds.get(col, "")
        if col.startswith("passed.") or kind == "bool":
            frame[col] = frame[col].astype("boolean")
        elif col.startswith("score.") or col in ("latency_ms", "cost") or kind == "num":
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Float64")
        elif col in ("input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
        elif col in _CATEGORIES or col.startswith("outcome.") or kind == "str":
            frame[col] = frame[col].astype("category")
        elif col == "timestamp":
            frame[col] = pd.to_datetime(frame[col], utc=True, errors="coerce", format="ISO8601")
    return frame


def _columns(seen: Mapping[str, set[str]]) -> list[str]:
    """The record's columns, then per scorer (first seen first): score, passed, reason,
    outcome, its metrics and details (sorted), the details mapping last."""
    scorers = [k[6:] for k in seen if k.startswith("score.")]
    out = list(RECORD_COLUMNS)
    for name in scorers:
        own = sorted(k for k in seen if k.startswith(f"{name}."))
        out += [f"score.{name}", f"passed.{name}", f"reason.{name}"]
        out += [k for k in (f"outcome.{name}",) if k in seen] + own
        out += [k for k in (f"details.{name}",) if k in seen]
    taken = set(out)
    return out + sorted(k for k in seen if k not in taken)


def aggregates_frame(runs: Iterable[Run], *, by_tag: bool = True, seed: int = 0) -> pd.DataFrame:
    """One row per run, slice (``tag`` is ``None`` for the whole run) and scorer: ``cases``
    (the slice's cases, as the report counts a slice), ``scored`` (those the scorer gave a
    value, verdict or outcome), errors, flaky cases, ``truncated`` (the slice's answered
    records the token limit cut off, finish reason ``length``), the mean and the pass rate with their 95%
    intervals, then the scorer's outcome rates (``<outcome>_rate``) and detail metrics, as
    :func:`evalkit.aggregate.aggregate` computes them for the report and the gates.

    Every outcome known for the scorer, in any of ``runs`` or declared by its class, has a
    rate column, 0.0 in a row whose scored cases never had it (the deltas and gates say 0.0
    too); ``NaN`` only where the slice scored no case. A scorer that applies to no case of a
    tag (``skip_missing``: no tool-call expectations in the chitchat cases) has no row for
    that tag: its row would be all ``NaN``."""
    import pandas as pd

    from evalkit.aggregate import aggregate, aggregate_by_tag, outcome_vocabulary

    runs = list(runs)
    vocab = outcome_vocabulary(runs)  # the same columns for every run, as compare's union
    rows: list[dict[str, Any]] = []
    for run in runs:
        name = run.manifest.get("candidate", {}).get("name")
        slices = [aggregate(run.records, seed=seed, outcomes=vocab)]
        if by_tag:
            slices += list(aggregate_by_tag(run.records, seed=seed, outcomes=vocab).values())
        for agg in slices:
            for s in agg.scorers:
                if agg.tag is not None and s.cases == 0:
                    continue
                row: dict[str, Any] = {
                    "candidate": name,
                    "tag": agg.tag,
                    "scorer": s.name,
                    "cases": agg.run.cases,
                    "scored": s.scored,
                    "errors": s.errors,
                    "flaky": s.flaky,
                    "truncated": agg.run.truncated,
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
    head = ["candidate", "tag", "scorer", "cases", "scored", "errors", "flaky", "truncated"]
    head += ["mean"]
    head += ["mean_low", "mean_high", "pass_rate", "pass_rate_low", "pass_rate_high"]
    # every known outcome has its column, even where no row has a rate (all NaN: unknown)
    rates = {f"{label}_rate" for labels in vocab.values() for label in labels}
    extra = sorted(({k for r in rows for k in r} | rates) - set(head))
    frame = pd.DataFrame(rows, columns=head + extra)
    for col in head[3:8]:
        frame[col] = frame[col].astype("int64")
    for col in head[8:] + extra:  # an interval nobody could compute is NaN, not an object None
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def deltas_frame(comparisons: Iterable[Any]) -> pd.DataFrame:
    """One row per comparison, slice and metric (overall slice has ``tag`` NA): baseline,
    candidate, delta, its 95% interval ``low``/``high``, ``p_value``, the test, ``n``,
    ``higher_is_better`` (``<NA>`` when the metric has no direction) and ``worse``."""
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
    frame = pd.DataFrame(rows, columns=_DELTA_COLUMNS)
    for col in ("baseline", "candidate", "delta", "low", "high", "p_value"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["n"] = frame["n"].astype("int64")
    frame["higher_is_better"] = frame["higher_is_better"].astype("boolean")
    frame["worse"] = frame["worse"].astype("bool")
    return frame


_DELTA_COLUMNS = (
    "baseline_run",
    "candidate_run",
    "tag",
    "metric",
    "baseline",
    "candidate",
    "delta",
    "low",
    "high",
    "p_value",
    "test",
    "n",
    "higher_is_better",
    "worse",
)


def cases_frame(comparisons: Iterable[Any]) -> pd.DataFrame:
    """One row per comparison and case: ``status`` (categorical, every status a category, so
    ``value_counts()`` shows the zeros), ``tags``, both outputs, and per scorer
    ``<scorer>.baseline``, ``<scorer>.candidate``, ``<scorer>.delta`` (values, mean over
    repeats) and ``<scorer>.passed_baseline`` / ``<scorer>.passed_candidate`` (verdicts).
    A side the case is missing from (``baseline_only``/``candidate_only``) is ``<NA>``, and so
    is the delta of a ``content_changed`` case (edited between the runs' eval set versions)."""
    import pandas as pd

    from evalkit.comparison_cases import STATUSES

    rows = []
    scorers: dict[str, None] = {}
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
                    scorers[name] = None
                    out[f"{name}.{side_name}"] = cell.value
                    out[f"{name}.passed_{side_name}"] = cell.passed
            rows.append(out)
    columns = ["baseline_run", "candidate_run", "case_id", "status", "tags"]
    columns += ["output.baseline", "output.candidate"]
    for name in scorers:
        columns += [f"{name}.baseline", f"{name}.candidate", f"{name}.delta"]
        columns += [f"{name}.passed_baseline", f"{name}.passed_candidate"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["status"] = pd.Categorical(frame["status"], categories=STATUSES)
    for name in scorers:
        for side in ("baseline", "candidate"):
            col = f"{name}.{side}"
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Float64")
            frame[f"{name}.passed_{side}"] = frame[f"{name}.passed_{side}"].astype("boolean")
        frame[f"{name}.delta"] = frame[f"{name}.candidate"] - frame[f"{name}.baseline"]
        # two answers to two different questions: no delta (QA13 F7), as docs/compare.md says
        frame.loc[frame["status"] == "content_changed", f"{name}.delta"] = pd.NA
    return frame
