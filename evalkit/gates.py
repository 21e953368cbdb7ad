"""Promotion gates: turn :class:`~evalkit.config.Gate` rules into a PASS/FAIL verdict with a
reason in plain words for every rule.

Absolute rules (``min``, ``max``) look at the candidate alone; delta rules (``max_drop``,
``max_rise``, ``max_rise_pct``) compare the candidate with the baseline, and with ``alpha`` fail
only when the change is also significant (p < alpha, from the comparison's paired test);
``no_new_failures`` fails when any case that was fine in the baseline is not now. ``tag``
restricts a rule to the cases with that tag. A gate that cannot be evaluated (unknown metric,
no cases with the tag, no value) fails and says why: a gate that silently passes is worse.

:func:`evaluate_gates` works on a :class:`~evalkit.comparison.Comparison`;
:func:`check_thresholds` checks the absolute rules on a single run (suite gates without a
baseline) and marks the delta rules ``skip``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from evalkit.aggregate import RunMetrics
from evalkit.aggregate_types import RUN_METRICS
from evalkit.comparison import CaseRow, Comparison, Delta, GateResult, Verdict
from evalkit.config import Gate
from evalkit.errors import did_you_mean

__all__ = [
    "BUILTIN_RULES",
    "DELTA_RULES",
    "answered_nothing",
    "check_thresholds",
    "error_limit",
    "evaluate_gates",
    "fmt",
    "new_errors",
]

DELTA_RULES = ("max_drop", "max_rise", "max_rise_pct")
BUILTIN_RULES = ("answered", "new_errors")
"""The ``rule`` of the results :func:`evaluate_gates` adds on its own (no gate declares them)."""
MAX_CASES = 50
"""Case ids kept on a failing ``no_new_failures`` result."""


def fmt(x: float | None) -> str:
    """A number for a reason: three significant digits, thousands without decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if abs(x) < 1e-9:  # 0, or float noise such as a bootstrap bound of -1e-12
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}".replace("-", "−")


