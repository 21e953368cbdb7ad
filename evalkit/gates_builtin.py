"""The verdict's built-in rules, which no configuration has to ask for, and the words every
gate uses to say why a metric has no value and what to do.

A comparison in which the candidate answered nothing, had provider errors on cases the
baseline answered, gave empty answers where the baseline answered, or made a scorer fail on
cases the baseline got a score for, said PASS whenever the suite's gates looked only at means
and pass rates: an errored, empty or unscored case has no claim to check, no text to miss.
These rules make such a run fail by default; a suite opts out by gating the metric itself
(``errors.rate``, ``empty.rate``, ``truncated.rate``, ``<scorer>.unscored_rate``, without a
tag). Answers cut off by ``max_tokens`` have their rule in :mod:`evalkit.gates_truncated`.
:func:`builtin_results` applies them for :func:`evalkit.gates.evaluate_gates`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from evalkit.aggregate import RunMetrics
from evalkit.comparison import CaseRow, Comparison, GateResult
from evalkit.comparison_cases import CaseSide, ScoreCell
from evalkit.config import Gate
from evalkit.scoring_run import shown_in_case

__all__ = [
    "BUILTIN_RULES",
    "ERRORS_HINT",
    "MAX_CASES",
    "MISSES_HINT",
    "answered_nothing",
    "builtin_results",
    "error_limit",
    "new_empty_answers",
    "new_errors",
    "new_scorer_errors",
]

BUILTIN_RULES = (
    "finished",
    "answered",
    "new_errors",
    "new_empty_answers",
    "new_truncated",
    "new_scorer_errors",
)
"""The ``rule`` of the results :func:`evalkit.gates.evaluate_gates` adds on its own."""
MAX_CASES = 50
"""Case ids kept on a failing result that lists cases."""


_COST_METRICS = ("cost.total", "cost.per_case")
"""Run metrics that are unknown (``None``) when any answered record is unpriced."""


def _why_unknown(metric: str, run: RunMetrics, models: Sequence[str] = ()) -> str:
    """Why a run metric has no value, in words: for a cost metric, how many answered records
    are unpriced (and which models they report), so "cannot compare" says what to fix."""
    if run.records and run.errors == run.records:
        kinds = ", ".join(f"{k} {n}" for k, n in run.errors_by_kind.items())
        return f"{_ERRORS_WHY}: {kinds or run.errors})"
    if metric not in _COST_METRICS or not run.cost_unknown:
        return ""
    named = ", ".join(repr(m) for m in models[:3]) + (", ..." if len(models) > 3 else "")
    which = f", {'model' if len(models) == 1 else 'models'} {named}" if named else ""
    return f" ({run.unpriced_text()}{which})"


_ERRORS_WHY = " (every record is a provider error"
ERRORS_HINT = (
    "fix what the errors say (the run's summary and the report show them), then finish the "
    "run with `evalkit run --resume RUN_DIR --retry-errors`"
)
MISSES_HINT = (
    "the answers were never recorded for this configuration: record them where the provider "
    "is reachable (pytest --evalkit-mode record, or evalkit run --cache-mode use)"
)


def _hint(why: str) -> str:
    """The next step for a metric without a value: record, fix the errors, or price."""
    if not why.startswith(_ERRORS_WHY):
        return _PRICE_HINT
    kinds = why[len(_ERRORS_WHY) + 2 : -1].split(", ")
    return MISSES_HINT if all(k.startswith("cache_miss ") for k in kinds) else ERRORS_HINT


_PRICE_HINT = (
    "add a [prices] entry for the model to the config (USD per 1M tokens, or same_as = a "
    "priced model) and run again; cached answers are re-priced without a new call"
)


def answered_nothing(cmp: Comparison) -> GateResult | None:
    """A failed result when every record of the candidate is a provider error and no gate
    failed already: a comparison in which nothing was evaluated is no PASS (a suite without
    gates, or with gates only on what the errors leave alone, said PASS for it)."""
    run = cmp.overall.candidate_run
    if run.records == 0 or run.errors < run.records:
        return None
    why = _why_unknown("errors.rate", run)
    reason = f"nothing was evaluated{why}; {_hint(why)}"
    return _failed("the candidate answered", "errors.rate", "answered", reason, observed=1.0)


def _natural(case_id: str) -> list[Any]:
    """``c8`` before ``c10``: the order a reader expects, whatever order the answers came in."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", case_id)]


