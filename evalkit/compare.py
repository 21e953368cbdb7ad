"""Compare runs: is the candidate run safe to promote over the baseline run?

:func:`compare` pairs two runs case by case and returns a
:class:`~evalkit.comparison.Comparison` (the data model lives in :mod:`evalkit.comparison` and
is re-exported here): per-scorer aggregates with 95% intervals, paired differences with
intervals and p-values (paired bootstrap for values, McNemar mid-p for pass/fail), per-case
status, the same per tag, cost/token/latency deltas, errors by kind, the configuration diff
and the gate verdict. Definitions are in :mod:`evalkit.aggregate` and ``docs/compare.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from evalkit.aggregate import (
    CaseSummary,
    declared_outcomes,
    scorer_names,
    summarise_cases,
)
from evalkit.changes import config_diff
from evalkit.compare_pairing import dataset_match, run_info
from evalkit.compare_slices import SliceBuilder, outcome_directions, pair_status, status_of
from evalkit.comparison import (
    SCHEMA_VERSION,
    STATUSES,
    CaseRow,
    CaseSide,
    Comparison,
    ConfigDiff,
    DatasetMatch,
    Delta,
    FieldChange,
    GateResult,
    RunInfo,
    ScoreCell,
    ScorerComparison,
    SliceComparison,
    Status,
    StatusCounts,
    TextDiff,
    Verdict,
)
from evalkit.comparison_judges import judges_of
from evalkit.comparison_meta import unfinished_text
from evalkit.dataset_messages import conversation_text
from evalkit.records import Record, Run

if TYPE_CHECKING:
    from evalkit.config import Gate

__all__ = [
    "SCHEMA_VERSION",
    "STATUSES",
    "CaseRow",
    "CaseSide",
    "Comparison",
    "ConfigDiff",
    "DatasetMatch",
    "Delta",
    "FieldChange",
    "GateResult",
    "RunInfo",
    "ScoreCell",
    "ScorerComparison",
    "SliceComparison",
    "Status",
    "StatusCounts",
    "TextDiff",
    "Verdict",
    "compare",
    "compare_many",
    "status_of",
]

# ------------------------------------------------------------------------------ compute


def compare(
    baseline: Run,
    candidate: Run,
    *,
    gates: Sequence[Gate] = (),
    allow_dataset_mismatch: bool = False,
    allow_partial: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
) -> Comparison:
    """Compare a candidate run with a baseline run, case by case, and apply ``gates``.

    Raises :class:`~evalkit.errors.InputError` when the runs used different eval set versions
    (unless ``allow_dataset_mismatch``; then only shared case ids are compared and
    ``Comparison.dataset`` says how many) or share no case at all. A run that stopped before
    answering every case (its manifest ``status``) fails the verdict unless ``allow_partial``.
    """
    match, changed = dataset_match(baseline, candidate, allow_dataset_mismatch)
    names = tuple(
        sorted(
            set(scorer_names(baseline.records, baseline.manifest))
            | set(scorer_names(candidate.records, candidate.manifest))
        )
    )
    base = summarise_cases(baseline.records, names)
    cand = summarise_cases(candidate.records, names)
    shared = [cid for cid in base if cid in cand and cid not in changed]
    tags = {cid: tuple(dict.fromkeys(base[cid].tags + cand[cid].tags)) for cid in shared}
    directions = outcome_directions(names, (baseline, candidate))
    build = SliceBuilder(base, cand, names, n_boot=n_boot, seed=seed, directions=directions)
    overall = build(None, shared)
    tag_slices = tuple(
        build(t, [cid for cid in shared if t in tags[cid]])
        for t in sorted({t for ts in tags.values() for t in ts})
    )
    rows = [_row(cid, base.get(cid), cand.get(cid), cid in changed) for cid in base]
    rows += [_row(cid, None, cand[cid]) for cid in cand if cid not in base]
    b_info, c_info = run_info(baseline), run_info(candidate)
    comparison = Comparison(
        baseline=b_info,
        candidate=c_info,
        dataset=replace(match, unfinished=unfinished_text(b_info, c_info)),
        config=config_diff(
            baseline.candidate,
            candidate.candidate,
            (baseline.manifest.get("scorers") or (), candidate.manifest.get("scorers") or ()),
        ),
        overall=overall,
        tags=tag_slices,
        cases=tuple(rows),
        verdict=Verdict(()),
        settings={"confidence": 0.95, "n_boot": n_boot, "seed": seed},
        judges=judges_of(baseline.manifest, candidate.manifest),
        outcomes=declared_outcomes((baseline.manifest, candidate.manifest)),
    )
    from evalkit.gates import evaluate_gates  # also without gates: see answered_nothing

    verdict = evaluate_gates(comparison, gates or (), allow_partial=allow_partial)
    return replace(comparison, verdict=verdict)


def compare_many(
    baseline: Run,
    candidates: Sequence[Run],
    *,
    gates: Sequence[Gate] = (),
    allow_dataset_mismatch: bool = False,
    allow_partial: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
) -> list[Comparison]:
    """One :class:`Comparison` per candidate run, each against the same baseline."""
    return [
        compare(
            baseline,
            c,
            gates=gates,
            allow_dataset_mismatch=allow_dataset_mismatch,
            allow_partial=allow_partial,
            n_boot=n_boot,
            seed=seed,
        )
        for c in candidates
    ]


# ------------------------------------------------------------------------------ rows


def _row(
    case_id: str, b: CaseSummary | None, c: CaseSummary | None, edited: bool = False
) -> CaseRow:
    if b is not None and c is not None and edited:
        status = "content_changed"
        per = {n: status for n in sorted(set(b.scorers) | set(c.scorers))}
    elif b is not None and c is not None:
        status = pair_status(b, c)
        names = sorted(set(b.scorers) | set(c.scorers))
        per = {
            n: status_of(
                b.scorers[n].passed if n in b.scorers else None,
                c.scorers[n].passed if n in c.scorers else None,
            )
            for n in names
        }
    else:
        one = b or c
        assert one is not None
        status = "baseline_only" if c is None else "candidate_only"
        per = {n: status for n in one.scorers}
    first = (b or c).records[0]  # type: ignore[union-attr]
    return CaseRow(
        case_id=case_id,
        tags=tuple(dict.fromkeys((b.tags if b else ()) + (c.tags if c else ()))),
        input=_input_text(first.request),
        status=status,  # type: ignore[arg-type]
        scorer_status=per,  # type: ignore[arg-type]
        baseline=_side(b) if b else None,
        candidate=_side(c) if c else None,
    )


def _input_text(request: Mapping[str, Any]) -> str:
    """The non-system turns, tool calls and tool results shown as such."""
    return conversation_text(request.get("messages") or ())


def _agrees(r: Record, s: CaseSummary) -> bool:
    """Whether every scorer's verdict on repeat ``r`` is the case's majority verdict."""
    return all(
        r.scores[name].passed == cs.passed for name, cs in s.scorers.items() if name in r.scores
    )


def _side(s: CaseSummary) -> CaseSide:
    recs = s.records
    # The repeat shown (output, tool calls, reasons, evidence): the first that agrees with the
    # majority verdict. The first repeat alone made a flaky case listed as a regression quote
    # a passing answer ("output contains "hello"").
    first = next((r for r in recs if r.error is None and _agrees(r, s)), recs[0])
    repeats = len(recs)
    scores: dict[str, ScoreCell] = {}
    for name, cs in s.scorers.items():
        shown = [first, *recs]
        src = next((r.scores[name] for r in shown if name in r.scores), None)
        err_rec = next((r for r in recs if r.error is not None), None)
        error = src.error if src is not None else None
        if error is None and src is None and err_rec is not None and err_rec.error is not None:
            error = f"provider error: {err_rec.error.kind}"
        if error is None and cs.unscored:  # the repeat shown scored; another one did not
            bad = next(r for r in recs if name in r.scores and r.scores[name].error is not None)
            error = f"repeat #{bad.repeat} ({cs.unscored} of {repeats}): {bad.scores[name].error}"
        scores[name] = ScoreCell(
            value=cs.value,
            passed=cs.passed,
            pass_rate=cs.pass_rate if repeats > 1 else None,
            reason=src.reason if src is not None else "",
            details=src.details if src is not None else {},
            error=error,
            outcomes=tuple(sorted(cs.outcomes)),
            unscored=cs.unscored,
        )
    costs = [r.cost for r in recs if r.cost is not None]
    lats = [r.latency_ms for r in recs if r.latency_ms is not None]
    err = next((r.error for r in recs if r.error is not None), None)
    return CaseSide(
        output=first.output,
        passed=s.passed,
        scores=scores,
        tool_calls=tuple(t.to_dict() for t in first.tool_calls),
        cost=sum(costs) / len(costs) if costs else None,
        usage_estimated=any(r.usage.estimated for r in recs),
        latency_ms=sum(lats) / len(lats) if lats else None,
        error=err.to_dict() if err else None,
        model=next((r.model for r in recs if r.model), None),
        repeats=repeats,
        verdicts=s.verdicts if repeats > 1 else (),
        truncated=sum(1 for r in recs if r.error is None and r.finish_reason == "length"),
        finish_reason=None if first.finish_reason in _PLAIN_END else first.finish_reason,
        finish_unknown=sum(1 for r in recs if r.error is None and r.finish_reason == "unknown"),
    )


_PLAIN_END = ("stop", "tool_calls", "unknown", "error")
"""Finish reasons a case's side does not mention: an answer that simply ended (or none:
a provider error, shown as such)."""