def _ci(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"95% CI {fmt(low)}…{fmt(high)}"


def _where(gate: Gate) -> str:
    return f" on cases tagged {gate.tag!r}" if gate.tag else ""


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


def _unpriced_models(cmp: Comparison, tag: str | None, side: str) -> list[str]:
    """Models reported by ``side``'s answered cases without a known cost, first seen first."""
    out: dict[str, None] = {}
    for row in cmp.rows(tag=tag):
        cell = getattr(row, side)
        if cell is not None and cell.error is None and cell.cost is None and cell.model:
            out.setdefault(cell.model, None)
    return list(out)


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


def _unknown_metric(gate: Gate, rule: str, known: list[str]) -> GateResult:
    """A failed gate naming the metric it cannot find, with a did-you-mean and the choices."""
    hint = did_you_mean(gate.metric, known)
    return _result(
        gate, rule, False, f"{gate.metric}: unknown metric;{hint} metrics here: {', '.join(known)}"
    )


def _result(gate: Gate, rule: str, ok: bool, reason: str, **kw: Any) -> GateResult:
    threshold = None if rule == "no_new_failures" else getattr(gate, rule)
    return GateResult(
        gate=gate.label,
        metric=gate.metric,
        tag=gate.tag,
        rule=rule,
        threshold=threshold,
        status="pass" if ok else "fail",
        reason=reason,
        **kw,
    )


def _rules(gate: Gate) -> list[str]:
    rules = [r for r in ("min", "max", *DELTA_RULES) if getattr(gate, r) is not None]
    return rules + (["no_new_failures"] if gate.no_new_failures else [])


# ------------------------------------------------------------------------------ comparison


def evaluate_gates(comparison: Comparison, gates: Iterable[Gate]) -> Verdict:
    """Evaluate every rule of every gate against a comparison; every result has a reason.

    Then the built-in rules (:data:`BUILTIN_RULES`), which no configuration has to ask for:
    a candidate that answered nothing (:func:`answered_nothing`) and, unless the suite gates
    ``errors.rate`` itself, new provider errors (:func:`new_errors`)."""
    gates = tuple(gates)
    results: list[GateResult] = []
    for gate in gates:
        for rule in _rules(gate):
            results.append(_evaluate(comparison, gate, rule))
    run = comparison.overall.candidate_run
    if run.records and run.errors >= run.records:
        extra = None if any(not r.passed for r in results) else answered_nothing(comparison)
    elif any(g.metric == "errors.rate" and g.tag is None for g in gates):
        extra = None  # the suite set its own tolerance for provider errors: the opt-out
    else:
        extra = new_errors(comparison)
    return Verdict((*results, extra) if extra else tuple(results))


def answered_nothing(cmp: Comparison) -> GateResult | None:
    """A failed result when every record of the candidate is a provider error and no gate
    failed already: a comparison in which nothing was evaluated is no PASS (a suite without
    gates, or with gates only on what the errors leave alone, said PASS for it)."""
    run = cmp.overall.candidate_run
    if run.records == 0 or run.errors < run.records:
        return None
    why = _why_unknown("errors.rate", run)
    return GateResult(
        gate="the candidate answered",
        metric="errors.rate",
        tag=None,
        rule="answered",
        threshold=None,
        status="fail",
        reason=f"nothing was evaluated{why}; {_hint(why)}",
        observed=1.0,
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
        if r.baseline is not None
        and r.candidate is not None
        and r.candidate.error is not None
        and r.baseline.error is None
    ]
    if not new:
        return None
    kinds: dict[str, list[CaseRow]] = {}
    for r in new:
        assert r.candidate is not None and r.candidate.error is not None
        kinds.setdefault(str(r.candidate.error.get("kind") or "unknown"), []).append(r)
    common = max(kinds, key=lambda k: len(kinds[k]))  # first seen wins a tie
    first = kinds[common][0]
    assert first.candidate is not None and first.candidate.error is not None
    counts = ", ".join(f"{k} {len(v)}" for k, v in sorted(kinds.items(), key=lambda x: -len(x[1])))
    said = _line(str(first.candidate.error.get("message") or ""), 160)
    compared = sum(1 for r in cmp.cases if r.baseline is not None and r.candidate is not None)
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
    shown = ", ".join(r.case_id for r in new[:10]) + (", ..." if len(new) > 10 else "")
    return GateResult(
        gate="no new provider errors",
        metric="errors.rate",
        tag=None,
        rule="new_errors",
        threshold=None,
        status="fail",
        reason=(
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
    return GateResult(
        gate="--max-error-rate",
        metric="errors.rate",
        tag=None,
        rule="max_error_rate",
        threshold=max_rate,
        status="fail",
        reason=reason,
    )


def _line(message: str, limit: int = 300) -> str:
    """An error message on one line, cut at ``limit`` characters."""
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _evaluate(cmp: Comparison, gate: Gate, rule: str) -> GateResult:
    sl = cmp.slice(gate.tag)
    if sl is None or sl.cases == 0:
        return _result(
            gate,
            rule,
            False,
            f"{gate.metric}: no shared case is tagged {gate.tag!r}, so the gate cannot be "
            f"checked; fix the tag (tags here: {', '.join(t.tag or '' for t in cmp.tags) or 'none'})",
        )
    ruler = _ruler_changed(cmp, gate.metric) if rule not in ("min", "max") else None
    if ruler:
        return _result(gate, rule, False, ruler)
    if rule == "no_new_failures":
        return _no_new_failures(cmp, gate)
    delta = sl.metric(gate.metric) or _implicit_rate(gate.metric, sl.metrics)
    if delta is None:
        return _unknown_metric(gate, rule, [m.metric for m in cmp.overall.metrics])
    why = {
        side: _why_unknown(gate.metric, run, _unpriced_models(cmp, gate.tag, side))
        for side, run in (("baseline", sl.baseline_run), ("candidate", sl.candidate_run))
    }
    if rule in ("min", "max"):
        return _absolute(
            gate, rule, delta.candidate, delta.candidate_ci, delta.n, why=why["candidate"]
        )
    return _delta_rule(gate, rule, delta, why)


def _ruler_changed(cmp: Comparison, metric: str) -> str | None:
    """Why a comparing rule cannot judge ``metric``: its scorer was set up differently in the
    two runs (a threshold, a method), so a delta would measure the change of ruler."""
    scorer = "" if metric in RUN_METRICS else metric.split(".")[0]
    changed = cmp.config.rescored(scorer) if scorer else []
    if not changed:
        return None
    what = "; ".join(f"{c.key.split('.', 2)[2]} {c.baseline!r} → {c.candidate!r}" for c in changed)
    return (
        f"{metric}: not judged: scorer {scorer!r} was set up differently in the two runs "
        f"({what}), so the change is partly the ruler's; score both runs alike (evalkit score "
        "BASELINE_RUN --out NEW_DIR --config C --suite S) and compare again"
    )


def _implicit_rate(metric: str, known: Sequence[Delta]) -> Delta | None:
    """``<scorer>.<label>_rate`` for a label no case had: a rate of 0 on each side where the
    scorer judged a case, unknown on a side where it judged none (every record an error), so
    a gate such as "no new under-refusal" cannot pass on answers nobody saw."""
    scorer, _, stat = metric.rpartition(".")
    mean = next((d for d in known if d.metric == f"{scorer}.mean"), None)
    if not stat.endswith("_rate") or mean is None:
        return None
    base = None if mean.baseline is None else 0.0
    cand = None if mean.candidate is None else 0.0
    return Delta(metric, base, cand, None if base is None or cand is None else 0.0)


def _absolute(
    gate: Gate,
    rule: str,
    value: float | None,
    ci: tuple[float | None, float | None],
    n: int,
    *,
    why: str = "",
) -> GateResult:
    bound = getattr(gate, rule)
    name = f"{gate.metric}{_where(gate)}"
    if value is None:
        if why:
            return _result(gate, rule, False, f"{name} has no value{why}; {_hint(why)}")
        return _result(gate, rule, False, f"{name} has no value (nothing was measured)")
    ok = value >= bound if rule == "min" else value <= bound
    op = (">=" if ok else "<") if rule == "min" else ("<=" if ok else ">")
    extra = ", ".join(x for x in (_ci(*ci), f"n={n}" if n else "") if x)
    return _result(
        gate,
        rule,
        ok,
        f"{name} {fmt(value)} {op} {rule} {fmt(bound)}" + (f" ({extra})" if extra else ""),
        observed=value,
    )


def _delta_rule(
    gate: Gate, rule: str, d: Delta, why: Mapping[str, str] | None = None
) -> GateResult:
    name = f"{gate.metric}{_where(gate)}"
    limit = getattr(gate, rule)
    if d.baseline is None or d.candidate is None or d.delta is None:
        sides = [s for s, v in (("baseline", d.baseline), ("candidate", d.candidate)) if v is None]
        why = why or {}
        text = " and ".join(f"the {s}{why.get(s, '')}" for s in sides or ["candidate"])
        hint = next((f"; {_hint(why[s])}" for s in sides if why.get(s)), "")
        return _result(gate, rule, False, f"{name} has no value in {text}; cannot compare{hint}")
    stats = ", ".join(
        x
        for x in (
            f"{fmt(d.baseline)} → {fmt(d.candidate)}",
            _ci(d.low, d.high),
            f"p={_p(d.p_value)}" if d.p_value is not None else "",
        )
        if x
    )
    if rule == "max_drop":
        change, verb = -d.delta, "dropped" if d.delta < 0 else "rose"
        over = change > limit
        text = f"{name} {verb} {fmt(abs(d.delta))} ({stats})"
        allowed = f"allowed drop {fmt(limit)}"
    elif rule == "max_rise":
        change, verb = d.delta, "rose" if d.delta > 0 else "dropped"
        over = change > limit
        text = f"{name} {verb} {fmt(abs(d.delta))} ({stats})"
        allowed = f"allowed rise {fmt(limit)}"
    else:
        if d.baseline == 0:
            change = math.inf if d.candidate > 0 else 0.0
            text = f"{name} went from 0 to {fmt(d.candidate)} ({stats})"
        else:
            change = d.delta / abs(d.baseline) * 100
            verb = "rose" if change > 0 else "dropped"
            text = f"{name} {verb} {fmt(abs(change))}% ({stats})"
        over = change > limit
        allowed = f"allowed rise {fmt(limit)}%"
    if not over:
        return _result(
            gate, rule, True, f"{text}, within {allowed}", observed=change, p_value=d.p_value
        )
    if gate.alpha is not None:
        if d.p_value is None:
            text += f"; no paired test for this metric, so alpha {fmt(gate.alpha)} is not applied"
        elif d.p_value >= gate.alpha:
            return _result(
                gate,
                rule,
                True,
                f"{text} > {allowed}, but not significant (p={_p(d.p_value)} ≥ alpha "
                f"{fmt(gate.alpha)})",
                observed=change,
                p_value=d.p_value,
            )
    return _result(gate, rule, False, f"{text} > {allowed}", observed=change, p_value=d.p_value)


def _p(p: float | None) -> str:
    if p is None:
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _no_new_failures(cmp: Comparison, gate: Gate) -> GateResult:
    rows = [r for r in cmp.rows(tag=gate.tag) if r.baseline and r.candidate]
    test, what = _new_failure_test(gate.metric, cmp)
    if test is None:
        known = [s.name for s in cmp.overall.scorers]
        return _result(
            gate,
            "no_new_failures",
            False,
            f"{gate.metric}: no_new_failures needs a scorer name, '<scorer>.<outcome>_rate', "
            f"'errors.rate' or 'cases';{did_you_mean(gate.metric.split('.')[0], known)} "
            f"scorers here: {', '.join(known) or 'none'}",
        )
    new = [r.case_id for r in rows if test(r)]
    name = f"{gate.metric}{_where(gate)}"
    if not new:
        return _result(
            gate,
            "no_new_failures",
            True,
            f"{name}: no new failures ({len(rows)} case(s) compared)",
            observed=0,
        )
    shown = ", ".join(new[:10]) + (f", ... ({len(new) - 10} more)" if len(new) > 10 else "")
    return _result(
        gate,
        "no_new_failures",
        False,
        f"{name}: {len(new)} new {what}: {shown}",
        observed=float(len(new)),
        cases=tuple(new[:MAX_CASES]),
    )


def _new_failure_test(metric: str, cmp: Comparison) -> tuple[Any, str]:
    if metric in ("cases", "*", "all"):
        return (lambda r: r.status == "regression"), "case(s) passed in the baseline and fail now"
    if metric == "errors.rate":
        return (
            lambda r: r.candidate.error is not None and r.baseline.error is None
        ), "case(s) have a provider error now and had none in the baseline"
    scorers = {s.name for s in cmp.overall.scorers}
    scorer, _, stat = metric.rpartition(".")
    if metric in scorers or (scorer in scorers and stat in ("mean", "pass_rate")):
        name = metric if metric in scorers else scorer
        return (
            lambda r: r.scorer_status.get(name) == "regression"
        ), f"case(s) passed {name} in the baseline and fail it now"
    if scorer in scorers and stat.endswith("_rate"):
        label = stat[: -len("_rate")]

        def has(side: Any) -> bool:
            cell = side.scores.get(scorer)
            return cell is not None and label in cell.outcomes

        def is_new(r: CaseRow) -> bool:
            return has(r.candidate) and not has(r.baseline)

        return is_new, f"case(s) are {label} now and were not in the baseline"
    return None, ""


from evalkit.gates_single import check_thresholds  # noqa: E402  (re-exported)