def _ids(rows: Sequence[CaseRow]) -> str:
    """The first ten case ids, for a reason."""
    return ", ".join(r.case_id for r in rows[:10]) + (", ..." if len(rows) > 10 else "")


def _failed(gate: str, metric: str, rule: str, reason: str, **kw: Any) -> GateResult:
    """A failed result of a rule no gate declares (no tag; a threshold only for
    ``--max-error-rate``)."""
    kw.setdefault("threshold", None)
    return GateResult(
        gate=gate, metric=metric, tag=None, rule=rule, status="fail", reason=reason, **kw
    )


_FIRST_STEP = {
    "auth": "check the API key (api_key_env)",
    "not_found": "check the model ID and base_url",
    "connection": "check base_url and that the provider is reachable",
    "rate_limit": "lower the candidate's concurrency or wait for the quota",
    "timeout": "raise timeout_s or lower the concurrency",
}
"""The first thing to fix for an error kind, before calling the failed cases again."""


def new_errors(cmp: Comparison) -> GateResult | None:
    """A failed result when the candidate has a provider error on a case the baseline answered.

    An errored record has no response, so no score: a scorer's mean leaves it out (as it must:
    counted as 0, a cost or latency mean would read cheaper and faster), and a gate on a mean
    judged the answered cases only, so a candidate whose calls failed on a quarter of the eval
    set said PASS. Opt-out, not opt-in: a suite that gates ``errors.rate`` itself (no tag) sets
    its own tolerance and :func:`evaluate_gates` does not call this. Errors the baseline had on
    the same cases are not new and do not count."""
    new = [
        r
        for r in cmp.cases
        if r.paired
        and r.candidate is not None
        and r.baseline is not None
        and r.candidate.error is not None
        and r.baseline.error is None
    ]
    if not new:
        return None
    new.sort(key=lambda r: _natural(r.case_id))  # rows come in answer order, which varies
    kinds: dict[str, list[CaseRow]] = {}
    for r in new:
        assert r.candidate is not None and r.candidate.error is not None
        kinds.setdefault(str(r.candidate.error.get("kind") or "unknown"), []).append(r)
    common = max(kinds, key=lambda k: len(kinds[k]))  # first seen wins a tie
    first = kinds[common][0]
    assert first.candidate is not None and first.candidate.error is not None
    counts = ", ".join(f"{k} {len(v)}" for k, v in sorted(kinds.items(), key=lambda x: -len(x[1])))
    said = _line(str(first.candidate.error.get("message") or ""), 160)
    compared = sum(1 for r in cmp.cases if r.paired)
    where = f"{len(new)} of {compared} compared case(s)"
    if set(kinds) == {"cache_miss"}:
        what = (
            f"{where} have no recorded answer in the candidate (cache_miss: nothing was "
            "recorded for their requests; a call that failed while recording is not recorded "
            "either)"
        )
        todo = MISSES_HINT
    elif common == "bad_request":  # calling again cannot help: the input must change
        what = f"{where} have a provider error in the candidate and none in the baseline"
        todo = (
            "the provider refused the input (too long for the model's context, a parameter "
            "the model does not take): fix the cases or the prompt and run again"
        )
    else:
        what = f"{where} have a provider error in the candidate and none in the baseline"
        step = _FIRST_STEP.get(common, "fix what the errors say (the report shows each)")
        todo = (
            f"{step}, then call them again: evalkit run --resume {cmp.candidate.path} "
            "--retry-errors"
        )
    shown = _ids(new)
    return _failed(
        "no new provider errors",
        "errors.rate",
        "new_errors",
        (
            f"{what} ({counts}: {shown}; first {first.case_id}: {said}): unscored, so the "
            f"means and the gates on them judged the other {compared - len(new)} only; {todo}; "
            "to accept provider errors, gate errors.rate in the suite (e.g. max_rise = 0.05)"
        ),
        observed=float(len(new)),
        cases=tuple(r.case_id for r in new[:MAX_CASES]),
    )


