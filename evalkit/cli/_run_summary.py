"""The end-of-run summary ``evalkit run`` prints (and ``evalkit check`` its budget lines): the
run's status, counts, cost against ``--max-cost``, error kinds with their first message, and per
scorer what it scored, read back slimmed from disk when the run kept no records in memory."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.cli._error_rate import ErrorGroup
    from evalkit.records import Record, Run

__all__ = [
    "budget_lines",
    "error_lines",
    "print_summary",
    "retry_lines",
    "scorer_lines",
]


def print_summary(run: Run) -> None:
    m = run.manifest
    c = m.get("counts", {})
    kinds = ", ".join(f"{k} {n}" for k, n in c.get("errors_by_kind", {}).items())
    cached = float(c.get("cost_cached_usd") or 0.0)
    cost = (
        f"${c.get('cost_usd', 0):.4f}"
        + (f" (+{c['cost_unknown']} of unknown price)" if c.get("cost_unknown") else "")
        # what cached answers cost when recorded is not spent again
        + (f", ${cached:.4f} of it for cached answers, not paid again" if cached else "")
    )
    lines = [
        f"run {m.get('run_id')} [{m.get('candidate', {}).get('name')}]: {m.get('status')}",
        f"  records {c.get('records', 0)}, errors {c.get('errors', 0)}"
        + (f" ({kinds})" if kinds else ""),
        (
            f"  cache hits {c.get('cache_hits', 0)}, misses {c.get('cache_misses', 0)}; "
            if (m.get("cache") or {}).get("used", True)
            else "  cache not used; "
        )
        + f"tokens in {c.get('input_tokens', 0):,}, out {c.get('output_tokens', 0):,}; cost {cost}"
        + (f"; judge calls ${m['judge_cost_usd']:.4f}" if m.get("judge_cost_usd") else ""),
    ]
    lines += budget_lines(m)
    sel = m.get("selection")
    if sel:
        from evalkit.dataset import Selection

        lines.append(f"  selection: {Selection.from_dict(sel).describe()}; a partial run")
    if c.get("not_run"):
        lines.append(f"  {c['not_run']} case repeat(s) not run: {_finish_hint(run)}")
    records = _stored_records(run)
    lines += error_lines(records)
    lines += retry_lines(run)
    lines += scorer_lines(run, records)
    lines.append(f"  run dir: {run.path}")
    from evalkit.terminal_text import inert

    print(inert("\n".join(lines)))  # error bodies and scorer reasons are untrusted
    sys.stdout.flush()


def budget_lines(manifest: Mapping[str, Any]) -> list[str]:
    """What this session spent against ``--max-cost`` (the candidate's new calls and the
    judges'), and a warning when it went over: a cap is a promise, so breaking it is said."""
    b = manifest.get("budget")
    if not b or not b.get("max_cost_usd"):
        return []
    spent, cap = float(b.get("spent_usd") or 0.0), float(b["max_cost_usd"])
    lines = [f"  budget: spent ${spent:.4f} of --max-cost {cap:g} (new calls, judges included)"]
    if b.get("exceeded"):
        lines.append(
            f"  warning: spent ${spent:.4f}, {spent / cap:.2f}x the --max-cost {cap:g}: the "
            "requests in flight cost more than estimated; set max_tokens to bound them "
            "(docs/engine.md, Budget)"
        )
    return lines


def retry_lines(run: Run) -> list[str]:
    """What ``--retry-errors`` did this time: pairs retried, now ok, and any the budget left."""
    r = run.manifest.get("retry_errors")
    if not r:
        return []
    retried, ok = r.get("retried", 0), r.get("ok", 0)
    line = f"  retried {retried} errored case repeat(s) of {r.get('errored', 0)}"
    lines = [line + (f": {ok} now ok, {retried - ok} errored again" if retried else "")]
    if r.get("not_retried"):
        hint = _finish_hint(run, "--retry-errors")
        lines.append(f"  {r['not_retried']} errored case repeat(s) not retried: {hint}")
    return lines


def _finish_hint(run: Run, *flags: str) -> str:
    """Why a run stopped sending requests, and the command that finishes it."""
    stopped = run.manifest.get("stopped") or {"by": "budget", "reason": "budget reached"}
    cmd = " ".join(["evalkit run --resume", str(run.path), *flags])
    if stopped.get("by") == "provider":
        return f"{stopped.get('reason')}; once the limit resets, finish with: {cmd}"
    return f"{stopped.get('reason')}; finish with: {cmd} --max-cost USD"


def _stored_records(run: Run) -> Sequence[Record]:
    """The run's records, read back from disk when the run kept none in memory (the command
    runs with keep_records=False, for flat memory), each slimmed to what the summary reads:
    100,000 whole records (requests, outputs, score evidence) held 280 MB for a few lines."""
    if run.records or not run.manifest.get("counts", {}).get("records"):
        return run.records
    from evalkit.records import RESULTS, dedupe, read_records

    path = run.path / RESULTS
    return dedupe(_slim(r) for r in read_records(path)) if path.exists() else ()


def _slim(r: Record) -> Record:
    """``r`` without what the run summary never reads: the request, the output and tool calls
    but for whether there were any (``empty.rate``), and score evidence (an aggregate reads
    only ``outcome`` and ``metrics`` of the details)."""
    from dataclasses import replace

    scores = {
        name: replace(
            s,
            reason="",
            details={k: s.details[k] for k in ("outcome", "metrics") if k in s.details},
        )
        for name, s in r.scores.items()
    }
    output = r.output.strip()[:1]
    return replace(r, request={}, output=output, tool_calls=r.tool_calls[:1], scores=scores)


def error_lines(records: Sequence[Record]) -> list[str]:
    """Per error kind (first seen first), each distinct message with how many records carry
    it and the first of them: the message names the cause and the fix (a base_url nobody
    listens on, a wrong key), which a count alone hides, and one odd message must not stand
    for a kind whose other records share another (:func:`~evalkit.cli._error_rate.
    error_groups`). At most three messages per kind; the rest are counted."""
    from evalkit.cli._error_rate import error_groups

    by_kind: dict[str, list[ErrorGroup]] = {}
    for r in records:
        if r.error is not None:
            by_kind.setdefault(r.error.kind, [])
    for g in error_groups(records):
        by_kind[g.kind].append(g)
    lines = []
    for kind, groups in by_kind.items():
        lines += [
            f"  {kind} ({g.count} record{'s' if g.count != 1 else ''}, first "
            f"{g.first.case_id} #{g.first.repeat}): "
            f"{g.message}"
            for g in groups[:_SHOWN_PER_KIND]
        ]
        rest = groups[_SHOWN_PER_KIND:]
        if rest:
            lines.append(
                f"  {kind}: {sum(g.count for g in rest)} more record(s) with {len(rest)} "
                "other message(s)"
            )
    return lines


_SHOWN_PER_KIND = 3


def scorer_lines(run: Run, records: Sequence[Record] | None = None) -> list[str]:
    """Per scorer, over the whole run: mean and pass rate with their 95% intervals (per tag:
    ``SuiteResult.summary()`` / ``evalkit.frames.aggregates_frame``, or the report)."""
    from evalkit.aggregate import aggregate

    def est(e: Any, pct: bool) -> str:
        f = (lambda v: f"{v:.1%}") if pct else (lambda v: f"{v:.3f}")
        ci = f" [{f(e.low)}, {f(e.high)}]" if e.low is not None and e.high is not None else ""
        return f"{f(e.value)}{ci}"

    if records is None:
        records = _stored_records(run)

    def over(n: int, of: int) -> str:
        return f"over {n} case(s)" if n == of else f"over {n} of {of} case(s)"

    out = []
    for s in aggregate(records).scorers:
        # Each figure says how many cases it is over: a case with no value or no verdict
        # (refusal without should_refuse) is one the scorer applied to but not in the figure.
        figures = [
            (f"{label} {est(e, pct)}", e.n)
            for label, e, pct in (("mean", s.mean, False), ("pass rate", s.pass_rate, True))
            if e.value is not None
        ]
        if not figures:
            what = f"no values over {s.cases} case(s)"
        elif len({n for _, n in figures}) == 1:
            what = f"{', '.join(f for f, _ in figures)} {over(figures[0][1], s.cases)}"
        else:
            what = ", ".join(f"{f} {over(n, s.cases)}" for f, n in figures)
        # Counted in records (repeats), as the figures above are in cases: say which.
        provider, unscored = s.errors - s.unscored, s.unscored
        errors = "".join(
            f", {n} record(s) {label}"
            for n, label in (
                (provider, "with a provider error"),
                (unscored, "with a scorer error (unscored)"),
            )
            if n
        )
        out.append(f"  {s.name}: {what}{errors}")
    return out