def error_limit(reason: str, max_rate: float | None) -> GateResult:
    """The failed result ``evalkit check --max-error-rate`` adds to the verdict of a run
    over the limit (which exits 3), so that no verdict says PASS for it."""
    return _failed("--max-error-rate", "errors.rate", "max_error_rate", reason, threshold=max_rate)


def _line(message: str, limit: int = 300) -> str:
    """An error message on one line, cut at ``limit`` characters."""
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _empty(side: CaseSide | None) -> bool:
    """An answer with no text and no tool call (not a provider error: that has no answer)."""
    return (
        side is not None
        and side.error is None
        and not side.output.strip()
        and not (side.tool_calls)
    )


def _answered(side: CaseSide | None) -> bool:
    return side is not None and side.error is None and bool(side.output.strip() or side.tool_calls)


def new_empty_answers(cmp: Comparison) -> GateResult | None:
    """A failed result when the candidate's answer is empty (no text, no tool call) on a case
    the baseline answered.

    An empty answer makes no claim, so groundedness gives it 1.0; it refuses nothing, so the
    refusal scorer's under-refusal rate is untouched; it costs less. A candidate that returned
    "" for every case passed a suite gated on those (the ``evalkit init`` starter's three
    gates). Only a text scorer with expected phrases noticed, as a listed regression. Opt-out:
    a suite gate on ``empty.rate`` (no tag) sets its own tolerance."""
    new = [r for r in cmp.cases if r.paired and _empty(r.candidate) and _answered(r.baseline)]
    if not new:
        return None
    new.sort(key=lambda r: _natural(r.case_id))
    compared = sum(1 for r in cmp.cases if r.paired)
    shown = _ids(new)
    return _failed(
        "no new empty answers",
        "empty.rate",
        "new_empty_answers",
        (
            f"{len(new)} of {compared} compared case(s) have an empty answer in the candidate "
            f"(no text, no tool call) where the baseline answered ({shown}): an empty answer "
            "makes no claim and refuses nothing, so scorers of claims, refusals and cost do not "
            "count it against the candidate; look at why it answered nothing (a max_tokens "
            "spent on reasoning, a content filter, a pipeline that swallowed an exception); to "
            "accept empty answers, gate empty.rate in the suite (e.g. max = 0.05)"
        ),
        observed=float(len(new)),
        cases=tuple(r.case_id for r in new[:MAX_CASES]),
    )


def _run_dirs(result: GateResult, cmp: Comparison) -> GateResult:
    """``result`` with the hint's ``RUN_DIR`` replaced by the folder of the run whose every
    record is an error (both, when both are): a CI log said "evalkit run --resume RUN_DIR"."""
    if "RUN_DIR" not in result.reason:
        return result
    from dataclasses import replace

    sides = [
        str(info.path)
        for info, run in (
            (cmp.candidate, cmp.overall.candidate_run),
            (cmp.baseline, cmp.overall.baseline_run),
        )
        if run.records and run.errors >= run.records
    ] or [str(cmp.candidate.path)]
    reason = result.reason.replace("RUN_DIR", sides[0])
    return replace(result, reason=reason + "".join(f"; likewise for {s}" for s in sides[1:]))


def builtin_results(
    cmp: Comparison, gates: Iterable[Gate], results: Sequence[GateResult]
) -> tuple[GateResult, ...]:
    """The failed results of the built-in rules a comparison breaks, after the gates'
    ``results``: :func:`answered_nothing` (when no gate failed already) or, unless the suite
    gates ``errors.rate`` (no tag), :func:`new_errors`; unless it gates ``empty.rate``,
    :func:`new_empty_answers`; unless it gates ``truncated.rate``,
    :func:`evalkit.gates_truncated.new_truncated`; per scorer, unless it gates
    ``<scorer>.unscored_rate``, :func:`new_scorer_errors`. A tagged gate speaks for its tag
    only, so it opts nothing out."""
    from evalkit.gates_truncated import new_truncated  # it builds on this module's helpers

    own = {g.metric for g in gates if g.tag is None}
    run = cmp.overall.candidate_run
    if run.records and run.errors >= run.records:
        first = None if any(not r.passed for r in results) else answered_nothing(cmp)
    else:
        first = None if "errors.rate" in own else new_errors(cmp)
    empty = None if "empty.rate" in own else new_empty_answers(cmp)
    cut = None if "truncated.rate" in own else new_truncated(cmp)
    accepted = {m.removesuffix(".unscored_rate") for m in own if m.endswith(".unscored_rate")}
    added = (first, empty, cut, *new_scorer_errors(cmp, accepted))
    return tuple(_run_dirs(r, cmp) for r in added if r is not None)


def _unscored(cell: ScoreCell | None) -> bool:
    """A scorer error on some repeat of the case (a provider error is no scorer error)."""
    return cell is not None and cell.unscored > 0


def _scored(cell: ScoreCell | None, side: CaseSide) -> bool:
    """The scorer gave the case a value or a verdict on every repeat it applied to."""
    if cell is None or cell.unscored:
        return False
    return cell.value is not None or (cell.passed is not None and side.error is None)


def scorer_error_cases(cmp: Comparison, scorer: str) -> list[CaseRow]:
    """Rows where ``scorer`` has a scorer error in the candidate and scored the baseline, in
    case id order."""
    rows = [
        r
        for r in cmp.cases
        if r.paired
        and r.candidate is not None
        and r.baseline is not None
        and _unscored(r.candidate.scores.get(scorer))
        and _scored(r.baseline.scores.get(scorer), r.baseline)
    ]
    return sorted(rows, key=lambda r: _natural(r.case_id))


def new_scorer_errors(cmp: Comparison, accepted: Iterable[str] = ()) -> list[GateResult]:
    """One failed result per scorer that has a scorer error in the candidate on a case the
    baseline got a score from it for, except the ``accepted`` scorers.

    A scorer error leaves its case unscored: out of the mean and the pass rate, so that a judge
    rate-limited on a few cases does not make candidate regressions. But a user scorer that
    raises *because of the answer* (``json.loads(answer)["ok"]`` on an answer that is not JSON)
    turned 8 bad answers of 10 into 8 unscored ones, and the candidate passed every gate on the
    scorer. The two cannot be told apart, so a new scorer error fails the verdict, with the way
    out for each: fix the scorer, or re-score a transient failure. Opt-out, per scorer: a suite
    gate on ``<scorer>.unscored_rate`` (no tag) sets its own tolerance. Scorer errors the
    baseline had on the same case are not new."""
    skip = set(accepted)
    names = sorted({n for r in cmp.cases if r.candidate for n in r.candidate.scores} - skip)
    out = []
    for name in names:
        new = scorer_error_cases(cmp, name)
        if not new:
            continue
        first = new[0].candidate.scores[name]  # type: ignore[union-attr]
        # the line names the case already: the error without its "case '<id>': "
        said = _line(
            shown_in_case(first.error or first.reason or "no message", new[0].case_id), 160
        )
        compared = sum(
            1 for r in cmp.cases if r.paired and r.candidate and name in r.candidate.scores
        )
        reason = (
            f"{name}: {len(new)} of {compared} compared case(s) have a scorer error in the "
            f"candidate where the baseline got a score from {name} ({_ids(new)}; first "
            f"{new[0].case_id}: {said}): unscored, so {name}'s mean, pass rate and the gates "
            f"on them judged the other {compared - len(new)} only; if {name} raises on these "
            "answers, fix it to return a failing score (False, 0.0) for them; if the error was "
            "transient (a judge's rate limit, a timeout), score the answers again: run again "
            f"(cached answers are scored anew) or evalkit score {cmp.candidate.path} --out "
            f"NEW_DIR and compare that run; to accept scorer errors, gate {name}.unscored_rate "
            "in the suite (e.g. max = 0.05)"
        )
        out.append(
            _failed(
                f"no new scorer errors ({name})",
                f"{name}.unscored_rate",
                "new_scorer_errors",
                reason,
                observed=float(len(new)),
                cases=tuple(r.case_id for r in new[:MAX_CASES]),
            )
        )
    return out
